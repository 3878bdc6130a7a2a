"""Which spellings of a name agree, learnt from the records themselves (issue 16).

No table of romanisations is complete: a Thai name is "Kanchana" in one register and "Kanjana"
in another, "Jaidee" and "Chaidee"; a Burmese one "Khin" and "Khine". Before the model runs, the
records that are almost surely one person by something other than their names (the same
document number; the same date of birth and a name token in common) are taken as anchors; the
tokens of their names that differ are paired with the most alike token of the other name
(Jaro-Winkler); a pair of spellings seen in at least MIN_ANCHORS anchors is a variant. Variants
are joined (a spelling of a spelling is one name) and every record's tokens are written as the
most frequent spelling of their group before the names are compared.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import jellyfish

from palermo.linkage import normalise as n

# Two spellings are paired in an anchor when this alike (Jaro-Winkler, or the same skeleton).
MIN_SIMILARITY = 0.75
# A pair of spellings is a variant when this many anchors pair them.
MIN_ANCHORS = 2
# Anchor groups bigger than this (a placeholder document number, a common birthday) are left out.
MAX_GROUP = 20
MIN_LENGTH = 3


def anchors(
    docs: Sequence[str | None],
    dates: Sequence[tuple[int, int, int] | None],
    skeletons: Sequence[Iterable[str] | None],
) -> Iterable[tuple[int, int]]:
    """Pairs of records (indexes) sharing a document number, or a date of birth and a name
    token's skeleton."""
    groups: dict[object, list[int]] = defaultdict(list)
    for i, doc in enumerate(docs):
        if doc:
            groups[("doc", doc)].append(i)
    for i, date in enumerate(dates):
        if date is not None:
            for token in set(skeletons[i] or ()):
                groups[("date", date, token)].append(i)
    seen: set[tuple[int, int]] = set()
    for members in groups.values():
        if 2 <= len(members) <= MAX_GROUP:
            for pair in itertools.combinations(members, 2):
                if pair not in seen:
                    seen.add(pair)
                    yield pair


def _pairings(a: Sequence[str], b: Sequence[str]) -> Iterable[tuple[str, str]]:
    left = [t for t in set(a) - set(b) if len(t) >= MIN_LENGTH]
    right = [t for t in set(b) - set(a) if len(t) >= MIN_LENGTH]
    for token in left:
        best, score = None, 0.0
        for other in right:
            similarity = jellyfish.jaro_winkler_similarity(token, other)
            if n.skeleton(token) == n.skeleton(other):
                similarity = max(similarity, 1.0)
            if similarity > score:
                best, score = other, similarity
        if best is not None and score >= MIN_SIMILARITY:
            yield (token, best) if token < best else (best, token)


def learn(
    tokens: Sequence[Sequence[str]],
    pairs: Iterable[tuple[int, int]],
    confirmed: Iterable[tuple[int, int]] = (),
) -> dict[str, str]:
    """The spelling each variant is written as ({variant: spelling}; spellings that are their
    group's own are left out), from the records' name tokens and the anchor pairs, and the pairs
    a reviewer confirmed as one person (anchors as good as a shared document)."""
    counts: Counter[tuple[str, str]] = Counter()
    for i, j in itertools.chain(pairs, confirmed):
        counts.update(_pairings(tokens[i], tokens[j]))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for (a, b), count in counts.items():
        if count >= MIN_ANCHORS:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    if not parent:
        return {}
    frequency = Counter(t for record in tokens for t in record if t in parent)
    groups: dict[str, list[str]] = defaultdict(list)
    for token in parent:
        groups[find(token)].append(token)
    canonical: dict[str, str] = {}
    for members in groups.values():
        spelling = max(members, key=lambda t: (frequency[t], t))
        canonical.update({t: spelling for t in members if t != spelling})
    return canonical
