"""The linkage API (/api/v1/linkage/, issue 16): who may call what, and a search for
duplicates run, listed and decided over HTTP."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from palermo.cases import services as cases
from palermo.cooperation import services, signing
from palermo.core.choices import Role
from palermo.core.models import AuditEntry, User
from palermo.core.services import token_create
from palermo.linkage import exchange, inbound, pprl
from palermo.linkage.models import Exercise, Match
from palermo.linkage.tests.test_duplicates import _identity
from palermo.linkage.tests.test_files import febrl_rows

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1/linkage"
ORG = "Shelter"
TWINS = [
    {"first_name": "Amina", "second_name": "Diallo", "birthdate": "1994-03-12",
     "identity_number": "A1234567"},
    {"first_name": "Aminata", "second_name": "Diallo", "birthdate": "1994-03-12",
     "identity_number": "A1234567"},
    {"first_name": "Oleg", "second_name": "Petrenko", "birthdate": "1988-07-01"},
    {"first_name": "Joy", "second_name": "Okafor", "birthdate": "2001-11-30"},
]  # fmt: skip


def _call(client: Client, user: User, method: str, url: str, body: Any = None) -> tuple[int, Any]:
    headers = {"HTTP_AUTHORIZATION": "Bearer " + token_create(actor=None, user=user)}
    fn = getattr(client, method)
    if body is not None:
        resp = fn(PREFIX + url, data=json.dumps(body), content_type="application/json", **headers)
    else:
        resp = fn(PREFIX + url, **headers)
    return resp.status_code, resp.json()


def test_who_may_call_what(client: Client, make_user: Callable[..., User]) -> None:
    analyst = make_user(Role.ANALYST, org="Statistics Office", country="NGA")
    worker = make_user(Role.CASE_WORKER, org=ORG, country="NGA")
    status, body = _call(client, analyst, "get", "/exercises")
    assert (status, body["code"]) == (403, "forbidden")
    assert _call(client, worker, "get", "/exercises") == (200, [])
    status, body = _call(client, worker, "post", "/exercises", {})
    assert (status, body["code"]) == (403, "forbidden")
    status, body = _call(client, worker, "get", "/exercises/{}".format(uuid.uuid4()))
    assert (status, body["code"]) == (404, "not_found")
    status, body = _call(client, worker, "get", "/matches/12345")
    assert (status, body["code"]) == (404, "not_found")
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="Ministry", country="NGA")
    status, body = _call(client, coordinator, "post", "/exercises", {"node": "nowhere"})
    assert (status, body["code"]) == (404, "not_found")


def test_duplicates_over_http(client: Client, make_user: Callable[..., User]) -> None:
    worker = make_user(Role.CASE_WORKER, org=ORG, country="NGA")
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="Ministry", country="NGA")
    case = cases.case_open(actor=worker, title="Shelter", opened_on=dt.date(2026, 1, 10))
    for identity in TWINS:
        cases.person_add(actor=worker, case=case, role="presumed_victim", identity=identity)
    # Four persons teach the model nothing: the search says so.
    status, body = _call(client, coordinator, "post", "/exercises", {})
    assert (status, body["code"]) == (400, "too_few")
    assert "Too few pairs" in body["detail"]
    rows = febrl_rows("dataset1.csv")  # each person once, and again with errors
    numbers = {r["rec_id"].split("-")[1] for r in rows if "-dup-" in r["rec_id"]}
    chosen = sorted(numbers, key=int)[:100]
    for row in rows:
        if row["rec_id"].split("-")[1] in chosen:
            cases.person_add(
                actor=worker, case=case, role="presumed_victim", identity=_identity(row)
            )
    status, body = _call(client, coordinator, "post", "/exercises", {})
    assert status == 201 and body["role"] == "local" and body["persons"] == len(TWINS) + 200
    exercise_id = body["id"]
    assert _call(client, worker, "get", "/exercises/" + exercise_id)[1]["id"] == exercise_id
    status, matches = _call(client, worker, "get", "/exercises/{}/matches".format(exercise_id))
    assert status == 200 and matches
    top = next(m for m in matches if m["band"] == "probable")
    assert "Amina" not in json.dumps(matches)
    status, body = _call(
        client, worker, "post", "/matches/{}/decision".format(top["id"]),
        {"decision": "maybe", "reason": "x"},
    )  # fmt: skip
    assert (status, body["code"]) == (400, "invalid")
    status, body = _call(
        client, worker, "post", "/matches/{}/decision".format(top["id"]),
        {"decision": "confirmed", "reason": "The same passport."},
    )  # fmt: skip
    assert status == 200 and body["decision"] == "confirmed"
    status, body = _call(client, worker, "post", "/matches/{}/request".format(top["id"]))
    assert (status, body["code"]) == (400, "conflict")  # duplicates here: no node to ask
    assert AuditEntry.objects.filter(object_id=str(top["id"]), action="update").exists()
    assert Match.objects.get(pk=top["id"]).reason == "The same passport."


def test_an_exercise_proposed_accepted_and_declined_over_http(
    client: Client, make_user: Callable[..., User]
) -> None:
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="Ministry", country="NGA")
    services.node_add(
        name="bravo",
        url="http://127.0.0.1:9",
        public_key=signing.node_public_key(),
        country="ZAF",
    )
    status, body = _call(client, coordinator, "post", "/exercises", {"node": "bravo"})
    assert status == 201 and (body["node"], body["status"]) == ("bravo", "proposed")
    proposals = []
    for _ in range(2):
        exercise_id = uuid.uuid4()
        inbound.inbound_apply(
            Exercise.objects.get(pk=body["id"]).node,  # type: ignore[arg-type]
            {
                "kind": exchange.KIND_PROPOSE,
                "payload": {
                    "exercise": str(exercise_id),
                    "public": "a2trazhra2tra2tra2tra2tra2tra2tra2tra2tra2s=",
                    "parameters": pprl.parameters(pprl.Exercise.new()),
                },
            },
            timezone.now(),
        )
        proposals.append(str(exercise_id))
    status, body = _call(client, coordinator, "post", "/exercises/{}/accept".format(proposals[0]))
    assert status == 200 and body["status"] == "accepted"
    status, body = _call(
        client, coordinator, "post", "/exercises/{}/decline".format(proposals[1]), {"reason": " "}
    )
    assert (status, body["code"]) == (400, "reason_required")
    status, body = _call(
        client, coordinator, "post", "/exercises/{}/decline".format(proposals[1]),
        {"reason": "No agreement with this state yet."},
    )  # fmt: skip
    assert status == 200 and body["status"] == "declined"
    listed = _call(client, coordinator, "get", "/exercises")[1]
    assert {e["status"] for e in listed} == {"proposed", "accepted", "declined"}
