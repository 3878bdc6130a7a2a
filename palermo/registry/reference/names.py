"""Country names as depositaries print them, to ISO 3166 alpha-3.

pycountry knows the ISO names (short, official and common); the depositaries (UN Treaty
Collection, ILO NORMLEX, CoE Treaty Office) print the UN's own short names, older names and a
few participants that are not states. `ALIASES` lists each such name explicitly; a name that
neither knows is an error naming it, so a new spelling is added here on purpose, never guessed.
"""

from __future__ import annotations

import pycountry

# Name as printed by a depositary -> ISO 3166-1 alpha-3 (ISO 3166-3 for former states).
ALIASES: dict[str, str] = {
    "Bolivia (Plurinational State of)": "BOL",
    "Cabo Verde": "CPV",
    "Cape Verde": "CPV",
    "Congo": "COG",
    "Cook Islands": "COK",
    "Côte d'Ivoire": "CIV",
    "Czech Republic": "CZE",
    "Czechia": "CZE",
    "Democratic People's Republic of Korea": "PRK",
    "Democratic Republic of the Congo": "COD",
    "Eswatini": "SWZ",
    "Holy See": "VAT",
    "Iran (Islamic Republic of)": "IRN",
    "Lao People's Democratic Republic": "LAO",
    "Micronesia (Federated States of)": "FSM",
    "Niue": "NIU",
    "North Macedonia": "MKD",
    "Republic of Korea": "KOR",
    "Republic of Moldova": "MDA",
    "Serbia and Montenegro": "SCG",
    "St. Kitts and Nevis": "KNA",
    "St. Lucia": "LCA",
    "St. Vincent and the Grenadines": "VCT",
    "State of Palestine": "PSE",
    "Swaziland": "SWZ",
    "Syrian Arab Republic": "SYR",
    "The former Yugoslav Republic of Macedonia": "MKD",
    "Turkey": "TUR",
    "Türkiye": "TUR",
    "United Kingdom of Great Britain and Northern Ireland": "GBR",
    "United Republic of Tanzania": "TZA",
    "United States of America": "USA",
    "Venezuela (Bolivarian Republic of)": "VEN",
    "Viet Nam": "VNM",
}

# Participants that are not states (regional economic integration organisations): the
# registry keys facts by state, so their statements are listed apart (see `depositary_rows`).
NON_STATE: frozenset[str] = frozenset({"European Union", "European Community"})


class UnknownName(LookupError):
    """A participant name that neither the alias table nor pycountry knows."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(name)


def iso3_for(name: str) -> str | None:
    """The alpha-3 code of a participant as printed; None for a non-state participant.

    Raises UnknownName for a name that is neither an alias nor an ISO name."""
    name = " ".join(name.split())
    if name in NON_STATE:
        return None
    if name in ALIASES:
        return ALIASES[name]
    for lookup in (pycountry.countries, pycountry.historic_countries):
        try:
            return str(lookup.lookup(name).alpha_3)
        except LookupError:
            continue
    raise UnknownName(name)
