"""Decisions on matches between nodes carry over to the next exercise with the same node
(issue 16): the pairs each node names with its new encodings, what the matching node makes of
them, and labels that make no sense refused. Both nodes' sides are in this one database here
(each exercise belongs to one side); test_nodes.py runs two real nodes."""

from __future__ import annotations

import base64
import datetime as dt
import html
import uuid
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from palermo.cases import services as cases
from palermo.cases.models import Person
from palermo.cooperation import services, signing
from palermo.cooperation.models import Node
from palermo.cooperation.transport import NodeRefusal
from palermo.core.choices import Role
from palermo.core.models import User
from palermo.linkage import decisions, exchange, inbound, pprl
from palermo.linkage.models import Decision, Encoding, Exercise, ExercisePerson, Match, Status
from palermo.linkage.models import Role as Side

pytestmark = pytest.mark.django_db


@pytest.fixture
def bravo() -> Node:
    return services.node_add(
        name="bravo", url="http://127.0.0.1:9", public_key=signing.node_public_key(), country="ZAF"
    )


@pytest.fixture
def persons(make_user: Callable[..., User]) -> list[Person]:
    worker = make_user(Role.CASE_WORKER, org="Nigeria Police Force", country="NGA")
    case = cases.case_open(actor=worker, title="Shelter", opened_on=dt.date(2026, 1, 10))
    return [cases.person_add(actor=worker, case=case, role="presumed_victim") for _i in range(3)]


def _exercise(node: Node, role: str = Side.INITIATOR) -> Exercise:
    return Exercise.objects.create(
        node=node, role=role, status=Status.MATCHED, parameters={}, created_at=timezone.now()
    )


def test_a_node_names_with_a_persons_new_encoding_the_pairs_it_was_in(
    bravo: Node, persons: list[Person]
) -> None:
    first = _exercise(bravo)
    x_then = ExercisePerson.objects.create(exercise=first, person=persons[0])
    Match.objects.create(
        exercise=first, ours=x_then, theirs="L-THEIRS", probability=0.9,
        decision=Decision.CONFIRMED,
    )  # fmt: skip
    other_node = services.node_add(
        name="charlie", url="http://127.0.0.1:8", public_key=signing.node_public_key()
    )
    elsewhere = _exercise(other_node)
    Match.objects.create(
        exercise=elsewhere,
        ours=ExercisePerson.objects.create(exercise=elsewhere, person=persons[0]),
        theirs="L-C",
        probability=0.9,
    )
    second = _exercise(bravo)
    x_now = ExercisePerson.objects.create(exercise=second, person=persons[0])
    ExercisePerson.objects.create(exercise=second, person=persons[1])  # in no earlier pair
    assert decisions.labels_for(second) == {
        x_now.pseudonym: [[str(first.pk), x_then.pseudonym, "L-THEIRS", "confirmed"]]
    }


@pytest.mark.parametrize(
    ("mine", "theirs", "expected"),
    [
        (Decision.PENDING, Decision.CONFIRMED, Decision.CONFIRMED),
        (Decision.REJECTED, Decision.PENDING, Decision.REJECTED),
        (Decision.CONFIRMED, Decision.CONFIRMED, Decision.CONFIRMED),
        (Decision.REJECTED, Decision.CONFIRMED, None),  # contradicting: both review it again
        (Decision.PENDING, Decision.PENDING, None),
    ],
)
def test_the_matching_node_finds_its_side_of_an_earlier_pair(
    bravo: Node, persons: list[Person], mine: str, theirs: str, expected: str | None
) -> None:
    first = _exercise(bravo, Side.RESPONDER)
    y_then = ExercisePerson.objects.create(exercise=first, person=persons[1])
    Match.objects.create(
        exercise=first, ours=y_then, theirs="L-X-THEN", probability=0.7, decision=mine
    )
    second = _exercise(bravo, Side.RESPONDER)
    here = [
        ExercisePerson.objects.create(exercise=second, person=p) for p in (persons[2], persons[1])
    ]
    ours = [Encoding(exercise=second, ours=True, pseudonym=p.pseudonym, data={}) for p in here]
    label = [str(first.pk), "L-X-THEN", y_then.pseudonym, theirs]
    there = [
        Encoding(exercise=second, ours=False, pseudonym="L-NEW-0", data={}),
        Encoding(exercise=second, ours=False, pseudonym="L-NEW-1", data={}, labels=[label]),
    ]
    found = decisions.carried(second, ours, there)
    assert found == ({(1, 1): expected} if expected else {})
    # A label naming a pair this node never had is nothing.
    there[1].labels = [[str(first.pk), "L-X-THEN", "L-OTHER", Decision.CONFIRMED]]
    assert decisions.carried(second, ours, there) == {}


def test_earlier_pairs_that_make_no_sense_are_refused(bravo: Node) -> None:
    exercise = Exercise.objects.create(
        pk=uuid.uuid4(), node=bravo, role=Side.RESPONDER, status=Status.ACCEPTED,
        parameters=pprl.parameters(pprl.Exercise.new()),
    )  # fmt: skip
    good = base64.b64encode(bytes(int(exercise.parameters["bits"]) // 8)).decode()
    part = {"exercise": str(exercise.pk), "part": 1, "parts": 2}  # the last would be matched
    for labels in (
        "all",
        [["not-a-uuid", "L-1", "L-2", "confirmed"]],
        [[str(uuid.uuid4()), "L-1", "L-2", "maybe"]],
        [[str(uuid.uuid4()), "L-1", "x" * 40, "confirmed"]],
        [[str(uuid.uuid4()), "L-1", "L-2"]],
        [[str(uuid.uuid4()), "L-1", "L-2", "confirmed"]] * (decisions.MAX_LABELS + 1),
    ):
        record = {"p": "L-1", "e": {"grams": good}, "k": labels}
        with pytest.raises(NodeRefusal) as refused:
            inbound.inbound_apply(
                bravo,
                {"kind": exchange.KIND_ENCODINGS, "payload": {**part, "records": [record]}},
                timezone.now(),
            )
        assert "earlier pairs" in refused.value.detail
    assert not Encoding.objects.exists()
    label = [str(uuid.uuid4()), "L-1", "L-2", "rejected"]
    inbound.inbound_apply(
        bravo,
        {
            "kind": exchange.KIND_ENCODINGS,
            "payload": {**part, "records": [{"p": "L-1", "e": {"grams": good}, "k": [label]}]},
        },
        timezone.now(),
    )
    assert Encoding.objects.get().labels == [label]


def test_a_pair_confirmed_before_comes_back_confirmed_from_the_matching_node(
    bravo: Node, persons: list[Person]
) -> None:
    mine = Exercise.objects.create(
        node=bravo, role=Side.INITIATOR, status=Status.ENCODED, parameters={}
    )
    person = ExercisePerson.objects.create(exercise=mine, person=persons[0])
    inbound.inbound_apply(
        bravo,
        {
            "kind": exchange.KIND_MATCHES,
            "payload": {
                "exercise": str(mine.pk),
                "threshold": 0.4,
                "matches": [[person.pseudonym, "L-B", 0.8, "confirmed"]],
            },
        },
        timezone.now(),
    )
    match = Match.objects.get(exercise=mine)
    assert match.decision == Decision.CONFIRMED
    assert match.reason == exchange.CARRIED_REASON and match.decided_by is None


def test_a_carried_decision_reads_in_the_reviewers_language(
    bravo: Node, make_user: Callable[..., User]
) -> None:
    worker = make_user(Role.CASE_WORKER, org="Nigeria Police Force", country="NGA", language="fr")
    case = cases.case_open(actor=worker, title="Shelter", opened_on=dt.date(2026, 1, 10))
    person = cases.person_add(actor=worker, case=case, role="presumed_victim")
    exercise = _exercise(bravo)
    match = Match.objects.create(
        exercise=exercise,
        ours=ExercisePerson.objects.create(exercise=exercise, person=person),
        theirs="L-B",
        probability=0.8,
        decision=Decision.CONFIRMED,
        reason=exchange.CARRIED_REASON,
        decided_at=timezone.now(),
    )
    client = Client()
    client.force_login(worker)
    page = html.unescape(client.get("/linkage/matches/{}/".format(match.pk)).content.decode())
    assert "Confirmée lors d'un exercice précédent avec ce nœud." in page
