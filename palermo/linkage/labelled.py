"""Reviewers' decisions fed back into the model (issue 16): the m-probabilities learnt from the
pairs reviewers confirmed as one person, not from EM alone.

A confirmed pair is a match whose comparison vector is known: the share of confirmed pairs in
each level of a comparison is that level's m-probability as the reviewers' pairs show it. They
are few, and not a random sample of the matches (a reviewer sees the uncertain ones: names that
differ more, dates that disagree), so they move EM's estimate in proportion to their number:

    m = (n * m_confirmed + PRIOR_PAIRS * m_em) / (n + PRIOR_PAIRS)

where n is the number of confirmed pairs with a value on both sides for that comparison. Ten
decisions move a level by a tenth of the way at most; a thousand by nine tenths. Pairs kept
apart say nothing of m, and u comes from random pairs, where they are next to none: they only
fix their own pairs (`duplicates`, `decisions`).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import duckdb
import pandas as pd  # type: ignore[import-untyped]

# EM's estimate weighs as this many confirmed pairs.
PRIOR_PAIRS = 100
# Confirmed pairs needed before they are used at all.
LEAST = 10


def vector_values(comparison: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """The levels of a comparison (not the null one) with the value Splink gives them in a
    comparison vector: the first level the highest, down to 0 for the last."""
    levels = [level for level in comparison["comparison_levels"] if not level.get("is_null_level")]
    return [(len(levels) - 1 - i, level) for i, level in enumerate(levels)]


def distinct(confirmed: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The pairs of two records, each once, the lower index first."""
    return sorted({(min(a, b), max(a, b)) for a, b in confirmed if a != b})


def subsets(
    con: duckdb.DuckDBPyConnection, tables: Sequence[str], pairs: Sequence[tuple[int, int]]
) -> list[str]:
    """Tables of the records in `pairs` only (one for each of `tables`), each record with the
    numbers of the pairs it is in (`labels`): the candidate rule `l.labels = r.labels` then
    compares those pairs and no other."""
    into: dict[int, list[int]] = {}
    for number, (a, b) in enumerate(pairs):
        into.setdefault(a, []).append(number)
        into.setdefault(b, []).append(number)
    con.register(
        "_palermo_labels",
        pd.DataFrame({"uid": list(into), "labels": list(into.values())}),
    )
    names = []
    try:
        for table in tables:
            name = "{}_labelled".format(table)
            con.execute(
                "CREATE OR REPLACE TABLE {n} AS SELECT t.*, x.labels FROM {t} AS t "  # noqa: S608 - ours
                "JOIN _palermo_labels AS x ON x.uid = t.unique_id".format(n=name, t=table)
            )
            names.append(name)
    finally:
        con.unregister("_palermo_labels")
    return names


def learnt(
    con: duckdb.DuckDBPyConnection, compared: str, model: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    """`model` (Splink's settings, as saved) with m-probabilities moved towards those of the
    confirmed pairs in `compared` (Splink's predictions over `subsets`, with their comparison
    vectors), and how many pairs that was."""
    gammas = ", ".join("gamma_{}".format(c["output_column_name"]) for c in model["comparisons"])
    rows = con.execute("SELECT {} FROM {}".format(gammas, compared)).fetchall()  # noqa: S608 - ours
    out = copy.deepcopy(model)
    for index, comparison in enumerate(out["comparisons"]):
        seen = [row[index] for row in rows if row[index] is not None and row[index] >= 0]
        if not seen:
            continue
        n, counts = len(seen), Counter(seen)
        for value, level in vector_values(comparison):
            share = counts[value] / n
            em = float(level.get("m_probability") or 0.0)
            level["m_probability"] = (n * share + PRIOR_PAIRS * em) / (n + PRIOR_PAIRS)
    return out, len(rows)


def taught(
    predict: Callable[[dict[str, Any], list[str]], Any],
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    model: dict[str, Any],
    confirmed: Sequence[tuple[int, int]],
) -> tuple[dict[str, Any], int]:
    """`model` as `learnt` from the `confirmed` pairs of records (indexes into `tables`), and
    how many pairs that was; unchanged, and 0, under LEAST pairs. `predict(settings, tables)`
    is Splink's prediction with those settings over those tables."""
    pairs = distinct(confirmed)
    if len(pairs) < LEAST:
        return model, 0
    over = subsets(con, tables, pairs)
    # Those pairs, and no other, compared, with their comparison vectors.
    compared = predict(
        model
        | {
            "retain_matching_columns": True,
            "blocking_rules_to_generate_predictions": [
                {
                    "blocking_rule": "l.labels = r.labels",
                    "sql_dialect": "duckdb",
                    "arrays_to_explode": ["labels"],
                }
            ],
        },
        over,
    )
    try:
        return learnt(con, compared.physical_name, model)
    finally:
        compared.drop_table_from_database_and_remove_from_cache()
