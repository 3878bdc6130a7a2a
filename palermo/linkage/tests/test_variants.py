"""Spellings of a name learnt from the records' anchors (issue 16)."""

from __future__ import annotations

from palermo.linkage import variants


def test_spellings_paired_by_two_anchors_become_one() -> None:
    tokens = [
        ["kanchana", "jaidee"],  # 0 and 1: one document number
        ["kanjana", "jaidee"],
        ["kanchana", "suksawat"],  # 2 and 3: one birth date and a family name in common
        ["kanjana", "suksawat"],
        ["kanjana", "boonmee"],
        ["olga", "petrova"],  # 5 and 6: Olga and Olena, once only: not a variant
        ["olena", "petrova"],
    ]
    docs = ["AB1", "AB1", None, None, None, "CD2", "CD2"]
    dates = [None, None, (1990, 5, 4), (1990, 5, 4), None, None, None]
    skeletons = [{"jd"}, {"jd"}, {"skst"}, {"skst"}, set(), set(), set()]
    pairs = list(variants.anchors(docs, dates, skeletons))
    assert sorted(pairs) == [(0, 1), (2, 3), (5, 6)]
    spelling = variants.learn(tokens, pairs)
    # The commoner spelling stands for both (kanjana: 3 records, kanchana: 2).
    assert spelling == {"kanchana": "kanjana"}


def test_big_anchor_groups_are_left_out() -> None:
    docs = ["000000"] * (variants.MAX_GROUP + 1)
    assert list(variants.anchors(docs, [None] * len(docs), [set()] * len(docs))) == []
