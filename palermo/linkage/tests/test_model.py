"""The model's own estimates: the prior over all pairs, the threshold, and what reviewers'
confirmed (issue 16)."""

from __future__ import annotations

import numpy as np

from palermo.linkage import labelled as learning
from palermo.linkage import model, records
from palermo.linkage.model import prior_estimate, threshold_from
from palermo.linkage.tests.test_files import febrl_rows


def test_the_threshold_is_one_half_where_the_model_is_sure() -> None:
    probability = np.array([0.999] * 50 + [0.001] * 500)
    assert threshold_from(probability) == 0.999  # every sure match, no sure non-match


def test_the_threshold_goes_down_where_many_matches_are_uncertain() -> None:
    # 100 sure matches and 100 pairs at 0.4: calling them matches is expected to find 40 more
    # true matches for 60 false ones, better for F1 than leaving all 40 out.
    probability = np.array([0.99] * 100 + [0.4] * 100 + [0.01] * 1000)
    assert threshold_from(probability) == 0.4
    assert threshold_from(np.array([])) == 0.5


def test_the_prior_is_the_expected_number_of_matches_among_all_pairs() -> None:
    # 10 pairs with overwhelming evidence among a million pairs: about 10 matches expected.
    bayes = np.array([2.0**30] * 10 + [2.0**-10] * 1000)
    prior = prior_estimate(bayes, total_pairs=1_000_000)
    assert 9.9e-6 < prior < 1.02e-5


def test_pairs_reviewers_confirmed_teach_the_model() -> None:
    """FEBRL 1 (500 persons, 500 records altered from theirs). Reviewers confirmed pairs whose
    dates of birth differ: the model learns that one person's two records disagree on the date
    more often than EM alone says, and scores such pairs higher; under LEAST pairs it learns
    nothing from them."""
    rows = febrl_rows("dataset1.csv")
    frame = records.frame(records.Record("1.csv", r["rec_id"], r) for r in rows)
    person = [r["rec_id"].split("-")[1] for r in rows]
    originals = {p: i for i, p in enumerate(person) if rows[i]["rec_id"].endswith("-org")}
    differ = [
        (originals[person[i]], i)
        for i, r in enumerate(rows)
        if not r["rec_id"].endswith("-org")
        and r["dob"]
        and rows[originals[person[i]]]["dob"]
        and r["dob"] != rows[originals[person[i]]]["dob"]
    ]
    assert len(differ) >= 20
    alone = model.score([frame.copy()])
    taught = model.score([frame.copy()], confirmed=differ)
    few = model.score([frame.copy()], confirmed=differ[: learning.LEAST - 1])
    assert few.labelled == 0
    assert few.parameters["comparisons"] == alone.parameters["comparisons"]

    def probability(scored: model.Scored) -> float:
        got = {
            (min(a, b), max(a, b)): p
            for a, b, p in zip(scored.left, scored.right, scored.probability, strict=True)
        }
        return float(np.mean([got.get((min(a, b), max(a, b)), 0.0) for a, b in differ]))

    def same_date(scored: model.Scored) -> float:
        birth = next(
            c for c in scored.parameters["comparisons"] if c["output_column_name"] == "birth"
        )
        return float(learning.vector_values(birth)[0][1]["m_probability"])

    assert taught.labelled >= 0.9 * len(differ)  # nearly all are candidate pairs
    assert same_date(taught) < same_date(alone)
    assert probability(taught) > probability(alone)
