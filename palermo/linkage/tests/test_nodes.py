"""A linkage exercise between two real nodes (issue 16): this test process (node "local", a
Nigerian authority) and a second Palermo node run as subprocesses (node "bravo", South Africa),
over the signed transport. Both hold persons registered from FEBRL 4a and 4b (80 of them the
same persons, written differently), and one person in Cyrillic here and in Latin there.

They find the shared persons through encodings alone: no message of the exercise, in either
direction, holds a name, a date, a document number or a record's id (checked in both nodes'
stored messages, as sent on the wire). A reviewer here confirms a match, starts a cooperation
request from it and sends it; bravo receives it, naming its own record by the pseudonym."""

from __future__ import annotations

import base64
import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine

from palermo.cases import services as cases
from palermo.cooperation import services, signing
from palermo.cooperation.models import InboundMessage, Node, OutboundMessage, Request
from palermo.cooperation.nodeproc import free_port, node_run, node_spawn, node_start, node_stop
from palermo.cooperation.tests.nodes import BRAVO_AUTHORITY, InboxPump, bravo_data_dir, node_env
from palermo.core.choices import Role
from palermo.core.models import User
from palermo.linkage import exchange, pprl, review
from palermo.linkage.models import Decision, Exercise, Status
from palermo.linkage.tests.test_files import febrl_rows

pytestmark = [pytest.mark.django_db, pytest.mark.nodes]

SHARED = 80
OWN = 70
ORG = "Nigeria Police Force"
CYRILLIC = {"first_name": "Олександр", "second_name": "Шевченко", "birthdate": "1979-12-01"}
LATIN = {"first_name": "Oleksandr", "second_name": "Shevchenko", "birthdate": "1979-12-01"}

BRAVO_SEED = """
import json
from palermo.cases import services as cases
from palermo.core.services import user_create
org = {org!r}
for name, role in (("brvc", "national_coordinator"), ("brvw", "case_worker")):
    user_create(
        actor=None, username=name, organisation=org, role=role, password="x" * 20, system=True
    )
from palermo.core.models import User
worker = User.objects.get(username="brvw")
case = cases.case_open(actor=worker, title="Johannesburg shelter")
for pseudonym, identity in json.loads({persons!r}):
    cases.person_add(
        actor=worker, case=case, role="presumed_victim", identity=identity, pseudonym=pseudonym
    )
"""


def _identity(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "first_name": row["given_name"],
        "second_name": row["family_name"],
        "identity_number": row["doc_no"],
    }
    if row["dob"]:
        out["birthdate"] = dt.datetime.strptime(row["dob"], "%Y%m%d").date().isoformat()  # noqa: DTZ007
    return {k: v.strip() for k, v in out.items() if v and v.strip()}


def _persons() -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, dict[str, Any]]]]:
    """(pseudonym, identity) of the persons here and there: SHARED persons in both (4a here,
    4b there), OWN more in each, and the Shevchenko pair."""
    a_rows = {r["rec_id"].split("-")[1]: r for r in febrl_rows("dataset4a.csv")}
    b_rows = {r["rec_id"].split("-")[1]: r for r in febrl_rows("dataset4b.csv")}
    ids = sorted(set(a_rows) & set(b_rows), key=int)
    shared, only_here, only_there = (
        ids[:SHARED],
        ids[SHARED : SHARED + OWN],
        ids[SHARED + OWN : SHARED + 2 * OWN],
    )
    here = [("P-F{}".format(i), _identity(a_rows[i])) for i in shared + only_here]
    there = [("P-F{}".format(i), _identity(b_rows[i])) for i in shared + only_there]
    here.append(("P-UKR1", CYRILLIC))
    there.append(("P-UKR1", LATIN))
    return here, there


def _wire_texts(value: object, bits: int, key: str = "") -> Iterator[str]:
    """Every text in the messages, casefolded, but the Bloom filters and public keys, which
    are checked to be only what they are (a bitmap of the exercise's size, a 32-byte key)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k.casefold()
            yield from _wire_texts(v, bits, k)
    elif isinstance(value, list):
        for v in value:
            yield from _wire_texts(v, bits, key)
    elif isinstance(value, str):
        if key in pprl.FILTER_KEYS:
            assert len(base64.b64decode(value, validate=True)) == bits // 8
        elif key == "public":
            assert len(base64.b64decode(value, validate=True)) == 32
        else:
            yield value.casefold()
    else:  # keyed hashes, counts, probabilities, part numbers
        assert value is None or isinstance(value, int | float), key


def _bravo_rows(env: dict[str, str], query: str) -> list[sqlite3.Row]:
    with sqlite3.connect(Path(env["PALERMO_DATA_DIR"]) / "node.sqlite3") as db:
        db.row_factory = sqlite3.Row
        return db.execute(query).fetchall()


@pytest.fixture
def pump() -> Iterator[InboxPump]:
    inbox = InboxPump()
    yield inbox
    inbox.close()


def _whose(env: dict[str, str]) -> dict[str, str]:
    """Bravo's exercise pseudonyms and the persons they stand for (bravo's own table)."""
    return {
        r["pseudonym"]: r["person"]
        for r in _bravo_rows(
            env,
            "SELECT e.pseudonym AS pseudonym, p.pseudonym AS person FROM "
            "linkage_exerciseperson e JOIN cases_person p ON p.id = e.person_id",
        )
    }


def _exercise_run(
    env: dict[str, str], port: int, pump: InboxPump, coordinator: User, bravo: Node
) -> Exercise:
    """One exercise between this node and bravo (started for it, stopped after), to the end."""
    server = node_start(env, port)
    worker_proc = node_spawn(env, "cooperation", "deliver", "--loop", "--interval", "0.2")
    try:
        exercise = exchange.exercise_propose(actor=coordinator, node=bravo)
        assert services.outbox_deliver().acknowledged == 1
        # Bravo's coordinator accepts: bravo encodes its persons and answers with its key; this
        # node then encodes its own and sends them in parts.
        pump.run(env, "linkage", "accept", str(exercise.pk), "--as", "brvc")
        pump.serve(until=lambda: Exercise.objects.get(pk=exercise.pk).status == Status.ENCODED)
        assert services.outbox_deliver().acknowledged >= 2
        pump.serve(until=lambda: Exercise.objects.get(pk=exercise.pk).status == Status.MATCHED)
        exercise.refresh_from_db()
    finally:
        node_stop(worker_proc)
        node_stop(server)
    return exercise


def test_two_nodes_find_shared_persons_through_encodings_alone(
    clock: time_machine.Traveller,
    tmp_path: Path,
    bravo_node: tuple[Path, str],
    make_user: Callable[..., User],
    pump: InboxPump,
) -> None:
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org=ORG, country="NGA")
    worker = make_user(Role.CASE_WORKER, org=ORG, country="NGA")
    investigator = make_user(Role.INVESTIGATOR, org=ORG, country="NGA")
    outsider = make_user(Role.INVESTIGATOR, org="Lagos State Police", country="NGA")
    here, there = _persons()
    case = cases.case_open(actor=worker, title="Lagos referral", opened_on=dt.date(2026, 1, 10))
    for pseudonym, identity in here:
        cases.person_add(
            actor=worker, case=case, role="presumed_victim", identity=identity, pseudonym=pseudonym
        )

    template, bravo_key = bravo_node
    env = node_env(bravo_data_dir(template, tmp_path / "bravo"))
    node_run(
        env, "nodes", "add", "local", pump.url, "--key", signing.node_public_key(),
        "--country", "NGA",
    )  # fmt: skip
    node_run(env, "shell", "-c", BRAVO_SEED.format(org=BRAVO_AUTHORITY, persons=json.dumps(there)))
    port = free_port()
    bravo = services.node_add(
        name="bravo", url="http://127.0.0.1:{}".format(port), public_key=bravo_key, country="ZAF"
    )
    exercise = _exercise_run(env, port, pump, coordinator, bravo)
    assert exercise.persons == len(here)
    assert exercise.private_key == ""  # erased once the secret was derived

    # The matches: bravo's pseudonyms are made for the exercise; bravo's own table says whose.
    whose = _whose(env)
    assert exercise.threshold is not None
    found = {
        (m.ours.person.pseudonym, whose[m.theirs])
        for m in exercise.matches.select_related("ours__person")
        if m.probability >= exercise.threshold
    }
    truth = {(p, p) for p, _identity in here if p in dict(there)}
    assert len(truth) == SHARED + 1
    right = found & truth
    assert len(right) >= 0.95 * len(truth), (len(right), len(found))
    assert len(found - truth) <= 0.05 * len(truth)
    assert ("P-UKR1", "P-UKR1") in found
    # Bravo holds the same pairs; the encodings are erased on both sides.
    assert len(_bravo_rows(env, "SELECT * FROM linkage_match")) == exercise.matches.count()
    assert not _bravo_rows(env, "SELECT * FROM linkage_encoding")

    # On the wire: every linkage message, sent or received, on both nodes.
    payloads = [
        m.payload
        for model in (OutboundMessage, InboundMessage)
        for m in model.objects.filter(kind__startswith="linkage.")
    ] + [
        json.loads(r["payload"])
        for table in ("cooperation_outboundmessage", "cooperation_inboundmessage")
        for r in _bravo_rows(
            env,
            "SELECT payload FROM {} WHERE kind LIKE 'linkage.%'".format(table),  # noqa: S608
        )
    ]
    kinds = {k for (k,) in OutboundMessage.objects.values_list("kind")} | {
        r["kind"] for r in _bravo_rows(env, "SELECT kind FROM cooperation_outboundmessage")
    }
    assert {exchange.KIND_PROPOSE, exchange.KIND_ACCEPT, exchange.KIND_ENCODINGS} <= kinds
    assert exchange.KIND_MATCHES in kinds
    identifying = {
        str(v).casefold()
        for _p, identity in here + there
        for v in identity.values()
        if len(str(v)) >= 4
    }
    identifying |= {p.casefold() for p, _identity in here + there}
    identifying |= {str(p.pk) for p in case.persons.all()}
    texts = list(_wire_texts(payloads, int(exercise.parameters["bits"])))
    assert len(texts) > 100  # pseudonyms, ids, kinds: what is read as text
    leaked = sorted(v for v in identifying for text in texts if v in text)
    assert not leaked, leaked[:5]

    # Review: an investigator of the organisation holding the person sees the match; another
    # organisation's does not.
    visible = review.matches_visible(investigator, exercise)
    assert visible and not review.matches_visible(outsider, exercise)
    top = next(m for m in visible if m.ours.person.pseudonym == "P-UKR1")
    with pytest.raises(Exception, match="No such match"):
        review.match_get(outsider, top.pk)
    review.match_decide(
        actor=investigator,
        match=top,
        decision=Decision.CONFIRMED,
        reason="Same person: a Ukrainian national referred by both shelters.",
    )
    request = review.match_request(actor=investigator, match=top)
    assert request.node == bravo and request.status == "draft"
    assert top.theirs in request.subject
    assert request.case == case
    assert Request.objects.filter(pk=request.pk).exists()

    # What was decided carries over to the next exercise with bravo: a pair rejected here is
    # not put forward again, the pair confirmed comes back confirmed, on both nodes.
    whose_before = whose
    rejected = next(
        m
        for m in visible
        if m.ours.person.pseudonym != "P-UKR1" and m.probability >= exercise.threshold
    )
    review.match_decide(
        actor=investigator,
        match=rejected,
        decision=Decision.REJECTED,
        reason="Two persons: the files name different fathers.",
    )
    again = _exercise_run(env, port, pump, coordinator, bravo)
    whose = _whose(env)
    pairs = {
        (m.ours.person.pseudonym, whose[m.theirs]): m
        for m in again.matches.select_related("ours__person")
    }
    carried = pairs[("P-UKR1", "P-UKR1")]
    assert carried.decision == Decision.CONFIRMED
    assert carried.reason == exchange.CARRIED_REASON
    assert (rejected.ours.person.pseudonym, whose_before[rejected.theirs]) not in pairs
    assert len(pairs) >= SHARED  # the rest found again, to review
    query = "SELECT theirs FROM linkage_match WHERE decision = 'confirmed' AND exercise_id = '{}'"
    confirmed_there = _bravo_rows(env, query.format(again.pk.hex))
    assert [r["theirs"] for r in confirmed_there] == [carried.ours.pseudonym]
