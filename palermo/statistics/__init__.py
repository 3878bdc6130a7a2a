"""Statistics: indicators, data sets, country-period figures (entered, imported, derived from case
records), validation, disclosure-controlled publication, flows and charts."""
