"""`{{ note|bracketed }}`: a note in brackets as the page's language writes them: "(note)",
full-width "（note）" in Chinese."""

from __future__ import annotations

from django import template
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def bracketed(value: object) -> str:
    return pgettext("a note in brackets", "({})").format(value)
