"""Reporting periods: a year, a quarter, a half-year, a month, or a range of those.

`2019`, `2019-Q3`, `2019-S1`, `2019-07`, `1999/2002`, `1998-03/2004-07`. Every period has a
first and a last day, so figures of different period types can be ordered and compared.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.statistics.choices import PeriodType

_SINGLE = re.compile(r"^(?P<y>\d{4})(?:-(?:Q(?P<q>[1-4])|S(?P<s>[12])|(?P<m>0[1-9]|1[0-2])))?$")


class PeriodError(ValueError):
    """A period that cannot be read."""


@dataclass(frozen=True)
class Period:
    text: str
    start: dt.date
    end: dt.date

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def kind(self) -> str:
        if "/" in self.text:
            return PeriodType.RANGE
        if "-Q" in self.text:
            return PeriodType.QUARTER
        if len(self.text) == 4:
            return PeriodType.YEAR
        return PeriodType.RANGE

    def previous(self) -> Period | None:
        """The period just before, for a year or a quarter; None for other kinds."""
        if self.kind == PeriodType.YEAR:
            return parse_period(str(self.start.year - 1))
        if self.kind == PeriodType.QUARTER:
            q = (self.start.month - 1) // 3 + 1
            year, q = (self.start.year, q - 1) if q > 1 else (self.start.year - 1, 4)
            return parse_period("{}-Q{}".format(year, q))
        return None


# Kinds of period a chart keeps apart (one series each), in the order they are shown.
PERIOD_KINDS = ("year", "half", "quarter", "month", "range")
PERIOD_KIND_LABELS = {
    "year": gettext_lazy("years"),
    "half": gettext_lazy("half-years"),
    "quarter": gettext_lazy("quarters"),
    "month": gettext_lazy("months"),
    "range": gettext_lazy("other periods"),
}


def period_kind(text: str) -> str:
    """The kind of a period as written: year, half (2019-S1), quarter, month or range."""
    if "/" in text:
        return "range"
    if "-Q" in text:
        return "quarter"
    if "-S" in text:
        return "half"
    if len(text) == len("2019-07"):
        return "month"
    return "year" if len(text) == len("2019") else "range"


def _bounds(text: str) -> tuple[dt.date, dt.date]:
    match = _SINGLE.match(text)
    if match is None:
        raise PeriodError(
            _("'{}' is not a period (use 2019, 2019-Q3, 2019-S1, 2019-07 or START/END)").format(
                text
            )
        )
    year = int(match["y"])
    if match["q"]:
        first = (int(match["q"]) - 1) * 3 + 1
        last = first + 2
    elif match["s"]:
        first = 1 if match["s"] == "1" else 7
        last = first + 5
    elif match["m"]:
        first = last = int(match["m"])
    else:
        first, last = 1, 12
    return dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1])


def parse_period(text: object) -> Period:
    """Read a period; PeriodError names what is wrong."""
    raw = str(text).strip()
    if raw.endswith(".0") and raw[:-2].isdigit():  # a year read from a spreadsheet as a float
        raw = raw[:-2]
    if "/" in raw:
        first, _sep, last = raw.partition("/")
        start, _end = _bounds(first)
        _start, end = _bounds(last)
        if end < start:
            raise PeriodError(_("the period '{}' ends before it starts").format(raw))
        return Period(raw, start, end)
    start, end = _bounds(raw)
    return Period(raw, start, end)


def check_period_type(period: Period, period_type: str) -> None:
    """PeriodError when a data set of `period_type` cannot take this period."""
    if period_type == PeriodType.RANGE:
        return
    if period.kind != period_type:
        raise PeriodError(
            _("the data set is reported by {}: '{}' is not one (e.g. {})").format(
                period_type, period.text, "2019" if period_type == PeriodType.YEAR else "2019-Q3"
            )
        )
