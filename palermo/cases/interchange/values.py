"""Parsing the values of an import: raw JSON values or CSV cells into model values.

Owns `Values`, one parser per kind of field (codes against their HTCDS code list, countries by
ISO 3166-1 alpha-3 or alpha-2, dates, numbers, organisations by name, languages by ISO 639) and
the items of a group. A bad value raises `RecordError` naming the field; the value itself is
repeated in the reason only when the field is not identifying.

`Values.value` is the reference parser of a value. An import parses every value of a file twice
(checked, then written), tens of millions of values for a large file, so `Values.parser` gives
each column a parser of its own that takes the values files hold (a code from the list, a date
`YYYY-MM-DD`, a list of codes ...) the short way and hands anything else to `value`: the same
results, and the same refusals word for word.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from palermo.cases.interchange.errors import RecordError
from palermo.cases.interchange.fields import (
    BOOL,
    CODE,
    CODES,
    COUNTRIES,
    COUNTRY,
    DATE,
    INT,
    LANGUAGE,
    NUMBER,
    ORG,
    STRINGS,
    TEXT,
    Column,
    Group,
    split_values,
)
from palermo.core.errors import ApplicationError
from palermo.core.models import Country, Organisation
from palermo.core.pickers import language_code

Parser = Callable[[Any], Any]
# A group's field names, its (name, attr, parser) in column order, its item of empty values,
# its list attributes and its parser by field name.
_GroupParsers = tuple[
    frozenset[str],
    tuple[tuple[str, str, Parser], ...],
    dict[str, Any],
    tuple[str, ...],
    dict[str, tuple[str, Parser]],
]
LIST_KINDS = frozenset({CODES, COUNTRIES, STRINGS})
TEXT_KINDS = frozenset({TEXT, CODE, LANGUAGE})
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,4})?$")
TRUE = {"true", "1", "yes", "y"}
FALSE = {"false", "0", "no", "n"}


@functools.cache
def _codes(choices: type[models.TextChoices]) -> frozenset[str]:
    return frozenset(choices.values)


def _codes_hint(choices: type[models.TextChoices]) -> str:
    values = list(choices.values)
    shown = ", ".join(values[:8])
    return shown + (_(", ... ({} codes)").format(len(values)) if len(values) > 8 else "")


def shown(raw: Any, *, identifying: bool = False) -> str:
    """A bad value as a refusal repeats it: quoted, or not at all when the field identifies
    a person (a refusal is printed and may be kept in logs)."""
    return _("(value not shown)") if identifying else "'{}'".format(raw)


class Values:
    """Parses raw values (JSON values, or CSV strings when `csv_mode`) into model values."""

    def __init__(self, *, csv_mode: bool) -> None:
        self.csv = csv_mode
        self.countries: dict[str, str] = {}
        for iso3, iso2 in Country.objects.values_list("iso3", "iso2"):
            self.countries[iso3] = iso3
            if iso2:
                self.countries.setdefault(iso2, iso3)
        self.organisations = dict(Organisation.objects.values_list("name", "pk"))
        self._parsers: dict[str, Callable[[Any, Column], Any]] = {
            STRINGS: self._parse_strings,
            COUNTRIES: self._parse_countries,
            CODES: self._parse_codes,
            BOOL: self._parse_bool,
            INT: self._parse_int,
            NUMBER: self._parse_number,
            TEXT: self._parse_text,
            CODE: self._parse_code,
            COUNTRY: self._parse_country,
            DATE: self._parse_date,
            ORG: self._parse_organisation,
            LANGUAGE: self._parse_language,
        }
        self._fast: dict[Column, Parser] = {}
        self._groups: dict[str, _GroupParsers] = {}

    def country(self, raw: str, name: str, *, identifying: bool = False) -> str:
        code = self.countries.get(raw.strip().upper())
        if code is None:
            raise RecordError(
                _("unknown country code {} for {} (ISO 3166-1 alpha-3)").format(
                    shown(raw, identifying=identifying), name
                )
            )
        return code

    def date(self, raw: str, name: str, *, identifying: bool = False) -> dt.date:
        text = raw.strip()
        try:
            if len(text) != 10:
                raise ValueError(text)
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise RecordError(
                _("impossible date {} for {} (YYYY-MM-DD)").format(
                    shown(raw, identifying=identifying), name
                )
            ) from None
        if day.year < 1900:
            raise RecordError(
                _("impossible date {} for {} (before 1900)").format(
                    shown(raw, identifying=identifying), name
                )
            )
        return day

    def _text(self, raw: Any, col: Column) -> str:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise RecordError(_("{} must be text").format(col.name))
        return str(raw).strip()

    def _list(self, raw: Any, col: Column) -> list[str]:
        if raw is None or raw == "":
            return []
        if self.csv:
            return [p.strip() for p in split_values(str(raw)) if p.strip()]
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise RecordError(_("{} must be a list of text values").format(col.name))
        return [v.strip() for v in raw if v.strip()]

    def value(self, col: Column, raw: Any) -> Any:
        """The model value of `raw` for `col`; None, "" or [] when empty."""
        if col.kind in LIST_KINDS:
            return self._parsers[col.kind](self._list(raw, col), col)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return "" if col.kind in TEXT_KINDS else None
        return self._parsers[col.kind](raw, col)

    def parser(self, col: Column) -> Parser:
        """`value` for one column, `parser(col)(raw) == value(col, raw)`: the values a file
        normally holds are parsed here, anything else (a wrong type, a bad value) by `value`,
        which gives the result or the refusal."""
        fast = self._fast.get(col)
        if fast is None:
            fast = self._fast[col] = self._make_parser(col)
        return fast

    def _make_parser(self, col: Column) -> Parser:  # noqa: C901, PLR0911, PLR0915 - one per kind
        def slow(raw: Any) -> Any:
            return self.value(col, raw)

        kind = col.kind
        if kind in LIST_KINDS:
            return self._make_list_parser(col, slow)
        if kind == TEXT:
            limit = col.max_length

            def text(raw: Any) -> Any:
                if raw.__class__ is str:
                    value = raw.strip()
                    if not limit or len(value) <= limit:
                        return value
                elif raw is None:
                    return ""
                return slow(raw)

            return text
        if kind == CODE:
            codes = _codes(col.choices) if col.choices is not None else frozenset()

            def code(raw: Any) -> Any:
                if raw.__class__ is str:
                    value = raw.strip()
                    if not value or value in codes:
                        return value
                elif raw is None:
                    return ""
                return slow(raw)

            return code
        if kind == DATE:
            fromisoformat = dt.date.fromisoformat

            def date(raw: Any) -> Any:
                if raw.__class__ is str:
                    text = raw.strip()
                    if not text:
                        return None
                    if len(text) == 10:
                        try:
                            day = fromisoformat(text)
                        except ValueError:
                            return slow(raw)
                        if day.year >= 1900:
                            return day
                elif raw is None:
                    return None
                return slow(raw)

            return date
        if kind == COUNTRY:
            countries = self.countries

            def country(raw: Any) -> Any:
                if raw.__class__ is str:
                    text = raw.strip()
                    if not text:
                        return None
                    iso3 = countries.get(text.upper())
                    if iso3 is not None:
                        return iso3
                elif raw is None:
                    return None
                return slow(raw)

            return country
        if kind == INT:
            maximum = col.maximum or 10**6

            def whole(raw: Any) -> Any:
                if raw.__class__ is int and 0 <= raw <= maximum:
                    return raw
                if raw is None or raw == "":
                    return None
                return slow(raw)

            return whole
        if kind == BOOL:
            csv = self.csv

            def boolean(raw: Any) -> Any:
                if raw is True or raw is False:
                    return raw
                if raw is None or raw == "":
                    return None
                if csv and raw.__class__ is str:
                    word = raw.strip().lower()
                    if word in TRUE:
                        return True
                    if word in FALSE:
                        return False
                return slow(raw)

            return boolean
        if kind == ORG:
            organisations = self.organisations

            def organisation(raw: Any) -> Any:
                if raw.__class__ is str:
                    found = organisations.get(raw.strip())
                    if found is not None:
                        return found
                if raw is None or raw == "":
                    return None
                return slow(raw)

            return organisation
        if kind == LANGUAGE:
            known: dict[str, str] = {}  # the few languages of a file, parsed once each

            def language(raw: Any) -> Any:
                if raw.__class__ is str:
                    found = known.get(raw)
                    if found is None:
                        found = known[raw] = slow(raw)  # a refusal is raised, never kept
                    return found
                if raw is None:
                    return ""
                return slow(raw)

            return language
        return slow  # numbers: a few identifying fields

    def _make_list_parser(self, col: Column, slow: Parser) -> Parser:
        csv = self.csv
        codes = _codes(col.choices) if col.choices is not None else frozenset()
        countries = self.countries

        def items_of(raw: Any) -> list[str] | None:
            """The non-empty items of a list as `_list` gives them; None: not the usual case."""
            if csv:
                parts = split_values(raw) if raw.__class__ is str else None
            else:
                parts = raw if raw.__class__ is list else None
            if parts is None:
                return None
            items = []
            for part in parts:
                if part.__class__ is not str:
                    return None
                item = part.strip()
                if item:
                    items.append(item)
            return items

        def codes_of(raw: Any) -> Any:
            if raw is None or raw == "":
                return []
            items = items_of(raw)
            if items is None or not codes.issuperset(items):
                return slow(raw)
            return sorted(set(items))

        def countries_of(raw: Any) -> Any:
            if raw is None or raw == "":
                return []
            items = items_of(raw)
            found = {countries.get(item.upper()) for item in items or ()}
            if items is None or None in found:
                return slow(raw)
            return sorted(found)

        def strings_of(raw: Any) -> Any:
            if raw is None or raw == "":
                return []
            items = items_of(raw)
            return slow(raw) if items is None else items

        return {CODES: codes_of, COUNTRIES: countries_of}.get(col.kind, strings_of)

    # One parser per kind, looked up once per value (imports parse millions of values).

    def _parse_strings(self, items: list[str], col: Column) -> list[str]:
        return items

    def _parse_countries(self, items: list[str], col: Column) -> list[str]:
        return sorted({self.country(v, col.name, identifying=col.identifying) for v in items})

    def _parse_codes(self, items: list[str], col: Column) -> list[str]:
        for v in items:
            self._code(v, col)
        return sorted(set(items))

    def _parse_bool(self, raw: Any, col: Column) -> bool:
        if isinstance(raw, bool):
            return raw
        if self.csv and str(raw).strip().lower() in TRUE | FALSE:
            return str(raw).strip().lower() in TRUE
        raise RecordError(
            _("{} must be true or false, not {}").format(
                col.name, shown(raw, identifying=col.identifying)
            )
        )

    def _parse_int(self, raw: Any, col: Column) -> int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            number = raw
        elif isinstance(raw, str) and raw.strip().isdigit():
            number = int(raw.strip())
        else:
            raise RecordError(
                _("{} must be a whole number, not {}").format(
                    col.name, shown(raw, identifying=col.identifying)
                )
            )
        if not 0 <= number <= (col.maximum or 10**6):
            raise RecordError(
                _("{} must be between 0 and {}, not {}").format(
                    col.name,
                    col.maximum,
                    _("(value not shown)") if col.identifying else number,
                )
            )
        return number

    def _parse_number(self, raw: Any, col: Column) -> float:
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise RecordError(
                _("{} must be a number, not {}").format(
                    col.name, shown(raw, identifying=col.identifying)
                )
            ) from None

    def _parse_text(self, raw: Any, col: Column) -> str:
        text = self._text(raw, col)
        if col.max_length and len(text) > col.max_length:
            raise RecordError(
                _("{} is longer than {} characters ({})").format(
                    col.name, col.max_length, len(text)
                )
            )
        return text

    def _parse_code(self, raw: Any, col: Column) -> str:
        return self._code(self._text(raw, col), col)

    def _parse_country(self, raw: Any, col: Column) -> str:
        return self.country(self._text(raw, col), col.name, identifying=col.identifying)

    def _parse_date(self, raw: Any, col: Column) -> dt.date:
        return self.date(self._text(raw, col), col.name, identifying=col.identifying)

    def _parse_organisation(self, raw: Any, col: Column) -> int:
        text = self._text(raw, col)
        org_id = self.organisations.get(text)
        if org_id is None:
            raise RecordError(
                _("unknown organisation '{}' for {} (create it first: palermo org create)").format(
                    text, col.name
                )
            )
        return org_id

    def _parse_language(self, raw: Any, col: Column) -> str:
        text = self._text(raw, col)
        try:  # a living ISO 639 language (pycountry), as the services check it
            if LANGUAGE_RE.match(text):
                return language_code(text, col.name)
        except ApplicationError:
            pass
        raise RecordError(
            _("{} must be an ISO 639 code of a living language such as 'en', not {}").format(
                col.name, shown(text, identifying=col.identifying)
            )
        )

    def _code(self, value: str, col: Column) -> str:
        if col.choices is None:  # every CODE column has its code list
            raise TypeError(col.name)
        if value not in _codes(col.choices):
            raise RecordError(
                _("unknown code {} for {} (use one of {})").format(
                    shown(value, identifying=col.identifying),
                    col.name,
                    _codes_hint(col.choices),
                )
            )
        return value

    def group(self, group: Group, raw_record: dict[str, Any]) -> list[dict[str, Any]]:
        """The items of a group, each as {attr: value}, in the group's column order.

        An item usually holds a few of its group's fields: the others' values (those of an
        empty field) are copied from a template, and only the fields it holds are parsed. An
        item with a bad value is parsed again column by column, so that the problem named is
        the first in the columns' order, as always."""
        if not self.csv and raw_record.get(group.key) is None:
            return []  # most records have no items in most groups
        raw_items = self._raw_items(group, raw_record)
        if not raw_items:
            return []
        known = self._groups.get(group.key)
        if known is None:
            known = self._groups[group.key] = self._group_parsers(group)
        names, columns, template, lists, dispatch = known
        items = []
        for n, raw_item in enumerate(raw_items, start=1):
            if not names.issuperset(raw_item):
                unknown = sorted(set(raw_item) - names)
                raise RecordError(
                    _("{} item {}: unknown field(s) {}").format(group.key, n, ", ".join(unknown))
                )
            item = template.copy()
            for attr in lists:  # a list of its own for each item
                item[attr] = []
            try:
                for name, raw in raw_item.items():
                    attr, parse = dispatch[name]
                    item[attr] = parse(raw)
            except RecordError:
                get = raw_item.get
                try:
                    item = {attr: parse(get(name)) for name, attr, parse in columns}
                except RecordError as exc:
                    raise RecordError(_("{} item {}: {}").format(group.key, n, exc)) from None
            items.append(item)
        return items

    def _group_parsers(self, group: Group) -> _GroupParsers:
        columns = tuple((col.name, col.attr, self.parser(col)) for col in group.columns)
        return (
            frozenset(col.name for col in group.columns),
            columns,
            {attr: parse(None) for _name, attr, parse in columns},
            tuple(col.attr for col in group.columns if col.kind in LIST_KINDS),
            {name: (attr, parse) for name, attr, parse in columns},
        )

    def _raw_items(self, group: Group, raw_record: dict[str, Any]) -> list[dict[str, Any]]:
        """The group's items as read: a list of objects in JSON; in CSV, the n-th value of each
        of the group's columns makes the n-th item."""
        if not self.csv:
            value = raw_record.get(group.key)
            if value is None:
                return []
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise RecordError(_("{} must be a list of objects").format(group.key))
            return value
        cells = {col.name: raw_record.get(col.name) or "" for col in group.columns}
        split = {name: split_values(cell) for name, cell in cells.items() if cell}
        sizes = {len(parts) for parts in split.values()}
        if len(sizes) > 1:
            raise RecordError(
                _("the {} columns hold different numbers of items ({})").format(
                    group.key,
                    ", ".join("{} {}".format(n, len(p)) for n, p in split.items()),
                )
            )
        count = sizes.pop() if sizes else 0
        return [{name: parts[i] for name, parts in split.items()} for i in range(count)]
