"""Frequency attacks on a node's own privacy-preserving encodings (issue 16): what someone who
holds the encodings, but not the exercise's secret, recovers from them.

The attacker is given the strongest help: the true frequency of every name among the encoded
records (in practice a census or a phone book of the same population). They rank what they see
(the same keyed hash, the same Bloom filter, or filters alike enough to be one name) by how many
records have it, rank the names by how many bear them, and read the first as the first, the
second as the second... (Kuzu et al. 2011; Christen et al. 2018). A record is recovered when the
name so read is its own; it is singled out when that name is borne by at most SINGLED_OUT
records (a recovered common name says little of whom it belongs to).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from palermo.linkage import pprl
from palermo.linkage import records as rec

# A recovered name borne by at most this many of the records singles a person out.
SINGLED_OUT = 3
# Filters this alike (Dice) are taken for one name by the grouping attack.
GROUPING_DICE = 0.9


@dataclass(frozen=True)
class Recovery:
    """What an attack recovered: of `records` with an encoding, `recovered` read right, of
    which `singled_out` bear a name at most SINGLED_OUT records bear."""

    records: int
    recovered: int
    singled_out: int

    @property
    def share(self) -> float:
        return self.recovered / self.records if self.records else 0.0


def _ranked(known: Counter[str]) -> list[str]:
    """The names, commonest first (alphabetically among names as common)."""
    return sorted(known, key=lambda name: (-known[name], name))


def _read(
    seen: Sequence[Hashable | None],
    names: Sequence[str | None],
    guess: Mapping[Hashable, str],
    known: Counter[str],
) -> Recovery:
    """What reading each record's `seen` value as `guess[value]` recovers."""
    records = recovered = singled = 0
    for value, name in zip(seen, names, strict=True):
        if value is None or not name:
            continue
        records += 1
        if guess.get(value) == name:
            recovered += 1
            singled += known[name] <= SINGLED_OUT
    return Recovery(records, recovered, singled)


def align(seen: Sequence[Hashable | None], names: Sequence[str | None]) -> Recovery:
    """The frequency alignment: `seen[i]` is what the attacker sees of record i (None: nothing),
    `names[i]` its true name. The commonest thing seen is read as the commonest name, and so
    on; among values as common, the attacker has no order but an arbitrary one (what is seen
    by its own value, names alphabetically: the records' order is not theirs to know)."""
    observed = Counter(s for s in seen if s is not None)
    known = Counter(name for name in names if name)
    ranked_seen = sorted(observed, key=lambda v: (-observed[v], repr(v)))
    guess = dict(zip(ranked_seen, _ranked(known), strict=False))
    return _read(seen, names, guess, known)


def by_class(seen: Sequence[int | None], names: Sequence[str | None]) -> Recovery:
    """The attack on frequency classes (`pprl.frequency_class`): the attacker, who knows the
    rule and how many records bear each name, reads each class as the commonest name of that
    class (the best single guess for every record in it)."""
    known = Counter(name for name in names if name)
    total = len(names)
    guess: dict[Hashable, str] = {}
    for common in _ranked(known):
        guess.setdefault(pprl.frequency_class(known[common], total), common)
    return _read(seen, names, guess, known)


def _bits(text: str | None, size: int) -> np.ndarray | None:
    if not text:
        return None
    bits = np.zeros(size, dtype=bool)
    bits[[int(p) for p in text.split(",")]] = True
    return np.packbits(bits)


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.int32)


def groups(
    filters: Sequence[str | None], size: int, dice: float = GROUPING_DICE
) -> list[int | None]:
    """Filters grouped as an attacker groups them to count names through the noise: each
    filter joins the first group whose first filter is at least `dice` alike, or starts one."""
    leaders: list[np.ndarray] = []
    weights: list[int] = []
    out: list[int | None] = []
    for text in filters:
        packed = _bits(text, size)
        if packed is None:
            out.append(None)
            continue
        weight = int(_POPCOUNT[packed].sum())
        found = None
        if leaders:
            stack = np.stack(leaders)
            shared = _POPCOUNT[stack & packed].sum(axis=1)
            similarity = 2 * shared / (np.array(weights) + weight)
            best = int(np.argmax(similarity))
            if similarity[best] >= dice:
                found = best
        if found is None:
            leaders.append(packed)
            weights.append(weight)
            found = len(leaders) - 1
        out.append(found)
    return out


def report(read: Sequence[rec.Record], exercise: pprl.Exercise) -> list[tuple[str, Recovery]]:
    """The attacks on the encodings of one party's records under `exercise`: on the keyed
    hashes of whole names; on their frequency classes (`by_class`); on the given names'
    filters counted as they are, and grouped (`groups`)."""
    columns = rec.local_columns(read)
    encoded = pprl.encode(columns, exercise)
    names = [str(k) if k else None for k in columns["name_key"]]
    given = [" ".join(rec.features(r)["given"]) or None for r in read]
    return [
        ("whole names, keyed hashes", align(encoded["name_key"], names)),
        ("whole names, frequency classes", by_class(encoded["name_class"], columns["skel_key"])),
        ("given names, filters", align(encoded["given_grams"], given)),
        (
            "given names, filters grouped",
            align(groups(encoded["given_grams"], exercise.bits), given),
        ),
    ]
