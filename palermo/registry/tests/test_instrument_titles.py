"""Instruments' official titles in the UN languages (data file instrument_titles.yaml): checked
when loaded, stored with their source, shown in the page's language and answered by the API."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from django.test import Client
from django.utils.html import escape

from palermo.core.models import User
from palermo.core.tests.factories import PASSWORD
from palermo.registry.models import Instrument
from palermo.registry.reference import DATA_DIR, ReferenceDataError, load_reference, validate

pytestmark = pytest.mark.django_db

TITLES = DATA_DIR / "instrument_titles.yaml"


def _data(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    (target / "instrument_titles.yaml").write_text(
        yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8"
    )
    return target


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"slug": "no-such-treaty", "titles": {"fr": "X"}, "source": "s"}, "unknown instrument"),
        ({"slug": "untoc", "titles": {"de": "X"}, "source": "s"}, "'de' is not one of"),
        ({"slug": "untoc", "titles": {"fr": " "}, "source": "s"}, "the fr title is empty"),
        ({"slug": "untoc", "titles": {}, "source": "s"}, "'titles' must map languages"),
        ({"slug": "untoc", "titles": {"fr": "X"}}, "source"),
    ],
)
def test_a_wrong_title_row_is_refused_naming_the_file_and_reason(
    tmp_path: Path, row: dict[str, object], reason: str
) -> None:
    with pytest.raises(ReferenceDataError) as info:
        validate(_data(tmp_path, [row]))
    assert info.value.path == "instrument_titles.yaml"
    assert reason in info.value.reason


def test_titles_are_stored_with_their_source_and_shown_in_the_page_language(
    tmp_path: Path, make_user: Callable[..., User]
) -> None:
    french = "Convention des Nations Unies contre la criminalité transnationale organisée"
    rows: list[dict[str, object]] = [
        {
            "slug": "untoc",
            "titles": {"fr": french, "zh": "联合国打击跨国有组织犯罪公约"},
            "source": "https://treaties.un.org/ (test)",
        }
    ]
    load_reference(_data(tmp_path, rows))
    untoc = Instrument.objects.get(slug="untoc")
    assert untoc.titles["zh"] == "联合国打击跨国有组织犯罪公约"
    assert untoc.localized_title("zh-hans") == "联合国打击跨国有组织犯罪公约"
    assert untoc.localized_title("ru") == untoc.title  # none given: English
    user = make_user(language="fr")
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    page = client.get("/registry/instruments/untoc/").content.decode()
    assert escape(french) in page
    assert 'href="https://treaties.un.org/"' in page  # the source, linked
    listing = client.get("/registry/instruments/").content.decode()
    assert escape(french) in listing
    api = client.get("/api/v1/registry/instruments/untoc").json()
    assert api["title"] == untoc.title
    assert api["titles"]["fr"] == french
    assert api["titles_source"] == "https://treaties.un.org/ (test)"


def test_the_shipped_titles_name_only_known_instruments() -> None:
    """instrument_titles.yaml as shipped loads (validate raises on any wrong row)."""
    if not TITLES.exists():
        pytest.skip("no instrument_titles.yaml")
    plan = validate(DATA_DIR)
    with_titles = [row for row in plan.instruments if row["titles"]]
    assert with_titles
    assert all(row["titles_source"] for row in with_titles)
