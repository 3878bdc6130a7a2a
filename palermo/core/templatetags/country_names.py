"""`{{ country|local_name }}`: a country's name in the page's language (CLDR's names, kept in
`Country.names`; English where CLDR has none). Accepts a Country or nothing ("")."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from palermo.core.models import Country

register = template.Library()


@register.filter
def local_name(country: Country | None) -> str:
    if not isinstance(country, Country):
        return ""
    return country.localized_name(get_language() or "en")
