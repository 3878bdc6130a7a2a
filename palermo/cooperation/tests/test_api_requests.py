"""The requests API at /api/v1/cooperation/: every endpoint as every kind of user."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from palermo.api import api
from palermo.cases import services as cases
from palermo.cases.choices import PersonRole
from palermo.cooperation.models import Message, Node, Request
from palermo.core.choices import Role
from palermo.core.models import AuditEntry, Organisation, User
from palermo.core.services import token_create

from .factories import ExtractPayloadFactory, OrganisationFactory
from .helpers import _draft, _peer_message, _receive

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1/cooperation"
ACTORS = ["investigator", "coordinator", "outsider", "case_worker", "analyst", "admin", "anonymous"]
WORKERS = {"investigator", "coordinator"}


@dataclass
class World:
    investigator: User
    coordinator: User
    outsider: User
    case_worker: User
    analyst: User
    admin: User
    draft: Request
    incoming: Request
    unassigned: Request
    message: Message
    case_ref: str


@pytest.fixture
def w(
    client: Client,
    make_user: Callable[..., User],
    investigator: User,
    coordinator: User,
    outsider: User,
    analyst: User,
    bravo: Node,
    saps: Organisation,
) -> World:
    case_worker = make_user(Role.CASE_WORKER, org="Nigeria Police Force", country="NGA")
    admin = make_user(Role.ADMINISTRATOR, org="Node IT", country="NGA")
    draft = _draft(investigator, bravo, saps)
    incoming = _receive(client)
    extract = ExtractPayloadFactory.build(
        case_reference="C-ZAF-9",
        fields={"case": ["title"], "persons": {}},
        identifying=False,
        basis="not_identifying",
        consents=[],
        data={"case": {"title": "Ring"}, "persons": {}},
    )
    assert _peer_message(str(incoming.pk), 2, client, extracts=[extract]).status_code == 200
    unassigned = _receive(
        client,
        id="6d7c6f3e-1f0e-4b7a-9a55-3c1d2f1a0b02",
        requested_authority={"name": "Unknown Ministry"},
    )
    case = cases.case_open(actor=investigator, title="Ring")
    cases.person_add(actor=investigator, case=case, role=PersonRole.SUSPECT)
    OrganisationFactory.create(name="Financial Intelligence Unit")
    return World(
        investigator,
        coordinator,
        outsider,
        case_worker,
        analyst,
        admin,
        draft,
        incoming,
        unassigned,
        Message.objects.get(request=incoming, kind="message"),
        case.reference,
    )


def _expect(**over: int) -> Callable[[int], dict[str, int]]:
    """Status per actor: `ok` for investigators and coordinators of the authority, 404 else."""

    def make(ok: int) -> dict[str, int]:
        base = {a: ok if a in WORKERS else 404 for a in ACTORS}
        base["anonymous"] = 401
        base.update(over)
        return base

    return make


LISTS = {"outsider": 200, "case_worker": 403, "analyst": 403, "admin": 403}


@dataclass
class Call:
    ok: int
    expect: Callable[[int], dict[str, int]]
    url: Callable[[World], str]
    body: Callable[[World], dict[str, Any]] | None = None


MATRIX: dict[tuple[str, str], Call] = {
    ("GET", "/requests"): Call(200, _expect(**LISTS), lambda w: "/requests"),
    ("POST", "/requests"): Call(
        201,
        _expect(outsider=201, case_worker=403, analyst=403, admin=403),
        lambda w: "/requests",
        lambda w: {"type": "information", "subject": "Phone numbers", "node": "bravo"},
    ),
    ("GET", "/requests/{key}"): Call(
        200, _expect(), lambda w: "/requests/{}".format(w.incoming.pk)
    ),
    ("PATCH", "/requests/{key}"): Call(
        200,
        _expect(),
        lambda w: "/requests/{}".format(w.draft.requester_reference),
        lambda w: {"subject": "Bank and phone records", "urgency": "urgent"},
    ),
    ("POST", "/requests/{key}/send"): Call(
        200, _expect(), lambda w: "/requests/{}/send".format(w.draft.pk)
    ),
    ("POST", "/requests/{key}/transition"): Call(
        200,
        _expect(),
        lambda w: "/requests/{}/transition".format(w.incoming.pk),
        lambda w: {"to_status": "accepted"},
    ),
    ("POST", "/requests/{key}/assign"): Call(
        200,
        _expect(investigator=404),
        lambda w: "/requests/{}/assign".format(w.unassigned.pk),
        lambda w: {"organisation": "Nigeria Police Force"},
    ),
    ("GET", "/requests/{key}/messages"): Call(
        200, _expect(), lambda w: "/requests/{}/messages".format(w.incoming.pk)
    ),
    ("POST", "/requests/{key}/messages"): Call(
        201,
        _expect(),
        lambda w: "/requests/{}/messages".format(w.incoming.pk),
        lambda w: {
            "body": "Records attached",
            "source_reliability": "A",
            "information_assessment": "1",
            "handling_codes": ["law_enforcement_only"],
            "attachments": [
                {"filename": "r.txt", "content_type": "text/plain", "content_b64": "aGk="}
            ],
        },
    ),
    ("GET", "/requests/{key}/export"): Call(
        200, _expect(), lambda w: "/requests/{}/export".format(w.incoming.pk)
    ),
    ("GET", "/attachments/{attachment_id}"): Call(
        200,
        _expect(),
        lambda w: "/attachments/{}".format(w.message.attachments.get().pk),
    ),
    ("GET", "/extracts/{extract_id}"): Call(
        200,
        _expect(),
        lambda w: "/extracts/{}?reason=identify".format(w.message.extracts.get().pk),
    ),
    ("POST", "/messages/{message_id}/forward"): Call(
        201,
        _expect(),
        lambda w: "/messages/{}/forward".format(w.message.pk),
        lambda w: {"request": str(w.draft.pk), "note": "FYI"},
    ),
    ("POST", "/messages/{message_id}/share"): Call(
        201,
        _expect(),
        lambda w: "/messages/{}/share".format(w.message.pk),
        lambda w: {"organisation": "Financial Intelligence Unit", "reason": "analysis"},
    ),
    ("GET", "/legal-basis"): Call(
        200,
        _expect(**LISTS),
        lambda w: "/legal-basis?type=mla&requesting=NGA&requested=ZAF&date=2005-01-01",
    ),
    ("GET", "/overdue"): Call(200, _expect(**LISTS), lambda w: "/overdue"),
    ("GET", "/deadlines"): Call(200, _expect(**LISTS), lambda w: "/deadlines"),
    ("GET", "/statistics"): Call(
        200,
        _expect(outsider=200, analyst=200, case_worker=403, admin=403),
        lambda w: "/statistics",
    ),
}


def _operations() -> list[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return sorted(
        (method.upper(), path[len(PREFIX) :])
        for path, ops in paths.items()
        if path.startswith(PREFIX + "/")
        for method in ops
    )


def test_the_matrix_covers_every_endpoint() -> None:
    operations = set(_operations())
    assert operations == set(MATRIX), sorted(operations ^ set(MATRIX))


def _call(client: Client, user: User | None, method: str, url: str, body: Any) -> tuple[int, Any]:
    headers = {}
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = "Bearer " + token_create(actor=None, user=user)
    fn = getattr(client, method.lower())
    if body is not None:
        resp = fn(PREFIX + url, data=json.dumps(body), content_type="application/json", **headers)
    else:
        resp = fn(PREFIX + url, **headers)
    try:
        return resp.status_code, resp.json()
    except ValueError:
        return resp.status_code, resp.content


@pytest.mark.parametrize("actor", ACTORS)
def test_permission_matrix(client: Client, w: World, actor: str) -> None:
    user = None if actor == "anonymous" else getattr(w, actor)
    wrong = []
    for method, path in _operations():
        call = MATRIX[(method, path)]
        with transaction.atomic():
            status, body = _call(
                client, user, method, call.url(w), call.body(w) if call.body else None
            )
            transaction.set_rollback(True)
        expected = call.expect(call.ok)[actor]
        if status != expected:
            wrong.append("{} {}: {} (expected {}) {}".format(method, path, status, expected, body))
        elif status >= 400:
            assert set(body) == {"detail", "code"}, (method, path, body)
    assert not wrong, "\n".join(wrong)


def test_list_shows_only_own_requests(client: Client, w: World) -> None:
    status, body = _call(client, w.investigator, "GET", "/requests?direction=incoming", None)
    assert status == 200
    assert [r["id"] for r in body["items"]] == [str(w.incoming.pk)]
    assert body["items"][0]["allowed_transitions"] == [
        "accepted",
        "more_info_requested",
        "refused",
    ]
    status, body = _call(client, w.outsider, "GET", "/requests", None)
    assert body["count"] == 0


def test_create_send_and_thread(client: Client, w: World) -> None:
    status, body = _call(
        client,
        w.investigator,
        "POST",
        "/requests",
        {
            "type": "mla",
            "subject": "Bank records",
            "node": "bravo",
            "requested_authority": "South African Police Service",
            "legal_basis": {"kind": "suggested"},
            "due_date": "2099-01-01",
            "case": w.case_ref,
        },
    )
    assert status == 201, body
    assert body["legal_basis"]["instrument"] == "untoc"
    assert body["status"] == "draft" and body["allowed_transitions"] == []
    key = body["reference"]
    status, body = _call(client, w.investigator, "POST", "/requests/{}/send".format(key), None)
    assert status == 200 and body["status"] == "sent"
    assert body["legal_basis_suggestion"]["suggestions"]
    assert body["pending_outbound"] == 1
    assert [c["to_status"] for c in body["status_changes"]] == ["draft", "sent"]


def test_refusal_without_grounds_is_a_clear_error(client: Client, w: World) -> None:
    url = "/requests/{}/transition".format(w.incoming.pk)
    status, body = _call(client, w.investigator, "POST", url, {"to_status": "refused"})
    assert (status, body["code"]) == (400, "grounds_required")
    status, body = _call(
        client,
        w.investigator,
        "POST",
        url,
        {"to_status": "refused", "refusal_ground": "sovereignty", "note": "Essential interests"},
    )
    assert status == 200 and body["status"] == "refused"


def test_handling_codes_refused_through_the_api(client: Client, w: World) -> None:
    assert (
        _peer_message(
            str(w.incoming.pk),
            3,
            client,
            id="0b2e0c1a-5d7e-4f33-8a61-7a0f1e2d3c41",
            codes=["no_further_dissemination", "not_for_court"],
            content=b"",
        ).status_code
        == 200
    )
    restricted = Message.objects.get(pk="0b2e0c1a-5d7e-4f33-8a61-7a0f1e2d3c41")
    status, body = _call(
        client,
        w.investigator,
        "POST",
        "/messages/{}/forward".format(restricted.pk),
        {"request": str(w.draft.pk)},
    )
    assert (status, body["code"]) == (403, "handling_restricted")
    assert "no_further_dissemination" in body["detail"]
    status, body = _call(
        client,
        w.investigator,
        "GET",
        "/requests/{}/export?purpose=court".format(w.incoming.pk),
        None,
    )
    assert (status, body["code"]) == (403, "handling_restricted")
    status, body = _call(
        client, w.investigator, "GET", "/requests/{}/messages".format(w.incoming.pk), None
    )
    shown = next(m for m in body if m["id"] == str(restricted.pk))
    assert shown["allowed"] == {"forward": False, "share": False, "export": False, "court": False}
    assert shown["handling"] == "B2 no_further_dissemination not_for_court"


def test_attachment_download_and_extract_read_are_audited(client: Client, w: World) -> None:
    attachment = w.message.attachments.get()
    resp = client.get(
        PREFIX + "/attachments/{}".format(attachment.pk),
        HTTP_AUTHORIZATION="Bearer " + token_create(actor=None, user=w.investigator),
    )
    assert resp.status_code == 200 and resp.content == b"%PDF-1.4 bank records"
    assert resp["Cache-Control"] == "no-store"
    extract = w.message.extracts.get()
    status, body = _call(client, w.investigator, "GET", "/extracts/{}".format(extract.pk), None)
    assert (status, body["code"]) == (400, "reason_required")
    status, body = _call(
        client, w.investigator, "GET", "/extracts/{}?reason=check".format(extract.pk), None
    )
    assert status == 200 and body["case"]["title"] == "Ring"
    assert AuditEntry.objects.filter(object_id=str(extract.pk), action="read").count() == 1


def test_bad_base64_attachment(client: Client, w: World) -> None:
    status, body = _call(
        client,
        w.investigator,
        "POST",
        "/requests/{}/messages".format(w.draft.pk),
        {"attachments": [{"filename": "x", "content_b64": "***"}]},
    )
    assert (status, body["code"]) == (400, "invalid_base64")
