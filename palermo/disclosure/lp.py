"""The attacker's linear program over a group of suppressed cells, solved by HiGHS.

``max sense * z_col`` subject to ``A z = 0`` and ``lower <= z <= upper``: how far one suppressed
cell can move while every published value stays as published (``A`` holds the additive
relations restricted to the suppressed cells, the bounds keep every count non-negative).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize, sparse  # type: ignore[import-untyped]

FloatArray = npt.NDArray[np.float64]


def _highs_model(core: Any, matrix: sparse.csc_matrix, lower: FloatArray, upper: FloatArray) -> Any:
    """A quiet HiGHS instance holding ``min 0`` subject to ``matrix @ x = 0`` and
    ``lower <= x <= upper`` (scipy's bundled bindings, module ``core``)."""
    n_rows, n_cols = matrix.shape
    lp = core.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = np.zeros(n_cols)
    lp.col_lower_ = lower
    lp.col_upper_ = np.where(np.isinf(upper), core.kHighsInf, upper)
    lp.row_lower_ = np.zeros(n_rows)
    lp.row_upper_ = np.zeros(n_rows)
    lp.a_matrix_.format_ = core.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n_cols
    lp.a_matrix_.num_row_ = n_rows
    lp.a_matrix_.start_ = matrix.indptr
    lp.a_matrix_.index_ = matrix.indices
    lp.a_matrix_.value_ = matrix.data
    highs = core._Highs()
    highs.setOptionValue("output_flag", False)
    highs.passModel(lp)
    return highs


class AttackerLP:
    """The attacker LP over one group of linked suppressed cells: ``max sense*z_i`` subject
    to ``A z = 0`` and bounds. One HiGHS model is kept and only the objective changes between
    cells, so each solve starts from the previous basis (scipy's bundled HiGHS bindings; plain
    ``scipy.optimize.linprog`` when those are not available)."""

    def __init__(self, matrix: sparse.csc_matrix, lower: FloatArray, upper: FloatArray) -> None:
        self.matrix = matrix
        self.lower = lower
        self.upper = upper
        self.highs: Any = None
        self.core: Any = None
        self.last = -1
        try:
            from scipy.optimize._highspy import _core  # type: ignore[import-untyped]  # noqa: PLC0415
        except ImportError:  # another scipy: use linprog
            return
        highs = _highs_model(_core, matrix, lower, upper)
        highs.setOptionValue("presolve", "off")
        # Primal simplex: the previous optimum stays primal feasible when only the objective
        # changes, so it restarts from there (about 20 iterations instead of hundreds).
        highs.setOptionValue("simplex_strategy", 4)
        self.highs, self.core = highs, _core

    def maximise(self, col: int, sense: int) -> tuple[float, FloatArray | None]:
        if self.highs is None:
            return self._linprog(col, sense)
        highs, core = self.highs, self.core
        if self.last >= 0:
            highs.changeColCost(self.last, 0.0)
        highs.changeColCost(col, -float(sense))
        self.last = col
        highs.run()
        status = highs.getModelStatus()
        if status in (
            core.HighsModelStatus.kUnbounded,
            core.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return np.inf, None
        if status != core.HighsModelStatus.kOptimal:
            return self._linprog(col, sense)
        row_duals = np.asarray(highs.getSolution().row_dual, dtype=np.float64)
        return -float(highs.getInfo().objective_function_value), row_duals

    def _linprog(self, col: int, sense: int) -> tuple[float, FloatArray | None]:
        c = np.zeros(self.matrix.shape[1])
        c[col] = -float(sense)
        res = optimize.linprog(
            c,
            A_eq=self.matrix,
            b_eq=np.zeros(self.matrix.shape[0]),
            bounds=np.stack([self.lower, self.upper], axis=1),
            method="highs",
        )
        if res.status == 3:  # unbounded
            return np.inf, None
        if res.status != 0:
            raise RuntimeError("attacker LP failed: {}".format(res.message))
        return float(-res.fun), np.asarray(res.eqlin.marginals, dtype=np.float64)


class MoveLP:
    """The cheapest move LP of one box shape: ``min cost . (p + m)`` subject to
    ``R (p - m) = 0`` and bounds on ``p`` (up) and ``m`` (down), where ``R`` is the box's
    relation matrix. One HiGHS model per shape; each solve only changes bounds and costs, so it
    starts from the previous basis (``scipy.optimize.linprog`` when scipy's HiGHS bindings are
    not available)."""

    def __init__(self, relations: sparse.csc_matrix, *, presolve: bool = True) -> None:
        self.matrix = sparse.hstack([relations, -relations]).tocsc()
        self.n = relations.shape[1]
        self.highs: Any = None
        self.core: Any = None
        try:
            from scipy.optimize._highspy import _core  # noqa: PLC0415
        except ImportError:
            return
        n_cols = self.matrix.shape[1]
        highs = _highs_model(_core, self.matrix, np.zeros(n_cols), np.zeros(n_cols))
        if not presolve:
            # Small LPs (a few hundred columns) solve about four times faster without it.
            highs.setOptionValue("presolve", "off")
        self.highs, self.core = highs, _core
        self.columns = np.arange(n_cols, dtype=np.int32)

    def solve(self, cost: FloatArray, lower: FloatArray, upper: FloatArray) -> FloatArray | None:
        """The optimal change ``p - m`` of every cell of the box, or None if there is none."""
        if self.highs is None:
            res = optimize.linprog(
                cost,
                A_eq=self.matrix,
                b_eq=np.zeros(self.matrix.shape[0]),
                bounds=np.stack([lower, upper], axis=1),
                method="highs",
            )
            if res.status != 0:
                return None
            x = np.asarray(res.x, dtype=np.float64)
        else:
            highs, core = self.highs, self.core
            size = self.columns.size
            highs.changeColsBounds(size, self.columns, lower, upper)
            highs.changeColsCost(size, self.columns, cost)
            # A cold start with presolve: the previous box's basis is a poor start (measured
            # three times slower than starting afresh).
            highs.clearSolver()
            highs.run()
            if highs.getModelStatus() != core.HighsModelStatus.kOptimal:
                return None
            x = np.asarray(highs.getSolution().col_value, dtype=np.float64)
        moved: FloatArray = x[: self.n] - x[self.n :]
        return moved
