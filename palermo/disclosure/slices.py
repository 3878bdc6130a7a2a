"""Protection by moves between four slices of a table: one small LP per primary cell.

Choose two dimensions of the table, the *outer* ones; the others are the *inner* ones. A *slice*
is the sub-table of every inner cell (totals included) at one code of each outer dimension. For
a cell in slice ``(a, b)``, partner codes ``a2`` and ``b2`` of the outer dimensions (another code
or the total) and a change ``D`` of the inner cells that keeps every relation of the inner table,
the change of the whole table

    ``(a, b) + D``, ``(a, b2) + s2 D``, ``(a2, b) + s1 D``, ``(a2, b2) + s1 s2 D``

(``s = -1`` when the cell's code and the partner are both interior codes, so that the partner
balances the cell in its line; ``+1`` when one of them is the total, which moves with its part)
keeps every relation of the whole table: a line along an inner dimension lies in one slice,
where ``D`` keeps it; a line along an outer dimension changes in two cells only, by ``D`` and
``s D``, which balance each other (two parts) or agree (a part and its total); nothing outside
the four slices changes. So if every cell it changes is suppressed and no count goes below zero,
it is a move of the table that keeps every published value: a *proof* that the cell can take
the moved value, whatever the rest of the table hides (as a move inside a box, :mod:`.boxes`).

For each primary cell (largest protection levels first) and each direction, the cheapest such
move (an LP over the inner cells: each cell weighed by the cost ``count + 1`` of the cells it
changes in the four slices that are not suppressed yet, suppressed ones nearly free) is found
for a few partner codes, and the cells of the cheapest one are suppressed. The LPs are small
(one variable per inner cell and sign: 392 on a 5-D table of 60 x 10 x 3 x 6 x 6 codes, against
2,048 for a box of the same table) and HiGHS solves them without presolve in about a
millisecond, so a table with 30,000 primary cells takes about a minute on one core. A move
through already suppressed cells costs nothing, so most later cells find one for free.

On the benchmark's 5-D table from 1,000,000 persons this withholds less than a tenth of the
published mass where hypercubes withhold three quarters: the moves stay among small cells (the
interior and the totals over one dimension), which hold a fifth of the mass, where a hypercube
of a rare category must run through large totals.

The cells no slice move protects (usually a handful) are returned for the box moves and the
whole-table repair of :mod:`.suppression`.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from .lp import MoveLP
from .tables import Layout, Table, protection_levels, relation_matrix

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SUPPRESSED_WEIGHT = 1e-3
"""The weight of a cell that is already suppressed: nearly free, so that moves share cells."""


@dataclass(frozen=True)
class Pass:
    """How widely one pass looks for moves: outer pairs per cell, partner codes per outer
    dimension, and whether the total of the first outer dimension is a partner too."""

    pairs: int
    width: int
    totals: bool


FIRST_PASS = Pass(pairs=1, width=1, totals=False)
"""Every primary cell: the first outer pair (the two largest dimensions where the cell is not a
total), the richest partner code of each and the total of the second: two LPs per direction at
most (on the benchmark's 5-D table this protects all but 7% of the primary cells)."""
SECOND_PASS = Pass(pairs=3, width=2, totals=True)
"""The cells the first pass left: three outer pairs, two partners and the totals of each."""
MAX_WORKERS = 4
"""Processes the first pass may use at most (one per core this process may use)."""
START_METHOD: Final = "spawn"
"""How the processes start: spawned, not forked, so that a threaded server cannot hand a child a
lock another thread held."""
PARALLEL_MIN_PRIMARY = 3_000
"""Fewer primary cells take less time than starting processes: one process then."""
_TOL = 1e-6


@dataclass(frozen=True)
class _Decomposition:
    """One choice of the two outer dimensions, with the LP of its inner table."""

    outer: tuple[int, int]
    inner: tuple[int, ...]
    lp: MoveLP
    # Cell numbers of every slice: slice_cells[i, j] are the inner cells of slice (i, j), in C
    # order over the inner dimensions.
    slice_cells: IntArray


@dataclass(frozen=True)
class Move:
    """One slice move: what it costs, every cell it changes, and the change ``D`` of the inner
    cells with the bounds the four slices put on it (``-fall <= D <= rise``)."""

    cost: float
    cells: IntArray
    at: int
    change: FloatArray
    rise: FloatArray
    fall: FloatArray

    def reversed(self, need: float) -> bool:
        """Whether the opposite move, scaled to change the cell by ``need``, keeps every count
        non-negative (it changes the same cells, so it costs nothing more)."""
        scale = need / abs(float(self.change[self.at]))
        back = -scale * self.change
        return bool((back <= self.rise + _TOL).all() and (-back <= self.fall + _TOL).all())


class SliceMoves:
    """The slice moves of one table, for one threshold."""

    def __init__(self, layout: Layout, threshold: int) -> None:
        if layout.ndim < 3:
            raise ValueError("slice moves need a table of at least three dimensions")
        self.layout = layout
        self.values: FloatArray = layout.values.astype(np.float64)
        self.cost: FloatArray = self.values + 1.0
        self.lower, self.upper = protection_levels(layout, threshold)
        self.shape = np.array(layout.shape)
        self.total = self.shape - 1
        self.position: IntArray = np.array(
            np.unravel_index(np.arange(layout.size), layout.shape), dtype=np.int64
        ).T
        full = self.values.reshape(layout.shape)
        # Per dimension, its codes by decreasing 1-D margin (the richest partners first).
        self.rank: list[IntArray] = []
        for axis in range(layout.ndim):
            index = tuple(slice(None) if d == axis else -1 for d in range(layout.ndim))
            margin = full[index][:-1]
            self.rank.append(np.argsort(-margin, kind="stable").astype(np.int64))
        self.full = full
        self._decompositions: dict[tuple[int, int], _Decomposition] = {}
        self._pairs: dict[bytes, list[tuple[int, int]]] = {}
        self._partners: dict[tuple[int, int, int, int, int, bool], list[tuple[int, int]]] = {}
        # The default outer pair: the two dimensions with the most codes (the most slices).
        by_size = sorted(range(layout.ndim), key=lambda d: (-layout.shape[d], d))
        self.default = (min(by_size[0], by_size[1]), max(by_size[0], by_size[1]))

    def decomposition(self, outer: tuple[int, int]) -> _Decomposition:
        if outer not in self._decompositions:
            layout = self.layout
            inner = tuple(d for d in range(layout.ndim) if d not in outer)
            inner_shape = tuple(layout.shape[d] for d in inner)
            relations = relation_matrix(inner_shape).tocsc()
            grid = np.moveaxis(layout.grid, outer, (0, 1))
            slice_cells = grid.reshape(layout.shape[outer[0]], layout.shape[outer[1]], -1)
            self._decompositions[outer] = _Decomposition(
                outer, inner, MoveLP(relations, presolve=False), slice_cells
            )
        return self._decompositions[outer]

    def outer_pairs(self, cell: int) -> list[tuple[int, int]]:
        """The outer pairs to try for ``cell``: the default first when the cell is an interior
        code of both, then the other pairs of dimensions where it is, then the rest."""
        is_interior = self.position[cell] != self.total
        key = is_interior.tobytes()
        if key in self._pairs:
            return self._pairs[key]
        interior = [int(d) for d in np.flatnonzero(is_interior)]
        pairs = list(itertools.combinations(range(self.layout.ndim), 2))
        both = [p for p in pairs if p[0] in interior and p[1] in interior]
        both.sort(key=lambda p: (p != self.default, -self.shape[p[0]] * self.shape[p[1]]))
        one = [p for p in pairs if p not in both and (p[0] in interior or p[1] in interior)]
        self._pairs[key] = both + one
        return both + one

    def partners(
        self, cell: int, outer: tuple[int, int], width: int, *, totals: bool
    ) -> list[tuple[int, int]]:
        """Partner codes ``(a2, b2)`` for ``cell``'s slice: the ``width`` richest codes of the
        first outer dimension (by its margin) and of the second at the cell's first code (by
        that 2-D margin); the total of the second; with ``totals``, the total of the first."""
        o1, o2 = outer
        here = self.position[cell]
        a, b = int(here[o1]), int(here[o2])
        key = (o1, o2, a, b, width, totals)
        if key in self._partners:
            return self._partners[key]
        firsts = [int(c) for c in self.rank[o1] if c != a][:width]
        if totals and a != self.total[o1]:
            firsts.append(int(self.total[o1]))
        index = tuple(
            a if d == o1 else slice(None) if d == o2 else -1 for d in range(self.layout.ndim)
        )
        margin = self.full[index][:-1]
        seconds = [int(c) for c in np.argsort(-margin, kind="stable") if c != b][:width]
        if b != self.total[o2]:
            seconds.append(int(self.total[o2]))
        self._partners[key] = [(x, y) for x in firsts for y in seconds]
        return self._partners[key]

    def cheapest(
        self,
        cell: int,
        mask: BoolArray,
        sense: int,
        need: float,
        outer: tuple[int, int],
        partners: Iterable[tuple[int, int]],
        *,
        suppressed_only: bool = False,
    ) -> Move | None:
        """The cheapest slice move of ``cell`` by ``need`` in direction ``sense`` over the
        given partners: its cost (count + 1 of the cells it adds) and every cell it changes.
        ``suppressed_only`` allows only moves through cells already suppressed (a proof that
        ``mask`` protects the cell that way)."""
        deco = self.decomposition(outer)
        o1, o2 = outer
        here = self.position[cell]
        a, b = int(here[o1]), int(here[o2])
        inner_shape = tuple(self.layout.shape[d] for d in deco.inner)
        at = int(np.ravel_multi_index(tuple(int(here[d]) for d in deco.inner), inner_shape))
        n = deco.slice_cells.shape[2]
        best: Move | None = None
        for a2, b2 in partners:
            s1 = -1 if (a != self.total[o1] and a2 != self.total[o1]) else 1
            s2 = -1 if (b != self.total[o2] and b2 != self.total[o2]) else 1
            slices = np.stack(
                [
                    deco.slice_cells[a, b],
                    deco.slice_cells[a, b2],
                    deco.slice_cells[a2, b],
                    deco.slice_cells[a2, b2],
                ]
            )
            signs = np.array([1, s2, s1, s1 * s2])
            vals = self.values[slices]
            # Each slice's count plus sign * D stays non-negative.
            rise = np.where(signs[:, None] > 0, np.inf, vals).min(axis=0)  # D <= rise
            fall = np.where(signs[:, None] > 0, vals, np.inf).min(axis=0)  # -D <= fall
            if suppressed_only:
                hidden = mask[slices].all(axis=0)
                rise = np.where(hidden, rise, 0.0)
                fall = np.where(hidden, fall, 0.0)
            room = rise[at] if sense > 0 else fall[at]
            if room < need - _TOL:
                continue
            weight = np.where(mask[slices], SUPPRESSED_WEIGHT, self.cost[slices]).sum(axis=0)
            lower = np.zeros(2 * n)
            upper = np.concatenate([rise, fall])
            if sense > 0:
                lower[at] = upper[at] = need
                upper[n + at] = 0.0
            else:
                lower[n + at] = upper[n + at] = need
                upper[at] = 0.0
            moved = deco.lp.solve(np.concatenate([weight, weight]), lower, upper)
            if moved is None:
                continue
            changed = slices[:, np.abs(moved) > _TOL].reshape(-1)
            cost = float(np.where(mask[changed], 0.0, self.cost[changed]).sum())
            if best is None or cost < best.cost:
                best = Move(cost, changed, at, moved, rise, fall)
            if cost == 0.0:
                break
        return best

    def settle(self, cell: int, mask: BoolArray, how: Pass) -> bool:
        """Suppress the cells of the cheapest slice moves of ``cell`` in both directions over
        its first ``how.pairs`` outer pairs and their partners (see :meth:`partners`); False
        when a direction has none (and then adds nothing). When the first direction's move,
        reversed, also gives the second, no LP is needed for it."""
        added: list[IntArray] = []
        last: Move | None = None
        for sense, need in ((+1, float(self.upper[cell])), (-1, float(self.lower[cell]))):
            if need <= 0:
                continue
            if last is not None and last.reversed(need):
                break
            found: Move | None = None
            for outer in self.outer_pairs(cell)[: how.pairs]:
                partners = self.partners(cell, outer, how.width, totals=how.totals)
                move = self.cheapest(cell, mask, sense, need, outer, partners)
                if move is not None and (found is None or move.cost < found.cost):
                    found = move
                if found is not None and found.cost == 0.0:
                    break
            if found is None:
                for cells in added:  # undo the other direction's move
                    mask[cells] = False
                return False
            new = found.cells[~mask[found.cells]]
            added.append(new)
            mask[new] = True
            last = found
        return True


def certify(layout: Layout, mask: BoolArray, cells: Iterable[int], threshold: int) -> list[int]:
    """The cells among ``cells`` that no slice move through suppressed cells certifies as
    protected under ``mask`` (both directions; the outer pairs and partners of the second pass):
    each other cell is proved protected in the whole table (see the module docstring)."""
    if layout.ndim < 3:
        return [int(c) for c in cells]
    moves = SliceMoves(layout, threshold)
    left: list[int] = []
    for cell in (int(c) for c in cells):
        for sense, need in ((+1, float(moves.upper[cell])), (-1, float(moves.lower[cell]))):
            if need <= 0:
                continue
            if not any(
                moves.cheapest(
                    cell,
                    mask,
                    sense,
                    need,
                    outer,
                    moves.partners(cell, outer, SECOND_PASS.width, totals=True),
                    suppressed_only=True,
                )
                is not None
                for outer in moves.outer_pairs(cell)[: SECOND_PASS.pairs]
            ):
                left.append(cell)
                break
    return left


def protect(
    layout: Layout,
    mask: BoolArray,
    primary: BoolArray,
    threshold: int,
    *,
    deadline: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> tuple[BoolArray, list[int], list[int]]:
    """``mask`` (a copy) with the cells of slice moves added for every primary cell; the cells
    no slice move protects; and the cells not looked at because ``time.monotonic()`` passed
    ``deadline``. The first pass (:data:`FIRST_PASS`) runs in ``workers`` processes (default:
    the cores this process may use, at most :data:`MAX_WORKERS`; one for fewer than
    :data:`PARALLEL_MIN_PRIMARY` primary cells), each on the cells of its own codes of the first
    outer dimension; the cells it leaves then get the second pass (:data:`SECOND_PASS`)."""
    moves = SliceMoves(layout, threshold)
    mask = mask | primary
    todo = np.flatnonzero(primary)
    order = todo[np.argsort(-layout.values[todo], kind="stable")]
    total = int(order.size)
    if progress is not None:
        progress(0, total)
    count = _workers(total) if workers is None else max(1, workers)
    if count > 1:
        mask, hard, rest = _parallel_first_pass(
            layout, moves, mask, order, threshold, count, deadline, progress
        )
    else:
        hard, rest = _first_pass(moves, mask, order.tolist(), deadline, progress, total)
    if rest:
        return mask, hard, rest
    leftover: list[int] = []
    for i, cell in enumerate(hard):
        if deadline is not None and time.monotonic() > deadline:
            return mask, leftover, hard[i:]
        if not moves.settle(cell, mask, SECOND_PASS):
            leftover.append(cell)
    return mask, leftover, []


def _workers(primary: int) -> int:
    if primary < PARALLEL_MIN_PRIMARY:
        return 1
    return max(1, min(MAX_WORKERS, len(os.sched_getaffinity(0))))


def _first_pass(
    moves: SliceMoves,
    mask: BoolArray,
    order: list[int],
    deadline: float | None,
    progress: Callable[[int, int], None] | None,
    total: int,
) -> tuple[list[int], list[int]]:
    """The first pass over ``order`` (adding to ``mask``): the cells it could not protect and
    the cells not reached before ``deadline``."""
    hard: list[int] = []
    for i, cell in enumerate(order):
        if deadline is not None and time.monotonic() > deadline:
            return hard, order[i:]
        if not moves.settle(cell, mask, FIRST_PASS):
            hard.append(cell)
        if progress is not None:
            progress(i + 1, total)
    return hard, []


def _parallel_first_pass(
    layout: Layout,
    moves: SliceMoves,
    mask: BoolArray,
    order: IntArray,
    threshold: int,
    count: int,
    deadline: float | None,
    progress: Callable[[int, int], None] | None,
) -> tuple[BoolArray, list[int], list[int]]:
    """The first pass in ``count`` processes (spawned: safe under threads), cells split by their
    code of the first outer dimension of the default pair, so that the cells of one slice share
    their moves; the union of their patterns (a move stays a proof when more cells are hidden)."""
    axis = moves.default[0]
    group = moves.position[order, axis] % count
    context = multiprocessing.get_context(START_METHOD)
    done = context.Value("q", 0)
    results = context.Queue()
    children = [
        context.Process(
            target=_worker,
            args=(layout.table, threshold, mask, order[group == k], deadline, done, results),
            daemon=True,
        )
        for k in range(count)
    ]
    for child in children:
        child.start()
    merged = mask.copy()
    hard: list[int] = []
    rest: list[int] = []
    received = 0
    try:
        while received < count:
            try:
                suppressed, child_hard, child_rest = results.get(timeout=0.5)
            except queue.Empty:
                if not any(child.is_alive() for child in children):
                    raise RuntimeError("a suppression worker stopped without an answer") from None
            else:
                merged[suppressed] = True
                hard += child_hard
                rest += child_rest
                received += 1
            if progress is not None:
                progress(min(int(done.value), order.size), int(order.size))
    finally:
        for child in children:
            child.join(timeout=5)
            if child.is_alive():
                child.terminate()
    # The cells left, in the order of the whole table (largest protection levels first).
    rank = {int(c): i for i, c in enumerate(order.tolist())}
    return merged, sorted(hard, key=rank.__getitem__), sorted(rest, key=rank.__getitem__)


def _worker(
    table: Table,
    threshold: int,
    mask: BoolArray,
    cells: IntArray,
    deadline: float | None,
    done: Any,
    results: Any,
) -> None:
    """One process of :func:`_parallel_first_pass`."""
    moves = SliceMoves(Layout(table), threshold)
    mask = mask.copy()
    hard: list[int] = []
    rest: list[int] = []
    for i, cell in enumerate(cells.tolist()):
        if deadline is not None and time.monotonic() > deadline:
            rest = [int(c) for c in cells[i:]]
            break
        if not moves.settle(cell, mask, FIRST_PASS):
            hard.append(cell)
        if i % 50 == 49:
            with done.get_lock():
                done.value += 50
    results.put((np.flatnonzero(mask), hard, rest))
