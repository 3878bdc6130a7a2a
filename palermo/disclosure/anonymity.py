"""k-anonymity of a record-level extract, measured with pycanon before it leaves the node."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd  # type: ignore[import-untyped]
from pycanon import anonymity  # type: ignore[import-untyped]


def k_anonymity(rows: Sequence[Mapping[str, object]], quasi_identifiers: Sequence[str]) -> int:
    """The k of ``rows`` over ``quasi_identifiers``: the size of the smallest group of rows that
    share the same quasi-identifier values (0 for no rows). Missing values form their own
    value (empty string), so a row without a quasi-identifier is not silently dropped."""
    qi = list(quasi_identifiers)
    if not qi:
        raise ValueError("name at least one quasi-identifier")
    if len(set(qi)) != len(qi):
        raise ValueError("a quasi-identifier is named twice")
    if not rows:
        return 0
    for i, row in enumerate(rows):
        missing = [name for name in qi if name not in row]
        if missing:
            raise ValueError("row {} has no column {}".format(i, ", ".join(missing)))
    frame = pd.DataFrame([{name: _text(row[name]) for name in qi} for row in rows], columns=qi)
    return int(anonymity.k_anonymity(frame, qi))


def _text(value: object) -> str:
    return "" if value is None else str(value)
