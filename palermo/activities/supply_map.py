"""The map of supply against need (issue 17): each country coloured by what its cells say,
worst first: a gap, else an overlap, else needs all answered, else activities where no need
was stated. A Vega-Lite specification drawn in the browser by the vendored Vega (the
statistics pages' `charts.js`) over Natural Earth's 1:110m boundaries (npm world-atlas), joined
on ISO 3166-1 numeric codes; a country too small for that scale is listed under the map.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pycountry
from django.contrib.staticfiles import finders
from django.utils.translation import gettext as _

STATES = ("gap", "overlap", "answered", "not stated")
COLOURS = {"gap": "#b3261e", "overlap": "#e08a00", "answered": "#2e7d32", "not stated": "#7a8fa6"}
# The boundaries (world-atlas 2.0.2 countries-110m, ISO numeric ids), a static file the
# statistics pages serve too.
BOUNDARIES = "statistics/vendor/countries-110m.json"
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


@lru_cache(maxsize=1)
def on_map() -> frozenset[str]:
    """The numeric codes of the countries the boundaries draw; one not among them is too small
    for the scale."""
    found = finders.find(BOUNDARIES)
    if not isinstance(found, str):
        return frozenset()
    topology = json.loads(Path(found).read_text(encoding="utf-8"))
    geometries = topology["objects"]["countries"]["geometries"]
    return frozenset(str(g["id"]) for g in geometries if "id" in g)


def state_labels() -> dict[str, str]:
    return {
        "gap": _("a need no activity answers"),
        "overlap": _("a need answered by several funders"),
        "answered": _("needs answered"),
        "not stated": _("activities, no need stated"),
    }


def _worst(row: Mapping[str, int]) -> str:
    return next((s for s in STATES if row.get(s)), "not stated")


def _numeric(code: str) -> str | None:
    found = pycountry.countries.get(alpha_3=code)
    return str(found.numeric) if found is not None else None


def rows(
    per_country: Mapping[str, Mapping[str, int]], names: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One row per country: its numeric code, name, worst state and counts."""
    labels = state_labels()
    out = []
    for code, row in sorted(per_country.items()):
        state = _worst(row)
        out.append(
            {
                "id": _numeric(code),
                "code": code,
                "name": names.get(code, code),
                "state": labels[state],
                "gaps": row.get("gap", 0),
                "overlaps": row.get("overlap", 0),
                "answered": row.get("answered", 0),
                "activities": row.get("activities", 0),
            }
        )
    return out


def unmapped(map_rows: list[dict[str, Any]]) -> list[str]:
    """The names of the countries the map cannot show (no shape at its scale)."""
    drawn = on_map()
    return [r["name"] for r in map_rows if r["id"] is None or r["id"] not in drawn]


def spec(map_rows: list[dict[str, Any]], *, boundaries_url: str) -> dict[str, Any]:
    """The map: the world in grey, the countries with supply or need in their state's colour,
    with a tooltip of their counts."""
    labels = state_labels()
    boundaries = {"url": boundaries_url, "format": {"type": "topojson", "feature": "countries"}}
    fields = ["code", "name", "state", "gaps", "overlaps", "answered", "activities"]
    return {
        "$schema": SCHEMA,
        "description": _("Map of supply against need by country"),
        "width": 760,
        "height": 400,
        "projection": {"type": "equalEarth"},
        "layer": [
            {"data": boundaries, "mark": {"type": "geoshape", "fill": "#e6e8eb", "stroke": "#fff"}},
            {
                "data": boundaries,
                "transform": [
                    {
                        "lookup": "id",
                        "from": {"data": {"values": map_rows}, "key": "id", "fields": fields},
                    },
                    {"filter": "isValid(datum.state)"},
                ],
                "mark": {"type": "geoshape", "stroke": "#fff", "strokeWidth": 0.5},
                "encoding": {
                    "color": {
                        "field": "state",
                        "type": "nominal",
                        "title": _("Supply against need"),
                        "scale": {
                            "domain": [labels[s] for s in STATES],
                            "range": [COLOURS[s] for s in STATES],
                        },
                        "legend": {"orient": "bottom", "columns": 2, "labelLimit": 0},
                    },
                    "tooltip": [
                        {"field": "name", "title": _("Country")},
                        {"field": "state", "title": _("Supply against need")},
                        {"field": "gaps", "title": _("Gaps")},
                        {"field": "overlaps", "title": _("Overlaps")},
                        {"field": "activities", "title": _("Activities")},
                    ],
                },
            },
        ],
    }
