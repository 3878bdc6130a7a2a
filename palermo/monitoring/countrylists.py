"""Lists of States in United Nations editorial style, in the six UN languages.

A consolidated report names the States that said something in one sentence or footnote: "On
this issue, respondent Member States were Algeria, Finland, Latvia, Lithuania, the Philippines,
Spain, Sweden, Turkey and Ukraine." (E/CN.15/2005/7, note 5). `country_list` writes such lists:

- Each State by its UNTERM short name as at the document's date (Serbia and Montenegro in 2005,
  Turkey before 1 June 2022): `data/unterm_names.csv` (today's names, from UNTERM through the
  datasets/country-codes file) and `data/name_history.yaml` (earlier names, with their sources).
- In running text, the article UN style writes before the name ("the Philippines", "la Serbie",
  "el Afganistán", "l'Algérie"), and an inverted name turned ("Venezuela (Bolivarian Republic
  of)" -> "the Bolivarian Republic of Venezuela", the formal name UNTERM gives). In a list
  introduced by a colon (`context="list"`), the short names as they are, without articles.
- In the alphabetical order of the short name in the document's language (ICU collation),
  the article ignored: "Pakistan, the Republic of Korea, Switzerland"; in Arabic the article
  "ال" ignored too, and the forms of alif sorted as one letter.
- Joined as the language joins a list: no serial comma ("A, B and C"), "y"/"e" in Spanish,
  "、" and "和" in Chinese, "، و" in Arabic.
- `notes` adds a remark after a State, in parentheses: "Belgium (legislation under way)".
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.core.collation import collation_key
from palermo.core.errors import ApplicationError

DATA = Path(__file__).resolve().parent / "data"
LANGUAGES = ("en", "fr", "es", "ru", "zh", "ar")
CONTEXTS = ("running", "list")
Context = Literal["running", "list"]

# The article UNTERM writes after a short name, in parentheses, and how running text puts it in
# front of the name (French elides "l'").
_ARTICLES: dict[str, dict[str, str]] = {
    "en": {"the": "the "},
    "fr": {"le": "le ", "la": "la ", "l'": "l'", "les": "les "},
    "es": {"el": "el ", "la": "la ", "los": "los ", "las": "las "},
}
_TRAILING = re.compile(r"^(?P<name>.+?) \((?P<inside>[^()]+)\)$")
_ALIFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})


@dataclass(frozen=True)
class UNName:
    """A State's name in one language as UNTERM writes it: the short name with its article or
    the rest of an inverted name in parentheses ("Philippines (the)", "Iran (Islamic Republic
    of)"), and the formal name as running text writes it ("the Islamic Republic of Iran")."""

    short: str
    formal: str
    language: str

    def _split(self) -> tuple[str, str | None, bool]:
        """(name without the parentheses, article or None, whether the name is inverted)."""
        found = _TRAILING.match(self.short)
        if found is None:
            return self.short, None, False
        inside = found.group("inside")
        articles = _ARTICLES.get(self.language, {})
        if inside in articles:
            return found.group("name"), articles[inside], False
        return found.group("name"), None, True

    @property
    def sort_name(self) -> str:
        """The name a list is sorted by: the short name without its article."""
        name, _article, inverted = self._split()
        if inverted:
            return self.short
        if self.language == "ar":
            first, space, rest = name.partition(" ")
            if first.startswith("ال") and len(first) > 2:  # noqa: PLR2004 - the two letters of the article
                first = first[2:]
            name = (first + space + rest).translate(_ALIFS)
        return name

    def in_context(self, context: Context) -> str:
        """The name as a list of that kind writes it."""
        name, article, inverted = self._split()
        if context == "list":
            return self.short if inverted else name
        if inverted:
            return self.formal
        if article is not None:
            return article + name
        if self.language == "en" and name.startswith("The "):  # "the former Yugoslav Republic ..."
            return "t" + name[1:]
        return name


@dataclass(frozen=True)
class _Period:
    start: dt.date | None
    end: dt.date | None
    names: Mapping[str, UNName] | None
    approximate: str
    source: str

    def holds(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


def _names(row: Mapping[str, str]) -> dict[str, UNName]:
    return {
        lang: UNName(row["{}_short".format(lang)], row["{}_formal".format(lang)], lang)
        for lang in LANGUAGES
    }


@lru_cache(maxsize=1)
def _today_names() -> dict[str, dict[str, UNName]]:
    with (DATA / "unterm_names.csv").open(encoding="utf-8", newline="") as f:
        return {row["iso3"]: _names(row) for row in csv.DictReader(f)}


@lru_cache(maxsize=1)
def _history() -> dict[str, list[_Period]]:
    with (DATA / "name_history.yaml").open(encoding="utf-8") as f:
        entries: list[dict[str, Any]] = yaml.load(f, Loader=yaml.CSafeLoader)  # noqa: S506 - the safe loader
    out: dict[str, list[_Period]] = {}
    for entry in entries:
        given = entry["names"]
        names = None
        if given is not None:
            names = {
                lang: UNName(str(given[lang][0]), str(given[lang][1]), lang) for lang in LANGUAGES
            }
        out.setdefault(entry["iso3"], []).append(
            _Period(
                start=entry.get("from"),
                end=entry.get("until"),
                names=names,
                approximate=str(entry.get("approximate", "")),
                source=" ".join(str(entry["source"]).split()),
            )
        )
    return out


@lru_cache(maxsize=1)
def known_codes() -> frozenset[str]:
    """Every code that names a State at some date."""
    return frozenset(_today_names()) | frozenset(_history())


def language_of(language: str) -> str:
    """One of the six UN languages from a language code ("zh-hans" -> "zh", "FR" -> "fr");
    ApplicationError for any other."""
    base = language.replace("_", "-").split("-", maxsplit=1)[0].lower()
    if base not in LANGUAGES:
        raise ApplicationError(
            _("Unknown language {}: use one of the UN languages {}.").format(
                language, ", ".join(LANGUAGES)
            ),
            code="invalid_language",
        )
    return base


def state_name(iso3: str, *, as_of: dt.date, language: str) -> UNName:
    """The UN's name of a State in `language` on `as_of`; ApplicationError naming the code when
    it names no State then (unknown, not a State in UNTERM, or not yet or no longer a State)."""
    lang = language_of(language)
    code = iso3.strip().upper()
    periods = _history().get(code, [])
    for period in periods:
        if period.holds(as_of):
            if period.names is None:
                break
            return period.names[lang]
    else:
        ended = [p.end for p in periods if p.end is not None]
        if not ended or as_of >= max(ended):  # after every period: today's names
            today = _today_names().get(code)
            if today is not None:
                return today[lang]
        if code not in known_codes():
            raise ApplicationError(
                _(
                    "Unknown State {}: use the ISO 3166-1 alpha-3 code of a State that UNTERM "
                    "names, such as PHL."
                ).format(iso3),
                code="unknown_country",
            )
    raise ApplicationError(
        _("{} named no State on {}.").format(code, as_of.isoformat()),
        code="no_state_then",
    )


def joined(items: list[str], lang: str) -> str:
    """Names joined as the language joins a list: no serial comma; "et", "y"/"e", "и", "、…和",
    "، و"."""
    if len(items) < 2:  # noqa: PLR2004 - one name or none
        return "".join(items)
    if lang == "zh":
        return "、".join(items[:-1]) + "和" + items[-1]
    if lang == "ar":
        return items[0] + "".join(("، و" if len(items) > 2 else " و") + i for i in items[1:])  # noqa: PLR2004 - two names: no comma
    word = {"en": "and", "fr": "et", "ru": "и"}.get(lang)
    if word is None:  # Spanish: "e" before an "i" sound (Irlanda, Hispania) but not "hie"
        plain = unicodedata.normalize("NFD", items[-1]).encode("ascii", "ignore").decode().lower()
        word = "e" if re.match(r"^(i|hi(?![aeou]))", plain) else "y"
    return "{} {} {}".format(", ".join(items[:-1]), word, items[-1])


def country_list(
    codes: Iterable[str],
    *,
    as_of: dt.date | None = None,
    language: str = "en",
    context: Context = "running",
    notes: Mapping[str, str] | None = None,
) -> str:
    """The States of `codes` (ISO 3166-1 alpha-3, repeats counted once) in one line, in UN
    editorial style (see the module's help): named as on `as_of` (default: today) in
    `language`, for running text or for a list introduced by a colon; `notes` adds a remark in
    parentheses after a State (by code)."""
    lang = language_of(language)
    if context not in CONTEXTS:
        raise ApplicationError(
            _("Unknown context {}: use running or list.").format(context), code="invalid"
        )
    day = as_of or timezone.localdate()
    remarks = {k.strip().upper(): v for k, v in (notes or {}).items()}
    named: dict[str, UNName] = {}
    for code in codes:
        key = code.strip().upper()
        if key not in named:
            named[key] = state_name(key, as_of=day, language=lang)
    unknown = sorted(set(remarks) - set(named))
    if unknown:
        raise ApplicationError(
            _("Notes for States not in the list: {}.").format(", ".join(unknown)), code="invalid"
        )
    order = collation_key(lang)
    items = []
    for key, name in sorted(named.items(), key=lambda item: order(item[1].sort_name)):
        text = name.in_context(context)
        if key in remarks:
            text += "（{}）".format(remarks[key]) if lang == "zh" else " ({})".format(remarks[key])
        items.append(text)
    return joined(items, lang)


def ordered_names(codes: Iterable[str], *, as_of: dt.date, language: str) -> list[tuple[str, str]]:
    """(code, short name) of each State, in the language's alphabetical order: a table's
    rows, as a UN report orders them."""
    lang = language_of(language)
    named = {
        c.strip().upper(): state_name(c.strip().upper(), as_of=as_of, language=lang) for c in codes
    }
    order = collation_key(lang)
    return [
        (code, name.in_context("list"))
        for code, name in sorted(named.items(), key=lambda item: order(item[1].sort_name))
    ]


def name_source(iso3: str, as_of: dt.date) -> str:
    """Where the name of a State on a date comes from (for a footnote's provenance)."""
    for period in _history().get(iso3.strip().upper(), []):
        if period.holds(as_of):
            return period.source
    return "UNTERM (https://unterm.un.org), through datasets/country-codes (ODC PDDL)"
