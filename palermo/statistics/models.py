"""Indicators, data sets, values and publications of trafficking statistics."""
