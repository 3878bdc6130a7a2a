"""Differentially private histograms with OpenDP.

:func:`dp_histogram` counts records per cell of the full cross product of ``categories``, so
every cell, including the empty ones and the ones no record could reach, gets noise: the
output reveals nothing about which combinations exist. Each person may contribute several
records (one per case, say); before counting, each person's records are cut to
``max_contributions`` (deterministically: ordered by a hash of person and cell, so the choice
depends on nothing but that person's own records and favours no category). Adding or
removing one person then changes at most ``max_contributions`` counts by one each, which is
the sensitivity OpenDP is told (``d_in``, symmetric distance). The noise is discrete Laplace
(OpenDP's ``then_laplace`` on integer counts), with the smallest scale whose privacy map gives
at most ``epsilon``: ``DPRelease.epsilon`` is that map's value, what the ledger records.

Noisy counts are returned as they are (they can be negative); clamping or rounding them for
display is post-processing and costs no privacy, but biases totals, so it is left to the
caller.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import product

import opendp.prelude as dp

from .tables import TOTAL, Key

_SEPARATOR = "\x1f"  # joins the codes of a cell into one OpenDP category


@dataclass(frozen=True)
class DPRelease:
    """A noisy histogram and what it cost."""

    counts: dict[Key, int]
    epsilon: float
    mechanism: str
    max_contributions: int
    scale: float
    records_used: int


def _order(person: Hashable, key: Key) -> bytes:
    text = repr(person) + _SEPARATOR + _SEPARATOR.join(key)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def truncate(
    records: Iterable[tuple[Hashable, Key]], max_contributions: int
) -> list[tuple[Hashable, Key]]:
    """At most ``max_contributions`` records per person, chosen deterministically."""
    by_person: dict[Hashable, list[Key]] = defaultdict(list)
    for person, key in records:
        by_person[person].append(tuple(key))
    out: list[tuple[Hashable, Key]] = []
    for person, keys in by_person.items():
        chosen = keys
        if len(keys) > max_contributions:
            ranked = sorted((_order(person, k), k) for k in keys)
            chosen = [k for _, k in ranked[:max_contributions]]
        out.extend((person, k) for k in chosen)
    return out


def histogram_measurement(
    labels: Sequence[str], *, epsilon: float, max_contributions: int
) -> tuple[dp.Measurement, float, float]:
    """OpenDP count-by-categories + discrete Laplace whose privacy map at ``max_contributions``
    is at most ``epsilon`` (and as close to it as floating point allows); its scale, and the
    epsilon its privacy map gives."""
    dp.enable_features("contrib")
    counter = dp.t.make_count_by_categories(
        input_domain=dp.vector_domain(dp.atom_domain(T=str)),
        input_metric=dp.symmetric_distance(),
        categories=list(labels),
        null_category=False,
    )
    scale = max_contributions / epsilon
    for _ in range(64):
        measurement = counter >> dp.m.then_laplace(scale)
        spent = float(measurement.map(max_contributions))
        if spent <= epsilon:
            return measurement, scale, spent
        scale = math.nextafter(scale, math.inf) * (1 + 1e-12)
    raise RuntimeError("no noise scale meets epsilon {}".format(epsilon))


def dp_histogram(
    records: Iterable[tuple[Hashable, Key]],
    *,
    categories: Sequence[Sequence[str]],
    epsilon: float,
    max_contributions: int,
) -> DPRelease:
    """Noisy counts of ``(person, cell)`` records over every cell of ``categories``."""
    if not (isinstance(epsilon, int | float) and math.isfinite(epsilon) and epsilon > 0):
        raise ValueError("epsilon must be a positive number")
    if isinstance(max_contributions, bool) or not isinstance(max_contributions, int):
        raise ValueError("max_contributions must be a whole number")
    if max_contributions < 1:
        raise ValueError("max_contributions must be at least 1")
    cats = [tuple(str(c) for c in codes) for codes in categories]
    if not cats or any(not codes for codes in cats):
        raise ValueError("every dimension needs at least one category")
    for i, codes in enumerate(cats):
        if len(set(codes)) != len(codes):
            raise ValueError("dimension {} lists a category twice".format(i))
        if TOTAL in codes or any(_SEPARATOR in c for c in codes):
            raise ValueError("dimension {}: {!r} is reserved".format(i, TOTAL))
    known = [set(codes) for codes in cats]
    kept = truncate(records, max_contributions)
    data: list[str] = []
    for _, key in kept:
        if len(key) != len(cats):
            raise ValueError("a record's cell has {} codes, not {}".format(len(key), len(cats)))
        for i, code in enumerate(key):
            if code not in known[i]:
                raise ValueError("code {!r} is not a category of dimension {}".format(code, i))
        data.append(_SEPARATOR.join(key))
    keys = list(product(*cats))
    labels = [_SEPARATOR.join(k) for k in keys]
    measurement, scale, spent = histogram_measurement(
        labels, epsilon=float(epsilon), max_contributions=max_contributions
    )
    noisy = measurement(data)
    return DPRelease(
        counts={k: int(v) for k, v in zip(keys, noisy, strict=True)},
        epsilon=spent,
        mechanism="discrete_laplace",
        max_contributions=max_contributions,
        scale=scale,
        records_used=len(data),
    )
