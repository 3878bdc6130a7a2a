"""Supply against need (issue 17): the activities by country x theme x profession next to the
needs States stated, with the gaps (a need no activity answers) and the overlaps (one need
answered by activities of several funders at once) listed.

An activity counts once whatever the number of its reports (`selectors.grouped`), with the
themes, countries, professions and funders any of its reports gives. A need that names no
profession is answered by an activity on its theme in its country for any profession. Years:
a need is answered by activities under way in the year it was stated or the next.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from palermo.activities import selectors
from palermo.activities.models import Activity, Need, OrgRole

ANY = ""  # a need for every profession, or an activity whose audience is not recorded


@dataclass
class Cell:
    country: str
    theme: str
    profession: str
    activities: list[str] = field(default_factory=list)  # an identifier of each activity
    funders: set[str] = field(default_factory=set)
    needs: list[str] = field(default_factory=list)  # sources

    @property
    def state(self) -> str:
        if self.needs and not self.activities:
            return "gap"
        if self.needs and len(self.funders) > 1 and len(self.activities) > 1:
            return "overlap"
        if self.needs:
            return "answered"
        return "not stated"


def _years(reports: list[Activity]) -> set[int]:
    years: set[int] = set()
    for a in reports:
        start, end = a.start, a.end
        if start is None:
            continue
        last = end.year if end is not None else start.year
        years.update(range(start.year, last + 1))
    return years


def table(*, country: str = "", year: int | None = None) -> list[Cell]:
    """The cells of supply and need, gaps first, then overlaps."""
    cells: dict[tuple[str, str, str], Cell] = {}

    def cell(key: tuple[str, str, str]) -> Cell:
        if key not in cells:
            cells[key] = Cell(*key)
        return cells[key]

    needs = Need.objects.all()
    if country:
        needs = needs.filter(country_id=country)
    if year is not None:
        needs = needs.filter(year__in=(year, year - 1))
    stated: dict[tuple[str, str], list[Need]] = defaultdict(list)
    for need in needs:
        stated[(need.country_id, need.theme)].append(need)
        cell((need.country_id, need.theme, need.profession)).needs.append(need.source)
    rows = selectors.activities(country=country).prefetch_related("audience")
    for reports in selectors.grouped(rows):
        years = _years(reports)
        if year is not None and year not in years:
            continue
        themes = {t for a in reports for t in a.themes}
        places = {c.country_id for a in reports for c in a.countries.all()}
        if country:
            places &= {country}
        professions = {p.profession for a in reports for p in a.audience.all()} or {ANY}
        funders = {
            o.ref or o.name for a in reports for o in a.orgs.all() if o.role == OrgRole.FUNDING
        }
        identifier = reports[0].iati_identifier
        for place in places:
            for theme in themes:
                targets = {(place, theme, p) for p in professions}
                # A need without a profession is answered by any profession on its theme.
                if any(n.profession == ANY for n in stated.get((place, theme), [])):
                    targets.add((place, theme, ANY))
                for key in targets:
                    c = cell(key)
                    if identifier not in c.activities:
                        c.activities.append(identifier)
                        c.funders |= funders
    order = {"gap": 0, "overlap": 1, "answered": 2, "not stated": 3}
    return sorted(cells.values(), key=lambda c: (order[c.state], c.country, c.theme, c.profession))


def rows(cells: list[Cell]) -> list[dict[str, Any]]:
    return [
        {
            "country": c.country,
            "theme": c.theme,
            "profession": c.profession,
            "activities": len(c.activities),
            "funders": sorted(c.funders),
            "needs": c.needs,
            "state": c.state,
        }
        for c in cells
    ]
