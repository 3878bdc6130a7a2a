"""Linkage exercises on one node (issue 16): who may run them, and every message from another
node that makes no sense refused with nothing stored. The whole exercise between two real
nodes is test_nodes.py."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from palermo.cases import services as cases
from palermo.cooperation import services, signing
from palermo.cooperation.models import Node, OutboundMessage
from palermo.cooperation.transport import NodeRefusal
from palermo.core.choices import Role
from palermo.core.crypto import decrypt_text, encrypted_data_check, registered_rotations
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import User
from palermo.linkage import exchange, inbound, pprl, records, review
from palermo.linkage.models import Decision, Encoding, Exercise, ExercisePerson, Match, Status

pytestmark = pytest.mark.django_db

ORG = "Nigeria Police Force"
PUBLIC = base64.b64encode(b"k" * 32).decode()


@pytest.fixture
def bravo() -> Node:
    return services.node_add(
        name="bravo",
        url="http://127.0.0.1:9",
        public_key=signing.node_public_key(),
        country="ZAF",
    )


@pytest.fixture
def coordinator(make_user: Callable[..., User]) -> User:
    return make_user(Role.NATIONAL_COORDINATOR, org=ORG, country="NGA")


def _apply(node: Node, kind: str, payload: dict[str, Any]) -> None:
    inbound.inbound_apply(node, {"kind": kind, "payload": payload}, timezone.now())


def _proposed(node: Node) -> Exercise:
    exercise_id = uuid.uuid4()
    _apply(
        node,
        exchange.KIND_PROPOSE,
        {
            "exercise": str(exercise_id),
            "public": PUBLIC,
            "parameters": pprl.parameters(pprl.Exercise.new()),
        },
    )
    return Exercise.objects.get(pk=exercise_id)


def test_only_national_coordinators_propose_accept_or_decline(
    bravo: Node, make_user: Callable[..., User], coordinator: User
) -> None:
    investigator = make_user(Role.INVESTIGATOR, org=ORG, country="NGA")
    with pytest.raises(ForbiddenError, match="national coordinators"):
        exchange.exercise_propose(actor=investigator, node=bravo)
    exercise = _proposed(bravo)
    with pytest.raises(ForbiddenError):
        exchange.exercise_accept(actor=investigator, exercise=exercise)
    proposed = exchange.exercise_propose(actor=coordinator, node=bravo)
    assert proposed.role == "initiator" and proposed.private_key
    message = OutboundMessage.objects.get(kind=exchange.KIND_PROPOSE)
    assert message.payload["exercise"] == str(proposed.pk)
    assert len(base64.b64decode(message.payload["public"])) == 32
    assert proposed.private_key not in json.dumps(message.payload)
    # Only an exercise the other node proposed is accepted, once.
    with pytest.raises(ApplicationError, match="proposed by another node"):
        exchange.exercise_accept(actor=coordinator, exercise=proposed)


def test_a_proposal_is_declined_with_a_reason(bravo: Node, coordinator: User) -> None:
    exercise = _proposed(bravo)
    assert (exercise.role, exercise.status) == ("responder", Status.PROPOSED)
    with pytest.raises(ApplicationError, match="Say why"):
        exchange.exercise_decline(actor=coordinator, exercise=exercise, reason=" ")
    exchange.exercise_decline(actor=coordinator, exercise=exercise, reason="No legal basis yet.")
    exercise.refresh_from_db()
    assert exercise.status == Status.DECLINED
    assert OutboundMessage.objects.filter(kind=exchange.KIND_DECLINE).count() == 1


def test_accepting_encodes_the_persons_here_and_keeps_no_secret(
    bravo: Node, coordinator: User, make_user: Callable[..., User]
) -> None:
    worker = make_user(Role.CASE_WORKER, org=ORG, country="NGA")
    case = cases.case_open(actor=worker, title="Shelter", opened_on=dt.date(2026, 1, 10))
    cases.person_add(
        actor=worker,
        case=case,
        role="presumed_victim",
        identity={"first_name": "Amina", "second_name": "Diallo", "birthdate": "1994-03-12"},
        gender="Feminine",
        citizenship=["SEN"],
    )
    cases.person_add(actor=worker, case=case, role="presumed_victim", age_at_registration=17)
    exercise = _proposed(bravo)
    exchange.exercise_accept(actor=coordinator, exercise=exercise)
    exercise.refresh_from_db()
    assert exercise.status == Status.ACCEPTED and exercise.private_key == ""
    assert exercise.persons == 1  # the person without an identity is not encoded
    (encoding,) = Encoding.objects.filter(exercise=exercise, ours=True)
    assert "amina" not in json.dumps(encoding.data).casefold()
    assert {"grams", "d_full", "sex", "citizenship"} <= set(encoding.data)
    answer = OutboundMessage.objects.get(kind=exchange.KIND_ACCEPT)
    assert set(answer.payload) == {"exercise", "public"}


def _refused(node: Node, kind: str, payload: dict[str, Any], code: str = "invalid_content") -> str:
    with pytest.raises(NodeRefusal) as caught:
        _apply(node, kind, payload)
    assert caught.value.code == code
    return caught.value.detail


def test_messages_that_make_no_sense_are_refused(
    bravo: Node, coordinator: User, make_user: Callable[..., User]
) -> None:
    params = pprl.parameters(pprl.Exercise.new())
    _refused(
        bravo,
        exchange.KIND_PROPOSE,
        {"exercise": str(uuid.uuid4()), "public": "bm90IGEga2V5", "parameters": params},
    )
    _refused(
        bravo,
        exchange.KIND_PROPOSE,
        {"exercise": "x", "public": PUBLIC, "parameters": params},
    )
    _refused(
        bravo,
        exchange.KIND_PROPOSE,
        {"exercise": str(uuid.uuid4()), "public": PUBLIC, "parameters": {**params, "bits": 7}},
    )
    exercise = _proposed(bravo)
    _refused(
        bravo,
        exchange.KIND_PROPOSE,
        {"exercise": str(exercise.pk), "public": PUBLIC, "parameters": params},
        "conflict",
    )
    _refused(bravo, exchange.KIND_ACCEPT, {"exercise": str(uuid.uuid4())}, "unknown_request")
    # Encodings before the exercise is accepted here; then out of order; then not encodings.
    part = {"exercise": str(exercise.pk), "part": 1, "parts": 2, "records": []}
    _refused(bravo, exchange.KIND_ENCODINGS, part, "conflict")
    Exercise.objects.filter(pk=exercise.pk).update(status=Status.ACCEPTED)
    _refused(bravo, exchange.KIND_ENCODINGS, {**part, "part": 2})
    bits = int(params["bits"])
    good = base64.b64encode(bytes(bits // 8)).decode()
    for record, column in (
        ({"p": "L-1", "e": {"given_name": "Amina"}}, "given_name"),
        ({"p": "L-1", "e": {"grams": base64.b64encode(b"short").decode()}}, "grams"),
        ({"p": "L-1", "e": {"doc": "AB123"}}, "doc"),
        ({"p": "L-1", "e": {"d_years": [1, "x"]}}, "d_years"),
        ({"p": "L-1", "e": {"name_count": 99}}, "name_count"),
        ({"p": "L-1", "e": {"name_class": pprl.MAX_CLASS + 1}}, "name_class"),
        ({"p": "L-1", "e": {"name_class": True}}, "name_class"),
    ):
        detail = _refused(bravo, exchange.KIND_ENCODINGS, {**part, "records": [record]})
        assert column in detail and "Amina" not in detail and "AB123" not in detail
    _refused(bravo, exchange.KIND_ENCODINGS, {**part, "records": [{"e": {"grams": good}}]})
    assert not Encoding.objects.exists()
    twice = [{"p": "L-1", "e": {"grams": good}}] * 2
    assert "twice" in _refused(bravo, exchange.KIND_ENCODINGS, {**part, "records": twice})
    _apply(
        bravo, exchange.KIND_ENCODINGS, {**part, "records": [{"p": "L-1", "e": {"grams": good}}]}
    )
    assert Encoding.objects.filter(ours=False).count() == 1
    again = {**part, "part": 2, "records": [{"p": "L-1", "e": {"grams": good}}]}
    assert "twice" in _refused(bravo, exchange.KIND_ENCODINGS, again)
    # Matches only for an exercise proposed here, naming its pseudonyms.
    mine = exchange.exercise_propose(actor=coordinator, node=bravo)
    Exercise.objects.filter(pk=mine.pk).update(status=Status.ENCODED)
    _refused(
        bravo,
        exchange.KIND_MATCHES,
        {"exercise": str(mine.pk), "threshold": 0.5, "matches": [["L-NOPE", "L-2", 0.9]]},
    )
    _refused(bravo, exchange.KIND_MATCHES, {"exercise": str(mine.pk), "matches": "all"})
    worker = make_user(Role.CASE_WORKER, org=ORG, country="NGA")
    case = cases.case_open(actor=worker, title="Shelter", opened_on=dt.date(2026, 1, 10))
    person = ExercisePerson.objects.create(
        exercise=mine, person=cases.person_add(actor=worker, case=case, role="presumed_victim")
    )
    pair = [person.pseudonym, "L-2", 0.9]
    matches = {"exercise": str(mine.pk), "threshold": 0.5, "matches": [pair, pair]}
    assert "twice" in _refused(bravo, exchange.KIND_MATCHES, matches)
    _apply(bravo, exchange.KIND_MATCHES, {**matches, "matches": [pair]})
    assert Match.objects.filter(exercise=mine).count() == 1


def test_wire_form_keeps_the_encodings() -> None:
    rows = [
        {"rec_id": "1", "given_name": "Amina", "family_name": "Diallo", "dob": "1994-03-12"},
        {"rec_id": "2", "given_name": "Oleg", "doc_no": "AB 12345", "age_est": "30",
         "reg_date": "2024-01-01"},
    ]  # fmt: skip
    exercise = pprl.Exercise.new()
    encoded = pprl.encode(
        records.local_columns([records.Record("a", r["rec_id"], r) for r in rows]), exercise
    )
    back = pprl.from_wire(
        [pprl.to_wire(encoded, i, exercise.bits) for i in range(2)], exercise.bits, "there"
    )
    for column, values in back.items():
        if column != "source":
            assert values == encoded[column], column


def test_the_command_runs_and_reviews_an_exercise(
    bravo: Node,
    coordinator: User,
    make_user: Callable[..., User],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    worker = make_user(Role.CASE_WORKER, org=ORG, country="NGA", username="worker")
    investigator = make_user(Role.INVESTIGATOR, org=ORG, country="NGA", username="inv")
    outsider = make_user(Role.INVESTIGATOR, org="Lagos State Police", country="NGA")
    case = cases.case_open(actor=worker, title="Shelter", opened_on=dt.date(2026, 1, 10))
    person = cases.person_add(
        actor=worker, case=case, role="presumed_victim", identity={"first_name": "Amina"}
    )
    call_command("linkage", "run", "bravo", "--as", coordinator.username)
    exercise = Exercise.objects.get()
    assert str(exercise.pk) in capsys.readouterr().out
    with pytest.raises(CommandError, match="No active node"):
        call_command("linkage", "run", "nowhere", "--as", coordinator.username)
    with pytest.raises(CommandError, match="No linkage exercise"):
        call_command("linkage", "accept", str(uuid.uuid4()), "--as", coordinator.username)
    call_command("linkage", "status", "--as", coordinator.username, "--format", "json")
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["node"], row["status"]) == ("bravo", "proposed")
    # Matches as the other node would send them (see test_nodes.py for the real exchange).
    ours = ExercisePerson.objects.create(exercise=exercise, person=person)
    Exercise.objects.filter(pk=exercise.pk).update(status=Status.MATCHED, threshold=0.6)
    match = Match.objects.create(exercise=exercise, ours=ours, theirs="L-THEIRS", probability=0.9)
    Match.objects.create(exercise=exercise, ours=ours, theirs="L-OTHER", probability=0.3)
    call_command("linkage", "status", str(exercise.pk), "--as", "inv", "--format", "json")
    rows = json.loads(capsys.readouterr().out)
    assert [(r["theirs"], r["band"]) for r in rows] == [
        ("L-THEIRS", "probable"),
        ("L-OTHER", "uncertain"),
    ]
    assert rows[0]["person"] == person.pseudonym
    assert not review.matches_visible(outsider, exercise)
    with pytest.raises(NotFoundError):
        review.match_decide(actor=outsider, match=match, decision="confirmed", reason="x")
    with pytest.raises(ApplicationError, match="Only a confirmed match"):
        review.match_request(actor=investigator, match=match)
    with pytest.raises(CommandError, match="reason"):
        call_command("linkage", "review", str(match.pk), "confirmed", "--reason", " ",
                     "--as", "inv")  # fmt: skip
    call_command(
        "linkage", "review", str(match.pk), "confirmed", "--reason", "Same passport photo.",
        "--request", "--as", "inv",
    )  # fmt: skip
    out = capsys.readouterr().out
    match.refresh_from_db()
    assert match.decision == Decision.CONFIRMED and match.request is not None
    assert match.request.requester_reference in out
    assert match.request.type == "information" and match.request.node == bravo
    assert "L-THEIRS" in match.request.subject
    with pytest.raises(ApplicationError, match="has a request"):
        review.match_request(actor=investigator, match=match)


def test_a_waiting_private_key_is_rotated_and_checked_with_the_node_s_data(
    bravo: Node, coordinator: User
) -> None:
    exercise = exchange.exercise_propose(actor=coordinator, node=bravo)
    before = exercise.private_key
    assert encrypted_data_check()["linkage exercise keys"] == (1, 0)
    assert dict(registered_rotations())["linkage exercise keys"]() == 1
    exercise.refresh_from_db()
    assert exercise.private_key != before
    assert decrypt_text(exercise.private_key) == decrypt_text(before)


def test_an_exercise_too_small_to_learn_from_says_so_on_its_page(
    bravo: Node, coordinator: User, client: Client
) -> None:
    exercise = exchange.exercise_propose(actor=coordinator, node=bravo)
    Exercise.objects.filter(pk=exercise.pk).update(status=Status.ENCODED)
    _apply(bravo, exchange.KIND_MATCHES, {"exercise": str(exercise.pk), "matches": []})
    client.force_login(coordinator)
    page = client.get("/linkage/{}/".format(exercise.pk)).content.decode()
    assert 'id="too-few"' in page and "too few for the model" in page
    Exercise.objects.filter(pk=exercise.pk).update(threshold=0.6)
    assert 'id="too-few"' not in client.get("/linkage/{}/".format(exercise.pk)).content.decode()
