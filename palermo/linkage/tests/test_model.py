"""The model's own estimates: the prior over all pairs and the threshold (issue 16)."""

from __future__ import annotations

import numpy as np

from palermo.linkage.model import prior_estimate, threshold_from


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
