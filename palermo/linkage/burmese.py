"""Burmese names in the conventional romanisation that passports and registers use (issue 16).

ICU knows only a letter-by-letter transliteration of the Myanmar script (စိုးဝင်း -> "hcoewainn"),
nothing like how the same person's name is written in Latin letters: "Soe Win". Burmese writes no
spaces between syllables, and a name is a few syllables (Aung Kyaw, Ei Ei Phyu, Myint Lwin), each
of which registers write as one word. Here a name is cut into its syllables (a consonant with its
medials, vowel signs, tone marks and killed final consonant), and each syllable is written as the
conventional (British-era, passport) romanisation writes it: onsets ခ kh, ဆ hs, ထ ht, သ th, ရှ
sh, ကျ ky, ချ ch; rhymes ောင် aung, ော် aw, ို o(e), ိုင် aing, ိန် ein, ွန် un, with the creaky
tone of a nasal final as -t (မြင့် Myint, သန့် Thant).
"""

from __future__ import annotations

import functools
import re

ASAT = "\u103a"  # kills the inherent vowel: the consonant before it is a final
VIRAMA = "\u1039"  # stacks the next consonant: the one before it is a final
CREAKY = "\u1037"  # the dot below (creaky tone)
VISARGA = "\u1038"  # high tone: no letter

ONSETS = {
    "က": "k",
    "ခ": "kh",
    "ဂ": "g",
    "ဃ": "g",
    "င": "ng",
    "စ": "s",
    "ဆ": "hs",
    "ဇ": "z",
    "ဈ": "z",
    "ည": "ny",
    "ဉ": "ny",
    "ဋ": "t",
    "ဌ": "ht",
    "ဍ": "d",
    "ဎ": "d",
    "ဏ": "n",
    "တ": "t",
    "ထ": "ht",
    "ဒ": "d",
    "ဓ": "d",
    "န": "n",
    "ပ": "p",
    "ဖ": "ph",
    "ဗ": "b",
    "ဘ": "b",
    "မ": "m",
    "ယ": "y",
    "ရ": "y",
    "လ": "l",
    "ဝ": "w",
    "သ": "th",
    "ဟ": "h",
    "ဠ": "l",
    "အ": "",
}
# Independent vowels (a syllable of their own).
INDEPENDENT = {"ဣ": "i", "ဤ": "i", "ဥ": "u", "ဦ": "u", "ဧ": "e", "ဩ": "aw", "ဪ": "aw"}
MEDIAL_Y = "\u103b\u103c"  # ya-pin, ya-yit
MEDIAL_W = "\u103d"
MEDIAL_H = "\u103e"
# Onsets with a y medial that the conventional romanisation writes otherwise.
Y_ONSETS = {"k": "ky", "kh": "ch", "g": "gy", "p": "py", "ph": "phy", "b": "by", "m": "my"}
# Rhymes: (vowel signs, final) -> romanisation. The vowel signs are written in their Unicode
# order (e before aa: ေ ာ is "o" written as two signs).
OPEN = {
    "": "a",
    "\u102c": "a",  # ာ
    "\u102b": "a",  # ါ
    "\u102d": "i",  # ိ
    "\u102e": "i",  # ီ
    "\u102f": "u",  # ု
    "\u1030": "u",  # ူ
    "\u1031": "e",  # ေ
    "\u1032": "e",  # ဲ
    "\u1031\u102c": "aw",  # ော
    "\u1031\u102b": "aw",  # ေါ
    "\u102d\u102f": "o",  # ို
    "\u1036": "an",  # ံ
    "\u102d\u1036": "ein",
    "\u102f\u1036": "on",
}
# Finals by their sound: stops (k, c, t, p) and nasals (ng, ny, n, m), and the rhyme each makes
# with the vowel signs before it.
FINAL_CLASS = {
    "က": "k",
    "ဂ": "k",
    "စ": "c",
    "ဇ": "c",
    "တ": "t",
    "ဋ": "t",
    "ဒ": "t",
    "ပ": "p",
    "ဗ": "p",
    "င": "ng",
    "ဉ": "ny",
    "ည": "nyi",
    "န": "n",
    "ဏ": "n",
    "မ": "n",
    "ယ": "y",
}
CLOSED = {
    ("", "k"): "et",
    ("\u102d\u102f", "k"): "aik",
    ("\u1031\u102c", "k"): "auk",
    ("\u1031\u102b", "k"): "auk",
    ("", "ng"): "in",
    ("\u102d\u102f", "ng"): "aing",
    ("\u1031\u102c", "ng"): "aung",
    ("\u1031\u102b", "ng"): "aung",
    ("", "c"): "it",
    ("", "ny"): "in",
    ("", "nyi"): "i",
    ("", "t"): "at",
    ("\u102d", "t"): "eik",
    ("\u102f", "t"): "ok",
    ("", "p"): "at",
    ("\u102d", "p"): "eik",
    ("\u102f", "p"): "ok",
    ("", "n"): "an",
    ("\u102d", "n"): "ein",
    ("\u102f", "n"): "on",
    ("", "y"): "e",
    ("\u1031\u102c", ""): "aw",  # ော် (the asat only lengthens)
    ("\u1031\u102b", ""): "aw",
}
# With the medial w, a closed rhyme keeps its vowel as u (ထွန်း Tun, ကွတ် Kut) or its w
# (လွင် Lwin, နွယ် Nwe).
W_CLOSED = {"n": "un", "t": "ut", "p": "ut", "ng": "win", "y": "we"}

_CONSONANTS = "".join(ONSETS)
# A syllable: an independent vowel, or a consonant not killed by an asat nor stacked, with what
# follows it up to the next such consonant.
_KILLED = "{}?[{}{}]".format(CREAKY, ASAT, VIRAMA)  # the dot below may come before the asat
_SYLLABLE = re.compile(
    "[{ind}]|[{c}](?!{killed})(?:[^{c}{ind}]|[{c}](?={killed}))*".format(
        ind="".join(INDEPENDENT), c=_CONSONANTS, killed=_KILLED
    )
)


def _onset(text: str) -> str:
    """The consonant of a syllable with its medials (h, y; the w belongs to the rhyme)."""
    onset = ONSETS[text[0]]
    rest = text[1:]
    if MEDIAL_H in rest:
        onset = {"y": "sh", "w": "hw"}.get(onset, "h" + onset)
    if any(m in rest for m in MEDIAL_Y):
        onset = Y_ONSETS.get(onset, onset if onset.endswith("y") else onset + "y")
    return onset


def _closed(onset: str, rest: str, vowels: str, final: str) -> tuple[str, str]:
    """(onset, rhyme) of a syllable closed by a final consonant (or the asat of ော်)."""
    if MEDIAL_W in rest and final in W_CLOSED:
        rhyme = W_CLOSED[final]
        if rhyme.startswith("w"):
            onset, rhyme = onset + "w", rhyme[1:]
    else:
        rhyme = CLOSED.get((vowels, final), OPEN.get(vowels, "a"))
    if CREAKY in rest and final in ("ng", "n"):
        rhyme += "t"  # Myint, Thant
    return onset, rhyme


def _syllable(text: str) -> str:
    if text in INDEPENDENT:
        return INDEPENDENT[text]
    onset = _onset(text)
    rest = text[1:]
    final = ""
    vowels = ""
    for i, ch in enumerate(rest):
        if ch in FINAL_CLASS and rest[i + 1 : i + 3].lstrip(CREAKY)[:1] in (ASAT, VIRAMA):
            final = FINAL_CLASS[ch]
        elif ch in OPEN and ch:
            vowels += ch
        # medials, tone marks, asat and virama add no letter
    if final or (vowels in ("\u1031\u102c", "\u1031\u102b") and ASAT in rest):
        onset, rhyme = _closed(onset, rest, vowels, final)
    else:
        rhyme = OPEN.get(vowels, "a")
        if MEDIAL_W in rest:
            rhyme = ("w" + rhyme) if rhyme != "a" else "wa"
        if rhyme == "o" and not onset.endswith("y"):
            rhyme = "oe"  # Soe, Moe (but Myo, Phyo)
    if not onset and rhyme == "i":
        return "ei"  # အိ Ei
    return onset + rhyme


@functools.lru_cache(maxsize=50_000)
def syllables(text: str) -> tuple[str, ...]:
    """The syllables of a Burmese word in the conventional romanisation, lower case
    (မြင့်လွင် -> ("myint", "lwin"); အောင်ကျော် -> ("aung", "kyaw"))."""
    return tuple(s for s in (_syllable(m) for m in _SYLLABLE.findall(text)) if s)
