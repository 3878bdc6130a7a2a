"""Tables of counts with all their marginal totals, as the suppression code sees them.

A :class:`Table` holds the interior cells of an n-dimensional frequency table: one count per
combination of codes, one code per dimension. Its published form also has every marginal
total: each dimension gets the extra code ``"_T"`` (:data:`TOTAL`) for "all codes of this
dimension", so a 2-D table ``country x sex`` publishes ``(ITA, F)``, ``(ITA, _T)``,
``(_T, F)`` and the grand total ``(_T, _T)``.

Internally the cells of the published table are numbered in C order over the extended shape
``(n_1 + 1, ..., n_k + 1)`` (the total is the last index of each dimension), and each additive
relation "total = sum of its parts" along one dimension is one row of a sparse matrix ``M`` with
``M @ values == 0``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]

TOTAL = "_T"
"""The code that stands for the total over a dimension."""

Key = tuple[str, ...]
"""One code per dimension; ``"_T"`` stands for the total over that dimension."""

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Table:
    """An n-dimensional table of non-negative counts (interior cells only, no ``"_T"``).

    Cells missing from ``cells`` are zero. The codes of each dimension are the ones that occur
    in ``cells``, in sorted order, unless ``categories`` names them (one sequence per dimension;
    then every cell's codes must be among them, and codes without cells are zero cells).
    """

    dimensions: tuple[str, ...]
    cells: Mapping[Key, int]
    categories: tuple[tuple[str, ...], ...] | None = field(default=None)

    def __post_init__(self) -> None:
        dims = tuple(self.dimensions)
        object.__setattr__(self, "dimensions", dims)
        if not dims:
            raise ValueError("a table needs at least one dimension")
        if len(set(dims)) != len(dims):
            raise ValueError("dimension names must be unique")
        self._check_cells(dims)
        if self.categories is not None:
            self._check_categories(dims)

    def _check_cells(self, dims: tuple[str, ...]) -> None:
        for key, value in self.cells.items():
            if not isinstance(key, tuple) or len(key) != len(dims):
                raise ValueError(
                    "cell key {!r} must be a tuple of {} codes ({})".format(
                        key, len(dims), ", ".join(dims)
                    )
                )
            if TOTAL in key:
                raise ValueError(
                    "cell key {!r}: interior cells only; totals ({}) are computed".format(
                        key, TOTAL
                    )
                )
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise ValueError("cell {!r}: the count must be an integer".format(key))
            if value < 0:
                raise ValueError("cell {!r}: the count must not be negative".format(key))

    def _check_categories(self, dims: tuple[str, ...]) -> None:
        if self.categories is not None:
            cats = tuple(tuple(str(c) for c in codes) for codes in self.categories)
            if len(cats) != len(dims):
                raise ValueError("categories must give one sequence of codes per dimension")
            for dim, codes in zip(dims, cats, strict=True):
                if not codes:
                    raise ValueError("dimension {} has no codes".format(dim))
                if len(set(codes)) != len(codes):
                    raise ValueError("dimension {} lists a code twice".format(dim))
                if TOTAL in codes:
                    raise ValueError("{} is reserved for totals".format(TOTAL))
            object.__setattr__(self, "categories", cats)
            for key in self.cells:
                for dim, code, codes in zip(dims, key, cats, strict=True):
                    if code not in codes:
                        raise ValueError(
                            "cell {!r}: code {!r} is not a category of {}".format(key, code, dim)
                        )

    @cached_property
    def codes(self) -> tuple[tuple[str, ...], ...]:
        """The interior codes of each dimension (without the total)."""
        if self.categories is not None:
            return self.categories
        seen: list[set[str]] = [set() for _ in self.dimensions]
        for key in self.cells:
            for i, code in enumerate(key):
                seen[i].add(code)
        for dim, s in zip(self.dimensions, seen, strict=True):
            if not s:
                raise ValueError("dimension {} has no codes (give categories)".format(dim))
        return tuple(tuple(sorted(s)) for s in seen)


class Layout:
    """The published cells of a table (interior and every marginal total), numbered.

    ``values`` holds the count of every published cell in C order over ``shape``;
    ``relations`` is the sparse matrix of additive relations (``relations @ values == 0``).
    """

    def __init__(self, table: Table) -> None:
        self.table = table
        self.codes = table.codes
        self.shape = tuple(len(c) + 1 for c in self.codes)
        self.ndim = len(self.shape)
        self.size = int(np.prod(self.shape))
        self._index = [{code: i for i, code in enumerate(codes)} for codes in self.codes]
        interior = np.zeros(tuple(len(c) for c in self.codes), dtype=np.int64)
        for key, value in table.cells.items():
            interior[tuple(self._index[d][code] for d, code in enumerate(key))] += int(value)
        full = interior
        for axis in range(self.ndim):
            full = np.concatenate([full, full.sum(axis=axis, keepdims=True)], axis=axis)
        self.values: IntArray = full.reshape(-1)
        self.strides: IntArray = np.array(
            [int(np.prod(self.shape[d + 1 :])) for d in range(self.ndim)], dtype=np.int64
        )

    def key(self, cell: int) -> Key:
        position = np.unravel_index(cell, self.shape)
        return tuple(
            TOTAL if int(i) == len(codes) else codes[int(i)]
            for i, codes in zip(position, self.codes, strict=True)
        )

    def cell(self, key: Key) -> int:
        position = tuple(
            len(codes) if code == TOTAL else self._index[d][code]
            for d, (code, codes) in enumerate(zip(key, self.codes, strict=True))
        )
        return int(np.ravel_multi_index(position, self.shape))

    def keys(self) -> Iterator[Key]:
        for cell in range(self.size):
            yield self.key(cell)

    @cached_property
    def grid(self) -> IntArray:
        """Cell numbers arranged in the extended shape."""
        return np.arange(self.size, dtype=np.int64).reshape(self.shape)

    @cached_property
    def relations(self) -> sparse.csr_matrix:
        """One row per relation ``total - sum(parts) = 0`` along one dimension."""
        return relation_matrix(self.shape)


def relation_matrix(shape: tuple[int, ...]) -> sparse.csr_matrix:
    """The additive relations of a table with all totals over ``shape`` (the last index of each
    dimension is its total; cells numbered in C order): one row ``total - sum(parts) = 0`` per
    line along one dimension."""
    size = int(np.prod(shape))
    grid = np.arange(size, dtype=np.int64).reshape(shape)
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    data: list[npt.NDArray[np.float64]] = []
    start = 0
    for axis, n in enumerate(shape):
        block = np.moveaxis(grid, axis, -1).reshape(-1, n)
        count = block.shape[0]
        rows.append(np.repeat(np.arange(start, start + count, dtype=np.int64), n))
        cols.append(block.reshape(-1))
        coefficients = np.full(n, -1.0)
        coefficients[-1] = 1.0
        data.append(np.tile(coefficients, count))
        start += count
    return sparse.csr_matrix(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))),
        shape=(start, size),
    )


def protection_levels(
    layout: Layout, threshold: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Lower and upper protection levels of every cell (used for primary cells only): down by
    its count to 0, up to ``threshold``."""
    a = layout.values.astype(np.float64)
    return a, np.maximum(threshold - a, 0.0)
