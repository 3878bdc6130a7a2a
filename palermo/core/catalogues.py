"""Checks of Palermo's translation catalogues (palermo/locale/<language>/LC_MESSAGES/django.po):
every entry translated and not fuzzy, the same placeholders and markup as the English text, and
the glossary's terms (palermo/locale/glossary.yaml) where the English text uses them.

Pure functions over Babel's catalogue objects; scripts/check-translations and the test suite call
`catalogue_problems`. No Django setup is needed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
GLOSSARY = LOCALE_DIR / "glossary.yaml"
# The catalogues' directory names (Django's locale names) of the five languages besides English.
LANGUAGES = ("ar", "es", "fr", "ru", "zh_Hans")

# %(name)s, %s, %d, %.1f ... (python-format); {name}, {0}, {} (python-brace-format); %% is literal.
PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0+]*\d*(?:\.\d+)?[sdifFeEgGxXorc%]")
BRACE = re.compile(r"\{[A-Za-z0-9_.\[\]]*(?:![rsa])?(?::[^{}]*)?\}")
TAG = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)\b[^>]*>")


@dataclass(frozen=True)
class Term:
    en: str
    match: dict[str, re.Pattern[str]]


@dataclass(frozen=True)
class Problem:
    language: str
    msgid: str
    what: str

    def __str__(self) -> str:
        return "{}: {!r}: {}".format(self.language, self.msgid[:80], self.what)


@cache
def glossary_terms() -> tuple[Term, ...]:
    """The glossary's terms that are checked (those with `match`), patterns compiled."""
    data = yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))
    terms = []
    for row in data["terms"]:
        if "match" not in row:
            continue
        patterns = {
            lang: re.compile(pattern, re.IGNORECASE) for lang, pattern in row["match"].items()
        }
        terms.append(Term(en=row["en"], match=patterns))
    return tuple(terms)


def catalogue_read(language: str, locale_dir: Path = LOCALE_DIR) -> Catalog:
    path = locale_dir / language / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=None)


def _texts(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)] if value else []


def _placeholders(text: str, *, percent: bool, brace: bool) -> Counter[str]:
    found: Counter[str] = Counter()
    if percent:
        found.update(m for m in PERCENT.findall(text) if m != "%%")
    if brace:
        found.update(BRACE.findall(text))
    return found


def _tags(text: str) -> Counter[str]:
    return Counter(name.lower() for name in TAG.findall(text))


def message_problems(language: str, message: Message) -> list[str]:
    """What is wrong with one entry's translation (empty: nothing)."""
    ids = _texts(message.id)
    strings = _texts(message.string)
    if not ids or not ids[0]:
        return []
    if message.fuzzy:
        return ["fuzzy"]
    if not strings or any(not s.strip() for s in strings):
        return ["untranslated"]
    problems = []
    # Both kinds are compared whatever the entry's flags: a placeholder added or lost in a
    # translation is wrong in either case.
    percent = brace = True
    # A plural's singular may leave out the number (Arabic, Russian say "one" in words);
    # every translated form must use only the English placeholders, the last must use all.
    wanted = _placeholders(ids[-1], percent=percent, brace=brace)
    for index, text in enumerate(strings):
        got = _placeholders(text, percent=percent, brace=brace)
        # Counted: "{} of {}" needs both of its "{}".
        extra, missing = sorted((got - wanted).elements()), sorted((wanted - got).elements())
        if extra:
            problems.append("placeholders {} not in the English text".format(extra))
        if index == len(strings) - 1 and missing:
            problems.append("placeholders {} missing".format(missing))
        if _tags(text) != _tags(ids[-1]) and _tags(text) != _tags(ids[0]):
            problems.append("markup differs from the English text")
        if text.endswith("\n") != ids[0].endswith("\n"):
            problems.append("line ending differs from the English text")
    english = " ".join(ids)
    translated = " ".join(strings)
    for term in glossary_terms():
        own = term.match.get(language)
        if own is not None and term.match["en"].search(english) and not own.search(translated):
            problems.append("glossary: {!r} is not translated as the glossary says".format(term.en))
    return sorted(set(problems))


def catalogue_problems(language: str, locale_dir: Path = LOCALE_DIR) -> list[Problem]:
    """Every problem of one language's catalogue."""
    catalogue = catalogue_read(language, locale_dir)
    problems = []
    for message in catalogue:
        key = _texts(message.id)[0] if message.id else ""
        for what in message_problems(language, message):
            problems.append(Problem(language, key, what))
    return problems


def catalogue_counts(language: str, locale_dir: Path = LOCALE_DIR) -> dict[str, int]:
    """Entries, translated, untranslated and fuzzy entries of one language's catalogue."""
    catalogue = catalogue_read(language, locale_dir)
    counts = {"entries": 0, "translated": 0, "untranslated": 0, "fuzzy": 0}
    for message in catalogue:
        if not message.id:
            continue
        counts["entries"] += 1
        if message.fuzzy:
            counts["fuzzy"] += 1
        elif all(s.strip() for s in _texts(message.string)) and _texts(message.string):
            counts["translated"] += 1
        else:
            counts["untranslated"] += 1
    return counts
