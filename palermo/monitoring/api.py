"""Monitoring endpoints. Lists of States in UN editorial style are public (reference text)."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from palermo.core.errors import ApplicationError
from palermo.monitoring.countrylists import Context, country_list, language_of
from palermo.monitoring.schemas import CountryListOut
from palermo.registry.selectors import parse_as_of

router = Router(tags=["monitoring"])


@router.get("/country-list", response=CountryListOut, auth=None)
def country_list_text(
    request: HttpRequest,
    codes: str,
    as_of: str = "",
    lang: str = "en",
    context: str = "running",
) -> dict[str, Any]:
    """States named as a UN report names them, on one line: `codes` are ISO 3166-1 alpha-3
    codes separated by commas or spaces; their UN short names as at `as_of` (YYYY-MM-DD,
    default today), in `lang` (en, fr, es, ru, zh, ar), for `context` `running` (in a sentence:
    "the Philippines") or `list` (after a colon, without articles); alphabetical in that
    language, joined without a serial comma."""
    wanted = [c for c in codes.replace(",", " ").split() if c]
    if not wanted:
        raise ApplicationError(
            _("codes: give at least one ISO 3166-1 alpha-3 code, such as PHL."), code="invalid"
        )
    day = parse_as_of(as_of)
    language = language_of(lang)
    text = country_list(
        wanted,
        as_of=day,
        language=language,
        context=cast("Context", context),  # a wrong one is refused by country_list
    )
    return {
        "text": text,
        "as_of": day,
        "language": language,
        "context": context,
        "count": len({c.upper() for c in wanted}),
    }
