"""Scores of a clustering against the truth: pairwise and B-cubed precision, recall and F1."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Scores:
    pair_precision: float
    pair_recall: float
    pair_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def scores(predicted: Mapping[Any, Hashable], truth: Mapping[Any, Hashable]) -> Scores:
    """`predicted` and `truth` map each record to its cluster (the same records in both)."""
    if set(predicted) != set(truth):
        raise ValueError("the clustering and the truth are not of the same records")
    cells = Counter((predicted[r], truth[r]) for r in truth)
    sizes_p = Counter(predicted.values())
    sizes_t = Counter(truth.values())
    tp = sum(_pairs(n) for n in cells.values())
    pp = sum(_pairs(n) for n in sizes_p.values())
    tt = sum(_pairs(n) for n in sizes_t.values())
    precision = tp / pp if pp else 1.0
    recall = tp / tt if tt else 1.0
    # B-cubed: each record's share of its cluster that is its person, and of its person that is
    # in its cluster (a record counts itself).
    bp = sum(n * n / sizes_p[c] for (c, _t), n in cells.items()) / len(truth)
    br = sum(n * n / sizes_t[t] for (_c, t), n in cells.items()) / len(truth)
    return Scores(precision, recall, _f1(precision, recall), bp, br, _f1(bp, br))
