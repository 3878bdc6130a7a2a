"""The registry's pages name countries in the page's language and list them in its collation
(palermo.core.collation)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from palermo.core.collation import collation_key
from palermo.core.models import Country
from palermo.registry.selectors.pages import directory_page


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
def test_the_directory_lists_countries_in_the_pages_order() -> None:
    with translation.override("fr"):
        page = directory_page(user=None, q="", role="", country="", page=1)
    countries = [e.country for e in page["entries"] if e.country is not None]
    names = [c.localized_name("fr") for c in countries]
    assert len(set(names)) > 3
    assert names == sorted(names, key=collation_key("fr"))
