"""Differential privacy (OpenDP) and k-anonymity (pycanon) of the disclosure library."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from palermo.disclosure import DPRelease, dp_histogram, k_anonymity
from palermo.disclosure.privacy import histogram_measurement, truncate

SEX = ("F", "M", "X")
FORMS = ("sexual", "labour", "other")


@pytest.mark.parametrize(("epsilon", "k"), [(1.0, 1), (0.5, 3), (0.1, 2), (2.0, 5)])
def test_privacy_map_equals_the_epsilon_asked(epsilon: float, k: int) -> None:
    labels = ["a", "b", "c"]
    measurement, scale, spent = histogram_measurement(labels, epsilon=epsilon, max_contributions=k)
    assert spent == measurement.map(k)  # type: ignore[no-untyped-call]  # OpenDP's map is unannotated
    assert spent <= epsilon
    assert spent == pytest.approx(epsilon, rel=1e-9)
    assert scale == pytest.approx(k / epsilon, rel=1e-9)
    # One more contribution per person than declared would cost more than asked.
    assert measurement.map(k + 1) > epsilon  # type: ignore[no-untyped-call]  # as above
    release = dp_histogram(
        [("p1", ("F", "sexual"))], categories=[SEX, FORMS], epsilon=epsilon, max_contributions=k
    )
    assert isinstance(release, DPRelease)
    assert release.epsilon == pytest.approx(epsilon, rel=1e-9)
    assert release.epsilon <= epsilon
    assert release.mechanism == "discrete_laplace"


def test_every_cell_of_the_cross_product_is_released() -> None:
    release = dp_histogram(
        [("p1", ("F", "sexual")), ("p2", ("M", "labour"))],
        categories=[SEX, FORMS],
        epsilon=1.0,
        max_contributions=1,
    )
    assert set(release.counts) == set(itertools.product(SEX, FORMS))
    assert all(isinstance(v, int) for v in release.counts.values())


def test_truncation_is_bounded_and_deterministic() -> None:
    records = [("p1", (s, f)) for s in SEX for f in FORMS] + [("p2", ("F", "sexual"))]
    kept = truncate(records, 2)
    assert sum(1 for p, _ in kept if p == "p1") == 2
    assert [r for r in kept if r[0] == "p2"] == [("p2", ("F", "sexual"))]
    # The same records in another order keep the same ones.
    again = truncate(list(reversed(records)), 2)
    assert sorted(kept) == sorted(again)
    # A different cap keeps a superset (same order within each person).
    assert set(kept) <= set(truncate(records, 4))
    release = dp_histogram(records, categories=[SEX, FORMS], epsilon=1.0, max_contributions=2)
    assert release.records_used == 3


def test_noise_is_present_and_unbiased() -> None:
    """10,000 cells with known counts: the errors average ~0 and have the discrete Laplace
    variance. Without noise the variance is 0; with a biased mechanism the mean moves."""
    rows = [str(i) for i in range(100)]
    cols = [str(i) for i in range(100)]
    rng = np.random.default_rng(11)
    truth = {(r, c): int(rng.integers(0, 4)) for r in rows for c in cols}
    records = []
    person = 0
    for key, n in truth.items():
        for _ in range(n):
            person += 1
            records.append((person, key))
    release = dp_histogram(records, categories=[rows, cols], epsilon=1.0, max_contributions=1)
    errors = np.array([release.counts[k] - truth[k] for k in truth], dtype=float)
    t = np.exp(-1.0 / release.scale)
    expected_variance = 2 * t / (1 - t) ** 2  # discrete Laplace with scale 1: about 1.84
    assert abs(errors.mean()) < 0.1  # the mean's standard error is about 0.014
    assert 0.8 * expected_variance < errors.var() < 1.2 * expected_variance
    assert (errors != 0).mean() > 0.3


def test_empty_cells_get_noise() -> None:
    rows = [str(i) for i in range(2000)]
    release = dp_histogram([], categories=[rows], epsilon=1.0, max_contributions=1)
    values = np.array(list(release.counts.values()))
    assert (values != 0).sum() > 400
    assert (values < 0).sum() > 200


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epsilon": 0}, "epsilon must be a positive number"),
        ({"epsilon": float("inf")}, "epsilon must be a positive number"),
        ({"max_contributions": 0}, "at least 1"),
        ({"categories": [SEX, ()]}, "at least one category"),
        ({"categories": [SEX, ("a", "a")]}, "twice"),
        ({"records": [("p", ("F", "unknown"))]}, "not a category of dimension 1"),
        ({"records": [("p", ("F",))]}, "has 1 codes, not 2"),
    ],
)
def test_bad_input(kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {
        "records": [("p", ("F", "sexual"))],
        "categories": [SEX, FORMS],
        "epsilon": 1.0,
        "max_contributions": 1,
    } | kwargs
    with pytest.raises(ValueError, match=message):
        dp_histogram(**arguments)


def test_k_anonymity() -> None:
    rows: list[dict[str, str | None]] = [
        {"sex": "F", "age": "18-24", "country": "ITA"},
        {"sex": "F", "age": "18-24", "country": "ITA"},
        {"sex": "F", "age": "18-24", "country": "ITA"},
        {"sex": "M", "age": "25-34", "country": "ITA"},
        {"sex": "M", "age": "25-34", "country": "NGA"},
    ]
    assert k_anonymity(rows, ["sex", "age"]) == 2
    assert k_anonymity(rows, ["sex", "age", "country"]) == 1
    assert k_anonymity(rows[:3], ["sex", "age", "country"]) == 3
    assert k_anonymity([], ["sex"]) == 0
    with_missing: list[dict[str, str | None]] = [
        *rows[:3],
        {"sex": None, "age": "18-24", "country": "ITA"},
    ]
    assert k_anonymity(with_missing, ["sex"]) == 1
    with pytest.raises(ValueError, match="row 0 has no column zip"):
        k_anonymity(rows, ["sex", "zip"])
    with pytest.raises(ValueError, match="at least one"):
        k_anonymity(rows, [])
