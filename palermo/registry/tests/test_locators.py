"""A source's locator keeps its numbers and names and says its citation words in the reader's
language."""

from __future__ import annotations

import pytest
from django.utils import translation

from palermo.registry.locators import locator_text

LOCATORS = [
    "para. 108",
    "paras. 1-5",
    "paras. 53, 76",
    "fn. 35",
    "Annex III",
    "Annex II, Protocol table",
    "African Union (AU) section, pp. 2-4",
    "CoE section, fn. 1",
    "para. 64, fn. 18",
    "Commonwealth of Independent States (CIS) section, p. 10",
    "Participant table",
    "Ratifications export (xls)",
]


def test_english_is_as_stored() -> None:
    with translation.override("en"):
        assert [locator_text(x) for x in LOCATORS] == LOCATORS
    assert locator_text("") == ""


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            [
                "par. 108",
                "par. 1-5",
                "par. 53, 76",
                "note 35",
                "annexe III",
                "annexe II, tableau du Protocole",
                "section African Union (AU), p. 2-4",
                "section CoE, note 1",
                "par. 64, note 18",
                "section Commonwealth of Independent States (CIS), p. 10",
                "tableau des participants",
                "Ratifications export (xls)",  # other words stay as stored
            ],
        ),
        (
            "zh-hans",
            [
                "第108段",
                "第1-5段",
                "第53, 76段",
                "脚注35",
                "附件III",
                "附件II, 议定书表",
                "African Union (AU)部分, 第2-4页",
                "CoE部分, 脚注1",
                "第64段, 脚注18",
                "Commonwealth of Independent States (CIS)部分, 第10页",
                "参加方表",
                "Ratifications export (xls)",
            ],
        ),
    ],
)
def test_citation_words_in_the_readers_language(language: str, expected: list[str]) -> None:
    with translation.override(language):
        assert [locator_text(x) for x in LOCATORS] == expected


@pytest.mark.django_db
def test_instrument_pages_cite_in_the_pages_language(client: object) -> None:
    from django.test import Client

    assert isinstance(client, Client)
    page = client.get("/registry/instruments/untoc/", headers={"accept-language": "es"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "párr. " in text and "para. " not in text


@pytest.mark.django_db
def test_instruments_are_named_by_their_official_title_in_the_pages_language() -> None:
    from django.test import Client

    client = Client(headers={"accept-language": "fr"})
    text = client.get("/registry/instruments/").content.decode()
    # The French official title is the link; the English short name is kept beside it.
    assert "personnes, en particulier des femmes et des enfants</a>" in text
    english = Client(headers={"accept-language": "en"}).get("/registry/instruments/")
    assert "<bdi>Trafficking in Persons Protocol</bdi></a>" in english.content.decode()
    with translation.override("zh-hans"):  # a note in brackets, full-width in Chinese
        from palermo.core.templatetags.brackets import bracketed

        assert bracketed("未知") == "（未知）"
    with translation.override("fr"):
        assert bracketed("inconnu") == "(inconnu)"
