"""Privacy-preserving encodings of person records (issue 16): what a node sends instead of the
identities it holds, so that another node can find the persons both hold without learning who
they are.

Every party of a linkage exercise encodes its own records with the exercise's secret (32 random
bytes agreed by the parties and used for that exercise only: encodings of two exercises cannot
be joined). From the features of `records.local_columns`:

- every bigram set (names, their skeletons, aliases, addresses, the place of birth) becomes a
  Bloom filter of FILTER_BITS bits: each bigram sets BIT_PER_GRAM bits chosen by a keyed hash
  (HMAC-SHA256 of the bigram under a key derived from the secret: "random hashing", so that no
  one without the secret can compute the filter of a name, and the double-hashing pattern
  attacks find no pattern). The filters are hardened by BLIP (Schnell and Borgs 2016): every
  bit is flipped with probability FLIP, so that one name does not give one filter (the
  frequency attack that pairs the commonest filters with the commonest names finds nothing to
  count). Two filters' Dice coefficient is, within the noise, that of the bigram sets;
- every value the model compares for equality (documents, the parts of a date of birth, years
  in a range, places, citizenship, sex, name skeletons) becomes a keyed hash (HMAC-SHA256,
  eight bytes): equal values give equal hashes;
- what would give away how common a name is travels only for rare ones: the hash of the whole
  name only where the party's records bear it at most `model.RARE_NAME` times, the skeleton
  tokens and pairs only below the caps of `records`, and the count of bearers capped at
  RARE_NAME + 1. A frequency attack on the hashes (`attack`) then recovers only values many
  persons share, never one that singles a person out;
- how common each name is travels as a frequency class (`frequency_class`: the share of the
  party's records bearing it, in half-powers of two, a common name's counted to the power of
  two below), from which the model weighs a common name agreeing less than a rare one. An
  attacker who reads each class as its commonest name reads common names only (1.3% of a
  party's records at 33,000 records, where keys for every name would give 7.3%).

Record identifiers do not travel: each party keeps the order of its records, the pseudonym of a
record is its place in what the party sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from palermo.linkage import normalise as n
from palermo.linkage import records as rec

FILTER_BITS = 2048
BITS_PER_GRAM = 10
FLIP = 0.001
SECRET_BYTES = 32
# A name borne by at most this many of a party's records is rare (model.RARE_NAME).
RARE_NAME = 6
KEY_MAX_BEARERS = 25
MAX_CLASS = 80  # frequency classes 0 (every record) to 80 (a share of 2^-40)
VERSION = b"palermo-linkage-pprl-1"

# Bigram columns and the key of each: columns compared with each other share a key (a given name
# is compared with a family name when they are swapped, an alias with a name).
FILTER_KEYS = {
    "grams": "name",
    "given_grams": "name",
    "family_grams": "name",
    "alias_grams": "name",
    "skel": "skeleton",
    "given_skel": "skeleton",
    "family_skel": "skeleton",
    "address_grams": "address",
    "place_grams": "place",
}
# The columns of an encoded frame that are the parts of a date of birth.
DATE_COLUMNS = ("d_full", "d_swap", "d_md", "d_ym", "d_y", "d_y1", "d_years", "d_near")


@dataclass(frozen=True)
class Exercise:
    """One linkage exercise's secret and the encodings' parameters (the same for every party)."""

    secret: bytes
    bits: int = FILTER_BITS
    bits_per_gram: int = BITS_PER_GRAM
    flip: float = FLIP

    @classmethod
    def new(cls) -> Exercise:
        """A new exercise with a fresh random secret."""
        return cls(secrets.token_bytes(SECRET_BYTES))

    def __post_init__(self) -> None:
        if len(self.secret) < 16:
            raise ValueError("an exercise secret has at least 16 bytes")
        if self.bits & (self.bits - 1) or not 64 <= self.bits <= 65536:
            raise ValueError("a filter has a power of two bits, 64 to 65,536")


class Encoder:
    """Keyed hashes and Bloom filters under one exercise's secret."""

    def __init__(self, exercise: Exercise, *, rng: np.random.Generator | None = None) -> None:
        self.exercise = exercise
        self._keys: dict[str, bytes] = {}
        self._positions: dict[tuple[str, int], tuple[int, ...]] = {}
        # The flips are random, not keyed: two encodings of one name differ.
        self._rng = rng or np.random.default_rng(secrets.randbits(128))

    def _key(self, purpose: str) -> bytes:
        key = self._keys.get(purpose)
        if key is None:
            key = hmac.new(
                self.exercise.secret, VERSION + b":" + purpose.encode(), hashlib.sha256
            ).digest()
            self._keys[purpose] = key
        return key

    def value(self, purpose: str, value: object) -> int:
        """The keyed hash of a value (eight bytes, as a signed integer)."""
        digest = hmac.new(self._key(purpose), str(value).encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def values(self, purpose: str, values: Iterable[object]) -> list[int] | None:
        return sorted({self.value(purpose, v) for v in values}) or None

    def positions(self, purpose: str, gram: int) -> tuple[int, ...]:
        """The bits a bigram sets (BITS_PER_GRAM of them, from one keyed hash)."""
        found = self._positions.get((purpose, gram))
        if found is None:
            digest = hmac.new(self._key(purpose), gram.to_bytes(4, "big"), hashlib.sha256).digest()
            mask = self.exercise.bits - 1
            found = tuple(
                int.from_bytes(digest[2 * i : 2 * i + 2], "big") & mask
                for i in range(self.exercise.bits_per_gram)
            )
            self._positions[(purpose, gram)] = found
        return found

    def filter(self, purpose: str, grams: Sequence[int]) -> str | None:
        """The hardened Bloom filter of a bigram set, as its set bits ("3,17,..."), or None for
        an empty set."""
        if not grams:
            return None
        bits = np.zeros(self.exercise.bits, dtype=bool)
        for gram in grams:
            bits[list(self.positions(purpose, gram))] = True
        if self.exercise.flip:
            flips = self._rng.random(self.exercise.bits) < self.exercise.flip
            bits ^= flips
        return ",".join(map(str, np.flatnonzero(bits).tolist())) or None


def _grams(text: str | None) -> list[int]:
    return [int(g) for g in text.split(",")] if text else []


def frequency_class(bearers: int, records: int) -> int:
    """How common a name is among a party's `records`, as travels in place of its count: the
    share of records bearing it in half-powers of two (class k: a share of about 2^(-k/2)),
    which the model's term frequencies take (`model.FREQUENCY_CLASSES`). A name too common to
    travel with its key (more than KEY_MAX_BEARERS bearers) is counted to the power of two
    below: its class is shared with the names up to twice as common, so that it does not tell
    one common name from the others near it."""
    if bearers > KEY_MAX_BEARERS:
        bearers = 2 ** (bearers.bit_length() - 1)
    share = min(1.0, bearers / max(records, 1))
    return min(MAX_CLASS, round(-2 * math.log2(share)))


def deletions(doc: str) -> set[str]:
    """A document number and each of it with one character deleted: two numbers one edit apart
    (a character changed, missing, added, or two swapped) share one of these."""
    return {doc, *(doc[:i] + doc[i + 1 :] for i in range(len(doc)))}


def _dates(enc: Encoder, born: tuple[Any, ...]) -> dict[str, Any]:
    low, high, year, month, day = born
    out: dict[str, Any] = dict.fromkeys(DATE_COLUMNS)
    if low is None:
        return out
    out["d_years"] = enc.values("year", range(low, high + 1))
    out["d_near"] = enc.values("year", range(low - 2, high + 3))
    if year is not None:
        out["d_y"] = enc.value("year", year)
        out["d_y1"] = enc.values("year", (year - 1, year, year + 1))
        if month is not None:
            out["d_ym"] = enc.value("year-month", (year, month))
            if day is not None:
                out["d_full"] = enc.value("date", (year, month, day))
                out["d_swap"] = enc.value("date", (year, day, month))
                out["d_md"] = enc.value("month-day", (month, day))
    return out


def encode(columns: dict[str, list[Any]], exercise: Exercise) -> dict[str, list[Any]]:
    """A party's records (`records.local_columns`) as the encodings it sends, column by column
    (the columns `records.finish` and the model take, with no identifying value)."""
    enc = Encoder(exercise)
    size = len(columns["source"])
    out: dict[str, list[Any]] = {"source": list(columns["source"])}
    for column, purpose in FILTER_KEYS.items():
        if column == "place_grams":
            grams = [n.bigrams(p.split()) if p else [] for p in columns["birth_place"]]
        else:
            grams = [_grams(text) for text in columns[column]]
        out[column] = [enc.filter(purpose, g) for g in grams]
    names = Counter(columns["skel_key"])
    out["name_count"] = [min(names[k], RARE_NAME + 1) if k else None for k in columns["skel_key"]]
    out["name_class"] = [
        frequency_class(names[k], size) if k else None for k in columns["skel_key"]
    ]
    out["name_key"] = [
        enc.value("name", key) if key and skel and names[skel] <= KEY_MAX_BEARERS else None
        for key, skel in zip(columns["name_key"], columns["skel_key"], strict=True)
    ]
    tokens = rec.rare_only(
        columns["skel_tokens"], max(rec.RARE_TOKEN_MIN, size // rec.RARE_TOKEN_SHARE)
    )
    out["skel_tokens"] = [enc.values("skeleton", t) if t else None for t in tokens]
    pairs = rec.rare_pairs(columns["skel_pairs"], size)
    out["skel_pairs"] = [enc.values("skeleton-pair", p) if p else None for p in pairs]
    for column in ("sex", "citizenship", "birth_place"):
        out[column] = [enc.value(column, v) if v else None for v in columns[column]]
    out["doc"] = [enc.value("document", d) if d else None for d in columns["doc"]]
    out["doc_sorted"] = [
        enc.value("document-sorted", d) if d else None for d in columns["doc_sorted"]
    ]
    out["doc_dels"] = [enc.values("document", deletions(d)) if d else None for d in columns["doc"]]
    out["address_words"] = [
        enc.values("address-word", w) if w else None for w in columns["address_words"]
    ]
    dates = [
        _dates(enc, born)
        for born in zip(
            columns["by_low"],
            columns["by_high"],
            columns["b_year"],
            columns["b_month"],
            columns["b_day"],
            strict=True,
        )
    ]
    for column in DATE_COLUMNS:
        out[column] = [d[column] for d in dates]
    return out


# --- on the wire ---------------------------------------------------------------------------

# The columns of an encoded record and what each holds: a Bloom filter, a keyed hash, a list of
# keyed hashes, or a small count.
HASH_COLUMNS = (
    "name_key",
    "sex",
    "citizenship",
    "birth_place",
    "doc",
    "doc_sorted",
    "d_full",
    "d_swap",
    "d_md",
    "d_ym",
    "d_y",
)
LIST_COLUMNS = (
    "skel_tokens",
    "skel_pairs",
    "doc_dels",
    "address_words",
    "d_y1",
    "d_years",
    "d_near",
)
MAX_LIST = 200  # hashes in one list (a document's deletions, a name's pairs, years of a range)
INT64 = 2**63


class WireError(ValueError):
    """An encoded record that is not one (the message names the column, never a value)."""


def parameters(exercise: Exercise) -> dict[str, Any]:
    """What the parties must agree on besides the secret (sent with a proposal)."""
    return {
        "version": VERSION.decode(),
        "bits": exercise.bits,
        "bits_per_gram": exercise.bits_per_gram,
        "flip": exercise.flip,
    }


def exercise_from(secret: bytes, agreed: dict[str, Any]) -> Exercise:
    """The exercise of an agreed secret and parameters (ValueError if they are not ours)."""
    if agreed.get("version") != VERSION.decode():
        raise ValueError("unknown encoding version")
    bits, per_gram, flip = agreed.get("bits"), agreed.get("bits_per_gram"), agreed.get("flip")
    if not isinstance(bits, int) or not isinstance(per_gram, int) or not 1 <= per_gram <= 16:
        raise ValueError("bad filter parameters")
    if not isinstance(flip, int | float) or not 0 <= flip <= 0.1:
        raise ValueError("bad flip probability")
    return Exercise(secret, bits=bits, bits_per_gram=per_gram, flip=float(flip))


def to_wire(encoded: dict[str, list[Any]], index: int, bits: int) -> dict[str, Any]:
    """Record `index` of encoded columns as sent: filters as base64 bitmaps, the rest as is
    (columns with no value left out)."""
    out: dict[str, Any] = {}
    for column, values in encoded.items():
        value = values[index]
        if column == "source" or value is None:
            continue
        if column in FILTER_KEYS:
            packed = np.zeros(bits, dtype=bool)
            packed[[int(p) for p in value.split(",")]] = True
            out[column] = base64.b64encode(np.packbits(packed).tobytes()).decode("ascii")
        else:
            out[column] = value
    return out


def _hash(column: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -INT64 <= value < INT64:
        raise WireError(column)
    return value


def from_wire(records: Sequence[dict[str, Any]], bits: int, source: str) -> dict[str, list[Any]]:
    """Encoded records as received, checked, as the columns `records.finish` takes."""
    columns: dict[str, list[Any]] = {
        name: []
        for name in (
            "source",
            *FILTER_KEYS,
            *HASH_COLUMNS,
            *LIST_COLUMNS,
            "name_count",
            "name_class",
        )
    }
    size = bits // 8
    for record in records:
        if not isinstance(record, dict):
            raise WireError("record")
        unknown = set(record) - set(columns)
        if unknown:
            raise WireError(sorted(unknown)[0])
        columns["source"].append(source)
        for column in FILTER_KEYS:
            text = record.get(column)
            if text is None:
                columns[column].append(None)
                continue
            try:
                raw = base64.b64decode(str(text), validate=True)
            except ValueError:
                raise WireError(column) from None
            if len(raw) != size:
                raise WireError(column)
            set_bits = np.flatnonzero(np.unpackbits(np.frombuffer(raw, dtype=np.uint8)))
            columns[column].append(",".join(map(str, set_bits.tolist())) or None)
        for column in HASH_COLUMNS:
            value = record.get(column)
            columns[column].append(None if value is None else _hash(column, value))
        for column in LIST_COLUMNS:
            value = record.get(column)
            if value is not None and (
                not isinstance(value, list) or not 0 < len(value) <= MAX_LIST
            ):
                raise WireError(column)
            columns[column].append(None if value is None else [_hash(column, v) for v in value])
        klass = record.get("name_class")
        if klass is not None and (
            isinstance(klass, bool) or not isinstance(klass, int) or not 0 <= klass <= MAX_CLASS
        ):
            raise WireError("name_class")
        columns["name_class"].append(klass)
        count = record.get("name_count")
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= RARE_NAME + 1
        ):
            raise WireError("name_count")
        columns["name_count"].append(count)
    return columns
