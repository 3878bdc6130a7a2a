"""Hotline statistics (issue 18), published through the disclosure control: reports per month
by what they became (still open, or their outcome) and by channel, with every count below
`THRESHOLD` (and whatever would let it be worked out from the totals) withheld by
`palermo.disclosure.suppress`. Every hotline of the node together; reports the trap field
caught were never written, so they are not counted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.db.models.functions import TruncMonth

from palermo.intake import choices as c
from palermo.intake.models import Report

THRESHOLD = 5
OPEN = "open"
OUTCOMES = (OPEN, *c.Outcome.values)
CHANNELS = tuple(c.Channel.values)


@dataclass(frozen=True)
class Row:
    month: str  # YYYY-MM
    cells: dict[str, int | None]  # None: withheld
    total: int | None


def _counts(column: str, year: int | None) -> Counter[tuple[str, str]]:
    """(month, value) -> reports, counted by the database (one row per month and value)."""
    rows = Report.objects.all()
    if year is not None:
        rows = rows.filter(received_at__year=year)
    fields = ("status", "outcome") if column == "outcome" else ("channel",)
    counts: Counter[tuple[str, str]] = Counter()
    for row in (
        rows.annotate(month=TruncMonth("received_at"))
        .values("month", *fields)
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if column == "outcome":
            closed = row["status"] == c.Status.CLOSED and row["outcome"]
            value = row["outcome"] if closed else OPEN
        else:
            value = row["channel"]
        counts[(row["month"].strftime("%Y-%m"), value)] += row["n"]
    return counts


def table(by: str = "outcome", *, year: int | None = None) -> list[Row]:
    """Reports per month by outcome (`by="outcome"`) or by channel, small counts withheld."""
    from palermo.disclosure import TOTAL, Table, suppress  # noqa: PLC0415 - NumPy, SciPy

    columns = OUTCOMES if by == "outcome" else CHANNELS
    counts = _counts(by, year)
    if not counts:
        return []
    months = tuple(sorted({m for m, _col in counts}))
    cells: dict[tuple[str, ...], int] = dict(counts.items())
    values = suppress(
        Table(("month", by), cells, categories=(months, columns)), threshold=THRESHOLD
    ).values
    return [
        Row(
            month=month,
            cells={col: values.get((month, col)) for col in columns},
            total=values.get((month, TOTAL)),
        )
        for month in reversed(months)
    ]
