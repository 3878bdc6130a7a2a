"""Lists of names sort in the collation of the page's language (ICU), as UN documents re-sort
their lists of States in each language version."""

from __future__ import annotations

import pytest
from django.utils import translation

from palermo.core.collation import collated, collation_key, country_order
from palermo.core.models import Country
from palermo.core.pickers import country_options


@pytest.mark.parametrize(
    ("language", "words", "expected"),
    [
        # Accents are secondary: "Égypte" among the E's, not after "Zambie".
        (
            "fr",
            ["Zambie", "Égypte", "Allemagne", "Estonie"],
            ["Allemagne", "Égypte", "Estonie", "Zambie"],
        ),
        # Spanish: Ñ is its own letter after N.
        ("es", ["Oman", "Ñandú", "Nepal"], ["Nepal", "Ñandú", "Oman"]),
        # Chinese: by pinyin (Afuhan, Baxi, Deguo, Zhongguo), not by code point.
        ("zh-hans", ["中国", "德国", "阿富汗", "巴西"], ["阿富汗", "巴西", "德国", "中国"]),
        # Russian: Ё with Е, before Ж.
        ("ru", ["Жук", "Ёлка", "Австрия", "Есть"], ["Австрия", "Ёлка", "Есть", "Жук"]),
        # Arabic: the alphabet's order (alif, ta, mim).
        ("ar", ["مصر", "تونس", "الأردن"], ["الأردن", "تونس", "مصر"]),
        # Case does not come first: "abc" next to "Abc", before "b".
        ("en", ["b", "Abc", "abc"], ["abc", "Abc", "b"]),
    ],
)
def test_each_language_sorts_by_its_own_rules(
    language: str, words: list[str], expected: list[str]
) -> None:
    assert sorted(words, key=collation_key(language)) == expected
    assert collated(words, str, language) == expected
    with translation.override(language):  # the default: the active language
        assert collated(words, str) == expected


def codes(options: list[tuple[str, str]]) -> list[str]:
    return [code for code, _label in options]


@pytest.mark.django_db
def test_country_pickers_follow_the_users_language() -> None:
    with translation.override("fr"):
        french = codes(country_options())
    # Égypte (EGY) among the E's: after Danemark, before Estonie; Allemagne (DEU) first of the A's.
    assert french.index("DNK") < french.index("EGY") < french.index("EST")
    assert french.index("DEU") < french.index("AUS")
    with translation.override("zh-hans"):
        chinese = codes(country_options())
    # 阿富汗 (Afghanistan, "a") before 中国 (China, "zh"); code points would put 中 (U+4E2D) first.
    assert chinese.index("AFG") < chinese.index("CHN")
    with translation.override("en"):
        english = codes(country_options())
    assert english.index("DEU") > english.index("AUS")  # Germany after Australia in English
    assert french != english != chinese


@pytest.mark.django_db
def test_country_order_sorts_rows_paged_in_the_database() -> None:
    with translation.override("fr"):
        countries = list(
            Country.objects.filter(iso3__in=["DEU", "EGY", "ZMB", "AUS"])
            .annotate(position=country_order(field="iso3"))
            .order_by("position")
            .values_list("iso3", flat=True)
        )
    assert countries == ["DEU", "AUS", "EGY", "ZMB"]  # Allemagne, Australie, Égypte, Zambie
