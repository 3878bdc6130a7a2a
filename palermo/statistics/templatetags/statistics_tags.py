"""Template filters of the statistics pages."""

from __future__ import annotations

from django import template

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
