"""Names sorted as a reader of the page's language expects them (ICU collation, CLDR's rules).

UN documents re-sort lists of States in each language version: "Allemagne" comes first in French,
"Afganistán" before "Albania" in Spanish (and "Ñ" after "N"), Chinese sorts by pinyin, Russian
and Arabic by their own alphabets. Python's `sorted` orders by code point ("Ö" after "Z",
lower case after upper case); ICU's collators order by the language's rules.

- `collation_key(language)`: the sort key function of a language (default: the user's).
- `collated(items, name, language)`: items sorted by a name, in that language's order.
- `country_order(language)`: an ORM expression that orders rows by their country's name in that
  language, for lists paged in the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

import icu
from django.db.models import Case, IntegerField, Value, When
from django.utils import translation

from palermo.core.models import Country


def _language(language: str | None) -> str:
    """ICU's locale name of a Django language code ("zh-hans" -> "zh_Hans"; default: the
    user's)."""
    code = (language or translation.get_language() or "en").replace("-", "_")
    base, _sep, rest = code.partition("_")
    if not rest:
        return base.lower()
    script_or_region = rest.title() if len(rest) == 4 else rest.upper()
    return "{}_{}".format(base.lower(), script_or_region)


@lru_cache(maxsize=32)
def _collator(locale: str) -> icu.Collator:
    collator = icu.Collator.createInstance(icu.Locale(locale))
    # Differences of case and accents count only where the letters are otherwise the same.
    collator.setStrength(icu.Collator.TERTIARY)
    return collator


def collation_key(language: str | None = None) -> Callable[[str], bytes]:
    """The sort key of `language`'s collation (default: the active language)."""
    return _collator(_language(language)).getSortKey  # type: ignore[no-any-return]


def collated[T](
    items: Iterable[T], name: Callable[[T], str], language: str | None = None
) -> list[T]:
    """`items` sorted by `name(item)` in `language`'s order (default: the active language)."""
    key = collation_key(language)
    return sorted(items, key=lambda item: key(name(item)))


def country_order(language: str | None = None, field: str = "country_id") -> Case:
    """An ORM ordering expression: rows by their country's name in `language` (rows without a
    country last), for lists that are paged in the database."""
    code = language or translation.get_language() or "en"
    countries = collated(
        Country.objects.only("iso3", "name", "names"), lambda c: c.localized_name(code), code
    )
    return Case(
        *[When(**{field: c.iso3}, then=Value(i)) for i, c in enumerate(countries)],
        default=Value(len(countries)),
        output_field=IntegerField(),
    )
