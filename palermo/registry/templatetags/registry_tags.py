"""Template helpers for registry pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from palermo.core.models import Source

register = template.Library()


def _as_dict(source: Any) -> dict[str, Any]:
    return source.as_dict() if isinstance(source, Source) else dict(source)


@register.simple_tag
def cite(sources: Any) -> SafeString:
    """A compact list of citations: symbol (or title), locator, linked when there is a URL."""
    items = [_as_dict(s) for s in (sources.all() if hasattr(sources, "all") else sources or [])]
    if not items:
        return format_html('<span class="muted">{}</span>', "—")

    def parts(s: dict[str, Any]) -> tuple[str, str, str]:
        label = s.get("symbol") or s.get("title") or s.get("document")
        return (s.get("url") or "", str(label), s.get("locator") or "")

    return format_html_join(
        "; ",
        '<cite class="source" data-url="{}">{}</cite> <span class="locator">{}</span>',
        (parts(s) for s in items),
    )


@register.filter
def status_class(row: Any) -> str:
    return "status-{}".format(row.status) if row is not None else "status-none"


@register.filter
def make_list_of_one(value: Any) -> list[Any]:
    return [value]


@register.filter
def cell_for(cells: list[Any], index: int) -> Any:
    return cells[index]
