"""Lists in a sentence use the reader's language's separator; choice labels after the first
start in lower case where they are ordinary words."""

from __future__ import annotations

import pytest
from django.utils import translation

from palermo.core.lists import labels_text, list_text


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "a, b, c"), ("fr", "a, b, c"), ("zh-hans", "a、b、c"), ("ar", "a، b، c")],
)
def test_the_separator_is_the_languages(language: str, expected: str) -> None:
    with translation.override(language):
        assert list_text(["a", "b", "c"]) == expected
        assert list_text([]) == ""


def test_labels_after_the_first_are_lower_case_unless_acronyms() -> None:
    with translation.override("fr"):
        assert labels_text(["Dans un commerce", "Par la famille", "ILO indicators", "É"]) == (
            "Dans un commerce, par la famille, ILO indicators, É"
        )
