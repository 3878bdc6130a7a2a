"""Protection and proof of protection inside small sub-tables ("boxes") of a big table.

A *box* around a cell takes, in every dimension, the cell's own code, the total and a few
partner codes. The cells of the box form a small table with all its totals: along every line of
the box, the box's total cell minus the box's parts equals the parts outside the box. If the
attacker's change ``z`` is restricted to the suppressed cells of the box (every cell outside
the box held at its value), each relation of the whole table through a box cell becomes exactly
the relation of the small table, so

    any change that keeps every relation of the box's small table and every published value
    of the box is a change of the whole table that keeps every published value.

Hence a move found inside a box is a *proof* that the cell can take those values, whatever the
rest of the table hides: the restriction can only make the attacker weaker at disproving, never
stronger. It costs an LP of a few hundred variables instead of one over the whole suppression
pattern (tens of thousands of cells on a 5-D table). This is the sub-table idea of Tau-Argus's
modular method (HiTaS: protect sub-tables with the optimal method, then the whole) with sub-tables
chosen around each primary cell rather than by a hierarchy, and with the whole-table safety
obtained by construction instead of by iterating until the sub-tables agree.

:func:`protect` goes through the primary cells (largest protection levels first). A cell that a
move through already suppressed cells of its smallest box protects costs nothing; otherwise the
cheapest move of the cell inside a box (an LP over every cell of the box, each unsuppressed cell
weighed by its cost ``count + 1`` per unit it moves, suppressed cells nearly free) is found for
each direction and its cells are suppressed, in growing boxes until one has a move. The move is
then a proof of the cell's protection, and it stays one as cells are added. :func:`certify`
re-checks a finished pattern from the published values alone: every cell it certifies is
protected in the whole table; a cell it cannot certify may still be protected (the whole-table
LP decides).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]

from .lp import AttackerLP, MoveLP
from .tables import Layout, protection_levels, relation_matrix

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

BOX_CELLS = (1_100, 2_600)
"""The largest boxes in which moves are sought for a cell, smallest first: the widest boxes
(partner codes per dimension) of at most these many cells. Wider boxes find cheaper moves, but
their LPs take longer (on the 5-D benchmark table, about 3, 25 and 95 ms for boxes of 324, 1,024
and 2,500 cells)."""
_TOL = 1e-6


class Boxes:
    """The boxes of one table, for one threshold."""

    def __init__(self, layout: Layout, threshold: int) -> None:
        self.layout = layout
        self.values: FloatArray = layout.values.astype(np.float64)
        self.lower, self.upper = protection_levels(layout, threshold)
        self.big = float(layout.values.max()) + threshold
        self.cost: FloatArray = self.values + 1.0
        self._relations: dict[tuple[int, ...], sparse.csc_matrix] = {}
        self._moves: dict[tuple[int, int], MoveLP] = {}

    def box(
        self, cell: int, mask: BoolArray, width: int, *, roomy: bool = False
    ) -> tuple[IntArray, sparse.csc_matrix]:
        """The cells of the box around ``cell`` (C order over the box) and its relations.

        Per dimension: the cell's code, the total and ``width`` partners (all codes of a
        dimension with at most ``width + 2``): neighbours already suppressed first, then those
        with enough count to give the cell its whole range (smallest first, the cheapest), then
        the others by decreasing count (the most room); along a dimension where the cell is the
        total, also every non-zero part. ``roomy`` ranks the suppressed neighbours by decreasing
        count instead (for the audit, which looks for any move through suppressed cells)."""
        layout = self.layout
        position = np.unravel_index(cell, layout.shape)
        need = max(self.lower[cell], self.upper[cell])
        chosen: list[IntArray] = []
        for axis, n in enumerate(layout.shape):
            if n <= width + 2:
                chosen.append(np.arange(n, dtype=np.int64))
                continue
            here = int(position[axis])
            options = np.arange(n - 1, dtype=np.int64)
            options = options[options != here]
            neighbours = cell + (options - here) * int(layout.strides[axis])
            vals = self.values[neighbours]
            enough = vals >= need
            if roomy:  # suppressed neighbours, the largest first
                order = np.lexsort((-vals, ~mask[neighbours]))
            else:
                order = np.lexsort((np.where(enough, vals, -vals), ~enough, ~mask[neighbours]))
            extra = options[order[:width]]
            if here == n - 1:
                # The cell is a total along this axis: to move down it needs its non-zero parts
                # (fewer than the threshold, as their sum is), so the box holds all of them.
                extra = np.concatenate([extra, options[vals > 0]])
            chosen.append(np.unique(np.concatenate([[here, n - 1], extra])))
        shape = tuple(len(c) for c in chosen)
        flat = np.zeros(1, dtype=np.int64)
        for codes, stride in zip(chosen, layout.strides, strict=True):
            flat = (flat[:, None] + codes[None, :] * int(stride)).reshape(-1)
        if shape not in self._relations:
            self._relations[shape] = relation_matrix(shape).tocsc()
        return flat, self._relations[shape]

    def protected(
        self, cell: int, mask: BoolArray, cells: IntArray, relations: sparse.csc_matrix
    ) -> bool:
        """Whether ``cell`` can move down by its count and up to the threshold through the
        suppressed cells of the box (``cells``, ``relations``): the attacker LP of the box."""
        at = int(np.searchsorted(cells, cell))
        variables = np.flatnonzero(mask[cells])
        sub = relations[:, variables].tocsr()
        rows = np.flatnonzero(np.diff(sub.indptr) > 0)
        lower = -self.values[cells[variables]]
        lp = AttackerLP(sub[rows].tocsc(), lower, np.full(variables.size, self.big))
        col = int(np.searchsorted(variables, at))
        for sense, need in ((+1, self.upper[cell]), (-1, self.lower[cell])):
            if need <= 0:
                continue
            moved, _ = lp.maximise(col, sense)
            if moved < need - _TOL:
                return False
        return True

    def cheapest_move(
        self, cell: int, mask: BoolArray, cells: IntArray, relations: sparse.csc_matrix
    ) -> bool:
        """Suppress the cells of the cheapest moves of ``cell`` inside the box (down by its
        count, up to the threshold): one LP per direction over every cell of the box, weighing
        each unsuppressed cell by its cost per unit of movement; False when the box has none."""
        shape = relations.shape
        key = (shape[0], shape[1])
        if key not in self._moves:
            self._moves[key] = MoveLP(relations)
        lp = self._moves[key]
        at = int(np.searchsorted(cells, cell))
        values = self.values[cells]
        n = cells.size
        weight = np.where(mask[cells], 1e-3, self.cost[cells])
        cost = np.concatenate([weight, weight])
        for sense, need in ((+1, self.upper[cell]), (-1, self.lower[cell])):
            if need <= 0:
                continue
            lower = np.zeros(2 * n)
            upper = np.concatenate([np.full(n, self.big), values])
            if sense > 0:
                lower[at] = upper[at] = need
                upper[n + at] = 0.0
            else:
                lower[n + at] = upper[n + at] = need
                upper[at] = 0.0
            moved = lp.solve(cost / need, lower, upper)
            if moved is None:
                return False
            mask[cells[np.abs(moved) > _TOL]] = True
        return True

    def settle(
        self, cell: int, mask: BoolArray, *, add: bool, widths: tuple[int, ...]
    ) -> int | None:
        """The width of the first box that protects ``cell`` (after adding the cells of the
        cheapest moves inside a box when ``add``: the smallest box is checked first, then moves
        are sought in growing boxes), or None."""
        if add:
            cells, relations = self.box(cell, mask, 1)
            if self.protected(cell, mask, cells, relations):
                return 1
            for width in widths:
                cells, relations = self.box(cell, mask, width)
                if self.cheapest_move(cell, mask, cells, relations):
                    return width
            return None
        for width in (1, *widths):
            cells, relations = self.box(cell, mask, width)
            if self.protected(cell, mask, cells, relations):
                return width
        for width in (*widths, widths[-1] + 2):
            cells, relations = self.box(cell, mask, width, roomy=True)
            if self.protected(cell, mask, cells, relations):
                return width
        return None


def protect(
    layout: Layout,
    mask: BoolArray,
    primary: BoolArray,
    threshold: int,
    *,
    cells: Iterable[int] | None = None,
    widths: tuple[int, ...] | None = None,
    deadline: float | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[BoolArray, list[int], list[int]]:
    """``mask`` (a copy) with cells added until every primary cell (or each of ``cells``) is
    protected inside a box; the cells no box could protect (for the whole-table repair); and
    the cells not looked at because ``time.monotonic()`` passed ``deadline``. ``progress``, when
    given, is told after each cell how many of how many are done."""
    boxes = Boxes(layout, threshold)
    widths = widths or widths_for(layout.shape)
    mask = mask | primary
    todo = np.flatnonzero(primary) if cells is None else np.array(list(cells), dtype=np.int64)
    # The largest protection levels first (as the hypercube method): their moves are the
    # hardest to find, and the cells they suppress then serve the smaller ones for free.
    order = todo[np.argsort(-layout.values[todo], kind="stable")].tolist()
    leftover: list[int] = []
    if progress is not None:
        progress(0, len(order))  # the total, before the first cell
    for i, cell in enumerate(order):
        if deadline is not None and time.monotonic() > deadline:
            return mask, leftover, [int(c) for c in order[i:]]
        if boxes.settle(int(cell), mask, add=True, widths=widths) is None:
            leftover.append(int(cell))
        if progress is not None:
            progress(i + 1, len(order))
    return mask, leftover, []


def certify(layout: Layout, mask: BoolArray, cells: Iterable[int], threshold: int) -> list[int]:
    """The cells among ``cells`` that no box certifies as protected under ``mask``: each other
    cell is proved protected in the whole table (see the module docstring)."""
    boxes = Boxes(layout, threshold)
    widths = widths_for(layout.shape)
    return [int(c) for c in cells if boxes.settle(int(c), mask, add=False, widths=widths) is None]


def widths_for(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The partner widths of the boxes for a table of ``shape`` (see :data:`BOX_CELLS`)."""
    out: list[int] = []
    for limit in BOX_CELLS:
        width = 1
        while width < max(shape) and np.prod([min(n, width + 3) for n in shape]) <= limit:
            width += 1
        if width not in out:
            out.append(width)
    return tuple(out)
