"""Statistics of the case law (issue 17): defendants by outcome and by the custody imposed, per
country and year, published through the disclosure control.

The unit is a defendant of a published decision of a national court: convicted when convicted
on any charge (then counted by the longest custody imposed: 0-11, 12-59, 60-119, 120+ months,
or none), else acquitted, dismissed or pending. One table, country-year x outcome (the
convictions split by custody), goes through `palermo.disclosure.suppress` (threshold 5, primary
and secondary suppression with all margins): a count below the threshold, and whatever would let
it be worked out, is withheld. The conviction rate of a country-year is shown only where every
count it is made of is published.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from palermo.caselaw import choices as c
from palermo.caselaw import facets
from palermo.caselaw.models import Finding

THRESHOLD = 5
CONVICTED = tuple("convicted:{}".format(name) for name, _low, _high in facets.SENTENCES)
NO_CUSTODY = "convicted:none"
COLUMNS = (*CONVICTED, NO_CUSTODY, "acquitted", "dismissed", "pending")


@dataclass(frozen=True)
class Row:
    country: str
    year: int
    cells: dict[str, int | None]  # None: withheld
    defendants: int | None
    convicted: int | None
    rate: float | None  # convicted / decided (convicted, acquitted, dismissed)


def _defendants(
    country: str = "", year_from: int | None = None, year_to: int | None = None
) -> Counter[tuple[str, str]]:
    """(country:year, column) -> defendants, from the published decisions of national courts."""
    findings = Finding.objects.filter(
        decision__status=c.Status.PUBLISHED,
        decision__court__country__isnull=False,
        party__role=c.PartyRole.DEFENDANT,
    )
    if country:
        findings = findings.filter(decision__court__country_id=country)
    if year_from is not None:
        findings = findings.filter(decision__decided_on__year__gte=year_from)
    if year_to is not None:
        findings = findings.filter(decision__decided_on__year__lte=year_to)
    outcomes: dict[Any, set[str]] = {}
    longest: dict[Any, int] = {}
    where: dict[Any, str] = {}
    for party, outcome, months, code, day in findings.values_list(
        "party_id",
        "outcome",
        "custody_months",
        "decision__court__country_id",
        "decision__decided_on",
    ):
        outcomes.setdefault(party, set()).add(outcome)
        if months is not None and outcome == c.Outcome.CONVICTED:
            longest[party] = max(months, longest.get(party, 0))
        where[party] = "{}:{}".format(code, day.year)
    counts: Counter[tuple[str, str]] = Counter()
    for party, seen in outcomes.items():
        if c.Outcome.CONVICTED in seen:
            name = facets.sentence_range(longest.get(party))
            column = "convicted:{}".format(name) if name else NO_CUSTODY
        elif c.Outcome.ACQUITTED in seen:
            column = "acquitted"
        elif c.Outcome.DISMISSED in seen:
            column = "dismissed"
        else:
            column = "pending"
        counts[(where[party], column)] += 1
    return counts


def outcomes_table(
    *, country: str = "", year_from: int | None = None, year_to: int | None = None
) -> list[Row]:
    """The defendants per country and year by outcome, small counts withheld."""
    from palermo.disclosure import TOTAL, Table, suppress  # noqa: PLC0415 - NumPy, SciPy

    counts = _defendants(country, year_from, year_to)
    if not counts:
        return []
    cells: dict[tuple[str, ...], int] = dict(counts.items())
    table = Table(
        ("place", "outcome"),
        cells,
        categories=(tuple(sorted({k for k, _col in counts})), COLUMNS),
    )
    values = suppress(table, threshold=THRESHOLD).values
    rows = []
    for place in table.categories[0] if table.categories else ():
        code, year = place.split(":")
        shown = {column: values.get((place, column)) for column in COLUMNS}
        convicted_parts = [shown[col] for col in (*CONVICTED, NO_CUSTODY)]
        convicted = None if None in convicted_parts else sum(p or 0 for p in convicted_parts)
        decided = [convicted, shown["acquitted"], shown["dismissed"]]
        known = [d for d in decided if d is not None]
        total = sum(known)
        rate = (convicted or 0) / total if len(known) == len(decided) and total else None
        rows.append(
            Row(
                country=code,
                year=int(year),
                cells=shown,
                defendants=values.get((place, TOTAL)),
                convicted=convicted,
                rate=rate,
            )
        )
    rows.sort(key=lambda r: (r.country, -r.year))
    return rows
