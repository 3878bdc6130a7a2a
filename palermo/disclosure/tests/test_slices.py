"""Slice moves: each is a move of the whole table, and their patterns resist the independent
attacker of test_suppression (who solves the published margins)."""

from __future__ import annotations

import numpy as np
import pytest

from palermo import disclosure
from palermo.disclosure import Table, suppress
from palermo.disclosure import slices as slices_module
from palermo.disclosure import suppression as suppression_module
from palermo.disclosure.tables import Layout

from .test_suppression import assert_consistent, assert_protected, attack, grid


def skewed(shape: tuple[int, ...], records: int, seed: int) -> Table:
    """A sparse table like the statistics' own: a few codes of each dimension hold most
    records (Zipf-like weights), so that rare combinations give many small cells."""
    rng = np.random.default_rng(seed)
    weights = []
    for n in shape:
        w = 1 / np.arange(1, n + 1) ** 1.2
        weights.append(w / w.sum())
    codes = [rng.choice(n, records, p=w) for n, w in zip(shape, weights, strict=True)]
    counts = np.zeros(shape, dtype=np.int64)
    np.add.at(counts, tuple(codes), 1)
    return grid(shape, counts.reshape(-1).tolist())


@pytest.mark.parametrize(
    ("shape", "records", "seed"),
    [((6, 4, 3), 300, 1), ((5, 4, 3, 3), 600, 2), ((4, 3, 3, 2, 2), 500, 3)],
)
def test_slice_patterns_cannot_be_recovered_by_solving_the_margins(
    shape: tuple[int, ...], records: int, seed: int
) -> None:
    table = skewed(shape, records, seed)
    result = suppress(table, method="slices")
    assert result.method == "slices"
    assert len(result.primary) > 10
    assert result.secondary
    assert_consistent(table, result)
    assert_protected(table, result)
    assert not disclosure.unprotected(table, result)
    assert not disclosure.unprotected(table, result, boxes_first=False)


def test_every_slice_move_is_a_move_of_the_whole_table() -> None:
    """The change a slice move makes (D in one slice, +-D in the three partner slices, totals
    among the partners) keeps every relation of the table and every count non-negative, for
    every primary cell, direction and partner: the theorem the method rests on."""
    table = skewed((5, 4, 3, 3), 500, 4)
    layout = Layout(table)
    moves = slices_module.SliceMoves(layout, 5)
    primary = suppression_module._primary_mask(layout, 5)
    mask = primary.copy()
    checked = 0
    for cell in np.flatnonzero(primary).tolist():
        for outer in moves.outer_pairs(cell)[:2]:
            for partner in moves.partners(cell, outer, 2, totals=True):
                for sense, need in ((+1, moves.upper[cell]), (-1, moves.lower[cell])):
                    move = moves.cheapest(cell, mask, sense, float(need), outer, [partner])
                    if move is None:
                        continue
                    z = _whole_change(moves, cell, outer, partner, move.change)
                    assert np.abs(layout.relations @ z).max() < 1e-6
                    assert (layout.values + z >= -1e-6).all()
                    assert z[cell] == pytest.approx(sense * need)
                    assert set(np.flatnonzero(np.abs(z) > 1e-6)) <= set(move.cells.tolist())
                    checked += 1
    assert checked > 100


def _whole_change(
    moves: slices_module.SliceMoves,
    cell: int,
    outer: tuple[int, int],
    partner: tuple[int, int],
    change: np.ndarray,
) -> np.ndarray:
    deco = moves.decomposition(outer)
    o1, o2 = outer
    a, b = int(moves.position[cell, o1]), int(moves.position[cell, o2])
    a2, b2 = partner
    t1, t2 = int(moves.total[o1]), int(moves.total[o2])
    s1 = -1 if t1 not in (a, a2) else 1
    s2 = -1 if t2 not in (b, b2) else 1
    z = np.zeros(moves.layout.size)
    for (x, y), sign in (((a, b), 1), ((a, b2), s2), ((a2, b), s1), ((a2, b2), s1 * s2)):
        z[deco.slice_cells[x, y]] += sign * change
    return z


def test_slice_certificates_never_pass_an_unsafe_pattern() -> None:
    """Every cell a slice move certifies under primary suppression alone (or a safe pattern
    with secondary cells removed) is protected for the independent attacker."""
    table = skewed((5, 4, 3, 3), 500, 5)
    layout = Layout(table)
    safe = suppress(table, method="slices")
    truth_mask = np.array([safe.values[layout.key(c)] is None for c in range(layout.size)])
    secondary = [layout.cell(k) for k in sorted(safe.secondary)]
    cells = [layout.cell(key) for key in safe.primary]
    for removed in ([], secondary[::2], secondary[1::2], secondary):
        mask = truth_mask.copy()
        mask[removed] = False
        left = set(slices_module.certify(layout, mask, cells, 5))
        certified = [c for c in cells if c not in left]
        if not removed:
            assert not left  # the method's own moves certify its own pattern
        values = {
            layout.key(c): (None if mask[c] else int(layout.values[c])) for c in range(layout.size)
        }
        intervals = attack(values, {layout.key(c) for c in certified})
        for c in certified:
            low, high = intervals[layout.key(c)]
            assert low <= 1e-6 and high >= 5 - 1e-6


def test_slices_lose_far_less_than_hypercubes_on_a_sparse_table() -> None:
    table = skewed((12, 5, 3, 4, 4), 40_000, 6)
    slices = suppress(table, method="slices")
    cubes = suppress(table, method="hypercube")
    assert slices.information_loss < 0.6 * cubes.information_loss
    assert not disclosure.unprotected(table, slices)


def test_auto_takes_the_slices_for_big_tables_of_three_dimensions_or_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    table = skewed((5, 4, 3, 3), 500, 7)
    monkeypatch.setattr(suppression_module, "MILP_MAX_CELLS", 10)
    assert suppress(table).method == "boxes"  # few primary cells: the box method
    monkeypatch.setattr(suppression_module, "SLICES_MIN_PRIMARY", 5)
    result = suppress(table)
    assert result.method == "slices"
    assert "MILP not tried" in result.notes[0]
    assert_protected(table, result)
    two = skewed((30, 8), 300, 7)
    assert suppress(two).method == "boxes"  # two dimensions: no slices
    assert not disclosure.unprotected(two, suppress(two))


def test_slices_out_of_time_finish_with_hypercubes(monkeypatch: pytest.MonkeyPatch) -> None:
    table = skewed((5, 4, 3, 3), 500, 8)
    monkeypatch.setattr(suppression_module, "SLICES_TIME_LIMIT", 0.0)
    result = suppress(table, method="slices")
    assert "got hypercubes (slice time limit of 0 s)" in result.notes[0]
    assert_consistent(table, result)
    assert_protected(table, result)


def test_the_first_pass_in_several_processes_gives_a_safe_pattern() -> None:
    """Two processes, each on its own codes of the first outer dimension, and the union of
    their patterns: still safe, and close to one process's loss."""
    table = skewed((6, 4, 3, 3, 3), 2000, 9)
    layout = Layout(table)
    primary = suppression_module._primary_mask(layout, 5)
    reports: list[tuple[int, int]] = []
    mask, leftover, rest = slices_module.protect(
        layout,
        primary.copy(),
        primary,
        5,
        workers=2,
        progress=lambda d, t: reports.append((d, t)),
    )
    assert not rest
    total = int(primary.sum())
    assert reports[0] == (0, total)
    assert all(t == total and 0 <= d <= total for d, t in reports)
    if leftover:
        mask = suppression_module._hypercube(layout, primary, 5, mask=mask, cells=leftover)
    result = suppression_module._result(layout, primary, mask, "slices", 5, ())
    assert not disclosure.unprotected(table, result)  # (the whole-table attacker: too slow here)
    one, _, _ = slices_module.protect(layout, primary.copy(), primary, 5, workers=1)
    one_loss = float(layout.values[one].sum())
    assert float(layout.values[mask].sum()) <= 1.5 * one_loss


def test_the_slice_method_reports_its_progress_cell_by_cell() -> None:
    table = skewed((5, 4, 3, 3), 500, 10)
    reports: list[tuple[int, int]] = []
    result = suppress(table, method="slices", progress=lambda d, t: reports.append((d, t)))
    total = len(result.primary)
    assert reports == [(n, total) for n in range(total + 1)]


def test_slice_moves_need_three_dimensions() -> None:
    with pytest.raises(ValueError, match="at least three dimensions"):
        slices_module.SliceMoves(Layout(skewed((5, 4), 50, 11)), 5)
    result = suppress(skewed((6, 5), 60, 11), method="slices")
    assert result.method == "slices"
    assert "need three dimensions" in result.notes[0]
