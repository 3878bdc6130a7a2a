"""Clusters that do not chain (issue 16)."""

from __future__ import annotations

import numpy as np
import pytest

from palermo.linkage.clusters import cluster, expected_f1, threshold_for


def run(n: int, pairs: list[tuple[int, int, float]]) -> list[int]:
    left = np.array([a for a, _b, _p in pairs], dtype=np.int64)
    right = np.array([b for _a, b, _p in pairs], dtype=np.int64)
    probability = np.array([p for _a, _b, p in pairs])
    labels: list[int] = cluster(n, left, right, probability).tolist()
    return labels


def test_a_chain_whose_ends_share_nothing_does_not_become_one_cluster() -> None:
    # A-B and B-C match; A and C were never compared: not one person on that evidence alone.
    labels = run(3, [(0, 1, 0.9), (1, 2, 0.8)])
    assert labels[0] == labels[1] and labels[2] != labels[0]


def test_a_triangle_of_matches_is_one_cluster() -> None:
    assert len(set(run(3, [(0, 1, 0.9), (1, 2, 0.8), (0, 2, 0.7)]))) == 1


def test_a_long_chain_of_strong_links_falls_apart_into_small_clusters() -> None:
    n = 60
    labels = run(n, [(i, i + 1, 0.99) for i in range(n - 1)])
    sizes = np.bincount(np.unique(labels, return_inverse=True)[1])
    # Connected components would give one cluster of 60.
    assert sizes.max() <= 2 and len(sizes) >= n // 2


def test_two_people_joined_by_one_weak_match_stay_two() -> None:
    strong = [(0, 1, 0.99), (1, 2, 0.99), (0, 2, 0.99), (3, 4, 0.99), (4, 5, 0.99), (3, 5, 0.99)]
    labels = run(6, [*strong, (2, 3, 0.6)])
    assert labels[:3] == [0, 0, 0] and labels[3:] == [3, 3, 3]


def test_records_without_a_match_are_alone_and_the_label_is_the_smallest_index() -> None:
    assert run(4, [(2, 3, 0.95), (0, 1, 0.2)]) == [0, 1, 2, 2]


def arrays(pairs: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.array([a for a, _b, _p in pairs], dtype=np.int64),
        np.array([b for _a, b, _p in pairs], dtype=np.int64),
        np.array([p for _a, _b, p in pairs]),
    )


def test_the_expected_f1_credits_a_pair_joined_through_others_with_its_clusters_mean() -> None:
    # One cluster of three from two scored pairs: the unscored pair counts 0.8 (their mean).
    left, right, p = arrays([(0, 1, 0.9), (1, 2, 0.7)])
    together = np.array([0, 0, 0])
    found = 0.9 + 0.7 + 0.8
    assert expected_f1(together, left, right, p) == pytest.approx(2 * found / (3 + 0.9 + 0.7 + 0.8))
    apart = np.array([0, 1, 2])
    assert expected_f1(apart, left, right, p) == 0.0


def test_the_threshold_for_clusters_goes_down_where_clusters_gain_and_not_where_sure() -> None:
    # Sure pairs: the pairwise threshold stays.
    left, right, p = arrays([(0, 1, 0.99), (2, 3, 0.98), (4, 5, 0.01)])
    assert threshold_for(6, left, right, p, 0.5) == 0.5
    # Three records of one person with one pair at 0.4: below one half, the model expects the
    # cluster of three to be better than the pair it would otherwise keep.
    left, right, p = arrays([(0, 1, 0.95), (1, 2, 0.4), (0, 2, 0.45)])
    lower = threshold_for(3, left, right, p, 0.5)
    assert lower < 0.5
    assert len(set(cluster(3, left, right, p, lower).tolist())) == 1
