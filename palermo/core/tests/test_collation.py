"""Lists of names sort in the collation of the page's language (ICU), as UN documents re-sort
their lists of States in each language version."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from palermo.core.collation import collated, collation_key, country_order
from palermo.core.models import Country
from palermo.core.pickers import country_options
from palermo.registry.models import DirectoryEntry


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
@pytest.mark.parametrize("language", ["fr", "es", "ru", "zh-hans", "ar"])
def test_the_registry_country_list_is_in_the_pages_order(client: Client, language: str) -> None:
    """The page names the countries in its language and lists them in that language's order."""
    client.cookies["django_language"] = language
    page = client.get("/registry/countries/", headers={"accept-language": language})
    assert page.status_code == 200
    shown = re.findall(r'href="/registry/countries/([A-Z]{3})/">([^<]+)</a>', page.text)
    assert len(shown) > 190
    names = [name for _code, name in shown]
    assert names == sorted(names, key=collation_key(language))
    by_code = dict(shown)
    germany = Country.objects.get(iso3="DEU")
    assert by_code["DEU"] == germany.localized_name(language) != germany.name


@pytest.mark.django_db
def test_the_country_search_finds_the_name_in_the_pages_language(client: Client) -> None:
    client.cookies["django_language"] = "fr"
    page = client.get("/registry/countries/", {"q": "allemagne"}, headers={"accept-language": "fr"})
    assert re.findall(r'href="/registry/countries/([A-Z]{3})/"', page.text) == ["DEU"]
    page = client.get("/registry/countries/", {"q": "germany"}, headers={"accept-language": "fr"})
    assert re.findall(r'href="/registry/countries/([A-Z]{3})/"', page.text) == ["DEU"]


@pytest.mark.django_db
def test_parties_are_listed_by_name_in_the_pages_language(client: Client) -> None:
    url = "/registry/parties/?instrument=trafficking-protocol&as_of=2025-01-01"
    orders = {}
    for language in ("en", "fr", "zh-hans"):
        client.cookies["django_language"] = language
        page = client.get(url, headers={"accept-language": language}).text
        rows = re.findall(r'<tr data-country="([A-Z]{3})"><td><a [^>]*>([^<]+)</a>', page)
        assert len(rows) > 100, language
        names = [name for _code, name in rows]
        assert names == sorted(names, key=collation_key(language)), language
        orders[language] = [code for code, _name in rows]
    assert orders["en"] != orders["fr"] != orders["zh-hans"]


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
    entries = DirectoryEntry.objects.filter(country__isnull=False).annotate(
        position=country_order("fr", field="country_id")
    )
    assert entries.exists()  # the expression runs against the real directory too
