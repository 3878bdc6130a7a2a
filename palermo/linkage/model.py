"""The linkage model: Fellegi-Sunter, with every parameter estimated from the data (issue 16).

Splink (DuckDB backend, embedded) builds the candidate pairs, computes their comparison vectors
and estimates the model: u-probabilities from random pairs, m-probabilities by expectation
maximisation in two sessions (pairs born the same year: every comparison but the date of birth
estimated; pairs with the same name tokens: every comparison but the names), so that no weight
is picked by hand. The comparisons are written for records as `normalise` describes them: names
as bigram sets of their transliterated tokens (order-free, spacing-free) and of their skeletons,
dates of birth as ranges (exact, day and month swapped, same month, same year, overlapping
estimates, within two years), documents within one edit.

Pairs reviewers confirmed as one person move the m-probabilities towards their own
(`labelled`), in proportion to their number.

The probability that two records are a match (the prior) is estimated by EM as well, over all
pairs with the m and u just estimated (`prior_estimate`). The threshold is the model's own: the
match probability that maximises the F1 the model expects from its own posterior probabilities
(`threshold_from`; one half where the model is sure of every pair, lower where many pairs are
uncertain): no hand-tuned cut.

Where a region outgrows one machine, the model runs on Splink's Spark backend (`SparkAPI`
instead of `DuckDBAPI`, the same settings dictionary): what is DuckDB's own in the SQL below, the
bit strings of `prepare` and `bit_count`, is written there as arrays of bigram numbers with
`size(array_intersect(...))` (see the README, "Record linkage", "Beyond one machine").
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from django.utils.translation import gettext as _
from splink import DuckDBAPI, Linker, SettingsCreator
from splink.blocking_rule_library import CustomRule
from splink.internals.comparison_creator import ComparisonCreator

from palermo.linkage import labelled as learning
from palermo.linkage import pprl

# A name at most this many records bear is rare (a person is seldom registered more often).
RARE_NAME = 6
# Bounds of the embedded engine: memory DuckDB may use before it spills to disk, and its threads.
MEMORY_LIMIT_MB = 256  # for bigram bit strings; Bloom filters take in proportion to their bits
THREADS = 2
# Random pairs for the u-probabilities (more for bigger inputs, up to this many).
MAX_U_PAIRS = 1_000_000
# Pairs kept for the clustering: those the model gives at least this probability.
KEEP_PROBABILITY = 0.01
# Candidate pairs below this log2 Bayes factor are dropped as soon as they are scored.
MIN_LOG2_BAYES = -5.0
# The least m-probability of a level (see `smoothed`).
M_FLOOR = 1e-3
MATCH_PROBABILITY = 0.5  # the threshold when there is no pair to learn it from


def _dice(column: str, right: str | None = None) -> str:
    """The Dice coefficient of two bigram sets held as bit strings (`prepare`)."""
    return "(2.0 * bit_count({c}_l & {r}_r) / ({c}_n_l + {r}_n_r))".format(
        c=column, r=right or column
    )


def _parts(kind: str) -> str:
    """How well both the given and the family names agree, in the order written or swapped:
    the lesser of the two names' Dice coefficients, the better of the two orders. Siblings and
    namesakes agree on one name only; the same person on both. Where a record has no family
    name (Burmese names), its whole name stands for both."""
    g, f = "given_" + kind, "family_" + kind
    straight = "least({}, {})".format(_dice(g), _dice(f))
    swapped = "least({}, {})".format(_dice(g, f), _dice(f, g))
    both = "coalesce(greatest({}, {}), {})".format(straight, swapped, _dice(kind))
    return "(CASE WHEN {f}_l IS NULL OR {f}_r IS NULL THEN {whole} ELSE {both} END)".format(
        f=f, whole=_dice(kind), both=both
    )


def _one_part(kind: str) -> str:
    """The best agreement of any name of one record with any name of the other."""
    g, f = "given_" + kind, "family_" + kind
    return "greatest({}, {}, {}, {})".format(_dice(g), _dice(f), _dice(g, f), _dice(f, g))


def _within(column: str, share: float, least: int) -> str:
    """One value's bigrams (almost) all among the other's: a name written with fewer tokens."""
    return (
        "(least({c}_n_l, {c}_n_r) >= {least} AND bit_count({c}_l & {c}_r) "
        ">= {share} * least({c}_n_l, {c}_n_r))"
    ).format(c=column, share=share, least=least)


def _level(sql: str, label: str, *, null: bool = False) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    return level


ELSE = _level("ELSE", "else")


def comparisons(
    *, with_address: bool, pprl: bool = False
) -> list[ComparisonCreator | dict[str, Any]]:
    """Splink comparisons (as settings dictionaries) over the features of `records`, or over
    their privacy-preserving encodings (`pprl`: the same comparisons, of keyed hashes and Bloom
    filters)."""
    some = "{} >= 0.5 OR {} >= 0.6".format(_dice("grams"), _dice("skel"))
    # How common a name is, for the levels where names agree without the same key: its whole
    # name in the clear; through the encodings, where common names travel without a key, its
    # frequency class (`pprl.frequency_class`: class k is a share of 2^(-k/2) of the records).
    # A class is not a value two records agree on: each level's own u is the one adjusted.
    tf = {"tf_adjustment_column": "name_key", "tf_adjustment_weight": 1.0}
    if pprl:
        tf |= {"tf_adjustment_column": "name_class", "disable_tf_exact_match_detection": True}
    name = {
        "output_column_name": "name",
        "comparison_levels": [
            _level("grams_l IS NULL OR grams_r IS NULL", "null", null=True),
            {
                **_level("name_key_l = name_key_r", "same tokens"),
                # A common name agreeing says less than a rare one (term frequencies).
                "tf_adjustment_column": "name_key",
                "tf_adjustment_weight": 1.0,
            },
            _level(
                "{} >= 0.85 AND greatest(name_count_l, name_count_r) <= {}".format(
                    _parts("grams"), RARE_NAME
                ),
                "given and family names agree, a rare name",
            ),
            {
                **_level("{} >= 0.85".format(_parts("grams")), "given and family names agree"),
                **tf,
            },
            {
                **_level("{} >= 0.6".format(_parts("grams")), "given and family names similar"),
                **tf,
            },
            _level("{} >= 0.8".format(_parts("skel")), "given and family names sound alike"),
            _level(
                "{} >= 0.85 AND ({})".format(_one_part("grams"), some),
                "one of the names agrees, the other alike",
            ),
            _level("{} >= 0.85".format(_one_part("grams")), "one of the names agrees"),
            _level(some, "some agreement"),
            ELSE,
        ],
    }
    alias_matches = " OR ".join(
        (
            "(alias_grams_l IS NOT NULL AND grams_r IS NOT NULL AND {} >= 0.75)".format(
                _dice("alias_grams", "grams")
            ),
            "(alias_grams_r IS NOT NULL AND grams_l IS NOT NULL AND {} >= 0.75)".format(
                _dice("grams", "alias_grams")
            ),
            "(alias_grams_l IS NOT NULL AND alias_grams_r IS NOT NULL AND {} >= 0.75)".format(
                _dice("alias_grams")
            ),
        )
    )
    alias = {
        "output_column_name": "alias",
        "comparison_levels": [
            _level("alias_grams_l IS NULL AND alias_grams_r IS NULL", "null", null=True),
            _level(alias_matches, "an alias is the other's name or alias"),
            ELSE,
        ],
    }
    if pprl:  # the years a record allows, as keyed hashes (pprl.encode)
        overlap = "list_has_any(d_years_l, d_years_r)"
        near = "list_has_any(d_near_l, d_years_r)"
        year_apart = "list_contains(d_y1_l, d_y_r)"
        low = "d_years"
    else:
        low = "by_low"
        overlap = "by_low_l <= by_high_r AND by_low_r <= by_high_l"
        near = "greatest(by_low_l - by_high_r, by_low_r - by_high_l) <= 2"
        year_apart = "abs(d_y_l - d_y_r) <= 1"
    born = {
        "output_column_name": "birth",
        "comparison_levels": [
            _level("{low}_l IS NULL OR {low}_r IS NULL".format(low=low), "null", null=True),
            _level("d_full_l = d_full_r", "same date"),
            _level("d_swap_l = d_full_r", "day and month swapped"),
            _level(
                "d_md_l = d_md_r AND {}".format(year_apart), "same day and month, year one apart"
            ),
            _level("d_ym_l = d_ym_r", "same month"),
            _level(
                "d_y_l = d_y_r AND (d_ym_l IS NULL OR d_ym_r IS NULL)",
                "same year, one without a month",
            ),
            _level("d_y_l = d_y_r", "same year"),
            _level(overlap, "ranges overlap"),
            _level(near, "within two years"),
            ELSE,
        ],
    }

    def exact(column: str, label: str, *, frequencies: bool = False) -> dict[str, Any]:
        same = _level("{c}_l = {c}_r".format(c=column), "same")
        if frequencies:  # a common value agreeing says less than a rare one
            same |= {"tf_adjustment_column": column, "tf_adjustment_weight": 1.0}
        return {
            "output_column_name": label,
            "comparison_levels": [
                _level("{c}_l IS NULL OR {c}_r IS NULL".format(c=column), "null", null=True),
                same,
                ELSE,
            ],
        }

    # Where a person comes from: the place of birth and the citizenship in one comparison, as
    # both say "same country" and counted apart they would count it twice (siblings and
    # namesakes from one town would look like one person).
    origin = {
        "output_column_name": "origin",
        "comparison_levels": [
            _level(
                "(birth_place_l IS NULL OR birth_place_r IS NULL) "
                "AND (citizenship_l IS NULL OR citizenship_r IS NULL)",
                "null",
                null=True,
            ),
            {
                **_level("birth_place_l = birth_place_r", "same place of birth"),
                "tf_adjustment_column": "birth_place",
                "tf_adjustment_weight": 1.0,
            },
            _level(
                "{} >= 0.8".format(_dice("place_grams"))
                if pprl
                else "jaro_winkler_similarity(birth_place_l, birth_place_r) >= 0.88",
                "similar place of birth",
            ),
            {
                **_level(
                    "citizenship_l = citizenship_r AND (birth_place_l IS NULL OR "
                    "birth_place_r IS NULL)",
                    "same citizenship, a place unknown",
                ),
                "tf_adjustment_column": "citizenship",
                "tf_adjustment_weight": 1.0,
            },
            _level("citizenship_l = citizenship_r", "same citizenship, other places"),
            _level(
                "birth_place_l IS NULL OR birth_place_r IS NULL",
                "other citizenships, a place unknown",
            ),
            ELSE,
        ],
    }
    doc = {
        "output_column_name": "doc",
        "comparison_levels": [
            _level("doc_l IS NULL OR doc_r IS NULL", "null", null=True),
            _level("doc_l = doc_r", "same"),
            _level(
                "list_has_any(doc_dels_l, doc_dels_r)"
                if pprl
                else "damerau_levenshtein(doc_l, doc_r) <= 1",
                "one edit apart",
            ),
            ELSE,
        ],
    }
    out: list[ComparisonCreator | dict[str, Any]] = [
        name,
        alias,
        born,
        exact("sex", "sex"),
        origin,
        doc,
    ]
    if with_address:
        out.append(
            {
                "output_column_name": "address",
                "comparison_levels": [
                    _level("address_grams_l IS NULL OR address_grams_r IS NULL", "null", null=True),
                    _level("{} >= 0.85".format(_dice("address_grams")), "bigrams >= 0.85"),
                    _level("{} >= 0.6".format(_dice("address_grams")), "bigrams >= 0.6"),
                    ELSE,
                ],
            }
        )
    return out


# Candidate pairs: the same document number (or its characters in another order); the same
# date of birth; the same one-token name; two name
# tokens in common (by their skeletons, in any order); one token in common and the same year of
# birth, or the same day and month of birth, or the same place of birth, or a word of the
# address.
BLOCKING = (
    CustomRule("l.doc = r.doc"),
    CustomRule("l.d_full = r.d_full"),
    CustomRule("l.doc_sorted = r.doc_sorted"),
    CustomRule("l.name_key = r.name_key AND l.skel_pairs IS NULL"),
    CustomRule("l.skel_pairs = r.skel_pairs", arrays_to_explode=["skel_pairs"]),
    CustomRule(
        "l.rare_tokens = r.rare_tokens AND l.citizenship = r.citizenship AND l.sex = r.sex",
        arrays_to_explode=["rare_tokens"],
    ),
    CustomRule(
        "l.rare_tokens = r.rare_tokens AND l.d_y = r.d_y", arrays_to_explode=["rare_tokens"]
    ),
    CustomRule(
        "l.rare_tokens = r.rare_tokens AND l.d_md = r.d_md", arrays_to_explode=["rare_tokens"]
    ),
    CustomRule(
        "l.rare_tokens = r.rare_tokens AND l.birth_place = r.birth_place",
        arrays_to_explode=["rare_tokens"],
    ),
    CustomRule(
        "l.rare_tokens = r.rare_tokens AND l.address_words = r.address_words",
        arrays_to_explode=["rare_tokens", "address_words"],
    ),
)


# The pairs on which EM estimates the m-probabilities, in this order, each where it finds
# enough pairs: the same document number (almost only matches: every comparison but the
# document estimated), the same date of birth (every comparison but the birth), then, for
# records without documents, the same name tokens and place of birth, and the same name tokens.
# EM needs blocks with a good share of matches: on a block of mostly non-matches (pairs born the
# same year; pairs with a common name) the largest class it finds is "same country", not "same
# person".
EM_RULES = (
    ("doc", "l.doc = r.doc"),
    ("birth", "l.d_full = r.d_full"),
    ("name", "l.name_key = r.name_key AND l.birth_place = r.birth_place"),
    ("name", "l.name_key = r.name_key"),
)
# Pairs a block needs for its EM session.
EM_MIN_PAIRS = 50


def em_rules(con: duckdb.DuckDBPyConnection, tables: list[str]) -> list[str]:
    """The EM_RULES to train on: the document and birth rules where they have pairs enough,
    then name rules until both the birth and the document comparisons are estimated."""
    union = " UNION ALL ".join("SELECT * FROM {}".format(t) for t in tables)  # noqa: S608
    chosen: list[str] = []
    estimated: set[str] = set()
    for excluded, rule in EM_RULES:
        if {"doc", "birth"} <= estimated:
            break
        if excluded == "name" and not ({"doc", "birth"} - estimated - {excluded}):
            continue
        query = "SELECT count(*) FROM ({u}) l JOIN ({u}) r ON {rule} AND l.unique_id < r.unique_id"
        count = con.execute(query.format(u=union, rule=rule)).fetchall()
        if count[0][0] >= EM_MIN_PAIRS:
            chosen.append(rule)
            estimated |= {"doc", "birth", "name"} - {excluded}
    return chosen


class TooFewError(ValueError):
    """The records cannot train the model (no block has pairs enough for EM)."""


@dataclass
class Scored:
    """Candidate pairs (indexes into the input frame) with their posterior probability, and
    what the model learnt."""

    left: np.ndarray
    right: np.ndarray
    probability: np.ndarray
    prior: float
    candidates: int
    threshold: float
    parameters: dict[str, Any] = field(default_factory=dict)
    # Confirmed pairs the m-probabilities were learnt from (`labelled`), 0 where none were.
    labelled: int = 0


# Bigram sets as bit strings: one bit per possible bigram (normalise.bigrams numbers them), so
# that their Dice coefficient is two popcounts (seven times faster than intersecting lists),
# as it is for the privacy-preserving encodings.
BIGRAM_COLUMNS = (
    "grams",
    "skel",
    "given_grams",
    "family_grams",
    "given_skel",
    "family_skel",
    "alias_grams",
    "address_grams",
    "place_grams",
)
BIGRAM_BITS = 37 * 37
PREPARE_ROWS = 20_000
# The parts of a date of birth the comparisons and the candidate rules use, from the features
# of `records` (the privacy-preserving encodings bring theirs as keyed hashes).
DATE_PARTS = (
    "CASE WHEN b_day IS NOT NULL THEN b_year * 10000 + b_month * 100 + b_day END AS d_full",
    "CASE WHEN b_day IS NOT NULL THEN b_year * 10000 + b_day * 100 + b_month END AS d_swap",
    "CASE WHEN b_day IS NOT NULL THEN b_month * 100 + b_day END AS d_md",
    "CASE WHEN b_month IS NOT NULL THEN b_year * 100 + b_month END AS d_ym",
    "b_year AS d_y",
)


def prepare(
    con: duckdb.DuckDBPyConnection, df: pd.DataFrame, name: str, *, bits: int = BIGRAM_BITS
) -> str:
    """The records of `df` as a DuckDB table `name`, their bigrams (numbers as text) or
    Bloom filters (bits set, as text) as bit strings of `bits` bits with their sizes (`grams`,
    `grams_n`, ...), the parts of their dates of birth (DATE_PARTS) where they are features.
    Built PREPARE_ROWS records at a time (DuckDB unnests every bit to build the strings: a few
    million rows at once, not a hundred). Returns the table's name."""
    template = (
        "(SELECT bitstring_agg(x, 0, {top}) FROM unnest({numbers}) u(x)) AS {c}, "  # noqa: S608 - ours
        "len({numbers}) AS {c}_n"
    )
    columns = [c for c in BIGRAM_COLUMNS if c in df.columns]
    extra = [
        template.format(
            c=c, top=bits - 1, numbers="string_split({}::VARCHAR, ',')::INTEGER[]".format(c)
        )
        for c in columns
    ]
    if "b_year" in df.columns:
        extra.extend(DATE_PARTS)
    select = "SELECT * EXCLUDE ({}), {} FROM _incoming".format(  # noqa: S608 - ours
        ", ".join(columns), ", ".join(extra)
    )
    for start in range(0, max(len(df), 1), PREPARE_ROWS):
        con.register("_incoming", df.iloc[start : start + PREPARE_ROWS])
        if start == 0:
            con.execute("CREATE TABLE {} AS {}".format(name, select))  # noqa: S608 - ours
        else:
            con.execute("INSERT INTO {} {}".format(name, select))  # noqa: S608 - ours
        con.unregister("_incoming")
    return name


def _connection(spill: str, bits: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    limit = MEMORY_LIMIT_MB * max(1.0, bits / BIGRAM_BITS)
    con.execute("SET memory_limit = '{:.0f}MB'".format(limit))
    con.execute("SET threads = {}".format(THREADS))
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    # Past its memory limit DuckDB writes to `spill` (a temporary directory) rather than fail.
    con.execute("SET temp_directory = '{}'".format(spill.replace("'", "''")))
    return con


def threshold_from(probability: np.ndarray) -> float:
    """The model's own threshold: the match probability above which calling pairs matches
    gives the best F1 the model expects of itself. With the probabilities sorted down, calling
    the first k pairs matches is expected to find sum(p[:k]) true matches of sum(p) there are,
    with k calls: expected F1 = 2 sum(p[:k]) / (k + sum(p)). Where every pair is certain either
    way this is one half; where many are uncertain it goes below (recall weighs as precision)."""
    if not len(probability):
        return MATCH_PROBABILITY
    ordered = np.sort(probability)[::-1]
    expected = 2 * np.cumsum(ordered) / (np.arange(1, len(ordered) + 1) + ordered.sum())
    return float(ordered[int(np.argmax(expected))])


def smoothed(model: dict[str, Any], *, u_floor: float) -> dict[str, Any]:
    """The model with no probability of 0: a level that no training pair reached says little,
    not "never" (an m of 0 would forbid a match whatever else agrees; a u of 0 would force one).
    m is floored at M_FLOOR, u at `u_floor` (one random pair's worth), each comparison's levels
    then scaled to sum to 1 again."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for key, floor in (("m_probability", M_FLOOR), ("u_probability", u_floor)):
            values = [max(float(lv.get(key) or 0.0), floor) for lv in levels]
            total = sum(values)
            for level, value in zip(levels, values, strict=True):
                level[key] = value / total
    return model


def prior_estimate(bayes: np.ndarray, total_pairs: int, rounds: int = 500) -> float:
    """The probability that two records picked at random are a match, by EM over all
    `total_pairs` pairs with m and u fixed: the expected number of matches is the sum of the
    candidate pairs' posterior probabilities (a pair the blocking left out has almost none)."""
    prior = min(0.5, max(len(bayes), 1) / max(total_pairs, 1))
    for _round in range(rounds):
        odds = prior / (1 - prior) * bayes
        posterior = odds / (1 + odds)
        new = float(np.clip(posterior.sum() / total_pairs, 1e-12, 0.5))
        if abs(new - prior) <= 1e-6 * prior:
            return new
        prior = new
    return prior


def score(
    held: list[pd.DataFrame],
    *,
    link_only: bool = False,
    pprl_bits: int | None = None,
    seed: int = 16,
    confirmed: Sequence[tuple[int, int]] = (),
) -> Scored:
    """The candidate pairs of the records in `held[0]` (records.frame), scored by a model
    trained on them. The frame is taken out of `held` and let go once the engine holds the
    records (a tenth of a gigabyte at 100,000 records). `link_only`: each source holds each
    person at most once (pairs within a source are not compared). `pprl_bits`: the frame holds
    privacy-preserving encodings (`pprl.encode`) with Bloom filters of this many bits.
    `confirmed`: pairs of records (indexes) reviewers confirmed as one person, from which the
    m-probabilities are learnt as well as from EM (`labelled`)."""
    with tempfile.TemporaryDirectory(prefix="palermo-linkage-") as spill:
        return _score(
            held,
            link_only=link_only,
            pprl_bits=pprl_bits,
            seed=seed,
            spill=spill,
            confirmed=confirmed,
        )


def _score(
    held: list[pd.DataFrame],
    *,
    link_only: bool,
    pprl_bits: int | None,
    seed: int,
    spill: str,
    confirmed: Sequence[tuple[int, int]],
) -> Scored:
    df = held.pop()
    records = len(df)
    with_address = bool(df["address_grams"].notna().any())
    frames = [part for _source, part in df.groupby("source", sort=False)] if link_only else [df]
    sizes = [len(part) for part in frames]
    settings = SettingsCreator(
        link_type="link_only" if link_only else "dedupe_only",
        comparisons=comparisons(with_address=with_address, pprl=pprl_bits is not None),
        blocking_rules_to_generate_predictions=list(BLOCKING),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        probability_two_random_records_match=0.0001,
    )
    bits = pprl_bits or BIGRAM_BITS
    db = DuckDBAPI(connection=_connection(spill, bits))
    tables = [
        prepare(db._con, part, "records_{}".format(i), bits=bits)  # noqa: SLF001
        for i, part in enumerate(frames)
    ]
    del df, frames  # the engine has them
    classes = None
    if pprl_bits is not None:
        # The term frequency of each class of `pprl.frequency_class`: a share of 2^(-k/2).
        db._con.execute(  # noqa: SLF001
            "CREATE TABLE name_classes AS SELECT k AS name_class, "
            "pow(2, -k / 2) AS tf_name_class FROM range(0, ?) t(k)",
            [pprl.MAX_CLASS + 1],
        )
        classes = db.register("name_classes")

    def linker_for(
        model: SettingsCreator | dict[str, Any], over: list[str] | None = None
    ) -> Linker:
        registered = [
            db.register(t, dataset_display_name="{}_{}".format(t, id(model)))
            for t in over or tables
        ]
        linker = Linker(registered if link_only else registered[0], model, log_level=None)
        if classes is not None:
            linker.table_management.register_term_frequency_lookup(classes, "name_class")
        return linker

    linker = linker_for(settings)
    logging.getLogger("splink").setLevel(logging.ERROR)
    pairs_u = min(MAX_U_PAIRS, max(100_000, records * 20))
    linker.training.estimate_u_using_random_sampling(
        max_pairs=pairs_u, seed=seed, min_count_per_level=None
    )
    rules = em_rules(db._con, tables)  # noqa: SLF001
    if not rules:
        raise TooFewError(
            _(
                "Too few pairs of these records share a document number, a date of birth or a "
                "name (at least %(least)d are needed) for the model to learn what a match looks "
                "like: link more records at once."
            )
            % {"least": EM_MIN_PAIRS}
        )
    for rule in rules:
        linker.training.estimate_parameters_using_expectation_maximisation(
            CustomRule(rule), fix_probability_two_random_records_match=False
        )
    model = smoothed(linker.misc.save_model_to_json(), u_floor=1 / pairs_u)
    start = float(model["probability_two_random_records_match"])
    model, labelled = learning.taught(
        lambda settings, over: linker_for(settings, over).inference.predict(),
        db._con,  # noqa: SLF001
        tables,
        model,
        confirmed,
    )
    if labelled:
        model = smoothed(model, u_floor=1 / pairs_u)
    table = linker_for(model).inference.predict()
    # Pairs whose Bayes factor is below 2^MIN_LOG2_BAYES are left out here: their posterior is
    # under a thirtieth of the prior, nothing for the clusters nor for the prior's estimate.
    floor = math.log2(start / (1 - start)) + MIN_LOG2_BAYES
    result = db._con.execute(  # noqa: SLF001 - the backend's own connection
        "SELECT unique_id_l, unique_id_r, match_weight FROM {} WHERE match_weight >= ?".format(  # noqa: S608 - Splink's
            table.physical_name
        ),
        [floor],
    ).fetchnumpy()
    candidates = int(
        db._con.execute("SELECT count(*) FROM {}".format(table.physical_name)).fetchall()[0][0]  # noqa: SLF001, S608
    )
    table.drop_table_from_database_and_remove_from_cache()
    left = np.asarray(result["unique_id_l"], dtype=np.int64)
    right = np.asarray(result["unique_id_r"], dtype=np.int64)
    # Splink's match weight is log2 of the prior odds plus log2 of each comparison's m/u.
    weight = np.ma.filled(np.ma.asarray(result["match_weight"], dtype=np.float64), -np.inf)
    log2bf = weight - math.log2(start / (1 - start))
    bayes = np.exp2(np.clip(log2bf, -60, 60))
    if link_only:
        total = sum(a * b for i, a in enumerate(sizes) for b in sizes[i + 1 :])
    else:
        total = records * (records - 1) // 2
    prior = prior_estimate(bayes, total)
    odds = prior / (1 - prior) * bayes
    probability = odds / (1 + odds)
    keep = probability >= KEEP_PROBABILITY
    return Scored(
        left=left[keep],
        right=right[keep],
        probability=probability[keep],
        prior=prior,
        candidates=candidates,
        threshold=threshold_from(probability[keep]),
        parameters=model,
        labelled=labelled,
    )
