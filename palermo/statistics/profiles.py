"""A country profile laid out for reading, as CTDC's and Our World in Data's pages are: per
indicator, one chart and compact tables (periods as columns while they fit, as rows beyond),
each table's sources cited once, as numbered notes of the page.

Built from `selectors.country_profile` (already limited to what the user may see); nothing is
read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from palermo.statistics.periods import PERIOD_KIND_LABELS
from palermo.statistics.selectors import Point, Series

# Up to this many periods a table has them as columns (years side by side read best); a longer
# table has them as rows, so that the page never scrolls sideways.
MAX_COLUMNS = 16


@dataclass
class ProfileRow:
    """One series in a table: its data set, its notes (source numbers) and a figure per period."""

    label: str
    notes: list[int]
    cells: list[Point | None]


@dataclass
class ProfileTable:
    """An indicator's figures of one kind of period: one row per data set."""

    kind: str
    periods: list[str]
    rows: list[ProfileRow]

    @property
    def kind_label(self) -> str:
        return str(PERIOD_KIND_LABELS[self.kind])

    @property
    def wide(self) -> bool:
        return len(self.periods) <= MAX_COLUMNS

    @property
    def by_period(self) -> list[tuple[str, list[Point | None]]]:
        """The table turned: a row per period, a figure per data set."""
        return [(p, [r.cells[n] for r in self.rows]) for n, p in enumerate(self.periods)]


@dataclass
class ProfileSection:
    """One indicator of the profile: its series (for the chart) and its tables."""

    indicator: str
    name: str
    series: list[Series]
    tables: list[ProfileTable] = field(default_factory=list)


@dataclass
class Profile:
    sections: list[ProfileSection]
    sources: list[str]  # note n is sources[n - 1]


def profile_layout(series: list[Series]) -> Profile:
    """Group a country's series by indicator; cite each source once, numbered in page order."""
    sources: dict[str, int] = {}
    sections: dict[str, ProfileSection] = {}
    for s in series:
        section = sections.setdefault(s.indicator, ProfileSection(s.indicator, s.name, []))
        section.series.append(s)
    for section in sections.values():
        for kind in dict.fromkeys(s.kind for s in section.series):
            of_kind = [s for s in section.series if s.kind == kind]
            periods = sorted(
                {(p.start, p.end or p.start, p.period) for s in of_kind for p in s.points}
            )
            order = [p[2] for p in periods]
            rows = []
            for s in of_kind:
                notes = []
                for p in s.points:
                    if p.source:
                        number = sources.setdefault(p.source, len(sources) + 1)
                        if number not in notes:
                            notes.append(number)
                at = {p.period: p for p in s.points}
                rows.append(
                    ProfileRow(s.dataset_name or s.dataset, notes, [at.get(p) for p in order])
                )
            section.tables.append(ProfileTable(kind, order, rows))
    return Profile(list(sections.values()), list(sources))
