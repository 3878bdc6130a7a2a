"""GET /api/v1/monitoring/country-list: the same lists as the service, public, errors named."""

from __future__ import annotations

import pytest
from django.test import Client

API = "/api/v1/monitoring/country-list"


@pytest.mark.django_db
def test_a_list_of_states_for_anyone(client: Client) -> None:
    answer = client.get(API, {"codes": "tur, PHL dza", "as_of": "2005-03-29"})
    assert answer.status_code == 200
    assert answer.json() == {
        "text": "Algeria, the Philippines and Turkey",
        "as_of": "2005-03-29",
        "language": "en",
        "context": "running",
        "count": 3,
    }
    french = client.get(API, {"codes": "PHL,DZA", "lang": "fr", "context": "list"}).json()
    assert french["text"] == "Algérie et Philippines"
    assert "/api/v1/monitoring/country-list" in client.get("/api/v1/openapi.json").json()["paths"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "code", "detail"),
    [
        ({"codes": " , "}, "invalid", "codes: give at least one"),
        ({"codes": "FRA XYZ"}, "unknown_country", "Unknown State XYZ"),
        ({"codes": "FRA", "lang": "de"}, "invalid_language", "Unknown language de"),
        ({"codes": "FRA", "context": "prose"}, "invalid", "Unknown context prose"),
        ({"codes": "FRA", "as_of": "2005-13-01"}, "invalid_date", "as_of must be a date"),
        ({"codes": "SRB", "as_of": "2005-01-01"}, "no_state_then", "SRB named no State"),
    ],
)
def test_wrong_input_is_a_400_naming_it(
    client: Client, params: dict[str, str], code: str, detail: str
) -> None:
    answer = client.get(API, params)
    assert answer.status_code == 400
    assert answer.json()["code"] == code
    assert detail in answer.json()["detail"]


def test_a_list_of_organisations_for_anyone(client: Client) -> None:
    got = client.get(
        "/api/v1/monitoring/organisation-list",
        {"codes": "WHO,UNODC,ILO", "lang": "es", "as_of": "2005-03-29"},
    )
    assert got.json()["text"] == "la UNODC, la OIT y la OMS"
    bad = client.get("/api/v1/monitoring/organisation-list", {"codes": "UNODC,NOPE"})
    assert (bad.status_code, bad.json()["detail"]) == (400, "Unknown organisation NOPE.")
