"""Linked tables: a suppressed cell must stay protected by all publications together.

Each publication's own secondary suppression protects its small cells against an attacker who
knows that table. Tables of the same indicator, data set and period share cells (a country's
table by sex and age group, the regional table of that country and its neighbours, the same
country's table by sex), so cells one table suppresses can be worked out from the figures
another table shows (e.g. a regional table's cell of the country, subtracted from the
country's own published margin).

`unprotected` is that attacker: every cell of every table is a variable, the same figure in
two tables one variable (a cell is a set of countries and a code per breakdown, totals
dropped), each table adds its own relations (a total is the sum of its parts), published
figures are fixed, suppressed ones are only known to be >= 0. A small cell (suppressed as
`primary`) is protected when the values it can take reach from 0 to its table's threshold,
as `palermo.disclosure` requires of one table. `protect` suppresses more cells of a new table
until nothing is unprotected: more suppression only widens every interval, so it ends (at
worst with the whole new table suppressed, which adds nothing to what was published).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linprog  # type: ignore[import-untyped]

from palermo.statistics.models import TOTAL

COUNTRY = "country"
CellId = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]
EPS = 1e-6


@dataclass
class LinkedTable:
    """A table as the attacker reads it: its dimensions, countries, threshold and cells."""

    dimensions: list[str]
    countries: list[str]  # those with figures in the table (one for a country's own table)
    threshold: int
    cells: list[dict[str, Any]]  # {"key": [...], "value": int | None, "flag": str}

    def cell_id(self, key: Sequence[str]) -> CellId:
        countries: tuple[str, ...] = tuple(self.countries)
        codes = []
        for dim, code in zip(self.dimensions, key, strict=True):
            if dim == COUNTRY:
                countries = tuple(self.countries) if code == TOTAL else (code,)
            elif code != TOTAL:
                codes.append((dim, code))
        return tuple(sorted(countries)), tuple(sorted(codes))

    def relations(self) -> list[tuple[CellId, list[CellId]]]:
        """(total, parts) along each dimension of the table."""
        keys = [tuple(c["key"]) for c in self.cells]
        out = []
        for i in range(len(self.dimensions)):
            groups: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
            for k in keys:
                groups[k[:i] + k[i + 1 :]].append(k)
            for members in groups.values():
                total = [k for k in members if k[i] == TOTAL]
                parts = [k for k in members if k[i] != TOTAL]
                if total and parts:
                    out.append((self.cell_id(total[0]), [self.cell_id(k) for k in parts]))
        return out


def _system(
    tables: Sequence[LinkedTable],
) -> tuple[dict[CellId, int], dict[int, int], Any, Any]:
    """The attacker's knowledge: a variable per cell, the published values, the relations."""
    index: dict[CellId, int] = {}
    fixed: dict[int, int] = {}
    for t in tables:
        for c in t.cells:
            n = index.setdefault(t.cell_id(c["key"]), len(index))
            if c["value"] is not None:
                fixed[n] = int(c["value"])
    rows = []
    for t in tables:
        for total, parts in t.relations():
            row = np.zeros(len(index))
            row[index[total]] -= 1
            for p in parts:
                row[index[p]] += 1
            rows.append(row)
    if not rows:
        return index, fixed, None, None
    return index, fixed, np.array(rows), np.zeros(len(rows))


def unprotected(tables: Sequence[LinkedTable]) -> list[tuple[int, tuple[str, ...]]]:
    """The small cells (table index, key) that all the tables together give away: published
    by another table, or with values that no longer reach from 0 to the threshold."""
    index, fixed, a_eq, b_eq = _system(tables)
    bounds = [(fixed[n], fixed[n]) if n in fixed else (0, None) for n in range(len(index))]
    found: list[tuple[int, tuple[str, ...]]] = []
    checked: dict[int, bool] = {}
    for ti, t in enumerate(tables):
        for c in t.cells:
            if c.get("flag") != "primary":
                continue
            n = index[t.cell_id(c["key"])]
            if n not in checked:
                checked[n] = n not in fixed and _wide(
                    n, len(index), t.threshold, a_eq, b_eq, bounds
                )
            if not checked[n]:
                found.append((ti, tuple(c["key"])))
    return found


def _wide(n: int, size: int, threshold: int, a_eq: Any, b_eq: Any, bounds: list[Any]) -> bool:
    """Whether cell n can be anything from 0 to the threshold, all published values kept."""
    objective = np.zeros(size)
    objective[n] = 1
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    unbounded = 3  # HiGHS's status for an unbounded problem: the cell can be any size
    low_ok = low.status == 0 and low.fun <= EPS
    high_ok = high.status == unbounded or (high.status == 0 and -high.fun >= threshold - EPS)
    return bool(low_ok and high_ok)


def protect(earlier: Sequence[LinkedTable], new: LinkedTable) -> int:
    """Suppress more cells of `new` (flag "linked") until no small cell of any table is given
    away by all of them together; the number of cells it suppressed.

    Suppressing a cell that an earlier table publishes hides nothing, so the cells chosen are
    the new table's own figures: first those in a relation (row or column) with a cell given
    away, the smallest first; then the smallest of the others."""
    added = 0
    suppressed_before: set[CellId] = set()
    known: set[CellId] = set()
    for t in earlier:
        for c in t.cells:
            (suppressed_before if c["value"] is None else known).add(t.cell_id(c["key"]))
    for c in new.cells:  # what an earlier table suppressed stays suppressed
        if c["value"] is not None and new.cell_id(c["key"]) in suppressed_before:
            c["value"], c["flag"] = None, "linked"
            added += 1
    if not earlier:  # the new table alone: its own suppression protects it
        return added
    tables = [*earlier, new]
    while found := unprotected(tables):
        own = [
            c for c in new.cells if c["value"] is not None and new.cell_id(c["key"]) not in known
        ]
        chosen = _neighbours(new, own, {tables[ti].cell_id(key) for ti, key in found})
        if not chosen:
            rest = own or [c for c in new.cells if c["value"] is not None]
            chosen = sorted(rest, key=lambda c: (int(c["value"]), list(c["key"])))[:1]
        if not chosen:
            break
        for cell in chosen:
            cell["value"], cell["flag"] = None, "linked"
            added += 1
    return added


def _neighbours(
    new: LinkedTable, own: list[dict[str, Any]], given_away: set[CellId]
) -> list[dict[str, Any]]:
    """For each cell given away, the smallest of `own` in a relation of the new table with it."""
    candidates = {new.cell_id(c["key"]): c for c in own}
    chosen: dict[CellId, dict[str, Any]] = {}
    for total, parts in new.relations():
        members = [total, *parts]
        if not given_away.intersection(members):
            continue
        near = [candidates[m] for m in members if m in candidates]
        if near:
            best = min(near, key=lambda c: (int(c["value"]), list(c["key"])))
            chosen[new.cell_id(best["key"])] = best
    return list(chosen.values())
