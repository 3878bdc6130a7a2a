"""Small-cell suppression of frequency tables, with secondary suppression that is proved safe.

**Primary suppression.** A published cell (interior or any marginal total) whose count is
``1 .. threshold - 1`` is suppressed. Zeros are *not* primary-suppressed: an empty cell says
that nobody has that combination, which identifies no one, and trafficking tables are mostly
zeros (suppressing them would withhold most of a table for no protection). Zero cells may
still be suppressed as *secondary* cells to hide others. (A zero next to a non-zero total can
disclose a group attribute, "all victims of X were ..."; this module does not protect against
that, as Tau-Argus's frequency rule does not by default.)

**What "protected" means.** The attacker knows every published value, that all counts are
non-negative, and that every total is the sum of its parts. For each primary cell ``p`` with
count ``a`` the values of ``p`` consistent with that knowledge must reach from 0 (down by the
*lower protection level* ``a``) to at least ``threshold`` (up by the *upper protection level*
``threshold - a``): the attacker cannot tell whether the cell is empty, small, or at the
threshold, so the interval is at least ``threshold`` wide. (This is the linear-programming
attacker of Tau-Argus's audit: integrality of counts is not used, as is usual.)

**Secondary suppression** hides more cells so that every primary cell keeps that interval:

- ``method="milp"``: Fischetti & Salazar's model, solved by HiGHS through
  ``scipy.optimize.milp``. A master MILP chooses the cells to suppress at minimum cost (cost
  of a cell = its count + 1) subject to "no relation has exactly one suppressed cell" and to
  *capacity cuts*; for the chosen pattern the attacker's LP (``scipy.optimize.linprog``,
  HiGHS) is solved for every primary cell up and down, and each interval that is too narrow
  yields a cut from the LP's dual values (Benders), until every interval is wide enough.
  The loop ends only on a pattern the attacker LPs accept, so its answer is safe; it is
  optimal for the cost when HiGHS proves optimality within the time limit.
- ``method="boxes"``: for tables too big for the MILP. For each primary cell (largest
  protection levels first) the attacker LP inside a small box of the table (the cell's code, the
  total, a few partner codes per dimension and every non-zero part along a dimension where the
  cell is a total; see :mod:`.boxes`) first checks whether the cells already suppressed protect
  it; if not, an LP over every cell of the box finds the cheapest move of the cell down by its
  count and up to the threshold (each unsuppressed cell weighed by ``count + 1`` per unit it
  moves), in growing boxes, and the cells of those moves are suppressed. A move inside a box is
  a move of the whole table that keeps every published value, so each cell is protected by
  construction; a cell no box can protect goes to the whole-table repair. On sparse tables it
  loses far less than hypercubes (whose moves must each be one hypercube), at tens of
  milliseconds per primary cell on a 5-D table: after ``BOXES_TIME_LIMIT`` seconds the primary
  cells not reached yet get hypercubes instead (most of them then find hypercubes of cells
  already suppressed), so the pattern of a big table depends on the machine's speed.
- ``method="hypercube"``: the fast method (as GHMITER). For each primary cell it picks the
  cheapest hypercube of cells (one partner code per dimension, totals allowed; the most
  promising few partners per dimension first) whose corners, all suppressed, let the cell
  move down by its count and up to the threshold while all counts stay non-negative, or a few
  hypercubes that share no other cell, whose moves add up, when they are cheaper. Such a
  hypercube is a feasible change of the table that keeps every published value, so it proves
  the interval by construction. A cell for which none is found gets the box moves above (and
  the whole-table repair if no box has one).
- ``method="tauargus"``: Tau-Argus's OPT (``pytauargus``, HiGHS) on the same table, with
  our primary cells and protection levels; its pattern is then checked with our attacker LP
  and repaired if needed. If ``pytauargus`` is not installed or fails, ``"auto"`` is used and
  ``notes`` says so. (The PyPI wheels of ``pytauargus`` since 0.6 bundle the native Tau-Argus
  engine with HiGHS for Linux x86_64/aarch64, so it runs here once installed; it is not yet a
  dependency of Palermo.)
- ``method="auto"`` (default): the MILP for tables of up to ``MILP_MAX_CELLS`` published cells,
  the box method for bigger tables with up to ``BOXES_MAX_PRIMARY`` primary cells, the
  hypercube method beyond. When the MILP fails it falls back to the box method; when
  it runs out of time (``MILP_TIME_LIMIT``) after choosing a pattern, that last pattern is
  completed by the repair (attacker LP and cuts, adding the cheapest cells) instead.

:func:`unprotected` audits a published pattern exactly, with proofs first: a hypercube of
suppressed cells, then a move inside a box, then the attacker LP over the whole pattern for the
cells neither certifies.

**Information loss** (``SuppressionResult.information_loss``) is the share of the published
mass that is withheld: the sum of the counts of all suppressed cells (interior and totals)
divided by the sum of the counts of all published cells. ``cell_loss`` is the share of
non-empty published cells that are suppressed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import optimize, sparse  # type: ignore[import-untyped]
from scipy.sparse import csgraph  # type: ignore[import-untyped]

from . import boxes, hypercubes, slices
from .lp import AttackerLP as _Group
from .tables import Key, Layout, Table, protection_levels

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

METHODS = ("auto", "milp", "slices", "boxes", "hypercube", "tauargus")
MILP_MAX_CELLS = 5_000
"""Tables with more published cells go straight to the box method under "auto"."""
BOXES_MAX_PRIMARY = 4_000
"""Tables with more primary cells get the hypercube method under "auto": the box method's LPs
take tens of milliseconds per primary cell on a 5-D table (30,876 primary cells: 730 s), and
hypercubes for the cells it has not reached within its time limit lose as much as hypercubes
for all (measured on that table)."""
BOXES_TIME_LIMIT = 150.0
"""Seconds the box method spends on moves inside boxes before the primary cells not reached
get hypercubes (its LPs take tens of milliseconds per primary cell on a 5-D table)."""
SLICES_MIN_PRIMARY = 2_000
"""Tables of three dimensions or more with more primary cells than this get the slice method
under "auto" (fewer get the box method, which loses less but takes tens of milliseconds per
primary cell: on a 5-D table with 1,590 primary cells 9% of the mass against 20%, in about a
minute against three seconds)."""
SLICES_TIME_LIMIT = 150.0
"""Seconds the slice method spends on moves before the primary cells not reached get hypercubes
(about a minute for the 30,727 primary cells of the benchmark's 5-D table on one core)."""
MILP_TIME_LIMIT = 60.0
"""Seconds the MILP loop may take in total before "auto" falls back to the hypercube."""
_TOL = 1e-6


@dataclass(frozen=True)
class SuppressionResult:
    """A table ready to publish: every cell's value, ``None`` where suppressed."""

    values: dict[Key, int | None]
    primary: frozenset[Key]
    secondary: frozenset[Key]
    method: str
    threshold: int
    information_loss: float
    cell_loss: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def suppressed(self) -> frozenset[Key]:
        return self.primary | self.secondary


def primary_cells(table: Table, *, threshold: int = 5) -> frozenset[Key]:
    """The cells (interior and totals) with a count from 1 to ``threshold - 1``."""
    layout = Layout(table)
    return frozenset(layout.key(int(c)) for c in np.flatnonzero(_primary_mask(layout, threshold)))


def suppress(
    table: Table,
    *,
    threshold: int = 5,
    method: str = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> SuppressionResult:
    """Primary and secondary suppression of ``table`` (see the module docstring). ``progress``,
    when given, is told how many primary cells of how many the box method has protected (the
    other methods are one solver call each)."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError("threshold must be a whole number of at least 1")
    if method not in METHODS:
        raise ValueError("method must be one of {}, not {!r}".format(", ".join(METHODS), method))
    layout = Layout(table)
    primary = _primary_mask(layout, threshold)
    notes: list[str] = []
    used = method
    mask: BoolArray | None = None
    if not primary.any():
        mask, used = primary.copy(), "none"
    elif method == "tauargus":
        mask = _tauargus(layout, primary, threshold, notes)
        if mask is None:
            method = "auto"
    if mask is None and method in ("auto", "milp"):
        mask = _try_milp(layout, primary, threshold, method, notes)
        if mask is not None:
            used = "milp"
    if (
        mask is None
        and method == "auto"
        and layout.ndim >= 3
        and int(primary.sum()) > SLICES_MIN_PRIMARY
    ):
        method = "slices"
    if mask is None and method == "slices":
        mask = _slices(layout, primary, threshold, notes, progress)
        used = "slices"
    if mask is None and method == "auto" and int(primary.sum()) > BOXES_MAX_PRIMARY:
        notes.append(
            "{} primary cells is more than {} for the box method".format(
                int(primary.sum()), BOXES_MAX_PRIMARY
            )
        )
        method = "hypercube"
    if mask is None and method == "hypercube":
        mask = _hypercube(layout, primary, threshold)
        used = "hypercube"
    if mask is None:
        mask = _boxes(layout, primary, threshold, notes, progress)
        used = "boxes"
    return _result(layout, primary, mask, used, threshold, tuple(notes))


def _try_milp(
    layout: Layout, primary: BoolArray, threshold: int, method: str, notes: list[str]
) -> BoolArray | None:
    """The MILP's pattern, or None when "auto" should use the hypercube method instead."""
    if method == "auto" and layout.size > MILP_MAX_CELLS:
        notes.append("MILP not tried: {} cells is more than {}".format(layout.size, MILP_MAX_CELLS))
        return None
    try:
        return _milp(layout, primary, threshold, time_limit=MILP_TIME_LIMIT)
    except _MilpGaveUpError as exc:
        if exc.mask is not None:
            # The master's last pattern, completed by the attacker-LP repair: usually far
            # cheaper than starting again with hypercubes.
            notes.append(
                "MILP stopped ({}); its last pattern was completed by the repair".format(exc)
            )
            return _repair(layout, exc.mask, primary, threshold)
        if method == "milp":
            raise RuntimeError("MILP suppression failed: {}".format(exc)) from exc
        notes.append("MILP gave up ({}); hypercube used".format(exc))
        return None


def _boxes(
    layout: Layout,
    primary: BoolArray,
    threshold: int,
    notes: list[str],
    progress: Callable[[int, int], None] | None = None,
) -> BoolArray:
    """The cheapest moves inside small boxes (:mod:`.boxes`) for ``BOXES_TIME_LIMIT`` seconds;
    hypercubes for the cells not reached by then and for the cells no box could protect (and
    for those, box moves again, then the whole-table repair)."""
    return _moves_then_cubes(
        boxes.protect, "box", BOXES_TIME_LIMIT, layout, primary, threshold, notes, progress
    )


def _slices(
    layout: Layout,
    primary: BoolArray,
    threshold: int,
    notes: list[str],
    progress: Callable[[int, int], None] | None = None,
) -> BoolArray:
    """The cheapest moves between four slices (:mod:`.slices`) for ``SLICES_TIME_LIMIT``
    seconds; hypercubes (then box moves, then the whole-table repair) for the cells not reached
    by then and for the cells no slice move protects."""
    if layout.ndim < 3:
        notes.append("slice moves need three dimensions; box moves used")
        return _boxes(layout, primary, threshold, notes, progress)
    return _moves_then_cubes(
        slices.protect, "slice", SLICES_TIME_LIMIT, layout, primary, threshold, notes, progress
    )


def _moves_then_cubes(
    protect: Callable[..., tuple[BoolArray, list[int], list[int]]],
    name: str,
    limit: float,
    layout: Layout,
    primary: BoolArray,
    threshold: int,
    notes: list[str],
    progress: Callable[[int, int], None] | None,
) -> BoolArray:
    """``protect`` (box or slice moves) until ``limit`` seconds have passed, then hypercubes for
    the cells it did not reach and those it could not protect."""
    deadline = time.monotonic() + limit
    mask, leftover, rest = protect(
        layout, primary.copy(), primary, threshold, deadline=deadline, progress=progress
    )
    if rest:
        notes.append(
            "{} of {} primary cells got hypercubes ({} time limit of {:.0f} s)".format(
                len(rest), int(primary.sum()), name, limit
            )
        )
    if rest or leftover:
        mask = _hypercube(layout, primary, threshold, mask=mask, cells=rest + leftover)
    return mask


def _tauargus(
    layout: Layout, primary: BoolArray, threshold: int, notes: list[str]
) -> BoolArray | None:
    """Tau-Argus OPT's pattern, checked and repaired by our attacker; None if unavailable."""
    from . import tauargus  # noqa: PLC0415 - optional dependency

    try:
        mask = tauargus.opt_suppress(layout, primary, threshold)
    except tauargus.TauArgusUnavailableError as exc:
        notes.append("Tau-Argus not used: {}".format(exc))
        return None
    repaired = _repair(layout, mask, primary, threshold)
    added = int(repaired.sum() - mask.sum())
    if added:
        notes.append("{} cells added to Tau-Argus's pattern by our audit".format(added))
    return repaired


def audit(table: Table, values: dict[Key, int | None]) -> dict[Key, tuple[float, float]]:
    """The interval an attacker can derive for each suppressed cell (``None`` in ``values``)
    from the published values, non-negativity and additivity (linear programming)."""
    layout = Layout(table)
    mask = _suppressed_mask(layout, values)
    attacker = _Attacker(layout, mask, big=None)
    out: dict[Key, tuple[float, float]] = {}
    for cell in np.flatnonzero(mask):
        up, _ = attacker.move(int(cell), +1)
        down, _ = attacker.move(int(cell), -1)
        count = float(layout.values[cell])
        out[layout.key(int(cell))] = (count - down, count + up)
    return out


def unprotected(
    table: Table, result: SuppressionResult, *, boxes_first: bool = True
) -> frozenset[Key]:
    """The primary cells of ``result`` whose attacker interval (from the published values,
    non-negativity and additivity) does not reach from 0 to the threshold: empty for a safe
    table. Use it to verify a pattern that came from elsewhere.

    Exact for every primary cell. With ``boxes_first`` a cell is first looked at inside small
    boxes of the table (:func:`.boxes.certify`): a move found there is a move of the whole table,
    so the cell is protected; only the cells no box certifies get the attacker LP over the whole
    pattern (one LP per cell and direction, slow on a big table). ``boxes_first=False`` gives
    every primary cell the whole-table LP."""
    layout = Layout(table)
    mask = _suppressed_mask(layout, result.values)
    primary = [layout.cell(key) for key in result.primary]
    bad = {layout.key(cell) for cell in primary if not mask[cell]}
    todo = [cell for cell in primary if mask[cell]]
    if boxes_first:
        if result.method == "slices":  # its own moves first: hypercubes rarely prove them
            todo = slices.certify(layout, mask, todo, result.threshold)
        todo = _cube_certify(layout, mask, todo, result.threshold)
        if result.method != "slices":
            todo = slices.certify(layout, mask, todo, result.threshold)
        todo = boxes.certify(layout, mask, todo, result.threshold)
    if not todo:
        return frozenset(bad)
    lower, upper = protection_levels(layout, result.threshold)
    attacker = _Attacker(layout, mask, big=None)
    cache: dict[bytes, float] = {}
    for cell in todo:
        if not all(
            attacker.protected(cell, sense, need, cache)
            for sense, need in ((+1, upper[cell]), (-1, lower[cell]))
        ):
            bad.add(layout.key(cell))
    return frozenset(bad)


def _cube_certify(layout: Layout, mask: BoolArray, cells: list[int], threshold: int) -> list[int]:
    """The cells among ``cells`` for which no hypercube (or disjoint hypercubes) of suppressed
    cells gives the whole range: each other cell is protected, a hypercube being a move of
    the whole table that keeps every published value (the fast first test of the audit)."""
    lower, upper = protection_levels(layout, threshold)
    finder = hypercubes.CubeFinder(layout)
    left = []
    for cell in cells:
        cubes = finder.find(mask, cell, lower[cell], upper[cell])
        if cubes is None or not all(mask[corners].all() for corners in cubes):
            left.append(cell)
    return left


# --- shared -----------------------------------------------------------------------------------


def _primary_mask(layout: Layout, threshold: int) -> BoolArray:
    return (layout.values > 0) & (layout.values < threshold)


def _suppressed_mask(layout: Layout, values: dict[Key, int | None]) -> BoolArray:
    """The cells published as ``None`` in ``values``."""
    mask = np.zeros(layout.size, dtype=bool)
    for key, value in values.items():
        if value is None:
            mask[layout.cell(key)] = True
    return mask


def _result(
    layout: Layout,
    primary: BoolArray,
    mask: BoolArray,
    method: str,
    threshold: int,
    notes: tuple[str, ...],
) -> SuppressionResult:
    mask = mask | primary
    values: dict[Key, int | None] = {}
    prim: set[Key] = set()
    sec: set[Key] = set()
    for cell, (key, value) in enumerate(zip(layout.keys(), layout.values.tolist(), strict=True)):
        if mask[cell]:
            values[key] = None
            (prim if primary[cell] else sec).add(key)
        else:
            values[key] = int(value)
    total = float(layout.values.sum())
    nonempty = int((layout.values > 0).sum())
    return SuppressionResult(
        values=values,
        primary=frozenset(prim),
        secondary=frozenset(sec),
        method=method,
        threshold=threshold,
        information_loss=float(layout.values[mask].sum()) / total if total else 0.0,
        cell_loss=float((mask & (layout.values > 0)).sum()) / nonempty if nonempty else 0.0,
        notes=notes,
    )


class _Attacker:
    """The attacker's LPs for one suppression pattern: how far each suppressed cell can move.

    Variables are the changes ``z`` of the suppressed cells only (published cells cannot
    change), restricted to the connected group of suppressed cells linked by relations.
    ``big`` bounds upward moves (needed for finite cut coefficients); ``None`` = unbounded.
    """

    def __init__(self, layout: Layout, mask: BoolArray, *, big: float | None) -> None:
        self.layout = layout
        self.mask = mask
        self.big = big
        self.cells = np.flatnonzero(mask)
        sub = layout.relations[:, self.cells].tocsr()
        self.rows = np.flatnonzero(np.diff(sub.indptr) > 0)
        self.matrix = sub[self.rows].tocsc()
        n_rows, n_cells = self.matrix.shape
        graph = sparse.bmat([[None, self.matrix], [self.matrix.T, None]], format="csr")
        _, labels = csgraph.connected_components(graph, directed=False)
        self.row_label = labels[:n_rows]
        self.cell_label = labels[n_rows : n_rows + n_cells]
        self.position = {int(c): i for i, c in enumerate(self.cells)}
        self._groups: dict[int, _Group] = {}
        # The last move: a failed check is followed by a call for its duals (one LP, not two).
        self._last: tuple[int, int, tuple[float, FloatArray | None]] | None = None

    def protected(self, cell: int, sense: int, need: float, cache: dict[bytes, float]) -> bool:
        """Whether ``cell`` can move by ``need`` in direction ``sense`` (the LP, cached by the
        cell's group of suppressed cells, which determines the LP)."""
        if need <= 0:
            return True
        i = self.position[cell]
        group = self.cells[self.cell_label == self.cell_label[i]]
        key = np.array([cell, sense], dtype=np.int64).tobytes() + group.tobytes()
        if key not in cache:
            cache[key] = self.move(cell, sense)[0]
        return cache[key] >= need - _TOL

    def move(self, cell: int, sense: int) -> tuple[float, FloatArray | None]:
        """The largest change of ``cell`` in direction ``sense`` (+1 up, -1 down) and the
        dual values of the relations (over all rows of ``layout.relations``), or None."""
        if self._last is not None and self._last[:2] == (cell, sense):
            return self._last[2]
        result = self._move(cell, sense)
        self._last = (cell, sense, result)
        return result

    def _move(self, cell: int, sense: int) -> tuple[float, FloatArray | None]:
        i = self.position[cell]
        label = self.cell_label[i]
        cols = np.flatnonzero(self.cell_label == label)
        rows = np.flatnonzero(self.row_label == label)
        a = self.layout.values[self.cells[cols]].astype(np.float64)
        if rows.size == 0:  # linked to nothing: only non-negativity bounds it
            return (np.inf if sense > 0 else float(self.layout.values[cell])), None
        upper = np.full(cols.size, np.inf) if self.big is None else np.full(cols.size, self.big)
        label = int(label)
        if label not in self._groups:
            self._groups[label] = _Group(self.matrix[rows][:, cols].tocsc(), -a, upper)
        moved, row_duals = self._groups[label].maximise(int(np.searchsorted(cols, i)), sense)
        if row_duals is None:
            return moved, None
        duals = np.zeros(self.layout.relations.shape[0])
        duals[self.rows[rows]] = row_duals
        return moved, duals


def _cut(
    layout: Layout, cell: int, sense: int, duals: FloatArray, big: float, need: float
) -> FloatArray:
    """Coefficients of the capacity cut ``sum coef_i x_i >= need`` from the attacker LP's duals.

    For any dual values ``y`` of the relations, with ``r = sense*e_cell + M^T y``, the move is at
    most ``sum_i x_i (max(r_i,0)*big + max(-r_i,0)*a_i)`` for every pattern ``x``, so a pattern
    protecting the cell must make this at least ``need`` (Fischetti & Salazar).
    """
    r = layout.relations.T @ duals
    r[cell] += sense
    a = layout.values.astype(np.float64)
    coef: FloatArray = np.minimum(np.maximum(r, 0.0) * big + np.maximum(-r, 0.0) * a, need)
    return coef


# --- MILP (Fischetti & Salazar with Benders cuts) ---------------------------------------------


class _MilpGaveUpError(Exception):
    def __init__(self, message: str, mask: BoolArray | None = None) -> None:
        super().__init__(message)
        self.mask = mask  # the last pattern the master chose, if any


def _relation_cuts(
    layout: Layout, cells: npt.NDArray[np.int64], lower: FloatArray, upper: FloatArray
) -> tuple[list[sparse.csr_matrix], list[float]]:
    """The capacity cuts of each single relation through each primary cell.

    One relation alone already limits the cell: to go up by ``need``, a part must be balanced
    by its suppressed total (unbounded) or by other suppressed parts going down (each by at most
    its count); to go down, by the total going down or other parts going up; for a total cell,
    by its parts. Every safe pattern satisfies these (the attacker who knows all relations can
    do no worse than one who knows one), so they are valid cuts that spare many LP rounds.
    """
    values = layout.values.astype(np.float64)
    rows: list[sparse.csr_matrix] = []
    rhs: list[float] = []
    grid = layout.grid
    for cell in cells.tolist():
        position = np.unravel_index(cell, layout.shape)
        for axis in range(layout.ndim):
            line = np.moveaxis(grid, axis, -1)[
                tuple(int(p) for i, p in enumerate(position) if i != axis)
            ]
            total, parts = int(line[-1]), line[:-1]
            is_total = cell == total
            others = parts[parts != cell]
            for going_up, need, part_cap, total_cap in (
                # (direction, need, what each other part brings, what the total brings)
                (True, upper[cell], values[others], np.inf),  # up: others down or total up
                (False, lower[cell], np.full(others.size, np.inf), values[total]),  # down
            ):
                if need <= 0:
                    continue
                coef = np.zeros(layout.size)
                if is_total:
                    # A total moves with its parts: up by any part going up (unbounded), down
                    # by parts going down (each by at most its count).
                    caps = np.full(parts.size, np.inf) if going_up else values[parts]
                    coef[parts] = np.minimum(caps, need)
                else:
                    coef[others] = np.minimum(part_cap, need)
                    coef[total] = min(total_cap, need)
                coef[cell] = 0.0
                rows.append(sparse.csr_matrix(coef))
                rhs.append(float(need))
    return rows, rhs


def _master(
    layout: Layout, primary: BoolArray
) -> tuple[sparse.csr_matrix, FloatArray, FloatArray, optimize.Bounds]:
    """The master problem without cuts: variables x (one per cell, binary) then y (one per
    relation, continuous in [0, 1]); line constraints y_e >= x_c for every member c of
    relation e and sum_c x_c >= 2 y_e (a relation with a suppressed cell has at least two);
    cost of a cell = its count + 1; primary cells fixed to 1."""
    n = layout.size
    relations = layout.relations.tocoo()
    n_rel = relations.shape[0]
    k = relations.nnz
    link = sparse.coo_matrix(
        (
            np.concatenate([np.ones(k), -np.ones(k)]),
            (
                np.concatenate([np.arange(k), np.arange(k)]),
                np.concatenate([n + relations.row, relations.col]),
            ),
        ),
        shape=(k, n + n_rel),
    )
    pairs = sparse.coo_matrix(
        (
            np.concatenate([np.ones(k), np.full(n_rel, -2.0)]),
            (
                np.concatenate([relations.row, np.arange(n_rel)]),
                np.concatenate([relations.col, n + np.arange(n_rel)]),
            ),
        ),
        shape=(n_rel, n + n_rel),
    )
    base = sparse.vstack([link, pairs]).tocsr()
    cost = np.concatenate([layout.values.astype(np.float64) + 1.0, np.zeros(n_rel)])
    integrality = np.concatenate([np.ones(n), np.zeros(n_rel)])
    lb = np.concatenate([primary.astype(np.float64), np.zeros(n_rel)])
    return base, cost, integrality, optimize.Bounds(lb, np.ones(n + n_rel))


def _milp(
    layout: Layout, primary: BoolArray, threshold: int, *, time_limit: float, max_rounds: int = 200
) -> BoolArray:
    deadline = time.monotonic() + time_limit
    n = layout.size
    lower, upper = protection_levels(layout, threshold)
    big = float(layout.values.max()) + threshold
    base, cost, integrality, bounds = _master(layout, primary)
    n_rel = cost.size - n
    cells = np.flatnonzero(primary)
    cut_rows, cut_rhs = _relation_cuts(layout, cells, lower, upper)
    cuts_per_round = max(20, cells.size // 10)
    cache: dict[bytes, float] = {}
    last: BoolArray | None = None
    for _ in range(max_rounds):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _MilpGaveUpError("time limit of {:.0f} s".format(time_limit), last)
        cuts = sparse.vstack(cut_rows).tocsr()
        cuts = sparse.hstack([cuts, sparse.csr_matrix((len(cut_rows), n_rel))]).tocsr()
        res = optimize.milp(
            cost,
            integrality=integrality,
            bounds=bounds,
            constraints=[
                optimize.LinearConstraint(base, 0.0, np.inf),
                optimize.LinearConstraint(cuts, np.array(cut_rhs), np.inf),
            ],
            options={"time_limit": remaining, "disp": False, "mip_rel_gap": 1e-4},
        )
        if res.x is None:
            raise _MilpGaveUpError(str(res.message), last)
        mask: BoolArray = np.asarray(res.x[:n] > 0.5, dtype=bool)
        last = mask
        attacker = _Attacker(layout, mask, big=big)
        new = 0
        for cell in cells.tolist():
            if new >= cuts_per_round:  # lazy: re-solve the master before checking the rest
                break
            for sense, need in ((+1, upper[cell]), (-1, lower[cell])):
                if attacker.protected(cell, sense, need, cache):
                    continue
                _, duals = attacker.move(cell, sense)
                if duals is None:
                    raise _MilpGaveUpError("no dual values for a cut", last)
                coef = _cut(layout, cell, sense, duals, big, need)
                if coef[mask].sum() >= need - _TOL:  # numerically not a cut: forbid this pattern
                    coef = np.where(mask, 0.0, need)
                cut_rows.append(sparse.csr_matrix(coef))
                cut_rhs.append(need)
                new += 1
        if not new:
            return mask
    raise _MilpGaveUpError("no safe pattern after {} rounds".format(max_rounds), last)


# --- hypercube fallback -------------------------------------------------------------------------


def _hypercube(
    layout: Layout,
    primary: BoolArray,
    threshold: int,
    *,
    mask: BoolArray | None = None,
    cells: Sequence[int] | None = None,
) -> BoolArray:
    """Hypercubes for every primary cell (or each of ``cells``, on top of ``mask``); a cell for
    which none is found gets the cheapest moves inside boxes, and the whole-table repair if no
    box has one."""
    lower, upper = protection_levels(layout, threshold)
    mask = primary.copy() if mask is None else mask | primary
    unresolved: list[int] = []
    todo = np.flatnonzero(primary).tolist() if cells is None else list(cells)
    # The largest requirements first: their hypercubes are the hardest to find.
    order = sorted(todo, key=lambda c: (-lower[c], c))
    finder = hypercubes.CubeFinder(layout)
    for cell in order:
        cubes = finder.find(mask, cell, lower[cell], upper[cell])
        if cubes is None:
            unresolved.append(cell)
        else:
            for corners in cubes:
                mask[corners] = True
    if unresolved:
        widths = (1, *boxes.widths_for(layout.shape))
        mask, leftover, _ = boxes.protect(
            layout, mask, primary, threshold, cells=unresolved, widths=widths
        )
        if leftover:
            mask = _repair(layout, mask, primary, threshold, cells=leftover)
    return mask


def _repair(
    layout: Layout,
    mask: BoolArray,
    primary: BoolArray,
    threshold: int,
    *,
    cells: Sequence[int] | None = None,
    max_rounds: int = 1000,
) -> BoolArray:
    """Check cells with the attacker LP and add the cheapest cells a cut asks for until each
    primary cell's interval is wide enough."""
    lower, upper = protection_levels(layout, threshold)
    big = float(layout.values.max()) + threshold
    mask = mask | primary
    todo = list(np.flatnonzero(primary)) if cells is None else list(cells)
    cost = layout.values.astype(np.float64) + 1.0
    cache: dict[bytes, float] = {}
    for _ in range(max_rounds):
        attacker = _Attacker(layout, mask, big=big)
        changed = False
        for cell in todo:
            for sense, need in ((+1, upper[cell]), (-1, lower[cell])):
                if attacker.protected(int(cell), sense, need, cache):
                    continue
                moved, duals = attacker.move(int(cell), sense)
                if moved >= need - _TOL:
                    continue
                if duals is None:
                    raise RuntimeError("no dual values to repair a suppression pattern")
                coef = _cut(layout, int(cell), sense, duals, big, need)
                have = float(coef[mask].sum())
                free = np.flatnonzero(~mask & (coef > _TOL))
                if free.size == 0:
                    if changed:  # the LP saw the pattern before this round's additions
                        continue
                    raise RuntimeError("a suppression pattern cannot be repaired")
                added = 0
                for extra in free[np.argsort(cost[free] / coef[free], kind="stable")]:
                    mask[extra] = True
                    added += 1
                    have += float(coef[extra])
                    if have >= need - _TOL:
                        break
                changed = changed or added > 0
        if not changed:
            return mask
    raise RuntimeError("a suppression pattern could not be repaired")
