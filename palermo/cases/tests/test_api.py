"""The cases API: every endpoint's happy path and errors, and a permission matrix over all of
them (taken from the OpenAPI schema, so an endpoint cannot be added without being covered)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from pytest_django import DjangoAssertNumQueries, DjangoDbBlocker

from palermo.api import api
from palermo.cases import services as s
from palermo.cases.models import (
    Case,
    CaseShare,
    Person,
    PersonIdentity,
    ProtectionMeasure,
    Referral,
    Return,
    new_pseudonym,
)
from palermo.cases.tests.factories import (
    OrganisationFactory,
    case_user,
    indicator_list,
    module_rows,
    organisation_of,
)
from palermo.core.models import AuditEntry, User
from palermo.core.services import token_create

pytestmark = pytest.mark.django_db
D = dt.date
BASE = "/api/v1/cases"
IDENTITY = {
    "first_name": "Amina",
    "second_name": "Diallo",
    "birthdate": "2009-03-14",
    "aliases": ["Mimi"],
    "mobile_phone": "+267 71 000 000",
}
SECRETS = ("Amina", "Diallo", "Mimi", "2009-03-14", "+267 71 000 000", "Ms K. Molefe")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# --- the world every test works in -----------------------------------------------------------


def build_world(make_user: Callable[..., User]) -> SimpleNamespace:
    """A shelter's case with a child victim and a suspect, shared with the police (all scopes),
    a clinic (by referral: case facts of the child only), seen by the national coordinator."""
    w = SimpleNamespace()
    w.owner = make_user("case_worker", org="Shelter Gaborone", kind="ngo", username="owner")
    # Roles without case access, in the very organisation that holds the case.
    w.analyst = make_user("analyst", org="Shelter Gaborone", username="analyst")
    w.administrator = make_user("administrator", org="Shelter Gaborone", username="admin")
    w.registry_editor = make_user("registry_editor", org="Shelter Gaborone", username="editor")
    w.other = make_user("case_worker", org="Other NGO", kind="ngo", username="other")
    w.shared = make_user("investigator", org="Botswana Police", username="police")
    w.receiver = make_user("case_worker", org="Clinic", kind="service_provider", username="clinic")
    w.coordinator = make_user("national_coordinator", org="Task Force", username="coordinator")
    w.shelter = w.owner.organisation
    w.police = w.shared.organisation
    w.clinic = w.receiver.organisation
    w.other_org = w.other.organisation
    w.welfare = OrganisationFactory.create(name="Social Welfare", kind="government")
    w.case = s.case_open(actor=w.owner, opened_on=D(2026, 1, 10), title="Farm workers")
    w.child = s.person_add(
        actor=w.owner,
        case=w.case,
        role="presumed_victim",
        identity=IDENTITY,
        gender="Feminine",
        types_of_exploitation=["ForcedLabour"],
        citizenship=["ZWE"],
        details_of_vulnerabilities="no papers",
    )
    w.suspect = s.person_add(actor=w.owner, case=w.case, role="suspect", age_at_registration=41)
    w.consent = s.consent_record(
        actor=w.owner, person=w.child, purpose="data_sharing", given_on=D(2026, 1, 12)
    )
    w.share = s.case_share(
        actor=w.owner,
        case=w.case,
        organisation=w.police,
        scopes=["case_facts", "identity", "contact", "protection"],
        reason="Investigation 12/2026",
    )
    w.referral = s.referral_send(
        actor=w.owner,
        person=w.child,
        to_organisation=w.clinic,
        service="medical",
        scopes=["case_facts"],
        sent_on=D(2026, 1, 14),
    )
    s.referral_transition(actor=w.receiver, referral=w.referral, action="accept")
    w.measure = s.measure_grant(
        actor=w.owner,
        person=w.child,
        kind="residence_permit",
        starts_on=D(2026, 2, 1),
        ends_on=D(2026, 8, 1),
    )
    w.guardian = s.guardian_appoint(
        actor=w.owner, person=w.child, appointed_on=D(2026, 1, 15), name="Ms K. Molefe"
    )
    w.bid = s.best_interest_record(
        actor=w.owner,
        person=w.child,
        decided_on=D(2026, 2, 5),
        return_in_best_interest=True,
        reasoning="Mother reached; school place found",
        decided_by=w.welfare,
    )
    w.ret = s.return_plan(
        actor=w.owner,
        person=w.child,
        destination="ZWE",
        risk_level="medium",
        risk_assessment="Family traced",
        voluntary_consent=True,
        consent_on=D(2026, 2, 1),
    )
    w.visit = s.follow_up_plan(actor=w.owner, person=w.child, planned_on=D(2026, 5, 20))
    w.photo = s.photo_add(actor=w.owner, person=w.child, content=PNG, content_type="image/png")
    w.indicators = indicator_list("adult_labour")
    s.comment_add(actor=w.owner, case=w.case, text="Called the mother")
    s.proceeding_record(
        actor=w.owner, case=w.case, stage="investigation", started_on=D(2026, 1, 20), suspect=None
    )
    return w


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[SimpleNamespace]:
    """The world, written once for the module on the pinned clock's day (its dates are 2026)."""
    with module_rows(django_db_blocker, lambda: build_world(case_user), pinned=True) as rows:
        yield rows


@pytest.fixture
def w(clock: time_machine.Traveller, db: None, world: SimpleNamespace) -> SimpleNamespace:
    """The world for one test: its rows are rolled back after the test, its objects a copy."""
    return copy.deepcopy(world)


class Api:
    """A JSON client for one user (None: anonymous) that returns (status, body)."""

    def __init__(self, user: User | None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            self.headers["Authorization"] = "Bearer " + token_create(actor=None, user=user)

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        query: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        url = BASE + path
        headers = dict(self.headers)
        if query and "reason" in query:  # an identity read's reason goes in a header
            query = dict(query)
            headers["X-Palermo-Reason"] = str(query.pop("reason"))
        if query:
            url += "?" + "&".join("{}={}".format(k, v) for k, v in query.items())
        if files is not None:
            resp = self.client.post(url, data=files, headers=headers)  # multipart
        else:
            resp = self.client.generic(
                method,
                url,
                json.dumps(body, default=str) if body is not None else "",
                content_type="application/json",
                headers=headers,
            )
        ctype = resp.get("Content-Type", "")
        data = resp.json() if ctype.startswith("application/json") else resp.content
        return resp.status_code, data

    def get(self, path: str, **query: Any) -> tuple[int, Any]:
        return self.call("GET", path, query=query)

    def post(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        return self.call("POST", path, body if body is not None else {})

    def patch(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        return self.call("PATCH", path, body)

    def put(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        return self.call("PUT", path, body)


def assert_error(result: tuple[int, Any], status: int, code: str) -> dict[str, Any]:
    got, body = result
    assert got == status, body
    error: dict[str, Any] = body
    assert set(error) == {"detail", "code"} and error["code"] == code, error
    return error


# --- the permission matrix -------------------------------------------------------------------

ACTORS = (
    "anonymous",
    "analyst",
    "administrator",
    "registry_editor",
    "other",
    "owner",
    "shared",
    "receiver",
    "coordinator",
)
NO_CASES = ("analyst", "administrator", "registry_editor", "other")


def _expect(ok: int, **overrides: int) -> dict[str, int]:
    """A write: the owner gets `ok`; those who see the case but may not change it 403."""
    table = {"anonymous": 401, **dict.fromkeys(NO_CASES, 404), "owner": ok}
    table |= {"shared": 403, "receiver": 403, "coordinator": 403}
    return table | overrides


READ = _expect(200, shared=200, receiver=200, coordinator=200)
IDENTITY_READ = _expect(200, shared=200, receiver=404, coordinator=404)
LISTED = {"anonymous": 401} | dict.fromkeys(ACTORS[1:], 200)
CREATE = _expect(201, other=201, shared=201, receiver=201) | {
    "analyst": 403,
    "administrator": 403,
    "registry_editor": 403,
}


@dataclass
class Call:
    """How to call one endpoint as the owner would, and what each actor gets."""

    expect: dict[str, int]
    params: Callable[[Any], dict[str, Any]] = lambda w: {}
    body: Callable[[Any], dict[str, Any] | None] = lambda w: {}
    query: dict[str, Any] = field(default_factory=dict)
    prepare: Callable[[Any], object] = lambda w: None
    files: bool = False
    visible_to: tuple[str, ...] = ()  # for lists: who finds the world's case/referral in it


def _case(w: Any) -> dict[str, Any]:
    return {"case_id": w.case.pk}


def _child(w: Any) -> dict[str, Any]:
    return {"pseudonym": w.child.pseudonym}


def _decide(w: Any) -> None:
    s.return_decide(actor=w.owner, ret=w.ret, decided_on=D(2026, 2, 10))


MATRIX: dict[tuple[str, str], Call] = {
    ("GET", "/"): Call(LISTED, visible_to=("owner", "shared", "receiver", "coordinator")),
    ("POST", "/"): Call(CREATE, body=lambda w: {"title": "New", "opened_on": "2026-03-01"}),
    ("GET", "/deadlines"): Call(LISTED, query={"days": 7}),
    ("GET", "/indicator-lists"): Call(LISTED),
    ("GET", "/referrals/inbox"): Call(LISTED, visible_to=("receiver",)),
    ("GET", "/referrals/outbox"): Call(LISTED, visible_to=("owner",)),
    ("POST", "/persons/search"): Call(
        {"anonymous": 401, "other": 200, "owner": 200, "shared": 200, "receiver": 200}
        | dict.fromkeys(("analyst", "administrator", "registry_editor", "coordinator"), 403),
        body=lambda w: {"name": "Dialo"},
    ),
    ("GET", "/{case_id}"): Call(READ, _case),
    ("PATCH", "/{case_id}"): Call(_expect(200), _case, lambda w: {"title": "Renamed"}),
    ("POST", "/{case_id}/close"): Call(_expect(200), _case, lambda w: {"reason": "Returned"}),
    ("POST", "/{case_id}/reopen"): Call(
        _expect(200),
        _case,
        lambda w: None,
        prepare=lambda w: s.case_close(actor=w.owner, case=w.case, reason="Done"),
    ),
    ("POST", "/{case_id}/comments"): Call(_expect(201), _case, lambda w: {"text": "Visited"}),
    ("POST", "/{case_id}/shares"): Call(
        _expect(201),
        _case,
        lambda w: {"organisation_id": w.welfare.pk, "scopes": ["case_facts"], "reason": "BID"},
    ),
    ("POST", "/{case_id}/shares/{share_id}/revoke"): Call(
        _expect(200, shared=404, receiver=404, coordinator=404),
        lambda w: {"case_id": w.case.pk, "share_id": w.share.pk},
        lambda w: None,
    ),
    ("POST", "/{case_id}/proceedings"): Call(
        _expect(201),
        _case,
        lambda w: {
            "stage": "prosecution",
            "started_on": "2026-03-01",
            "suspect": w.suspect.pseudonym,
        },
    ),
    ("POST", "/{case_id}/persons"): Call(_expect(201), _case, lambda w: {"role": "witness"}),
    ("GET", "/persons/{pseudonym}"): Call(READ, _child),
    ("PATCH", "/persons/{pseudonym}"): Call(
        _expect(200), _child, lambda w: {"primary_language": "tn"}
    ),
    ("GET", "/persons/{pseudonym}/identity"): Call(
        IDENTITY_READ, _child, query={"reason": "intake"}
    ),
    ("PUT", "/persons/{pseudonym}/identity"): Call(
        _expect(200), _child, lambda w: {"home_phone": "+267 390 0000"}
    ),
    ("POST", "/persons/{pseudonym}/photos"): Call(_expect(201), _child, files=True),
    ("GET", "/persons/{pseudonym}/photos/{photo_id}"): Call(
        IDENTITY_READ,
        lambda w: {"pseudonym": w.child.pseudonym, "photo_id": w.photo.pk},
        query={"reason": "identify"},
    ),
    ("POST", "/persons/{pseudonym}/consents"): Call(
        _expect(201), _child, lambda w: {"purpose": "research"}
    ),
    ("POST", "/consents/{consent_id}/withdraw"): Call(
        _expect(200), lambda w: {"consent_id": w.consent.pk}
    ),
    ("POST", "/persons/{pseudonym}/screenings"): Call(
        _expect(201),
        _child,
        lambda w: {"indicator_list": w.indicators.key, "version": "1", "indicators": ["0-s"]},
    ),
    ("POST", "/persons/{pseudonym}/identifications"): Call(
        _expect(201),
        _child,
        lambda w: {
            "authority_id": w.police.pk,
            "decision": "identified",
            "decision_org_type": "Police",
            "reasoning": "Interview",
            "decided_on": "2026-02-01",
        },
    ),
    ("POST", "/persons/{pseudonym}/movements"): Call(
        _expect(201),
        _child,
        lambda w: {"event_type": "Transit", "country": "ZAF", "date": "2025-06-01"},
    ),
    ("POST", "/persons/{pseudonym}/referrals"): Call(
        _expect(201),
        _child,
        lambda w: {"to_organisation_id": w.other_org.pk, "service": "legal_aid", "scopes": []},
    ),
    ("POST", "/referrals/{referral_id}/{action}"): Call(
        _expect(200, shared=404, receiver=200, coordinator=404),
        lambda w: {"referral_id": w.referral.pk, "action": "close"},
    ),
    ("POST", "/persons/{pseudonym}/measures"): Call(
        _expect(201), _child, lambda w: {"kind": "witness_protection", "starts_on": "2026-03-01"}
    ),
    ("POST", "/measures/{measure_id}/renew"): Call(
        _expect(201, receiver=404),
        lambda w: {"measure_id": w.measure.pk},
        lambda w: {"ends_on": "2027-02-01"},
    ),
    ("POST", "/measures/{measure_id}/end"): Call(
        _expect(200, receiver=404), lambda w: {"measure_id": w.measure.pk}
    ),
    ("POST", "/persons/{pseudonym}/guardians"): Call(
        _expect(201),
        _child,
        lambda w: {"appointed_on": "2026-03-01", "organisation_id": w.welfare.pk},
    ),
    ("POST", "/persons/{pseudonym}/best-interest"): Call(
        _expect(201),
        _child,
        lambda w: {
            "decided_on": "2026-03-01",
            "return_in_best_interest": True,
            "reasoning": "Reviewed",
            "decided_by_id": w.welfare.pk,
        },
    ),
    ("POST", "/persons/{pseudonym}/returns"): Call(
        _expect(201),
        _child,
        lambda w: {"destination": "ZWE", "risk_level": "low", "risk_assessment": "Safe"},
    ),
    ("POST", "/returns/{return_id}/decide"): Call(
        _expect(200), lambda w: {"return_id": w.ret.pk}, lambda w: {"decided_on": "2026-02-10"}
    ),
    ("POST", "/returns/{return_id}/complete"): Call(
        _expect(200),
        lambda w: {"return_id": w.ret.pk},
        lambda w: {"return_date": "2026-02-20"},
        prepare=_decide,
    ),
    ("POST", "/persons/{pseudonym}/follow-ups"): Call(
        _expect(201), _child, lambda w: {"planned_on": "2026-12-01"}
    ),
    ("POST", "/follow-ups/{visit_id}/record"): Call(
        _expect(200),
        lambda w: {"visit_id": w.visit.pk},
        lambda w: {"done_on": "2026-05-21", "outcome": "In school"},
    ),
    ("POST", "/persons/{pseudonym}/support-plans"): Call(
        _expect(201), _child, lambda w: {"plan_type": "Health"}
    ),
}


def _operations() -> list[tuple[str, str]]:
    """Every (METHOD, path) of the cases API, relative to /api/v1/cases."""
    paths = api.get_openapi_schema()["paths"]
    prefix = "/api/v1/cases"
    return sorted(
        (method.upper(), path[len(prefix) :])
        for path, ops in paths.items()
        if path.startswith(prefix + "/")
        for method in ops
    )


def test_the_matrix_covers_every_endpoint() -> None:
    operations = set(_operations())
    missing = operations - set(MATRIX)
    assert not missing, "endpoints missing from the permission matrix: {}".format(sorted(missing))
    assert not set(MATRIX) - operations, "matrix entries without an endpoint"
    assert len(operations) >= 39


def _request(caller: Api, method: str, path: str, call: Call, w: Any) -> tuple[int, Any]:
    url = path.format(**call.params(w))
    if call.files:
        upload = SimpleUploadedFile("face.png", PNG, content_type="image/png")
        return caller.call(method, url, files={"file": upload})
    return caller.call(method, url, call.body(w), call.query)


def _in_rollback(fn: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
    """Run one request and undo what it wrote, so every call starts from the same world."""
    with transaction.atomic():
        result = fn()
        transaction.set_rollback(True)
    return result


@pytest.mark.parametrize("actor", ACTORS)
def test_permission_matrix(clock: time_machine.Traveller, w: SimpleNamespace, actor: str) -> None:
    """Every endpoint as every kind of user: 401 / 404 (existence not revealed) / 403 / allowed."""
    caller = Api(None if actor == "anonymous" else getattr(w, actor))
    wrong = []
    for method, path in _operations():
        call = MATRIX[(method, path)]

        def run(call: Call = call, method: str = method, path: str = path) -> tuple[int, Any]:
            call.prepare(w)
            return _request(caller, method, path, call, w)

        status, body = _in_rollback(run)
        expected = call.expect[actor]
        if status != expected:
            wrong.append("{} {}: {} (expected {}) {}".format(method, path, status, expected, body))
            continue
        if status >= 400:
            assert set(body) == {"detail", "code"}, (method, path, body)
        elif status == 200 and method == "GET" and isinstance(body, dict) and "items" in body:
            text = json.dumps(body["items"])
            seen = w.case.reference in text or w.child.pseudonym in text
            if call.visible_to:
                assert seen == (actor in call.visible_to), (actor, path, body)
        if status < 300 and "identity" not in path and "photos" not in path:
            assert not any(x in json.dumps(body, default=str) for x in SECRETS), (path, body)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("actor", ACTORS)
def test_guessed_ids_are_not_found(
    clock: time_machine.Traveller, w: SimpleNamespace, actor: str
) -> None:
    """Random UUIDs, references, pseudonyms and integer ids answer 404 like hidden ones."""
    caller = Api(None if actor == "anonymous" else getattr(w, actor))
    guesses = {
        "case_id": str(uuid.uuid4()),
        "pseudonym": new_pseudonym(),
        "share_id": 10**6 + secrets.randbelow(10**7),
        "photo_id": 10**6 + secrets.randbelow(10**7),
        "consent_id": 10**6 + secrets.randbelow(10**7),
        "referral_id": 10**6 + secrets.randbelow(10**7),
        "measure_id": 10**6 + secrets.randbelow(10**7),
        "return_id": 10**6 + secrets.randbelow(10**7),
        "visit_id": 10**6 + secrets.randbelow(10**7),
        "action": "close",
    }
    for method, path in _operations():
        if "{" not in path:
            continue
        call = MATRIX[(method, path)]
        guessed = Call(call.expect, lambda w: guesses, call.body, call.query, files=call.files)
        status, data = _in_rollback(partial(_request, caller, method, path, guessed, w))
        assert status == (401 if actor == "anonymous" else 404), (method, path, status, data)
        assert set(data) == {"detail", "code"}
    # A case reference is as good as its id, and as hidden.
    status, _ = caller.get("/{}".format(w.case.reference))
    assert status == READ[actor]


# --- cases -----------------------------------------------------------------------------------


def test_open_list_filter_and_paginate(clock: time_machine.Traveller, w: SimpleNamespace) -> None:
    api_ = Api(w.owner)
    status, body = api_.post("/", {"title": "Bakery", "opened_on": "2026-03-01", "country": "ZAF"})
    assert status == 201 and body["country"] == "ZAF" and body["status"] == "Active"
    assert body["organisation"] == {"id": w.shelter.pk, "name": "Shelter Gaborone"}
    new = body["id"]
    status, body = api_.get("/")
    assert status == 200 and body["count"] == 2
    assert [c["id"] for c in body["items"]] == [new, str(w.case.pk)]  # newest first
    assert api_.get("/", country="ZAF")[1]["count"] == 1
    assert api_.get("/", exploitation="ForcedLabour")[1]["items"][0]["id"] == str(w.case.pk)
    assert api_.get("/", child="true")[1]["count"] == 1
    assert api_.get("/", child="false")[1]["items"][0]["id"] == new
    assert api_.get("/", role="suspect")[1]["count"] == 1
    assert api_.get("/", q=w.child.pseudonym)[1]["count"] == 1
    assert api_.get("/", q="bakery")[1]["count"] == 1
    assert api_.get("/", status="Closed")[1]["count"] == 0
    assert api_.get("/", opened_from="2026-02-01")[1]["count"] == 1
    assert api_.get("/", opened_to="2026-02-01")[1]["count"] == 1
    page = api_.get("/", page_size=1, page=2)[1]
    assert page["count"] == 2 and [c["id"] for c in page["items"]] == [str(w.case.pk)]
    assert_error(api_.get("/", opened_from="yesterday"), 422, "invalid_input")
    # Analysts and administrators open nothing; a future case is refused.
    assert_error(Api(w.analyst).post("/", {"title": "x"}), 403, "forbidden")
    assert_error(api_.post("/", {"opened_on": "2099-01-01"}), 400, "date_in_future")
    assert_error(api_.post("/", {"country": "XXX"}), 400, "unknown_country")
    assert_error(api_.post("/", {"referring_organisation_id": 10**8}), 404, "unknown_organisation")
    assert_error(api_.post("/", {"reason_for_incoming_referral": "Whim"}), 400, "unknown_code")
    assert Case.objects.count() == 2  # nothing half-saved


def test_case_list_query_count_does_not_grow(
    clock: time_machine.Traveller,
    w: SimpleNamespace,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    api_ = Api(w.owner)
    for i in range(5):
        s.case_open(actor=w.owner, opened_on=D(2026, 3, 1 + i), title="c{}".format(i))
    with django_assert_max_num_queries(6):
        status, body = api_.get("/")
    assert status == 200 and body["count"] == 6


def test_case_detail_as_owner_and_as_viewers(
    clock: time_machine.Traveller, w: SimpleNamespace
) -> None:
    status, body = Api(w.owner).get("/{}".format(w.case.pk))
    assert status == 200
    assert body["access"] == {
        "owner": True,
        "can_edit": True,
        "scopes": ["case_facts", "contact", "identity", "protection"],
        "persons": [],
    }
    assert [p["pseudonym"] for p in body["persons"]] == [w.child.pseudonym, w.suspect.pseudonym]
    child = body["persons"][0]
    assert (
        child["facts_shared"]
        and child["is_child"]
        and child["types_of_exploitation"] == ["ForcedLabour"]
    )
    assert [m["id"] for m in body["measures"]] == [w.measure.pk]
    assert body["comments"][0]["text"] == "Called the mother"
    assert [sh["organisation"]["name"] for sh in body["shares"]] == ["Botswana Police", "Clinic"]
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds[0] == "case" and "referral" in kinds and "measure" in kinds
    assert not any(x in json.dumps(body) for x in SECRETS)

    # The clinic sees the child's facts it was referred, nothing about the suspect or measures.
    status, body = Api(w.receiver).get("/{}".format(w.case.pk))
    assert status == 200 and body["access"]["owner"] is False
    assert body["access"]["scopes"] == ["case_facts"]
    assert [p["pseudonym"] for p in body["persons"]] == [w.child.pseudonym]
    assert body["measures"] == [] and body["comments"] == [] and body["shares"] == []
    assert body["proceedings"] == []  # the case's, not the child's: not part of the referral
    assert Api(w.shared).get("/{}".format(w.case.pk))[1]["proceedings"]
    assert {e["kind"] for e in body["timeline"]} <= {"case", "referral", "best_interest"}

    # The national coordinator: de-identified facts and protection, never comments or shares.
    status, body = Api(w.coordinator).get("/{}".format(w.case.pk))
    assert status == 200 and body["access"]["scopes"] == ["case_facts", "protection"]
    assert len(body["persons"]) == 2 and body["measures"] and body["comments"] == []


def test_timeline_shows_a_receiver_only_its_own_referral(
    clock: time_machine.Traveller, w: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    """The clinic must not learn that the child was also referred to a lawyer."""
    lawyers = make_user("case_worker", org="Legal Aid", kind="ngo", username="lawyer")
    s.referral_send(
        actor=w.owner,
        person=w.child,
        to_organisation=organisation_of(lawyers),
        service="legal_aid",
        scopes=["case_facts"],
    )
    for user, seen in ((w.receiver, ["medical"]), (lawyers, ["legal_aid"])):
        body = Api(user).get("/{}".format(w.case.pk))[1]
        texts = [e["text"] for e in body["timeline"] if e["kind"] == "referral"]
        assert len(texts) == 1 and seen[0].split("_")[0] in texts[0].lower(), texts
        person = Api(user).get("/persons/{}".format(w.child.pseudonym))[1]
        assert [r["service"] for r in person["referrals"]] == seen
    owner = Api(w.owner).get("/persons/{}".format(w.child.pseudonym))[1]
    assert sorted(r["service"] for r in owner["referrals"]) == ["legal_aid", "medical"]


def test_update_close_reopen(clock: time_machine.Traveller, w: SimpleNamespace) -> None:
    api_ = Api(w.owner)
    url = "/{}".format(w.case.pk)
    status, body = api_.patch(url, {"title": "Farm workers (2)"})
    assert status == 200 and body["title"] == "Farm workers (2)"
    assert_error(api_.patch(url, {"reason_for_incoming_referral": "x"}), 400, "unknown_code")
    assert_error(api_.post(url + "/close", {"reason": " "}), 400, "reason_required")
    assert_error(api_.post(url + "/close", {}), 422, "invalid_input")
    assert_error(
        api_.post(url + "/close", {"reason": "x", "closed_on": "2025-01-01"}), 400, "invalid_date"
    )
    assert_error(api_.post(url + "/reopen"), 400, "invalid_transition")
    status, body = api_.post(url + "/close", {"reason": "Returned home", "referred": True})
    assert status == 200 and body["status"] == "ClosedReferred" and body["closed_on"]
    assert_error(api_.post(url + "/close", {"reason": "again"}), 400, "invalid_transition")
    status, body = api_.post(url + "/reopen")
    assert status == 200 and body["status"] == "FollowUp" and body["closed_on"] is None
    assert_error(Api(w.shared).patch(url, {"title": "x"}), 403, "forbidden")


def test_comments_shares_and_proceedings(clock: time_machine.Traveller, w: SimpleNamespace) -> None:
    api_ = Api(w.owner)
    url = "/{}".format(w.case.pk)
    status, body = api_.post(url + "/comments", {"text": "Met the family"})
    assert status == 201 and body["author"] == "owner" and body["text"] == "Met the family"
    assert_error(api_.post(url + "/comments", {"text": "  "}), 400, "empty")

    status, body = api_.post(
        url + "/shares",
        {
            "organisation_id": w.other_org.pk,
            "scopes": ["case_facts"],
            "reason": "Joint shelter",
            "persons": [w.suspect.pseudonym],
        },
    )
    assert status == 201 and body["persons"] == [w.suspect.pseudonym]
    assert body["organisation"]["name"] == "Other NGO" and body["revoked_at"] is None
    other = Api(w.other)
    assert other.get("/persons/{}".format(w.suspect.pseudonym))[0] == 200
    assert_error(other.get("/persons/{}".format(w.child.pseudonym)), 404, "not_found")
    revoke = "{}/shares/{}/revoke".format(url, body["id"])
    status, body = api_.post(revoke)
    assert status == 200 and body["revoked_at"]
    assert_error(api_.post(revoke), 400, "invalid_transition")
    revoked_at = CaseShare.objects.get(pk=body["id"]).revoked_at
    assert revoked_at is not None and revoked_at.isoformat()[:19] == body["revoked_at"][:19]
    assert_error(other.get(url), 404, "not_found")
    assert_error(
        api_.post(
            url + "/shares", {"organisation_id": w.other_org.pk, "scopes": ["all"], "reason": "x"}
        ),
        400,
        "unknown_code",
    )
    assert_error(
        api_.post(
            url + "/shares",
            {"organisation_id": w.other_org.pk, "scopes": [], "reason": "x", "persons": ["P-NOPE"]},
        ),
        400,
        "unknown_person",
    )
    assert_error(
        api_.post(url + "/shares", {"organisation_id": w.other_org.pk, "scopes": [], "reason": ""}),
        400,
        "reason_required",
    )

    status, body = api_.post(
        url + "/proceedings",
        {
            "stage": "verdict",
            "started_on": "2026-02-01",
            "suspect": w.suspect.pseudonym,
            "verdict": "convicted",
            "verdict_on": "2026-06-01",
            "sentence_months": 96,
            "compensation_ordered": "5000.00",
            "currency": "BWP",
        },
    )
    assert (
        status == 201 and body["suspect"] == w.suspect.pseudonym and body["sentence_months"] == 96
    )
    assert body["compensation_ordered"] == "5000.00"
    assert_error(
        api_.post(
            url + "/proceedings",
            {"stage": "trial", "started_on": "2026-02-01", "suspect": w.child.pseudonym},
        ),
        400,
        "invalid",
    )
    assert_error(
        api_.post(url + "/proceedings", {"stage": "lynching", "started_on": "2026-02-01"}),
        400,
        "unknown_code",
    )
    assert_error(
        api_.post(
            url + "/proceedings",
            {"stage": "trial", "started_on": "2026-02-01", "compensation_paid": "10"},
        ),
        400,
        "invalid",
    )


# --- persons and identity --------------------------------------------------------------------


def test_add_and_update_person(clock: time_machine.Traveller, w: SimpleNamespace) -> None:
    api_ = Api(w.owner)
    status, body = api_.post(
        "/{}/persons".format(w.case.pk),
        {
            "role": "victim",
            "identity": {"first_name": "Chipo", "birthdate": "1990-05-01"},
            "methods_of_control": ["DebtBondage"],
            "citizenship": ["zwe"],
        },
    )
    assert status == 201 and body["role"] == "victim" and body["age_at_registration"] == 35
    assert body["citizenship"] == ["ZWE"] and "Chipo" not in json.dumps(body)
    assert "first_name" not in body and "identity" not in body
    pseudonym = body["pseudonym"]
    stored = PersonIdentity.objects.get(person__pseudonym=pseudonym).ciphertext
    assert "Chipo" not in stored

    status, body = api_.patch(
        "/persons/{}".format(pseudonym), {"types_of_exploitation": ["Servitude"]}
    )
    assert status == 200 and body["types_of_exploitation"] == ["Servitude"]
    assert_error(
        api_.patch("/persons/{}".format(pseudonym), {"types_of_exploitation": ["Slavery"]}),
        400,
        "unknown_code",
    )
    assert_error(
        api_.patch("/persons/{}".format(pseudonym), {"age_at_registration": 300}),
        422,
        "invalid_input",
    )
    count = Person.objects.count()
    assert_error(
        api_.post("/{}/persons".format(w.case.pk), {"role": "witness", "pseudonym": pseudonym}),
        400,
        "duplicate_pseudonym",
    )
    assert_error(
        api_.post(
            "/{}/persons".format(w.case.pk),
            {"role": "witness", "identity": {"birthdate": "2099-01-01"}},
        ),
        400,
        "invalid_date",
    )
    assert_error(
        api_.post("/{}/persons".format(w.case.pk), {"role": "bystander"}), 400, "unknown_code"
    )
    assert_error(api_.post("/{}/persons".format(w.case.pk), {}), 422, "invalid_input")
    assert Person.objects.count() == count


def test_person_detail_follows_the_scopes(
    clock: time_machine.Traveller, w: SimpleNamespace
) -> None:
    url = "/persons/{}".format(w.child.pseudonym)
    body = Api(w.owner).get(url)[1]
    assert body["case_id"] == str(w.case.pk) and body["case_reference"] == w.case.reference
    assert body["facts_shared"] and body["details_of_vulnerabilities"] == "no papers"
    assert [m["id"] for m in body["measures"]] == [w.measure.pk]
    assert body["guardians"] == [
        {
            "id": w.guardian.pk,
            "organisation": None,
            "named": True,
            "appointed_on": "2026-01-15",
            "ended_on": None,
        }
    ]
    assert [r["id"] for r in body["returns"]] == [w.ret.pk]
    assert [c["purpose"] for c in body["consents"]] == ["data_sharing"]
    assert [p["id"] for p in body["photos"]] == [w.photo.pk]
    assert not any(x in json.dumps(body) for x in SECRETS)

    clinic = Api(w.receiver).get(url)[1]
    assert clinic["facts_shared"] and clinic["measures"] == [] and clinic["photos"] == []
    assert [r["id"] for r in clinic["referrals"]] == [w.referral.pk]
    coordinator = Api(w.coordinator).get(url)[1]
    assert (
        coordinator["measures"] and coordinator["photos"] == [] and coordinator["referrals"] == []
    )

    # A share of identity only: the person, but none of the facts.
    s.case_share(
        actor=w.owner, case=w.case, organisation=w.other_org, scopes=["identity"], reason="Court"
    )
    other = Api(w.other).get(url)[1]
    assert other["facts_shared"] is False and other["gender"] is None
    assert other["movements"] == [] and other["returns"] == [] and other["pseudonym"]


def test_identity_read_is_audited_and_never_cached(
    clock: time_machine.Traveller, w: SimpleNamespace
) -> None:
    url = "/persons/{}/identity".format(w.child.pseudonym)
    api_ = Api(w.owner)
    resp = api_.client.get(
        BASE + url, headers=api_.headers | {"X-Palermo-Reason": "shelter%20admission"}
    )
    assert resp.status_code == 200 and resp["Cache-Control"] == "no-store"
    body = resp.json()
    assert body["first_name"] == "Amina" and body["birthdate"] == "2009-03-14"
    assert body["aliases"] == ["Mimi"] and body["mobile_phone"] == "+267 71 000 000"
    entry = AuditEntry.objects.filter(action="read", object_id=str(w.child.pk)).get()
    assert entry.actor == w.owner and entry.reason == "shelter admission"
    assert "Amina" not in json.dumps(entry.after)
    assert_error(api_.get(url, reason="%20"), 400, "reason_required")
    assert_error(api_.get(url), 400, "reason_required")
    # The reason never travels in the URL (access logs keep URLs): refused, not read.
    resp = api_.client.get(BASE + url + "?reason=admission", headers=api_.headers)
    assert resp.status_code == 400 and resp.json()["code"] == "reason_in_url"
    assert AuditEntry.objects.filter(action="read").count() == 1

    # The police share has identity and contact; the clinic's referral has neither.
    assert Api(w.shared).get(url, reason="statement")[1]["second_name"] == "Diallo"
    assert_error(Api(w.receiver).get(url, reason="treatment"), 404, "not_found")
    assert_error(Api(w.coordinator).get(url, reason="oversight"), 404, "not_found")
    for role in ("analyst", "administrator", "registry_editor"):
        assert_error(Api(getattr(w, role)).get(url, reason="curious"), 404, "not_found")
    assert AuditEntry.objects.filter(action="read").count() == 2


def test_name_search_finds_only_whose_identity_the_caller_may_read(
    clock: time_machine.Traveller, w: SimpleNamespace
) -> None:
    for actor, found in (("owner", True), ("shared", True), ("receiver", False), ("other", False)):
        status, body = Api(getattr(w, actor)).post("/persons/search", {"name": "DIALLO amina"})
        assert status == 200, body
        assert [hit["pseudonym"] for hit in body] == ([w.child.pseudonym] if found else [])
        assert not any(x in json.dumps(body) for x in SECRETS)
    status, body = Api(w.owner).post("/persons/search", {"name": "Dialloh"})
    assert body == [
        {
            "pseudonym": w.child.pseudonym,
            "role": "presumed_victim",
            "case_id": str(w.case.pk),
            "case_reference": w.case.reference,
            "exact": False,
        }
    ]
    assert_error(Api(w.owner).post("/persons/search", {"name": "-- !"}), 400, "empty_name")


def test_identity_write_merges_and_does_not_echo(
    clock: time_machine.Traveller, w: SimpleNamespace
) -> None:
    url = "/persons/{}/identity".format(w.child.pseudonym)
    api_ = Api(w.owner)
    status, body = api_.put(
        url, {"mobile_phone": "", "email": "a@example.org", "mailing_country": "bw"}
    )
    assert status == 200 and body == {
        "pseudonym": w.child.pseudonym,
        "fields": ["email", "mailing_country", "mobile_phone"],
    }
    data = api_.get(url, reason="check")[1]
    assert data["email"] == "a@example.org" and data["mailing_country"] == "BWA"
    assert data["mobile_phone"] is None and data["first_name"] == "Amina"
    assert_error(api_.put(url, {"birthdate": "2099-01-01"}), 400, "invalid_date")
    assert_error(api_.put(url, {"birthdate": "14/03/2009"}), 422, "invalid_input")
    s.movement_add(
        actor=w.owner, person=w.child, event_type="Recruitment", country="ZWE", date=D(2024, 1, 1)
    )
    assert_error(api_.put(url, {"birthdate": "2024-06-01"}), 400, "invalid_date")


def test_contact_only_share_reads_no_photo(
    clock: time_machine.Traveller, w: SimpleNamespace
) -> None:
    """A share of contact details does not include the face (photos are identity)."""
    s.case_share(
        actor=w.owner, case=w.case, organisation=w.other_org, scopes=["contact"], reason="Callback"
    )
    other = Api(w.other)
    url = "/persons/{}/photos/{}".format(w.child.pseudonym, w.photo.pk)
    assert_error(other.get(url, reason="look"), 404, "not_found")
    assert (
        other.get("/persons/{}/identity".format(w.child.pseudonym), reason="call")[1][
            "mobile_phone"
        ]
        == "+267 71 000 000"
    )
    status, content = Api(w.owner).get(url, reason="identify at the border")
    assert status == 200 and content == PNG


def test_photo_upload(clock: time_machine.Traveller, w: SimpleNamespace) -> None:
    api_ = Api(w.owner)
    url = "/persons/{}/photos".format(w.child.pseudonym)
    status, body = api_.call(
        "POST", url, files={"file": SimpleUploadedFile("a.png", PNG, content_type="image/png")}
    )
    assert status == 201 and body["content_type"] == "image/png"
    assert_error(
        api_.call(
            "POST",
            url,
            files={"file": SimpleUploadedFile("a.gif", b"GIF89a", content_type="image/gif")},
        ),
        400,
        "invalid_type",
    )
    assert_error(api_.call("POST", url, files={}), 422, "invalid_input")


# --- consent, identification, movements ------------------------------------------------------


def test_consents(clock: time_machine.Traveller, w: SimpleNamespace) -> None:
    api_ = Api(w.owner)
    url = "/persons/{}/consents".format(w.child.pseudonym)
    status, body = api_.post(
        url, {"purpose": "research", "given_on": "2026-02-01", "notes": "oral"}
    )
    assert status == 201 and body["purpose"] == "research" and body["withdrawn_on"] is None
    assert_error(api_.post(url, {"purpose": "research"}), 400, "duplicate")
    assert_error(api_.post(url, {"purpose": "marketing"}), 400, "unknown_code")
    wurl = "/consents/{}/withdraw".format(body["id"])
    assert_error(api_.post(wurl, {"withdrawn_on": "2026-01-01"}), 400, "invalid")
    status, body = api_.post(wurl, {"withdrawn_on": "2026-03-01"})
    assert status == 200 and body["withdrawn_on"] == "2026-03-01"
    assert_error(api_.post(wurl), 400, "invalid_transition")


def test_screening_and_identification(clock: time_machine.Traveller, w: SimpleNamespace) -> None:
    api_ = Api(w.owner)
    lists = api_.get("/indicator-lists")[1]
    test_list = next(x for x in lists if x["key"] == w.indicators.key)
    assert len(test_list["indicators"]) == 18
    assert {"code", "dimension", "strength", "text"} == set(test_list["indicators"][0])
    url = "/persons/{}/screenings".format(w.child.pseudonym)
    status, body = api_.post(
        url,
        {
            "indicator_list": w.indicators.key,
            "version": "1",
            "indicators": ["0-s", "0-m", "3-s", "3-w", "4-s", "4-m", "5-m"],
            "screened_on": "2026-01-11",
            "notes": "first interview",
        },
    )
    assert status == 201 and body["outcome"] == "presumed_victim"
    assert body["dimensions_met"] == [
        "coercion_at_destination",
        "deceptive_recruitment",
        "exploitation",
    ]
    assert body["indicator_list"] == w.indicators.key and "first interview" in body["reasoning"]
    assert_error(
        api_.post(url, {"indicator_list": w.indicators.key, "version": "1", "indicators": ["zz"]}),
        400,
        "unknown_code",
    )
    assert_error(
        api_.post(url, {"indicator_list": "nope", "version": "1", "indicators": []}),
        404,
        "unknown_indicator_list",
    )
    url = "/persons/{}/identifications".format(w.child.pseudonym)
    status, body = api_.post(
        url,
        {
            "authority_id": w.police.pk,
            "decision": "identified",
            "decision_org_type": "Police",
            "reasoning": "Interview and documents",
            "decided_on": "2026-01-20",
        },
    )
    assert status == 201 and body["authority"] == {"id": w.police.pk, "name": "Botswana Police"}
    person = api_.get("/persons/{}".format(w.child.pseudonym))[1]
    assert (
        person["role"] == "victim" and person["trafficking_status"] == "ActualVictimOfTrafficking"
    )
    base = {"authority_id": w.police.pk, "decision_org_type": "Police", "reasoning": "x"}
    assert_error(api_.post(url, base | {"decision": "maybe"}), 400, "unknown_code")
    assert_error(
        api_.post(url, base | {"decision": "identified", "reasoning": ""}), 400, "reason_required"
    )
    assert_error(
        api_.post(url, base | {"decision": "identified", "decided_on": "2099-01-01"}),
        400,
        "date_in_future",
    )
    assert_error(
        api_.post(url, base | {"decision": "identified", "authority_id": 10**8}),
        404,
        "unknown_organisation",
    )


def test_movements(clock: time_machine.Traveller, w: SimpleNamespace) -> None:
    api_ = Api(w.owner)
    url = "/persons/{}/movements".format(w.child.pseudonym)
    status, body = api_.post(
        url,
        {
            "event_type": "Exploitation",
            "country": "zaf",
            "date": "2025-06-01",
            "end_date": "2025-12-01",
            "city": "Polokwane",
        },
    )
    assert status == 201 and body["country"] == "ZAF" and body["city"] == "Polokwane"
    assert_error(
        api_.post(url, {"event_type": "Exploitation", "country": "ZAF", "date": "2008-01-01"}),
        400,
        "invalid_date",
    )
    assert_error(
        api_.post(
            url,
            {
                "event_type": "Transit",
                "country": "ZAF",
                "date": "2025-06-01",
                "end_date": "2025-01-01",
            },
        ),
        400,
        "invalid_date",
    )
    assert_error(api_.post(url, {"event_type": "Holiday", "country": "ZAF"}), 400, "unknown_code")
    assert_error(
        api_.post(url, {"event_type": "Transit", "country": "XXX"}), 400, "unknown_country"
    )


# --- referrals -------------------------------------------------------------------------------


def test_referral_journey(
    clock: time_machine.Traveller, w: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    owner, lawyer_user = Api(w.owner), make_user("case_worker", org="Legal Aid", kind="ngo")
    lawyer = Api(lawyer_user)
    url = "/persons/{}/referrals".format(w.child.pseudonym)
    status, body = owner.post(
        url,
        {
            "to_organisation_id": lawyer_user.organisation_id,
            "service": "legal_aid",
            "scopes": ["case_facts", "identity"],
            "details": "Compensation claim",
            "sent_on": "2026-02-01",
        },
    )
    assert (
        status == 201 and body["status"] == "sent" and body["scopes"] == ["case_facts", "identity"]
    )
    assert (
        body["from_organisation"]["name"] == "Shelter Gaborone"
        and body["person"] == w.child.pseudonym
    )
    rid = body["id"]
    inbox = lawyer.get("/referrals/inbox")[1]
    assert [r["id"] for r in inbox["items"]] == [rid] and inbox["items"][0][
        "details"
    ] == "Compensation claim"
    assert lawyer.get("/referrals/inbox", status="accepted")[1]["count"] == 0
    assert {r["id"] for r in owner.get("/referrals/outbox")[1]["items"]} == {rid, w.referral.pk}
    assert (
        lawyer.get("/persons/{}/identity".format(w.child.pseudonym), reason="claim")[1][
            "first_name"
        ]
        == "Amina"
    )
    # Only the receiver accepts, declines or delivers; the sender may close.
    assert_error(owner.post("/referrals/{}/accept".format(rid)), 403, "forbidden")
    assert_error(lawyer.post("/referrals/{}/deliver".format(rid)), 400, "invalid_transition")
    assert_error(lawyer.post("/referrals/{}/ignore".format(rid)), 400, "invalid_transition")
    status, body = lawyer.post(
        "/referrals/{}/accept".format(rid), {"note": "Taken", "on": "2026-02-02"}
    )
    assert status == 200 and body["status"] == "accepted" and body["responded_on"] == "2026-02-02"
    status, body = lawyer.post("/referrals/{}/deliver".format(rid))
    assert status == 200 and body["status"] == "delivered"
    status, body = owner.post("/referrals/{}/close".format(rid))
    assert status == 200 and body["status"] == "closed"
    # Closed: the share is revoked, the lawyer no longer sees the case but keeps the inbox row.
    assert_error(lawyer.get("/{}".format(w.case.pk)), 404, "not_found")
    assert lawyer.get("/referrals/inbox")[1]["count"] == 1
    # Other organisations and roles do not see the referral at all.
    for user in (w.other, w.analyst, w.coordinator, w.shared):
        assert_error(Api(user).post("/referrals/{}/close".format(rid)), 404, "not_found")
        assert Api(user).get("/referrals/inbox")[1]["count"] == 0


def test_referral_errors(clock: time_machine.Traveller, w: SimpleNamespace) -> None:
    api_ = Api(w.owner)
    url = "/persons/{}/referrals".format(w.child.pseudonym)
    base = {"to_organisation_id": w.other_org.pk, "service": "shelter", "scopes": ["case_facts"]}
    assert_error(api_.post(url, base | {"service": "spa"}), 400, "unknown_code")
    assert_error(api_.post(url, base | {"to_organisation_id": w.shelter.pk}), 400, "invalid")
    assert_error(api_.post(url, base | {"to_organisation_id": 10**8}), 404, "unknown_organisation")
    assert_error(api_.post(url, base | {"scopes": "identity"}), 422, "invalid_input")
    s.consent_withdraw(actor=w.owner, consent=w.consent, withdrawn_on=D(2026, 1, 13))
    before = Referral.objects.count(), CaseShare.objects.count()
    assert_error(api_.post(url, base | {"scopes": ["identity"]}), 400, "consent_required")
    assert (Referral.objects.count(), CaseShare.objects.count()) == before


def test_inbox_is_only_for_case_workers_of_the_receiving_organisation(
    clock: time_machine.Traveller, w: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    clinic_admin = make_user("administrator", org="Clinic")
    clinic_analyst = make_user("analyst", org="Clinic")
    for user in (clinic_admin, clinic_analyst):
        assert Api(user).get("/referrals/inbox")[1]["count"] == 0
        assert Api(user).get("/deadlines", days=400)[1] == []
        assert_error(Api(user).post("/referrals/{}/close".format(w.referral.pk)), 404, "not_found")


# --- protection measures and deadlines -------------------------------------------------------


def test_measures_renew_end_and_deadlines(
    clock: time_machine.Traveller, w: SimpleNamespace
) -> None:
    api_ = Api(w.owner)
    url = "/persons/{}/measures".format(w.child.pseudonym)
    status, body = api_.post(
        url, {"kind": "reflection_period", "starts_on": "2026-11-01", "ends_on": "2026-12-01"}
    )
    assert (
        status == 201
        and body["status"] == "active"
        and body["organisation"]["name"] == "Shelter Gaborone"
    )
    reflection = body["id"]
    assert_error(
        api_.post(
            url, {"kind": "reflection_period", "starts_on": "2026-11-01", "ends_on": "2026-11-15"}
        ),
        400,
        "reflection_too_short",
    )
    assert_error(
        api_.post(
            url, {"kind": "residence_permit", "starts_on": "2026-11-01", "ends_on": "2026-10-01"}
        ),
        400,
        "invalid_date",
    )
    assert_error(
        api_.post(url, {"kind": "residence_permit", "starts_on": "2026-11-01"}), 400, "end_required"
    )
    assert_error(api_.post(url, {"kind": "asylum", "starts_on": "2026-11-01"}), 400, "unknown_code")
    assert_error(
        api_.post(
            "/persons/{}/measures".format(w.suspect.pseudonym),
            {"kind": "witness_protection", "starts_on": "2026-11-01"},
        ),
        400,
        "invalid",
    )
    status, body = api_.post(
        url,
        {
            "kind": "residence_permit",
            "starts_on": "2026-12-02",
            "ends_on": "2027-06-01",
            "linked_to_cooperation": True,
            "decided_by_id": w.welfare.pk,
            "reference": "RP-1",
        },
    )
    assert status == 201 and body["decided_by"]["name"] == "Social Welfare"

    board = api_.get("/deadlines", days=14)[1]
    assert [
        (d["kind"], d["person"], d["overdue"]) for d in board if d["kind"] == "reflection_period"
    ] == [("reflection_period", w.child.pseudonym, False)]
    assert any(d["kind"] == "follow_up" and d["overdue"] for d in board)  # planned in May
    assert all(d["case_reference"] == w.case.reference for d in board)
    assert Api(w.other).get("/deadlines", days=30)[1] == []
    assert not any(d["kind"] == "reflection_period" for d in api_.get("/deadlines", days=0)[1])
    assert_error(api_.get("/deadlines", days="soon"), 422, "invalid_input")

    status, body = api_.post("/measures/{}/renew".format(w.measure.pk), {"ends_on": "2027-02-01"})
    assert (
        status == 201 and body["renewal_of"] == w.measure.pk and body["starts_on"] == "2026-08-02"
    )
    assert_error(
        api_.post("/measures/{}/renew".format(w.measure.pk), {"ends_on": "2027-03-01"}),
        400,
        "invalid_transition",
    )
    assert_error(
        api_.post("/measures/{}/renew".format(body["id"]), {"ends_on": "2027-01-01"}),
        400,
        "invalid_date",
    )
    status, body = api_.post(
        "/measures/{}/end".format(reflection), {"revoke": True, "notes": "left"}
    )
    assert status == 200 and body["status"] == "revoked" and "left" in body["notes"]
    assert_error(api_.post("/measures/{}/end".format(reflection)), 400, "invalid_transition")
    assert ProtectionMeasure.objects.filter(person=w.child).count() == 4


# --- children, return and reintegration ------------------------------------------------------


def test_child_return_journey(clock: time_machine.Traveller, w: SimpleNamespace) -> None:
    api_ = Api(w.owner)
    child = w.child.pseudonym
    status, body = api_.post(
        "/persons/{}/guardians".format(child),
        {"appointed_on": "2026-01-16", "name": "Mr T. Dube", "organisation_id": w.welfare.pk},
    )
    assert status == 201 and body["named"] and "Dube" not in json.dumps(body)
    assert_error(
        api_.post("/persons/{}/guardians".format(child), {"appointed_on": "2026-01-16"}),
        400,
        "guardian_required",
    )
    assert_error(
        api_.post(
            "/persons/{}/guardians".format(w.suspect.pseudonym),
            {"appointed_on": "2026-01-16", "name": "X"},
        ),
        400,
        "not_a_child",
    )
    status, body = api_.post(
        "/persons/{}/best-interest".format(child),
        {
            "decided_on": "2026-03-01",
            "return_in_best_interest": False,
            "reasoning": "Threats reported",
            "decided_by_id": w.welfare.pk,
        },
    )
    assert status == 201 and body["decided_by"]["name"] == "Social Welfare"
    assert_error(
        api_.post(
            "/persons/{}/best-interest".format(child),
            {
                "decided_on": "2026-03-01",
                "return_in_best_interest": True,
                "reasoning": " ",
                "decided_by_id": w.welfare.pk,
            },
        ),
        400,
        "reason_required",
    )
    status, body = api_.post(
        "/persons/{}/returns".format(child),
        {"destination": "ZWE", "risk_level": "high", "risk_assessment": "Trafficker at large"},
    )
    assert status == 201 and body["status"] == "planned" and body["destination"] == "ZWE"
    unconsented = body["id"]
    assert_error(api_.post("/returns/{}/decide".format(unconsented)), 400, "consent_required")
    assert_error(
        api_.post("/returns/{}/decide".format(w.ret.pk), {"decided_on": "2026-03-02"}),
        400,
        "best_interest_against_return",
    )
    assert_error(
        api_.post("/returns/{}/complete".format(w.ret.pk), {"return_date": "2026-03-02"}),
        400,
        "invalid_transition",
    )
    status, body = api_.post("/returns/{}/decide".format(w.ret.pk), {"decided_on": "2026-02-10"})
    assert status == 200 and body["status"] == "decided"
    assert body["best_interest_determination_id"] == w.bid.pk
    assert_error(
        api_.post("/returns/{}/complete".format(w.ret.pk), {"return_date": "2026-02-01"}),
        400,
        "invalid_date",
    )
    status, body = api_.post("/returns/{}/complete".format(w.ret.pk), {"return_date": "2026-02-20"})
    assert status == 200 and body["status"] == "completed" and body["return_date"] == "2026-02-20"
    assert_error(
        api_.post(
            "/persons/{}/returns".format(child),
            {"destination": "ZWE", "risk_level": "extreme", "risk_assessment": "x"},
        ),
        400,
        "unknown_code",
    )
    assert_error(
        api_.post(
            "/persons/{}/returns".format(child),
            {"destination": "ZWE", "risk_level": "low", "risk_assessment": ""},
        ),
        400,
        "risk_assessment_required",
    )
    assert_error(
        api_.post(
            "/persons/{}/returns".format(child),
            {
                "destination": "ZWE",
                "risk_level": "low",
                "risk_assessment": "x",
                "receiving_authority_id": 10**8,
            },
        ),
        400,
        "unknown_authority",
    )
    assert Return.objects.filter(person=w.child).count() == 2

    status, body = api_.post("/persons/{}/follow-ups".format(child), {"planned_on": "2026-06-20"})
    assert (
        status == 201
        and body["done_on"] is None
        and body["organisation"]["name"] == "Shelter Gaborone"
    )
    status, body = api_.post(
        "/follow-ups/{}/record".format(body["id"]),
        {"done_on": "2026-06-21", "outcome": "Recruited again", "retrafficked": True},
    )
    assert status == 200 and body["retrafficked"] is True
    assert_error(
        api_.post(
            "/follow-ups/{}/record".format(w.visit.pk), {"done_on": "2099-01-01", "outcome": "x"}
        ),
        400,
        "date_in_future",
    )
    timeline = api_.get("/{}".format(w.case.pk))[1]["timeline"]
    assert any("re-trafficked" in e["text"] for e in timeline)


def test_support_plans(clock: time_machine.Traveller, w: SimpleNamespace) -> None:
    api_ = Api(w.owner)
    url = "/persons/{}/support-plans".format(w.child.pseudonym)
    status, body = api_.post(
        url, {"plan_type": "Education", "objectives": "Back to school", "planned_end": "2027-01-01"}
    )
    assert status == 201 and body["plan_type"] == "Education" and body["actual_end"] is None
    assert_error(api_.post(url, {"plan_type": "Luxury"}), 400, "unknown_code")
    person = api_.get("/persons/{}".format(w.child.pseudonym))[1]
    assert [p["objectives"] for p in person["support_plans"]] == ["Back to school"]


# --- what outputs never contain --------------------------------------------------------------


def test_outputs_name_no_model_whole_and_identity_only_in_identity(
    clock: time_machine.Traveller, w: SimpleNamespace
) -> None:
    """No output schema carries ciphertext or identity fields except the identity endpoint."""
    schemas = api.get_openapi_schema()["components"]["schemas"]
    for name, schema in schemas.items():
        props = set(schema.get("properties", {}))
        assert not {p for p in props if "ciphertext" in p}, name
        if name.endswith("Out") and name != "IdentityOut":
            assert not props & {
                "first_name",
                "second_name",
                "birthdate",
                "aliases",
                "mobile_phone",
            }, name


def test_session_login_works_like_a_token(
    clock: time_machine.Traveller, w: SimpleNamespace, client: Client
) -> None:
    client.force_login(w.owner)
    resp = client.get(BASE + "/")
    assert resp.status_code == 200 and resp.json()["count"] == 1
    client.logout()
    body = client.get(BASE + "/").json()
    assert body == {"detail": body["detail"], "code": "not_authenticated"}


def test_case_detail_queries_do_not_grow_with_persons(
    clock: time_machine.Traveller, make_user: Callable[..., User]
) -> None:
    """The detail and the case page load each kind of record once for all persons."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    worker = make_user("case_worker", org="Shelter", country="BWA", kind="ngo")
    client = Client()
    client.force_login(worker)
    case = s.case_open(actor=worker, opened_on=dt.date(2026, 1, 1))

    def add_person() -> None:
        person = s.person_add(
            actor=worker, case=case, role="presumed_victim", age_at_registration=30
        )
        s.movement_add(actor=worker, person=person, event_type="Recruitment", country="NGA")

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add_person()
    one = [queries("/api/v1/cases/{}".format(case.pk)), queries("/cases/{}/".format(case.pk))]
    for _ in range(3):
        add_person()
    four = [queries("/api/v1/cases/{}".format(case.pk)), queries("/cases/{}/".format(case.pk))]
    assert four == one
