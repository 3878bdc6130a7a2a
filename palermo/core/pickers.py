"""Countries and languages: checking a code that was entered, and the choices a picker offers,
named in the user's language.

- Countries are the registry's (`Country`: ISO 3166-1 alpha-3, and ISO 3166-3 former states such
  as SCG), named from their CLDR names in the UN languages (`Country.names`), else from CLDR
  through Babel for any other language, else in English.
- Languages are ISO 639 (pycountry): a two-letter ISO 639-1 code where the language has one
  ("en", "ha"), else its three-letter ISO 639-3 code ("bin"), optionally with a region
  ("pt-BR"). Only living languages are a person's language (no "klingon", no "tlh"). Pickers
  offer the languages CLDR names in the user's language (about 600), sorted by that name.
- Every list is sorted in the collation of the user's language (palermo.core.collation).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pycountry
from babel import Locale, UnknownLocaleError
from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from palermo.core.collation import collated
from palermo.core.errors import ApplicationError
from palermo.core.models import Country, Organisation

LIVING = "L"


def active_language() -> str:
    """The base code of the language the user reads ("en", "fr")."""
    code = translation.get_language() or settings.LANGUAGE_CODE
    return code.replace("_", "-").split("-", maxsplit=1)[0].lower()


@lru_cache(maxsize=16)
def _locale(language: str) -> Locale | None:
    try:
        return Locale.parse("zh_Hans" if language == "zh" else language)
    except (ValueError, UnknownLocaleError):
        return None


def country_name(country: Country, language: str | None = None) -> str:
    """The country's name in `language` (default: the user's)."""
    language = language or active_language()
    names: dict[str, str] = country.names or {}
    if names.get(language):
        return names[language]
    locale = _locale(language)
    if locale is not None and country.iso2:
        name = locale.territories.get(country.iso2)
        if name:
            return str(name)
    return country.name


def country_names(
    codes: Iterable[str] | None = None, language: str | None = None
) -> dict[str, str]:
    """ISO alpha-3 -> the country's name in `language` (default: the user's; CLDR's names in
    the UN languages, English where there is none), for `codes` or every country."""
    code = language or translation.get_language() or "en"
    countries = Country.objects.only("iso3", "name", "names")
    if codes is not None:
        countries = countries.filter(iso3__in=set(codes))
    return {c.iso3: c.localized_name(code) for c in countries}


def country_options(
    *, historical: bool = False, language: str | None = None
) -> list[tuple[str, str]]:
    """(ISO alpha-3, "name (ISO3)") of the registry's countries, by name in `language`;
    former states (ISO 3166-3) too with `historical`."""
    qs = Country.objects.all() if historical else Country.objects.filter(historical=False)
    options = [
        (c.iso3, "{} ({})".format(country_name(c, language), c.iso3))
        for c in qs.only("iso3", "iso2", "name", "names")
    ]
    return collated(options, lambda option: option[1], language or active_language())


def _living(code: str) -> Any:
    """The living ISO 639 language with this two- or three-letter code."""
    found = None
    if len(code) == 2:
        found = pycountry.languages.get(alpha_2=code)
    elif len(code) == 3:
        found = pycountry.languages.get(alpha_3=code)
        if found is None:  # an ISO 639-2 bibliographic code such as "fre"
            found = pycountry.languages.get(bibliographic=code)
    return found if found is not None and getattr(found, "type", "") == LIVING else None


def language_code(value: str, field: str = "language") -> str:
    """The canonical code of an ISO 639 language ("EN", "eng" -> "en"; "pt_br" -> "pt-BR"), or
    "" for an empty value; an ApplicationError naming the field and the bad value otherwise."""
    text = (value or "").strip()
    if not text:
        return ""
    base, _sep, region = text.replace("_", "-").partition("-")
    language = _living(base.lower())
    region_ok = not region or (
        len(region) == 2 and pycountry.countries.get(alpha_2=region.upper()) is not None
    )
    if language is None or not region_ok:
        raise ApplicationError(
            _(
                "Unknown language for {}: '{}' is not an ISO 639 code of a living language "
                "(use e.g. 'en', 'ha' or 'bin', or pick one from the list)."
            ).format(field, text[:20]),
            code="unknown_language",
        )
    code = getattr(language, "alpha_2", None) or language.alpha_3
    return "{}-{}".format(code, region.upper()) if region else str(code)


@lru_cache(maxsize=16)
def _language_options(language: str) -> tuple[tuple[str, str], ...]:
    locale = _locale(language) or _locale("en")
    names = dict(locale.languages) if locale is not None else {}
    options: dict[str, str] = {}
    for code, name in names.items():
        if "_" in code or _living(code) is None:
            continue
        canonical = language_code(code)
        options.setdefault(canonical, "{} ({})".format(name, canonical))
    return tuple(collated(options.items(), lambda option: option[1], language))


def language_options(language: str | None = None, current: str = "") -> list[tuple[str, str]]:
    """(code, "name (code)") of the living languages named in `language` (default: the user's),
    by name; `current` (a stored code that CLDR does not name) is kept among them."""
    options = list(_language_options(language or active_language()))
    if current and current not in {code for code, _label in options}:
        record = _living(current.split("-", maxsplit=1)[0])
        name = record.name if record is not None else current
        options.insert(0, (current, "{} ({})".format(name, current)))
    return options


def language_label(code: str, language: str | None = None) -> str:
    """A stored language code as the user reads it ("Hausa (ha)"); the code when unknown."""
    if not code:
        return ""
    for option, label in _language_options(language or active_language()):
        if option == code:
            return label
    return code


class _CollatedChoices(forms.models.ModelChoiceIterator[Any]):
    """A model picker's choices sorted by their labels in the reader's language."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = self.queryset if self.queryset is not None else []
        yield from (self.choice(obj) for obj in collated(rows, self.field.label_from_instance))


class OrganisationChoiceField(forms.ModelChoiceField[Organisation]):
    """A picker of organisations, each named in the reader's language where it can be, sorted
    by those names in the reader's language."""

    iterator = _CollatedChoices

    def label_from_instance(self, obj: Organisation) -> str:
        return obj.display_name
