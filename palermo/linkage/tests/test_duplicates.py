"""Duplicates among the persons a node holds (issue 16): two organisations registering the same
persons (FEBRL 1: each person once, and again with errors), found, shown only to users who may
see both records, decided with a reason, and what was decided used by the next search."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from palermo.cases import services as cases
from palermo.core.choices import Role
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import AuditEntry, Organisation, User
from palermo.linkage import duplicates, review
from palermo.linkage import labelled as learning
from palermo.linkage.models import Decision, Exercise, ExercisePerson, Match
from palermo.linkage.tests.test_files import febrl_rows

pytestmark = pytest.mark.django_db

PERSONS = 150


def _identity(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "first_name": row["given_name"].strip(),
        "second_name": row["family_name"].strip(),
        "identity_number": row["doc_no"].strip(),
    }
    if row["dob"]:
        out["birthdate"] = dt.datetime.strptime(row["dob"], "%Y%m%d").date().isoformat()  # noqa: DTZ007
    return {k: v for k, v in out.items() if v}


def _seed(make_user: Callable[..., User]) -> tuple[dict[str, str], Any, Any]:
    """FEBRL 1's originals registered by a shelter, their duplicates by the police; returns
    {person pseudonym: FEBRL person} and the two cases."""
    shelter = make_user(Role.CASE_WORKER, org="Shelter", country="NGA", username="shelter")
    police = make_user(Role.INVESTIGATOR, org="Police", country="NGA", username="police")
    rows = febrl_rows("dataset1.csv")
    originals = {r["rec_id"].split("-")[1]: r for r in rows if r["rec_id"].endswith("-org")}
    copies = {r["rec_id"].split("-")[1]: r for r in rows if "-dup-" in r["rec_id"]}
    ids = sorted(set(originals) & set(copies), key=int)[:PERSONS]
    one = cases.case_open(actor=shelter, title="Shelter", opened_on=dt.date(2026, 1, 10))
    two = cases.case_open(actor=police, title="Raid", opened_on=dt.date(2026, 2, 1))
    who = {}
    for i in ids:
        for case, actor, row, tag in ((one, shelter, originals, "S"), (two, police, copies, "P")):
            pseudonym = "P-{}{}".format(tag, i)
            cases.person_add(
                actor=actor,
                case=case,
                role="presumed_victim",
                identity=_identity(row[i]),
                pseudonym=pseudonym,
            )
            who[pseudonym] = i
    return who, one, two


def _other(match: Match) -> ExercisePerson:
    assert match.other is not None
    return match.other


def test_duplicates_are_found_shown_to_who_sees_both_and_decided(
    client: Client, make_user: Callable[..., User], capsys: pytest.CaptureFixture[str]
) -> None:
    who, one, two = _seed(make_user)
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="Ministry", country="NGA")
    with pytest.raises(ForbiddenError):
        duplicates.duplicates_find(actor=User.objects.get(username="shelter"))
    call_command("linkage", "run", "--as", coordinator.username)
    exercise = Exercise.objects.get(role="local")
    assert str(exercise.pk) in capsys.readouterr().out
    assert exercise.persons == 2 * PERSONS and exercise.node is None
    assert exercise.threshold is not None
    probable = [m for m in exercise.matches.all() if m.probability >= exercise.threshold]
    assert all(m.other is not None and not m.theirs for m in probable)
    right = [m for m in probable if who[m.ours.person.pseudonym] == who[_other(m).person.pseudonym]]
    assert len(right) >= 0.95 * PERSONS
    assert len(probable) - len(right) <= 0.05 * PERSONS
    assert AuditEntry.objects.filter(object_id=str(exercise.pk), action="read").exists()

    # The shelter sees its own persons, not the police's: no pair is shown to it, nor to the
    # police, until the police share their case with the shelter.
    shelter = User.objects.get(username="shelter")
    police = User.objects.get(username="police")
    assert not review.matches_visible(shelter, exercise)
    assert not review.matches_visible(police, exercise)
    reviewer = make_user(Role.INVESTIGATOR, org="Shelter", country="NGA", username="reviewer")
    cases.case_share(
        actor=police,
        case=two,
        organisation=Organisation.objects.get(name="Shelter"),
        scopes=["case_facts"],  # identities would need each victim's consent
        reason="Joint identification of victims",
    )
    visible = review.matches_visible(reviewer, exercise)
    assert len(visible) == exercise.matches.count()
    call_command("linkage", "status", str(exercise.pk), "--as", "reviewer", "--format", "json")
    rows = json.loads(capsys.readouterr().out)
    assert {r["person"] for r in rows} | {r["theirs"] for r in rows} <= set(who)

    same, apart = right[0], right[1]
    review.match_decide(
        actor=reviewer, match=same, decision=Decision.CONFIRMED, reason="Same passport number."
    )
    review.match_decide(
        actor=reviewer, match=apart, decision=Decision.REJECTED, reason="Twins, seen together."
    )
    # With enough pairs confirmed, the next search learns from them too (`labelled`).
    for match in right[2 : learning.LEAST + 1]:
        review.match_decide(
            actor=reviewer, match=match, decision=Decision.CONFIRMED, reason="Same person."
        )
    with pytest.raises(ApplicationError, match="no other node"):
        review.match_request(actor=reviewer, match=same)
    with pytest.raises(NotFoundError):  # the police were not shown the shelter's case
        review.match_get(police, same.pk)
    assert review.match_get(shelter, same.pk) == same  # the share is to the whole shelter

    # The next search puts neither decided pair to review again.
    again = duplicates.duplicates_find(actor=coordinator)
    pairs = {
        frozenset((m.ours.person_id, m.other.person_id)) for m in again.matches.all() if m.other
    }
    for decided in (same, apart):
        assert frozenset((decided.ours.person_id, _other(decided).person_id)) not in pairs
    assert Match.objects.filter(decision=Decision.CONFIRMED).count() == learning.LEAST
    assert exercise.labelled == 0
    assert again.labelled == learning.LEAST
    client.force_login(coordinator)
    page = client.get("/linkage/{}/".format(again.pk)).content.decode()
    assert "{} pairs reviewers confirmed before".format(learning.LEAST) in page
    body = client.get("/api/v1/linkage/exercises/{}".format(again.pk)).json()
    assert body["labelled"] == learning.LEAST


def test_a_node_with_one_person_has_no_duplicates(make_user: Callable[..., User]) -> None:
    worker = make_user(Role.CASE_WORKER, org="Shelter", country="NGA")
    case = cases.case_open(actor=worker, title="Shelter", opened_on=dt.date(2026, 1, 10))
    cases.person_add(
        actor=worker, case=case, role="presumed_victim", identity={"first_name": "Amina"}
    )
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="Ministry", country="NGA")
    exercise = duplicates.duplicates_find(actor=coordinator)
    assert exercise.persons == 1 and not exercise.matches.exists()
