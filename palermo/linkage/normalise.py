"""Identifying fields as they really arrive, made comparable (issue 16).

Names come in native scripts (Cyrillic, Arabic, Thai, Burmese, Devanagari, Chinese) and in
several romanisations of each; given and family names swapped; with patronymics, honorifics and
particles; with aliases. Each name token is romanised as registers write its script, to Latin
ASCII: with ICU (PyICU: the BGN/PCGN romanisation for Russian and Ukrainian Cyrillic,
`Han-Latin/Names` for Chinese, ICU's `Any-Latin` for Arabic, Devanagari and other scripts;
anyascii when ICU knows no rule), PyThaiNLP's Royal Thai General System for Thai, `burmese` for
Burmese; case-folded, and stripped of honorifics and particles. From the tokens come:

- `grams`: the set of letter bigrams of the tokens, each padded at its ends (`_o ok ka af fo or
  r_`), so that comparing two names does not depend on the order of their tokens nor on where a
  romanisation puts its spaces ("Xiaoming" and "Xiao Ming"). Their Dice coefficient is the
  names' similarity, and it is what a Bloom-filter encoding of the same bigrams estimates, so
  the plaintext and the privacy-preserving comparisons agree (`encodings`).
- `skeleton`: a romanisation-invariant key of each token (consonants, digraphs folded: "kh" and
  "h", "sh" and "s", "x" and "ks"; a first vowel written as any vowel, the other vowels dropped
  unless the token has no other consonant, doubles collapsed):
  Mohammed, Muhammad, Mohamed and the Arabic script's محمد (ICU: "mhmd") all give "md"; Hussein,
  Husain, Hosein and حسين give "hsn". Bigrams of the skeletons give a second, coarser similarity.

Dates of birth come as a full date, a month, a year, or an estimated age at a registration date;
1 January stands for "year only" in many registers. Each becomes a range of birth years (the
exact year when known; the age's year widened by the uncertainty of an estimate) plus the month
and day when they mean something, and the comparisons treat them as ranges.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
import re
import unicodedata
from dataclasses import dataclass

import icu
from anyascii import anyascii
from django.utils.translation import gettext as _

from palermo.linkage import burmese

# Words that are not part of a person's name: honorifics and titles (several languages, as they
# are written in Latin after transliteration), and particles that some records keep and others
# drop ("bin", "al-", "van"). Burmese honorifics are dropped only when written in Burmese script
# (in Latin "Ma" is also a Chinese family name): see BURMESE_TITLES.
HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mme",
        "mlle",
        "dr",
        "prof",
        "sir",
        "madam",
        "madame",
        "sheikh",
        "shaikh",
        "sheik",
        "haji",
        "hajji",
        "hadji",
        "hajj",
        "sayyid",
        "syed",
        "sri",
        "shri",
        "smt",
        "shrimati",
        "kumari",
        "km",
        "tan",
        "puan",
        "encik",
        "cik",
        "khun",
        "nai",
        "nang",
        "sra",
        "gospodin",
        "gospozha",
        "sig",
        "sra",
        "sr",
        "don",
        "dona",
    ]
)
PARTICLES = frozenset(
    [
        "bin",
        "binti",
        "bint",
        "ibn",
        "ben",
        "ould",
        "al",
        "el",
        "ul",
        "ud",
        "abu",
        "de",
        "da",
        "di",
        "du",
        "van",
        "von",
        "der",
    ]
)

# An estimated age is taken to be right within this many years either way.
AGE_TOLERANCE = 2
# A full date on 1 January (or the 1st of a month with no other sign) is a register's
# placeholder for an unknown day and month when it is the first of January.
PLACEHOLDER = (1, 1)

_SPLIT = re.compile(r"[\s\-\u2010-\u2015'\u2018\u2019\u02bc\u02bb`\u00b4.,;:/()\"_]+")
_NOT_LETTER = re.compile(r"[^a-z]")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
# Each letter and digit as a number, for the bigrams (0 is the pad).
_CODE = {ch: i + 1 for i, ch in enumerate("abcdefghijklmnopqrstuvwxyz0123456789")}
_BASE = len(_CODE) + 1
_DOC = re.compile(r"[^0-9A-Z]")
_SKELETON_RULES = (
    ("sch", "s"),
    ("tch", "c"),
    ("ch", "c"),
    ("sh", "s"),
    ("zh", "j"),
    ("kh", "h"),
    ("gh", "g"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "d"),
    ("ck", "k"),
    ("x", "ks"),
    ("q", "k"),
    ("c", "k"),
    ("w", "v"),
    ("z", "s"),
)
_VOWELS = frozenset("aeiouy")


# Unicode blocks of the scripts whose names are romanised their own way (Cyrillic apart).
_BLOCKS = (
    (0x4E00, 0x9FFF, "han"),
    (0x3400, 0x4DBF, "han"),
    (0x1000, 0x109F, "my"),
    (0x0E00, 0x0E7F, "th"),
    (0x0600, 0x06FF, "ar"),
    (0x0900, 0x097F, "deva"),
)


def _script(text: str) -> str:
    """The script of a token's letters, as far as the choice of transliteration needs it."""
    for ch in text:
        code = ord(ch)
        if 0x0400 <= code <= 0x04FF:
            return "uk" if ch in "іїєґІЇЄҐ" else "ru"
        block = next((name for low, high, name in _BLOCKS if low <= code <= high), None)
        if block is None and code > 0x024F and unicodedata.category(ch).startswith("L"):
            block = "other"
        if block is not None:
            return block
    return "latin"


_TRANSFORMS = {
    "ru": "Russian-Latin/BGN; Latin-ASCII; Lower",
    "uk": "Ukrainian-Latin/BGN; Latin-ASCII; Lower",
    "han": "Han-Latin/Names; Latin-ASCII; Lower",
    "ar": "Any-Latin; Latin-ASCII; Lower",
    "deva": "Any-Latin; Latin-ASCII; Lower",
    "other": "Any-Latin; Latin-ASCII; Lower",
    "latin": "Latin-ASCII; Lower",
}


@functools.cache
def _transliterator(script: str) -> icu.Transliterator:
    return icu.Transliterator.createInstance(_TRANSFORMS[script])


# Thai titles written before the name, often without a space: Miss, Mrs, Mr, girl, boy.
THAI_TITLES = ("นางสาว", "นาง", "นาย", "เด็กหญิง", "เด็กชาย", "ด.ญ.", "ด.ช.")
# Burmese honorifics written before the name: U, Daw, Ko.
BURMESE_TITLES = ("ဦး", "ဒေါ်", "ကို")
ARABIC_ARTICLE = "ال"
# Devanagari: a consonant letter (with its nukta), and the virama that joins it to the next.
_DEVA_CONSONANT = re.compile("[\u0915-\u0939\u0958-\u095f]\u093c?$")
_DEVA_VIRAMA = "\u094d"


def _romanised(raw: str, script: str) -> list[str]:
    """One token of a name in Latin letters, as registers romanise its script (one or more
    words: Chinese and Burmese names come as syllables written together)."""
    if script == "th":
        # ICU's Thai-Latin is a letter-by-letter transliteration (ศิริพร "siri phr"); the Royal
        # Thai General System, which passports and registers use, is PyThaiNLP's "royin"
        # (Siriphon). Imported here: only Thai names need it; read-only, so that it never
        # writes a data directory in the service's home.
        os.environ.setdefault("PYTHAINLP_READ_ONLY", "1")
        from pythainlp.transliterate import romanize  # noqa: PLC0415

        bare = next((raw[len(t) :] for t in THAI_TITLES if raw.startswith(t)), raw) or raw
        return [romanize(bare, engine="royin")]
    if script == "my":
        # Burmese writes no spaces; each syllable is a word in Latin (Aung Kyaw), an honorific
        # in front (U, Daw, Ko) is left out.
        bare = next((raw[len(t) :] for t in BURMESE_TITLES if raw.startswith(t)), raw)
        return list(burmese.syllables(bare))
    source = raw
    if script == "ar":
        # The article al- is written joined to the name (الحسيني, Al Husseini, Husseini);
        # registers keep or drop it, like the Latin "al" (a particle). The closing ta marbuta
        # is said, and romanised, as -a or -ah: خديجة, Khadija.
        if source.startswith(ARABIC_ARTICLE) and len(source) > len(ARABIC_ARTICLE) + 1:
            source = source[len(ARABIC_ARTICLE) :]
        source = source.replace("ة", "ه")
    latin: str = _transliterator(script).transliterate(source)
    # Hindi and Nepali do not say the inherent vowel of a word's last consonant (विकास is
    # Vikas, not "vikasa"), unless it closes a cluster (आचार्य Acharya, कृष्ण Krishna).
    if (
        script == "deva"
        and _DEVA_CONSONANT.search(source)
        and source[-2:-1] != _DEVA_VIRAMA
        and latin.endswith("a")
    ):
        latin = latin[:-1]
    if script == "han":
        # Chinese is written without spaces; ICU gives one syllable per character. The family
        # name is the first character, the given name the rest, joined as pinyin writes a given
        # name ("Zhang Xiaoming").
        syllables = latin.split()
        return [syllables[0], "".join(syllables[1:])] if len(syllables) > 2 else syllables
    return latin.split()


@functools.lru_cache(maxsize=200_000)
def latin_tokens(text: str, *, digits: bool = False) -> tuple[str, ...]:
    """The name's tokens in Latin ASCII, lower case, honorifics and particles left out
    ("Д-р Мухаммед Иванович" -> muhammed, ivanovich; "张小明" -> zhang, xiaoming)."""
    out: list[str] = []
    for raw in _SPLIT.split(unicodedata.normalize("NFC", text)):
        if not raw:
            continue
        script = _script(raw)
        parts = _romanised(raw, script)
        for part in parts:
            keep = _NOT_ALNUM if digits else _NOT_LETTER
            token = keep.sub("", part) or keep.sub("", anyascii(part).lower())
            # Initials (and the letters of an abbreviation split at its hyphen, "Д-р") say
            # too little to compare.
            if len(token) < 2 or token in HONORIFICS or token in PARTICLES:
                continue
            out.append(token)
    return tuple(out)


@functools.lru_cache(maxsize=200_000)
def skeleton(token: str) -> str:
    """A romanisation-invariant key of a Latin token (see the module's docstring)."""
    s = token
    if s.startswith(("hsi", "hsu")):  # Wade-Giles for the pinyin x ("Hsiao", "Xiao")
        s = s[1:]
    elif s.startswith("x"):
        s = "s" + s[1:]
    for old, new in _SKELETON_RULES:
        s = s.replace(old, new)
    s = s.replace("j", "y")
    head, tail = s[:1], s[1:]
    if head in _VOWELS:
        # A first vowel is written as any vowel (Ibrahim, Ebrahim, and ICU's "abrahym" of
        # إبراهيم; Elena, Yelena, Olena, Alyona).
        head = "a"
    consonants = "".join(ch for ch in tail if ch not in _VOWELS and ch != "h")
    if not consonants and head != "a":
        # A syllable of one consonant (Burmese Moe, Mya, Mi; Chinese Li, Lu) keeps its first
        # vowel: without it every such name would be the same "m" or "l".
        vowel = next((ch for ch in tail if ch in _VOWELS), "")
        consonants = {"y": "i", "e": "i"}.get(vowel, vowel)
    key = head + consonants
    return "".join(ch for ch, _group in itertools.groupby(key))


def bigrams(tokens: tuple[str, ...] | list[str]) -> list[int]:
    """The distinct padded bigrams of the tokens, sorted, each as a number (of letters, digits
    and the pad: the engine intersects lists of numbers faster than lists of strings)."""
    grams: set[int] = set()
    for token in tokens:
        codes = [0, *(_CODE[ch] for ch in token), 0]
        grams.update(a * _BASE + b for a, b in itertools.pairwise(codes))
    return sorted(grams)


def dice(a: list[int] | set[int], b: list[int] | set[int]) -> float:
    """The Dice coefficient of two sets (0 when both are empty)."""
    sa, sb = set(a), set(b)
    total = len(sa) + len(sb)
    return 2 * len(sa & sb) / total if total else 0.0


def document_number(text: str) -> str:
    """A document number without spaces, dashes or case."""
    return _DOC.sub("", anyascii(text).upper())


@dataclass(frozen=True)
class Birth:
    """What a record says of a birth: the range of years it allows, and the month and day when
    they are known (not a placeholder)."""

    low: int | None = None
    high: int | None = None
    month: int | None = None
    day: int | None = None

    @property
    def year(self) -> int | None:
        return self.low if self.low is not None and self.low == self.high else None


class DateError(ValueError):
    """A date or an age that cannot be read; its message names the problem, not the value."""


def parse_date(text: str) -> tuple[int, int | None, int | None]:
    """(year, month, day) of YYYY, YYYY-MM or YYYY-MM-DD (also YYYYMMDD)."""
    value = text.strip()
    if re.fullmatch(r"\d{8}", value):
        value = "{}-{}-{}".format(value[:4], value[4:6], value[6:])
    parts = value.split("-")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise DateError(_("not a date as YYYY, YYYY-MM or YYYY-MM-DD"))
    numbers = [int(p) for p in parts]
    try:
        if len(numbers) == 3:
            dt.date(numbers[0], numbers[1], numbers[2])
        elif len(numbers) == 2:
            dt.date(numbers[0], numbers[1], 1)
    except ValueError as exc:
        raise DateError(_("not a valid calendar date")) from exc
    year = numbers[0]
    month = numbers[1] if len(numbers) > 1 else None
    day = numbers[2] if len(numbers) > 2 else None
    return year, month, day


def birth(dob: str, age_est: str, reg_date: str) -> Birth:
    """The birth a record states: from its date of birth when it has one, else from an
    estimated age at its registration date (years, a range widened by AGE_TOLERANCE)."""
    if dob.strip():
        year, month, day = parse_date(dob)
        if (month, day) == PLACEHOLDER:
            month = day = None
        return Birth(year, year, month, day)
    if age_est.strip():
        try:
            age = float(age_est)
        except ValueError as exc:
            raise DateError(_("the estimated age is not a number of years")) from exc
        if not 0 <= age <= 120:
            raise DateError(_("the estimated age is not between 0 and 120"))
        if not reg_date.strip():
            raise DateError(_("an estimated age needs the registration date"))
        reg_year = parse_date(reg_date)[0]
        born = reg_year - int(age)
        return Birth(born - 1 - AGE_TOLERANCE, born + AGE_TOLERANCE)
    return Birth()
