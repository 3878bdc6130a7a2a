"""A source's locator ("para. 108", "AU section, pp. 2-4", "Annex III, fn. 35") in the reader's
language: the words a citation uses (paragraph, footnote, page, annex, section, table) as the
UN's language versions write them ("par. 108", "párr. 108", "п. 108", "第108段", "الفقرة 108").

The stored locator stays as the source's English; only these words are translated, the numbers
and names around them are kept. A locator with other words keeps them as stored.
"""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

# A number, a range or a list of them: "108", "1-5", "53, 76", "9 and 10".
_NUMBERS = r"\d+[a-z]?(?:\s*[-–]\s*\d+[a-z]?)?(?:(?:,\s*|\s+and\s+)\d+[a-z]?(?:\s*[-–]\s*\d+)?)*"

# Longest first: "paras." before "para.", "pp." before "p.".
_NUMBERED: dict[str, Promise] = {
    "paras.": pgettext_lazy("citation", "paras. {}"),
    "para.": pgettext_lazy("citation", "para. {}"),
    "fns.": pgettext_lazy("citation", "fns. {}"),
    "fn.": pgettext_lazy("citation", "fn. {}"),
    "pp.": pgettext_lazy("citation", "pp. {}"),
    "p.": pgettext_lazy("citation", "p. {}"),
}
_WORDS: dict[str, Promise] = {
    "Protocol table": pgettext_lazy("citation", "Protocol table"),
    "UNTOC table": pgettext_lazy("citation", "UNTOC table"),
    " ff.": pgettext_lazy("citation: and the following pages", " ff."),
    "Participant table": pgettext_lazy("citation", "Participant table"),
}
_NUMBERED_RE = re.compile(
    r"(?<![\w.])(?P<word>{})\s*(?P<n>{})".format(
        "|".join(re.escape(word) for word in _NUMBERED), _NUMBERS
    )
)
_ANNEX_RE = re.compile(r"\bAnnex\s+(?P<n>[IVXLC]+\b|[A-Z]\b|\d+)")
_SECTION_RE = re.compile(r"(?:^|(?<=; ))(?P<name>[^,;]+?) section\b")
_WORDS_RE = re.compile("|".join(re.escape(w) for w in _WORDS))


def locator_text(locator: str) -> str:
    """The locator with its citation words in the active language (English: unchanged)."""
    if not locator:
        return ""
    out = _SECTION_RE.sub(
        lambda m: str(pgettext_lazy("citation", "{} section")).format(m["name"]), locator
    )
    out = _NUMBERED_RE.sub(lambda m: str(_NUMBERED[m["word"]]).format(m["n"]), out)
    out = _ANNEX_RE.sub(lambda m: str(pgettext_lazy("citation", "Annex {}")).format(m["n"]), out)
    return _WORDS_RE.sub(lambda m: str(_WORDS[m[0]]), out)
