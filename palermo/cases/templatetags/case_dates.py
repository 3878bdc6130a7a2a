"""`{{ d|day }}`: a day as case work shows it (palermo.cases.dates.day_text); `{{ d|day_time }}`
the same inside a `<time datetime="YYYY-MM-DD">` element."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from palermo.cases.dates import day_text

register = template.Library()


@register.filter
def day(value: dt.date | dt.datetime | None, empty: str = "") -> str:
    return day_text(value, empty)


@register.filter
def day_time(value: dt.date | dt.datetime | None, empty: str = "—") -> SafeString | str:
    if value is None or value == "":
        return empty
    iso = value.date() if isinstance(value, dt.datetime) else value
    return format_html('<time datetime="{}">{}</time>', iso.isoformat(), day_text(value))
