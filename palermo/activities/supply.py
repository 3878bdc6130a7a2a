"""Supply against need (issue 17): the activities by country x theme x profession next to the
needs States stated, with the gaps (a need no activity answers) and the overlaps (one need
answered by activities of several funders at once) listed.

An activity counts once whatever the number of its reports (`selectors.grouped`), with the
themes, countries, professions and funders any of its reports gives. A need that names no
profession is answered by an activity on its theme in its country for any profession. Years:
a need is answered by activities under way in the year it was stated or the next.

The needs are those recorded here (`Need`) and those States stated in their replies to the
monitoring app's questionnaires (`monitoring.needs`: a question's `palermo_need`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from palermo.activities import selectors
from palermo.activities.models import Activity, Need, OrgRole
from palermo.monitoring.selectors_needs import StatedNeed, stated_needs

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


def needs(*, user: object, country: str = "", year: int | None = None) -> list[StatedNeed]:
    """The needs recorded here and those stated in the questionnaire replies the user may read
    (a need stated in the year or the one before)."""
    recorded = Need.objects.all()
    if country:
        recorded = recorded.filter(country_id=country)
    if year is not None:
        recorded = recorded.filter(year__in=(year, year - 1))
    return [
        StatedNeed(n.country_id, n.theme, n.profession, n.year, n.source) for n in recorded
    ] + stated_needs(user=user, country=country, year=year)


def table(
    *,
    user: object = None,
    country: str = "",
    year: int | None = None,
    theme: str = "",
    profession: str = "",
) -> list[Cell]:
    """The cells of supply and need, gaps first, then overlaps; of one theme or profession when
    given (a profession's cells with those of needs for any profession)."""
    cells: dict[tuple[str, str, str], Cell] = {}

    def cell(key: tuple[str, str, str]) -> Cell:
        if key not in cells:
            cells[key] = Cell(*key)
        return cells[key]

    stated: dict[tuple[str, str], list[StatedNeed]] = defaultdict(list)
    for need in needs(user=user, country=country, year=year):
        stated[(need.country, need.theme)].append(need)
        sources = cell((need.country, need.theme, need.profession)).needs
        if need.source not in sources:
            sources.append(need.source)
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
            for addressed in themes:
                targets = {(place, addressed, p) for p in professions}
                # A need without a profession is answered by any profession on its theme.
                if any(n.profession == ANY for n in stated.get((place, addressed), [])):
                    targets.add((place, addressed, ANY))
                for key in targets:
                    c = cell(key)
                    if identifier not in c.activities:
                        c.activities.append(identifier)
                        c.funders |= funders
    order = {"gap": 0, "overlap": 1, "answered": 2, "not stated": 3}
    shown = [
        c
        for c in cells.values()
        if (not theme or c.theme == theme) and (not profession or c.profession in (profession, ANY))
    ]
    return sorted(shown, key=lambda c: (order[c.state], c.country, c.theme, c.profession))


def by_country(cells: list[Cell]) -> dict[str, dict[str, int]]:
    """Per country: its cells in each state, and its activities (each once)."""
    out: dict[str, dict[str, int]] = {}
    seen: dict[str, set[str]] = defaultdict(set)
    for c in cells:
        row = out.setdefault(
            c.country, {"gap": 0, "overlap": 0, "answered": 0, "not stated": 0, "activities": 0}
        )
        row[c.state] += 1
        seen[c.country].update(c.activities)
    for code, row in out.items():
        row["activities"] = len(seen[code])
    return out


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
