"""Registry API: public reads, editor-only writes, one error shape, contacts behind login."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from time_machine import Traveller

from palermo.core.models import AuditEntry, User
from palermo.core.tests.factories import bearer_headers
from palermo.registry.models import DirectoryEntry, Legislation, Membership, TreatyAction
from palermo.registry.services import directory_entry_record

pytestmark = pytest.mark.django_db
API = "/api/v1/registry"
SOURCE = {"document": "sg-2005-intl-cooperation", "locator": "para. 9"}


def test_instruments_are_public_and_paginated(client: Client) -> None:
    res = client.get(API + "/instruments")
    assert res.status_code == 200
    body = res.json()
    assert body["count"] >= 8 and "items" in body
    res = client.get(API + "/instruments/trafficking-protocol")
    data = res.json()
    assert data["parent"] == "untoc" and data["entry_into_force"] == "2003-12-25"
    assert data["entry_into_force_rule"]["days_after_later_deposit"] == 30
    assert data["sources"]


def test_parties_as_of_with_member_filter(client: Client) -> None:
    res = client.get(
        API + "/parties",
        {"instrument": "trafficking-protocol", "as_of": "2005-01-01", "member_of": "AALCO"},
    )
    assert res.status_code == 200
    body = res.json()
    items = {i["country"]: i for i in body["items"]}
    bwa = items["BWA"]
    assert bwa["status"] == "party"
    assert bwa["signed"] == "2002-04-10"
    assert bwa["consent"] == {"action": "ratification", "date": "2002-08-29"}
    assert bwa["in_force"] == "2003-12-25"
    # The newest source stating the dates: the UNTC status list (the AALCO annex agrees).
    assert bwa["sources"][0]["symbol"] == "MTDSG XVIII-12-a"
    assert items["IND"]["status"] == "signatory" and items["IND"]["consent"] is None
    assert body["member_of"] == "AALCO" and body["count"] == len(body["items"])


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"instrument": "no-such-thing"}, 404, "unknown_instrument"),
        ({"instrument": "untoc", "as_of": "2005-13-01"}, 400, "invalid_date"),
        ({"instrument": "untoc", "member_of": "NOPE"}, 404, "unknown_mechanism"),
        ({}, 422, "invalid_input"),
    ],
)
def test_bad_input_gets_one_error_shape(
    client: Client, params: dict[str, str], status: int, code: str
) -> None:
    res = client.get(API + "/parties", params)
    assert res.status_code == status
    body = res.json()
    assert set(body) == {"detail", "code"} and body["code"] == code and body["detail"]


def test_conflicts_endpoint_lists_the_aalco_disagreement(client: Client) -> None:
    body = client.get(API + "/conflicts", {"instrument": "trafficking-protocol"}).json()
    countries = {c["country"] for c in body["items"]}
    assert {"TUR", "IRN"} <= countries
    assert body["count"] == len(body["items"])


def test_directory_contacts_need_a_login(client: Client, editor: User, analyst: User) -> None:
    directory_entry_record(
        actor=editor,
        organisation="Ministry of Justice of Botswana",
        country="BWA",
        role="mla_central_authority",
        person_name="A. Person",
        email="mla@example.org",
        phone="+267 000",
        source=SOURCE,
    )
    anon = client.get(
        API + "/directory", {"country": "BWA", "role": "mla_central_authority"}
    ).json()
    assert anon["count"] == 1 and anon["items"][0]["contact"] is None
    assert "mla@example.org" not in str(anon)
    logged = client.get(
        API + "/directory",
        {"country": "BWA", "role": "mla_central_authority"},
        **bearer_headers(analyst),
    ).json()
    assert logged["items"][0]["contact"]["email"] == "mla@example.org"


def test_writes_need_a_registry_editor(
    client: Client, analyst: User, admin_user: User, editor: User
) -> None:
    payload = {
        "instrument": "untoc",
        "country": "FRA",
        "action": "signature",
        "date": "2000-12-12",
        "source": SOURCE,
    }
    before = TreatyAction.objects.count()
    res = client.post(API + "/treaty-actions", payload, content_type="application/json")
    assert res.status_code == 401 and res.json()["code"] == "not_authenticated"
    for user in (analyst, admin_user):
        res = client.post(
            API + "/treaty-actions",
            payload,
            content_type="application/json",
            **bearer_headers(user),
        )
        assert res.status_code == 403 and res.json()["code"] == "forbidden"
    assert TreatyAction.objects.count() == before
    res = client.post(
        API + "/treaty-actions", payload, content_type="application/json", **bearer_headers(editor)
    )
    assert res.status_code == 201, res.content
    created = res.json()
    assert created["country"] == "FRA" and created["source"]["locator"] == "para. 9"
    entry = AuditEntry.objects.filter(
        object_type="registry.treaty_action", object_id=str(created["id"])
    ).get()
    assert entry.actor == editor
    assert entry.after is not None and entry.after["date"] == "2000-12-12"


def test_correction_is_audited_before_and_after(
    client: Client, editor: User, analyst: User
) -> None:
    action = TreatyAction.objects.get(
        instrument__slug="untoc",
        country="BWA",
        action="ratification",
        source__document__key="aalco-2005",
    )
    url = "{}/treaty-actions/{}".format(API, action.pk)
    res = client.patch(
        url, {"date": "2002-08-30"}, content_type="application/json", **bearer_headers(analyst)
    )
    assert res.status_code == 403
    res = client.patch(
        url,
        {"date": "2002-08-30", "note": "misprint"},
        content_type="application/json",
        **bearer_headers(editor),
    )
    assert res.status_code == 200 and res.json()["date"] == "2002-08-30"
    entry = AuditEntry.objects.filter(
        object_type="registry.treaty_action", object_id=str(action.pk)
    ).latest("sequence")
    assert entry.before is not None and entry.before["date"] == "2002-08-29"
    assert entry.after is not None and entry.after["date"] == "2002-08-30"
    res = client.patch(
        API + "/treaty-actions/99999999",
        {"date": None},
        content_type="application/json",
        **bearer_headers(editor),
    )
    assert res.status_code == 404 and res.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("path", "payload", "code"),
    [
        (
            "/treaty-actions",
            {"instrument": "untoc", "country": "XXX", "action": "signature"},
            "unknown_country",
        ),
        (
            "/treaty-actions",
            {"instrument": "untoc", "country": "FRA", "action": "blessing"},
            "unknown_action",
        ),
        (
            "/treaty-actions",
            {
                "instrument": "untoc",
                "country": "FRA",
                "action": "ratification",
                "date": "2090-01-01",
            },
            "date_in_future",
        ),
        ("/legislation", {"country": "FRA", "title": " ", "kind": "law"}, "title_required"),
        (
            "/memberships",
            {"mechanism": "AU", "country": "FRA", "joined": "2010-01-01", "left": "2000-01-01"},
            "left_before_joined",
        ),
        ("/directory", {"organisation": "Unit", "role": "wizard"}, "unknown_role"),
    ],
)
def test_invalid_writes_are_refused_and_nothing_is_written(
    clock: Traveller, client: Client, editor: User, path: str, payload: dict[str, Any], code: str
) -> None:
    headers = bearer_headers(editor)
    counts = (
        TreatyAction.objects.count(),
        Legislation.objects.count(),
        Membership.objects.count(),
        DirectoryEntry.objects.count(),
        AuditEntry.objects.count(),
    )
    res = client.post(
        API + path, payload | {"source": SOURCE}, content_type="application/json", **headers
    )
    assert res.status_code == 400, res.content
    assert res.json()["code"] == code
    assert counts == (
        TreatyAction.objects.count(),
        Legislation.objects.count(),
        Membership.objects.count(),
        DirectoryEntry.objects.count(),
        AuditEntry.objects.count(),
    )


def test_source_is_required_for_a_new_fact(client: Client, editor: User) -> None:
    payload = {"country": "FRA", "title": "Loi X", "kind": "law", "source": {"locator": "p. 1"}}
    res = client.post(
        API + "/legislation", payload, content_type="application/json", **bearer_headers(editor)
    )
    assert res.status_code == 400 and res.json()["code"] == "source_required"


def test_new_source_document_and_legislation(client: Client, editor: User) -> None:
    payload = {
        "country": "FRA",
        "title": "Loi n° 2003-239",
        "kind": "law",
        "year": 2003,
        "status": "in_force",
        "implements": "trafficking-protocol",
        "source": {"title": "Journal officiel", "symbol": "JORF 2003-03-19", "locator": "art. 32"},
    }
    res = client.post(
        API + "/legislation", payload, content_type="application/json", **bearer_headers(editor)
    )
    assert res.status_code == 201, res.content
    body = res.json()
    assert (
        body["implements"] == "trafficking-protocol"
        and body["sources"][0]["symbol"] == "JORF 2003-03-19"
    )
    listed = client.get(API + "/legislation", {"country": "FRA"}).json()
    assert any(law["title"] == "Loi n° 2003-239" for law in listed["items"])


def test_openapi_and_other_public_lists(client: Client) -> None:
    assert client.get("/api/v1/docs").status_code == 200
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/registry/parties" in schema["paths"]
    mechs = client.get(API + "/mechanisms", {"page_size": 100}).json()
    assert {"AU", "ECOWAS", "SAARC", "AALCO", "COE", "BALI", "OSCE"} <= {
        m["acronym"] for m in mechs["items"]
    }
    members = client.get(API + "/memberships", {"mechanism": "COMMIT"}).json()
    assert members["count"] == 6
    assert client.get(API + "/mechanisms/nope").json()["code"] == "unknown_mechanism"
    assert client.get(API + "/treaty-actions", {"country": "BHR"}).json()["count"] >= 2
    assert client.get(API + "/countries", {"q": "Botswana"}).json()["items"][0]["iso3"] == "BWA"
