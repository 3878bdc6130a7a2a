"""Supply against need (issue 17): a training's audience recorded; needs States stated; the
table by country x theme x profession lists the gaps (a need no activity answers) and the
overlaps (a need answered by activities of several funders), each activity counted once."""

from __future__ import annotations

import pytest
from django.test import Client

from palermo.activities import services, supply
from palermo.activities.models import Audience, Need
from palermo.activities.tests.test_duplicates import _activity, _file
from palermo.activities.tests.test_iati import EXAMPLE
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.core.tests.factories import bearer_headers

pytestmark = pytest.mark.django_db


def _funded(identifier: str, donor: str, title: str) -> str:
    orgs = (
        '<participating-org role="1" ref="{0}"><narrative>{0}</narrative></participating-org>'
        '<participating-org role="4" ref="IMPL-{0}"><narrative>IMPL {0}</narrative>'
        "</participating-org>".format(donor)
    )
    activity = _activity(identifier, donor, title, "2026-05-01", orgs)
    return activity.replace(
        '<recipient-country code="NG"/>',
        '<recipient-country code="NG"/><tag vocabulary="99" '
        'vocabulary-uri="https://palermo.dev/iati/themes" code="protocol-art-6"/>',
    )


def test_gaps_and_overlaps(editor: User, client: Client) -> None:
    services.activities_import(actor=editor, content=EXAMPLE.read_bytes(), source="a.xml")
    # The joint training (art. 10, reported twice) reached police and labour inspectors.
    body = client.put(
        "/api/v1/activities/XM-DAC-41-EXAMPLE-TIP-TRAINING-2026/training",
        {
            "joint": True,
            "curriculum": "Identification, financial investigations, cooperation.",
            "audience": [
                {"profession": "police", "country": "NGA", "women": 12, "men": 18},
                {"profession": "labour_inspectors", "country": "NGA", "women": 20, "men": 10},
            ],
        },
        content_type="application/json",
        **bearer_headers(editor),
    )
    assert body.status_code == 200 and Audience.objects.count() == 2  # noqa: PLR2004
    # Two funders' victim-assistance projects in Nigeria (art. 6) at the same time.
    services.activities_import(
        actor=editor,
        content=_file(
            _funded("A-1", "DONOR-A", "Shelter support for victims of trafficking in Lagos"),
            _funded("B-1", "DONOR-B", "Reintegration grants for survivors in Edo State"),
        ),
        source="b.xml",
    )
    for theme, profession, source in (
        ("protocol-art-10", "prosecutors", "Nigeria's reply to the 2026 round, question 12"),
        ("protocol-art-10", "police", "Nigeria's national action plan 2026-2030"),
        ("protocol-art-6", "", "Nigeria's reply to the 2026 round, question 7"),
    ):
        services.need_record(
            actor=editor,
            country="NGA",
            theme=theme,
            profession=profession,
            year=2026,
            source=source,
        )
    with pytest.raises(ApplicationError, match="theme"):
        services.need_record(
            actor=editor, country="NGA", theme="astrology", profession="", year=2026, source="x"
        )
    cells = {(c.country, c.theme, c.profession): c for c in supply.table(country="NGA", year=2026)}
    assert cells[("NGA", "protocol-art-10", "prosecutors")].state == "gap"
    police = cells[("NGA", "protocol-art-10", "police")]
    assert police.state == "answered" and len(police.activities) == 1  # two reports, counted once
    assert cells[("NGA", "protocol-art-10", "labour_inspectors")].state == "not stated"
    assistance = cells[("NGA", "protocol-art-6", "")]
    assert assistance.state == "overlap" and assistance.funders == {"DONOR-A", "DONOR-B"}
    ordered = [c.state for c in supply.table(country="NGA", year=2026)]
    assert ordered == sorted(ordered, key=["gap", "overlap", "answered", "not stated"].index)
    rows = client.get("/api/v1/activities/supply", {"country": "NGA", "year": "2026"}).json()
    assert rows[0]["state"] == "gap" and rows[0]["profession"] == "prosecutors"
    page = client.get("/activities/supply/", {"country": "NGA"}).content.decode()
    assert "1 gaps, 1 overlaps" in page and "Prosecutors" in page
    # Recorded again, the country in small letters and the source longer than is kept: one need.
    long_source = "Nigeria's reply to the 2026 round, question 12; " + "annex " * 80
    again = [
        services.need_record(
            actor=editor, country=country, theme="protocol-art-9", profession="", year=2026,
            source=long_source,
        ).pk
        for country in ("nga", "NGA")
    ]  # fmt: skip
    assert again[0] == again[1]
    assert Need.objects.filter(theme="protocol-art-9").count() == 1
