"""Template helpers for registry pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import TextChoices
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, pgettext

from palermo.core.models import Source, in_language
from palermo.registry.choices import PartyStatus, TreatyActionKind
from palermo.registry.locators import locator_text
from palermo.registry.models import Instrument

register = template.Library()


def _as_dict(source: Any) -> dict[str, Any]:
    return source.as_dict() if isinstance(source, Source) else dict(source)


@register.simple_tag
def cite(sources: Any) -> SafeString:
    """A compact list of citations: symbol (or title), locator, linked when there is a URL."""
    items = [_as_dict(s) for s in (sources.all() if hasattr(sources, "all") else sources or [])]
    if not items:
        return format_html('<span class="muted">{}</span>', "—")

    def one(s: dict[str, Any]) -> SafeString:
        label = str(s.get("symbol") or s.get("title") or s.get("document"))
        locator = locator_text(s.get("locator") or "")
        url = s.get("url") or ""
        if url.startswith(("https://", "http://")):
            return format_html(
                '<bdi><cite class="source"><a href="{}" rel="noopener">{}</a></cite>'
                ' <span class="locator">{}</span></bdi>',
                url,
                label,
                locator,
            )
        # Each citation isolated: its Latin symbols keep their order in a right-to-left page.
        return format_html(
            '<bdi><cite class="source">{}</cite> <span class="locator">{}</span></bdi>',
            label,
            locator,
        )

    separator = pgettext("between citations", "; ")
    return format_html_join(separator, "{}", ((one(s),) for s in items))


@register.filter
def status_class(row: Any) -> str:
    return "status-{}".format(row.status) if row is not None else "status-none"


@register.filter
def make_list_of_one(value: Any) -> list[Any]:
    return [value]


@register.filter
def cell_for(cells: list[Any], index: int) -> Any:
    return cells[index]


@register.filter
def title_in_language(instrument: Instrument) -> str:
    """An instrument's official title in the page's language where the data has one."""
    return instrument.localized_title(get_language() or "en")


@register.filter
def has_own_title(instrument: Instrument) -> bool:
    """Whether the instrument has an official title in the page's language other than English
    (then pages name it by that title, the English short name beside it)."""
    language = get_language() or "en"
    return not language.startswith("en") and bool(in_language(instrument.titles, language, ""))


def _label(choices: type[TextChoices], value: str) -> str:
    """A stored choice in the page's language; the value itself if it is not one of them."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@register.filter
def action_label(value: str) -> str:
    """A treaty action's kind ("ratification") in the page's language."""
    return _label(TreatyActionKind, value)


@register.filter
def status_label(value: str) -> str:
    """A party status ("party", "signatory") in the page's language."""
    return _label(PartyStatus, value)
