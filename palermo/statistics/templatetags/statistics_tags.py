"""Template filters of the statistics pages."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def epsilon(value: object) -> str:
    """A privacy-budget amount as people write it: 3, 2.5, 0.3 (four significant digits; the
    float sums of the ledger never show as 0.30000000000000004)."""
    if value is None or value == "":
        return ""
    try:
        return "{:.4g}".format(float(str(value)))
    except ValueError:
        return str(value)


@register.filter
def percent(value: object) -> str:
    """A share (0.123) as a percentage in the current language: 12.3%."""
    if value is None or value == "":
        return ""
    try:
        share = float(str(value)) * 100
    except ValueError:
        return str(value)
    return "{}%".format(number_format(round(share, 1), decimal_pos=1 if share % 1 else 0))


@register.filter
def figure(value: object) -> str:
    """A count as the reader's language writes it, with thousands grouped: 1,269 in English,
    1.269 in German, 1 269 in French. Text (a masked "<5", "x") is left as it is."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    return str(value)


@register.filter
def point(value: object) -> str:
    """A figure of a series as the reader's language writes it: "1,269", "~1,200", "<5"."""
    number = getattr(value, "value", None)
    display = str(getattr(value, "display", value))
    if getattr(value, "masked", False) or not isinstance(number, int):
        return display
    return display.replace(str(number), number_format(number, force_grouping=True))
