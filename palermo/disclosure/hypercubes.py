"""Hypercubes: the cheapest sets of cells whose corners, all suppressed, move a primary cell.

A hypercube of a cell takes one partner code per dimension (another code or the total); its
corners are every combination of the cell's code and the partner's. Changing the corners by
``+-t`` (the sign flips along a step between two interior codes, and stays along a step to or
from the total, which moves with its part) keeps every relation of the table, so a hypercube of
suppressed cells with enough room (counts that stay non-negative) proves the cell's range (as
GHMITER). See :mod:`.suppression` for where it is used.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .tables import Layout

BoolArray = npt.NDArray[np.bool_]

HYPERCUBE_COMBINATIONS = 4096
"""Partner combinations the hypercube method evaluates per primary cell (per dimension
about the ``ndim``-th root of this, the most promising partners first)."""
_TOL = 1e-6


class CubeFinder:
    """The search for the cheapest hypercubes of one cell (see :func:`cubes_for`)."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.shape = np.array(layout.shape)
        self.total_index = self.shape - 1
        self.per_axis = max(2, int(HYPERCUBE_COMBINATIONS ** (1.0 / layout.ndim)))
        self.bits = np.array(list(itertools.product((0, 1), repeat=layout.ndim)), dtype=bool)

    def find(
        self, mask: BoolArray, cell: int, need_down: float, need_up: float
    ) -> list[npt.NDArray[np.int64]] | None:
        layout, shape, total_index = self.layout, self.shape, self.total_index
        values, strides = layout.values, layout.strides
        position = np.array(np.unravel_index(cell, layout.shape))
        need = max(need_down, need_up)
        ranked: list[npt.NDArray[np.int64]] = []
        for axis in range(layout.ndim):
            here = int(position[axis])
            options = np.delete(np.arange(shape[axis]), here)
            if here == total_index[axis]:
                options = options[options != total_index[axis]]
            neighbours = cell + (options - here) * strides[axis]
            vals = values[neighbours]
            enough = vals >= need
            # Partners whose neighbour is already suppressed and big enough first, then big
            # enough ones by increasing count (cheapest), then the others by decreasing count
            # (most capacity, for hypercubes that add up).
            order_key = np.where(enough, vals, -vals)
            ranked.append(options[np.lexsort((order_key, ~enough, ~(mask[neighbours] & enough)))])
        # Few partners per dimension first (fast, and usually enough), then more.
        for width in sorted({min(3, self.per_axis), self.per_axis}):
            candidates: list[list[int]] = []
            for axis in range(layout.ndim):
                chosen = [int(i) for i in ranked[axis][:width]]
                here = int(position[axis])
                if here != total_index[axis] and total_index[axis] not in chosen:
                    chosen[-1] = int(total_index[axis])  # the total always works downwards
                candidates.append(chosen)
            cubes = cubes_for(
                layout, mask, position, candidates, self.bits, need_down, need_up, total_index
            )
            if cubes is not None:
                return cubes
        return None


def cubes_for(
    layout: Layout,
    mask: BoolArray,
    position: npt.NDArray[np.intp],
    candidates: Sequence[Sequence[int]],
    bits: BoolArray,
    need_down: float,
    need_up: float,
    total_index: npt.NDArray[np.intp],
) -> list[npt.NDArray[np.int64]] | None:
    """The cheapest hypercube that protects the cell alone, or else a few hypercubes that
    share no cell but this one (their moves add up), or None."""
    partners = np.stack(
        [g.reshape(-1) for g in np.meshgrid(*candidates, indexing="ij")], axis=1
    ).astype(np.int64)  # (C, n): every combination of partners
    flat, sign_odd = corners(layout, position, partners, bits, total_index)
    vals = layout.values[flat].astype(np.float64)
    same = ~sign_odd
    same[:, 0] = False  # the cell itself
    cap_down = np.where(same, vals, np.inf).min(axis=1)
    cap_up = np.where(sign_odd, vals, np.inf).min(axis=1)
    cost = np.where(mask[flat], 0.0, vals + 1.0).sum(axis=1)
    feasible = (cap_down >= need_down - _TOL) & (cap_up >= need_up - _TOL)
    single: list[npt.NDArray[np.int64]] | None = None
    single_cost = np.inf
    if feasible.any():
        best = int(np.argmin(np.where(feasible, cost, np.inf)))
        single, single_cost = [flat[best]], float(cost[best])
    # A few cheap hypercubes whose moves add up often cost far less than one hypercube big
    # enough alone (which tends to run through large totals).
    chosen: list[npt.NDArray[np.int64]] = []
    chosen_cost = 0.0
    used = np.zeros(layout.size, dtype=bool)
    left_down, left_up = need_down, need_up
    for _ in range(16):
        disjoint = ~used[flat[:, 1:]].any(axis=1)
        gain = np.minimum(cap_down, left_down) + np.minimum(cap_up, left_up)
        score = np.where(disjoint & (gain > _TOL), gain / (cost + 1.0), -1.0)
        best = int(np.argmax(score))
        if score[best] <= 0 or chosen_cost + float(cost[best]) >= single_cost:
            return single
        chosen.append(flat[best])
        chosen_cost += float(cost[best])
        used[flat[best]] = True
        left_down -= min(float(cap_down[best]), left_down)
        left_up -= min(float(cap_up[best]), left_up)
        if left_down <= _TOL and left_up <= _TOL:
            return chosen
    return single


def corners(
    layout: Layout,
    position: npt.NDArray[np.intp],
    partners: npt.NDArray[np.int64],
    bits: BoolArray,
    total_index: npt.NDArray[np.intp],
) -> tuple[npt.NDArray[np.int64], BoolArray]:
    """The cells of each hypercube (one partner code per dimension; shape (C, 2^n)) and
    whether each corner changes opposite to the cell itself."""
    strides = layout.strides
    cell = int(np.dot(position, strides))
    corner_bits = bits.T.astype(np.int64)
    steps = (partners - position) * strides  # (C, n): the move along each dimension
    flat: npt.NDArray[np.int64] = cell + steps @ corner_bits  # (C, 2^n)
    # A step between two interior codes flips the sign of the change; a step to or from the
    # total keeps it (total = sum of parts).
    flips = ((partners != total_index) & (position != total_index)).astype(np.int64)
    sign_odd: BoolArray = (flips @ corner_bits) % 2 == 1
    return flat, sign_odd
