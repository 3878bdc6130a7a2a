"""Clusters of records of one person, without chaining (issue 16).

Connected components of the pairwise matches glue records through common names: A matches B,
B matches C, so A and C are put together though nothing says they are the same person, and at
scale one component swallows thousands of records. Here a component is only where to look:
inside it, clusters are merged by average linkage, two clusters joining only while the mean
match probability over *all* pairs between them is at least the model's threshold (one half
unless the model says otherwise). A pair the blocking never
compared counts as 0 (no evidence that they are the same person), so a chain A-B-C whose ends
share nothing stays apart unless A-B and B-C are strong enough to outweigh it, and a big
component of weak, common-name links falls apart into the people it holds.

The threshold is the model's own (`threshold_for`): the one, at or below the pairwise threshold,
whose clusters the model expects to be best.
"""

from __future__ import annotations

import heapq
from collections import defaultdict

import numpy as np

THRESHOLD = 0.5


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    parent = np.arange(n)

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return int(root)

    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.array([find(i) for i in range(n)])


def _average_linkage(
    members: list[int], pairs: dict[tuple[int, int], float], threshold: float
) -> list[list[int]]:
    """Average-linkage clusters of `members` (records), given the probabilities of the pairs
    among them that were scored (`pairs`, keyed (low, high))."""
    size = {m: 1 for m in members}
    items: dict[int, list[int]] = {m: [m] for m in members}
    sums: dict[int, dict[int, float]] = defaultdict(dict)
    for (a, b), p in pairs.items():
        sums[a][b] = p
        sums[b][a] = p
    version = dict.fromkeys(members, 0)
    heap: list[tuple[float, int, int, int, int]] = []
    for a in members:
        for b, total in sums[a].items():
            if a < b:
                heap.append((-total, a, b, 0, 0))
    heapq.heapify(heap)
    while heap:
        negative, a, b, va, vb = heapq.heappop(heap)
        if -negative < threshold:
            break
        if version.get(a) != va or version.get(b) != vb:
            continue  # one of them has merged since
        # b joins a.
        for k, total in sums.pop(b).items():
            if k == a:
                continue
            sums[k].pop(b, None)
            sums[a][k] = sums[a].get(k, 0.0) + total
            sums[k][a] = sums[a][k]
        sums[a].pop(b, None)
        size[a] += size.pop(b)
        items[a] += items.pop(b)
        del version[b]
        version[a] += 1
        for k, total in sums[a].items():
            mean = total / (size[a] * size[k])
            if mean >= threshold:
                low, high = (a, k) if a < k else (k, a)
                heapq.heappush(heap, (-mean, low, high, version[low], version[high]))
    return list(items.values())


def cluster(
    n: int,
    left: np.ndarray,
    right: np.ndarray,
    probability: np.ndarray,
    threshold: float = THRESHOLD,
) -> np.ndarray:
    """A cluster number for each of `n` records (the smallest record index in its cluster), from
    the scored pairs (`left[i]`, `right[i]`) with their match probabilities."""
    strong = probability >= threshold
    roots = _components(n, left[strong], right[strong])
    labels = np.arange(n)
    by_root: dict[int, list[int]] = defaultdict(list)
    sizes = np.bincount(roots, minlength=n)
    for record in np.flatnonzero(sizes[roots] > 1).tolist():
        by_root[int(roots[record])].append(record)
    pairs_of: dict[int, dict[tuple[int, int], float]] = defaultdict(dict)
    for a, b, p in zip(left.tolist(), right.tolist(), probability.tolist(), strict=True):
        root = int(roots[a])
        if root == roots[b]:
            key = (a, b) if a < b else (b, a)
            pairs_of[root][key] = max(p, pairs_of[root].get(key, 0.0))
    for root, members in by_root.items():
        if len(members) < 2:
            continue
        if len(members) == 2:
            labels[members] = min(members)
            continue
        for group in _average_linkage(members, pairs_of[root], threshold):
            labels[group] = min(group)
    return labels


# The search of `threshold_for`: steps down from the pairwise threshold, and how low it goes.
STEP = 0.05
LOWEST = 0.1


def expected_f1(labels: np.ndarray, left: np.ndarray, right: np.ndarray, p: np.ndarray) -> float:
    """The pairwise F1 the model expects of a clustering (`labels`) from its own probabilities:
    a pair put in one cluster is a match with its probability; a pair in one cluster that was
    never scored (the records were put together through others: A with B, B with C) with the
    mean probability of the scored pairs of its cluster. Expected matches: the scored pairs'
    probabilities and those of the unscored pairs the clusters hold."""
    sizes = np.bincount(labels, minlength=len(labels))
    inside = labels[left] == labels[right]
    cluster_of = labels[left[inside]]
    scored_sum = np.bincount(cluster_of, weights=p[inside], minlength=len(sizes))
    scored_count = np.bincount(cluster_of, minlength=len(sizes))
    pairs = sizes * (sizes - 1) // 2
    mean = np.divide(scored_sum, scored_count, out=np.zeros(len(sizes)), where=scored_count > 0)
    imputed = float(((pairs - scored_count) * mean).sum())
    found = float(scored_sum.sum()) + imputed
    called = float(pairs.sum())
    total = float(p.sum()) + imputed
    return 2 * found / (called + total) if called + total else 1.0


def threshold_for(
    n: int, left: np.ndarray, right: np.ndarray, probability: np.ndarray, start: float
) -> float:
    """The model's threshold for clusters: from the pairwise threshold (`start`,
    model.threshold_from) down by STEP until the clusters it gives are expected to be worse
    (`expected_f1`), the best kept. Clusters call fewer pairs matches than their pairwise
    probabilities do (average linkage keeps apart what the rest of a cluster contradicts), and
    join records through others, so their best threshold is at or below the pairwise one."""
    best, best_f1 = start, -1.0
    threshold = start
    while threshold >= LOWEST or threshold == start:
        f1 = expected_f1(cluster(n, left, right, probability, threshold), left, right, probability)
        if f1 < best_f1:
            break
        if f1 > best_f1:  # on a level stretch the higher threshold stays
            best, best_f1 = threshold, f1
        threshold -= STEP
    return best
