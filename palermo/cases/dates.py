"""One date format per language for case work: the timeline, the case and person pages, the
referral lists and the printable case file all show a day through `day_text` (in templates the
`day` filter of `case_dates`), which is the active language's DATE_FORMAT (Django's locale
formats: "Dec. 5, 2026" in English, "5 décembre 2026" in French, "2026年12月5日" in Chinese).
Machine-readable dates (`<time datetime>`, the API, CSV) stay ISO 8601."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format


def day_text(value: dt.date | dt.datetime | None, empty: str = "") -> str:
    """A day in the active language's format; `empty` for no date. A datetime shows its day
    in the current time zone."""
    if value is None or value == "":
        return empty
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return date_format(value, "DATE_FORMAT")
