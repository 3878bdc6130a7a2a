"""Suppression: primary and secondary cells, proved by an attacker who solves the margins.

The attacker here is written independently of the library: from the published values alone
(keys and numbers, ``None`` where suppressed) it rebuilds every additivity relation, and for
each suppressed cell solves min and max of that cell with scipy's linprog (counts >= 0).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, NoReturn

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse  # type: ignore[import-untyped]
from scipy.optimize import linprog  # type: ignore[import-untyped]

from palermo import disclosure
from palermo.disclosure import TOTAL, Table, primary_cells, suppress, tauargus
from palermo.disclosure import boxes as boxes_module
from palermo.disclosure import suppression as suppression_module
from palermo.disclosure.suppression import SuppressionResult
from palermo.disclosure.tables import Key, Layout


def attack(
    values: Mapping[Key, int | None], cells: Collection[Key] | None = None
) -> dict[Key, tuple[float, float]]:
    """Min and max of every suppressed cell (or of ``cells``) given the published values and
    additivity."""
    keys = list(values)
    index = {k: i for i, k in enumerate(keys)}
    ndim = len(keys[0])
    codes = [sorted({k[d] for k in keys} - {TOTAL}) for d in range(ndim)]
    rows = []
    for key in keys:
        for d in range(ndim):
            if key[d] != TOTAL:
                continue
            row = np.zeros(len(keys))
            row[index[key]] = 1.0
            for code in codes[d]:
                row[index[key[:d] + (code,) + key[d + 1 :]]] -= 1.0
            rows.append(row)
    a_eq = sparse.csr_matrix(np.array(rows))
    bounds = [(0, None) if values[k] is None else (values[k], values[k]) for k in keys]
    out: dict[Key, tuple[float, float]] = {}
    for key in keys:
        if values[key] is not None or (cells is not None and key not in cells):
            continue
        c = np.zeros(len(keys))
        c[index[key]] = 1.0
        low = linprog(c, A_eq=a_eq, b_eq=np.zeros(len(rows)), bounds=bounds, method="highs")
        high = linprog(-c, A_eq=a_eq, b_eq=np.zeros(len(rows)), bounds=bounds, method="highs")
        assert low.status == 0
        upper = np.inf if high.status == 3 else -high.fun
        out[key] = (low.fun, upper)
    return out


def assert_protected(table: Table, result: SuppressionResult) -> None:
    threshold = result.threshold
    intervals = attack(result.values, result.primary)
    truth = full_values(table)
    assert set(intervals) == set(result.primary)
    for key in result.primary:
        low, high = intervals[key]
        assert low <= 1e-6, (key, truth[key], low, high)  # cannot rule out an empty cell
        assert high >= threshold - 1e-6, (key, truth[key], low, high)  # nor a safe one
        assert high - low >= threshold - 1e-6


def full_values(table: Table) -> dict[Key, int]:
    """Every cell and total of ``table``, computed directly from the interior cells."""
    codes = [sorted({k[d] for k in table.cells}) for d in range(len(table.dimensions))]
    out: dict[Key, int] = {}
    for key in itertools.product(*[[*c, TOTAL] for c in codes]):
        out[key] = sum(
            v
            for k, v in table.cells.items()
            if all(part in (TOTAL, code) for part, code in zip(key, k, strict=True))
        )
    return out


def assert_consistent(table: Table, result: SuppressionResult) -> None:
    truth = full_values(table)
    assert set(result.values) == set(truth)
    for key, value in result.values.items():
        assert value is None or value == truth[key]
    for key in result.primary:
        assert 0 < truth[key] < result.threshold
    for key, value in truth.items():
        if 0 < value < result.threshold:
            assert key in result.primary
        if value == 0 or value >= result.threshold:
            assert key not in result.primary


def grid(shape: Sequence[int], values: Iterable[int]) -> Table:
    dims = tuple("d{}".format(i) for i in range(len(shape)))
    keys = itertools.product(
        *[["{}{}".format(chr(97 + d), i) for i in range(n)] for d, n in enumerate(shape)]
    )
    return Table(dims, dict(zip(keys, values, strict=True)))


COUNTRY_SEX = Table(
    ("country", "sex"),
    {
        ("ITA", "F"): 40, ("ITA", "M"): 12, ("ITA", "X"): 2,
        ("NGA", "F"): 31, ("NGA", "M"): 3, ("NGA", "X"): 0,
        ("ROU", "F"): 18, ("ROU", "M"): 9, ("ROU", "X"): 0,
        ("THA", "F"): 7, ("THA", "M"): 22, ("THA", "X"): 1,
    },
)  # fmt: skip


def test_primary_suppression_alone_is_recoverable() -> None:
    """Hiding only the small cells is not enough: the attacker gets them back exactly."""
    primary = primary_cells(COUNTRY_SEX)
    values = {
        key: (None if key in primary else value) for key, value in full_values(COUNTRY_SEX).items()
    }
    intervals = attack(values)
    assert intervals[("ITA", "X")] == pytest.approx((2, 2))
    assert intervals[("NGA", "M")] == pytest.approx((3, 3))
    assert (
        disclosure.unprotected(
            COUNTRY_SEX,
            suppression_module.SuppressionResult(
                values=values,
                primary=primary,
                secondary=frozenset(),
                method="primary only",
                threshold=5,
                information_loss=0.0,
            ),
        )
        == primary
    )
    with pytest.raises(AssertionError):
        assert_protected(
            COUNTRY_SEX,
            suppression_module.SuppressionResult(
                values=values,
                primary=primary,
                secondary=frozenset(),
                method="primary only",
                threshold=5,
                information_loss=0.0,
            ),
        )


@pytest.mark.parametrize("method", ["milp", "hypercube"])
def test_suppress_2d(method: str) -> None:
    result = suppress(COUNTRY_SEX, method=method)
    assert result.method == method
    assert result.primary == {("ITA", "X"), ("NGA", "M"), ("THA", "X"), ("_T", "X")}
    assert result.secondary
    assert_consistent(COUNTRY_SEX, result)
    assert_protected(COUNTRY_SEX, result)


def test_milp_is_optimal_on_a_known_table() -> None:
    """3 x 3 with one small cell: the cheapest safe pattern is the 2 x 2 rectangle of the
    small cell with the two smallest partners (Tau-Argus OPT finds the same)."""
    table = grid((3, 3), [10, 3, 12, 7, 20, 9, 8, 6, 15])
    result = suppress(table, method="milp")
    assert result.primary == {("a0", "b1")}
    assert result.secondary == {("a0", "b0"), ("a2", "b0"), ("a2", "b1")}
    assert_protected(table, result)


def test_suppress_3d() -> None:
    rng = np.random.default_rng(5)
    table = grid((4, 3, 3), rng.poisson(5, size=36).tolist())
    milp = suppress(table, method="milp")
    cube = suppress(table, method="hypercube")
    for result in (milp, cube):
        assert_consistent(table, result)
        assert_protected(table, result)
    assert milp.primary == cube.primary
    assert len(milp.primary) > 3
    # The MILP minimises the suppressed mass; the hypercube heuristic cannot beat it.
    assert milp.information_loss <= cube.information_loss + 1e-9


def test_suppress_5d_hypercube() -> None:
    rng = np.random.default_rng(7)
    shape = (3, 3, 2, 2, 3)
    table = grid(shape, rng.poisson(6, size=int(np.prod(shape))).tolist())
    result = suppress(table, method="hypercube")
    assert len(result.values) == 4 * 4 * 3 * 3 * 4
    assert result.secondary
    assert_consistent(table, result)
    assert_protected(table, result)


def test_auto_uses_the_milp_and_falls_back_to_the_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert suppress(COUNTRY_SEX).method == "milp"
    monkeypatch.setattr(suppression_module, "MILP_MAX_CELLS", 10)
    result = suppress(COUNTRY_SEX)
    assert result.method == "boxes"
    assert "MILP not tried" in result.notes[0]
    assert_protected(COUNTRY_SEX, result)


def test_milp_timeout_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suppression_module, "MILP_TIME_LIMIT", 0.0)
    result = suppress(COUNTRY_SEX)
    assert result.method == "boxes"
    assert "MILP gave up" in result.notes[0]
    assert_protected(COUNTRY_SEX, result)
    with pytest.raises(RuntimeError, match="MILP suppression failed"):
        suppress(COUNTRY_SEX, method="milp")


def test_tauargus_method_is_safe_or_falls_back() -> None:
    result = suppress(COUNTRY_SEX, method="tauargus")
    assert_consistent(COUNTRY_SEX, result)
    assert_protected(COUNTRY_SEX, result)
    if tauargus.available():
        assert result.method == "tauargus"
        assert result.information_loss == pytest.approx(
            suppress(COUNTRY_SEX, method="milp").information_loss
        )
    else:
        assert result.method == "milp"
        assert "pytauargus is not installed" in result.notes[0]


def test_zeros_threshold_and_loss() -> None:
    table = grid((2, 2), [0, 10, 20, 30])
    result = suppress(table)
    assert result.values[("a0", "b0")] == 0
    assert not result.primary and not result.secondary
    assert result.information_loss == 0.0
    assert result.values[(TOTAL, TOTAL)] == 60
    # With threshold 11 the 10 and its row total (also 10) are primary.
    strict = suppress(table, threshold=11)
    assert strict.primary == {("a0", "b1"), ("a0", TOTAL)}
    assert strict.suppressed >= {("a0", "b1"), ("a1", "b1"), ("a0", TOTAL), ("a1", TOTAL)}
    assert_protected(table, strict)
    suppressed_mass = sum(full_values(table)[k] for k in strict.suppressed)
    assert strict.information_loss == pytest.approx(
        suppressed_mass / sum(full_values(table).values())
    )
    assert 0 < strict.cell_loss <= 1


def test_all_cells_below_threshold_in_one_line_are_protected() -> None:
    table = grid((3, 2), [1, 1, 1, 10, 2, 9])
    result = suppress(table, method="hypercube")
    assert_protected(table, result)
    assert_protected(table, suppress(table, method="milp"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"threshold": 0}, "threshold"),
        ({"method": "magic"}, "method must be one of"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        suppress(COUNTRY_SEX, **kwargs)


@pytest.mark.parametrize(
    ("dims", "cells", "message"),
    [
        (("a", "b"), {("x",): 1}, "tuple of 2 codes"),
        (("a",), {("_T",): 1}, "interior cells only"),
        (("a",), {("x",): -1}, "must not be negative"),
        (("a",), {("x",): 1.5}, "must be an integer"),
        (("a", "a"), {("x", "y"): 1}, "unique"),
    ],
)
def test_bad_tables(dims: tuple[str, ...], cells: dict[Key, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Table(dims, cells)


def test_categories_add_zero_cells() -> None:
    table = Table(("sex",), {("F",): 3}, categories=(("F", "M"),))
    result = suppress(table)
    assert set(result.values) == {("F",), ("M",), (TOTAL,)}
    assert result.values[("M",)] == 0
    assert result.suppressed == {("F",), (TOTAL,)}  # a 1-D total equal to the cell
    with pytest.raises(ValueError, match="not a category"):
        Table(("sex",), {("X",): 3}, categories=(("F", "M"),))


def test_library_audit_matches_the_independent_attacker() -> None:
    result = suppress(COUNTRY_SEX)
    assert disclosure.unprotected(COUNTRY_SEX, result) == frozenset()
    ours = disclosure.audit(COUNTRY_SEX, result.values)
    theirs = attack(result.values)
    assert set(ours) == set(theirs)
    for key in ours:
        assert ours[key] == pytest.approx(theirs[key])


@st.composite
def tables(draw: st.DrawFn) -> Table:
    ndim = draw(st.sampled_from([2, 3]))
    shape = tuple(draw(st.integers(2, 4 if ndim == 2 else 3)) for _ in range(ndim))
    size = int(np.prod(shape))
    # Mostly small counts, so that there is work for secondary suppression.
    counts = draw(
        st.lists(st.one_of(st.integers(0, 6), st.integers(5, 40)), min_size=size, max_size=size)
    )
    return grid(shape, counts)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables(), threshold=st.sampled_from([3, 5]))
def test_random_tables_cannot_be_recovered(table: Table, threshold: int) -> None:
    for method in ("milp", "hypercube"):
        result = suppress(table, threshold=threshold, method=method)
        assert_consistent(table, result)
        assert_protected(table, result)
    # The repair alone, started from primary suppression only.
    layout = Layout(table)
    primary = suppression_module._primary_mask(layout, threshold)
    mask = suppression_module._repair(layout, primary, primary, threshold)
    repaired = suppression_module._result(layout, primary, mask, "repair", threshold, ())
    assert_protected(table, repaired)


def test_milp_stopped_with_a_pattern_is_repaired(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the MILP stops after choosing an unsafe pattern (here: primary cells only), the
    attacker-LP repair completes it until every primary cell is protected."""

    def stopped(layout: Layout, primary: Any, threshold: int, *, time_limit: float) -> NoReturn:
        raise suppression_module._MilpGaveUpError("time limit of 60 s", primary.copy())

    monkeypatch.setattr(suppression_module, "_milp", stopped)
    rng = np.random.default_rng(3)
    table = grid((5, 4, 3), rng.poisson(5, size=60).tolist())
    result = suppress(table)
    assert result.method == "milp"
    assert "completed by the repair" in result.notes[0]
    assert result.secondary
    assert_consistent(table, result)
    assert_protected(table, result)


@pytest.mark.parametrize(("shape", "seed", "mean"), [((4, 3, 3), 1, 4), ((4, 3, 2, 2), 2, 3)])
def test_box_repair_from_primary_cells_alone_is_safe(
    shape: tuple[int, ...], seed: int, mean: float
) -> None:
    """The repair inside small boxes (used for the cells the hypercubes leave), started from
    primary suppression only, protects every primary cell against the independent attacker,
    whether the boxes did it alone or the whole-table repair finished it."""
    rng = np.random.default_rng(seed)
    table = grid(shape, rng.poisson(mean, size=int(np.prod(shape))).tolist())
    layout = Layout(table)
    primary = suppression_module._primary_mask(layout, 5)
    assert primary.any()
    cells = np.flatnonzero(primary).tolist()
    mask, leftover, rest = boxes_module.protect(layout, primary.copy(), primary, 5, cells=cells)
    assert not rest
    if leftover:
        mask = suppression_module._repair(layout, mask, primary, 5, cells=leftover)
    result = suppression_module._result(layout, primary, mask, "box", 5, ())
    assert result.secondary
    assert_consistent(table, result)
    assert_protected(table, result)
    assert not disclosure.unprotected(table, result)


def test_box_repair_protects_inside_the_box_without_the_whole_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A small total whose parts are all small (the cells hypercubes cannot protect) is
    protected by the boxes alone: the whole-table repair is never called."""

    def no_global(*args: Any, **kwargs: Any) -> NoReturn:
        raise AssertionError("the whole-table repair was used")

    monkeypatch.setattr(suppression_module, "_repair", no_global)
    rng = np.random.default_rng(11)
    counts = rng.poisson(30, size=(8, 4, 3))
    counts[2, 1, :] = [1, 1, 2]  # the total (a2, b1, _T) = 4 and all its parts are small
    table = grid(counts.shape, counts.reshape(-1).tolist())
    layout = Layout(table)
    primary = suppression_module._primary_mask(layout, 5)
    total = layout.cell(("a2", "b1", TOTAL))
    assert primary[total]
    mask, leftover, _ = boxes_module.protect(layout, primary.copy(), primary, 5, cells=[total])
    assert not leftover
    result = suppression_module._result(layout, primary, mask, "box", 5, ())
    intervals = attack(result.values, {("a2", "b1", TOTAL)})
    low, high = intervals[("a2", "b1", TOTAL)]
    assert low <= 1e-6 and high >= 5 - 1e-6


# --- the box method (big tables) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "seed", "mean"),
    [((6, 4, 3, 3), 5, 4), ((3, 3, 3, 2, 3), 6, 3), ((4, 3, 2, 3, 2), 8, 5)],
)
def test_boxes_cannot_be_recovered_by_solving_the_margins(
    shape: tuple[int, ...], seed: int, mean: float
) -> None:
    """A 4-D and two 5-D tables published by the box method: the independent attacker solves
    the published margins (LP over every relation) and cannot narrow any primary cell."""
    rng = np.random.default_rng(seed)
    table = grid(shape, rng.poisson(mean, size=int(np.prod(shape))).tolist())
    result = suppress(table, method="boxes")
    assert result.method == "boxes"
    assert len(result.primary) > 10
    assert result.secondary
    assert_consistent(table, result)
    assert_protected(table, result)
    assert not disclosure.unprotected(table, result)
    assert not disclosure.unprotected(table, result, boxes_first=False)


def test_boxes_lose_less_than_the_hypercubes() -> None:
    """On a sparse 4-D table the cheapest moves inside boxes withhold less than hypercubes."""
    rng = np.random.default_rng(12)
    shape = (6, 4, 3, 2)  # 144 cells, 141 of the totals and cells primary
    table = grid(shape, rng.poisson(3, size=int(np.prod(shape))).tolist())
    boxes = suppress(table, method="boxes")
    cubes = suppress(table, method="hypercube")
    assert boxes.information_loss < cubes.information_loss
    assert len(boxes.suppressed) < len(cubes.suppressed)


def test_box_certificates_never_pass_an_unsafe_pattern() -> None:
    """The boxes-first audit gives the same answer as the whole-table LP on unsafe patterns
    (primary cells only, and a safe pattern with one secondary cell removed)."""
    rng = np.random.default_rng(4)
    table = grid((5, 4, 3), rng.poisson(4, size=60).tolist())
    safe = suppress(table, method="boxes")
    layout = Layout(table)
    primary_only = suppression_module._result(
        layout,
        suppression_module._primary_mask(layout, 5),
        np.zeros(layout.size, dtype=bool),
        "none",
        5,
        (),
    )
    exposed = disclosure.unprotected(table, primary_only, boxes_first=False)
    assert exposed
    assert disclosure.unprotected(table, primary_only) == exposed
    rest = sorted(safe.secondary)
    for removed in (rest[::2], rest[1::2], rest[:1]):
        values = dict(safe.values)
        truth = full_values(table)
        for key in removed:
            values[key] = truth[key]
        weaker = suppression_module.SuppressionResult(
            values=values,
            primary=safe.primary,
            secondary=safe.secondary - set(removed),
            method="test",
            threshold=5,
            information_loss=0.0,
        )
        assert disclosure.unprotected(table, weaker) == disclosure.unprotected(
            table, weaker, boxes_first=False
        )


def test_box_moves_are_moves_of_the_whole_table() -> None:
    """Every primary cell the boxes certify is protected for the independent attacker."""
    rng = np.random.default_rng(9)
    table = grid((6, 3, 3, 2), rng.poisson(4, size=108).tolist())
    result = suppress(table, method="hypercube")
    layout = Layout(table)
    mask = np.array([result.values[layout.key(c)] is None for c in range(layout.size)])
    cells = [layout.cell(key) for key in result.primary]
    left = set(boxes_module.certify(layout, mask, cells, 5))
    certified = {layout.key(c) for c in cells if c not in left}
    assert certified
    intervals = attack(result.values, certified)
    for key in certified:
        low, high = intervals[key]
        assert low <= 1e-6 and high >= 5 - 1e-6


def test_boxes_out_of_time_finish_with_hypercubes(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the box method's time is up, the primary cells not reached get hypercubes (and box
    moves where none is found); the result is still safe."""
    rng = np.random.default_rng(21)
    table = grid((6, 4, 3, 3), rng.poisson(3, size=216).tolist())
    monkeypatch.setattr(suppression_module, "MILP_MAX_CELLS", 10)
    monkeypatch.setattr(suppression_module, "BOXES_TIME_LIMIT", 0.0)
    result = suppress(table)
    assert result.method == "boxes"
    assert "got hypercubes (box time limit of 0 s)" in result.notes[1]
    assert_consistent(table, result)
    assert_protected(table, result)


def test_auto_uses_hypercubes_for_many_primary_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above BOXES_MAX_PRIMARY primary cells "auto" takes the hypercube method (box moves for
    the cells without a hypercube); the result is still safe."""
    rng = np.random.default_rng(22)
    table = grid((6, 4, 3, 3), rng.poisson(3, size=216).tolist())
    monkeypatch.setattr(suppression_module, "MILP_MAX_CELLS", 10)
    monkeypatch.setattr(suppression_module, "BOXES_MAX_PRIMARY", 5)
    result = suppress(table)
    assert result.method == "hypercube"
    assert "for the box method" in result.notes[1]
    assert_consistent(table, result)
    assert_protected(table, result)


def test_the_box_method_reports_its_progress_cell_by_cell() -> None:
    """What the CLI's progress bar shows while a large table is published."""
    rng = np.random.default_rng(5)
    table = grid((6, 4, 3, 3), rng.poisson(4, size=6 * 4 * 3 * 3).tolist())
    reports: list[tuple[int, int]] = []
    result = suppress(table, method="boxes", progress=lambda d, t: reports.append((d, t)))
    total = len(result.primary)
    assert total > 10
    assert reports == [(n, total) for n in range(total + 1)]  # from 0: the total first
    # The same pattern as without a progress report.
    assert suppress(table, method="boxes").secondary == result.secondary
