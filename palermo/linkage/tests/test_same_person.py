"""Duplicates reviewers confirmed (issue 16): each record shows the others of the same person,
to whoever may see both only, with who confirmed them, when and why; the statistics count the
person once, under the record registered first; keeping a pair apart again undoes it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from palermo.cases import services as cases
from palermo.cases.models import Case, Person, VictimYearCount
from palermo.cases.personfacts import counts_check, person_facts_check
from palermo.conftest import PASSWORD
from palermo.core.choices import Role
from palermo.core.models import AuditEntry, Organisation, User
from palermo.core.tests.factories import bearer_headers
from palermo.linkage import review
from palermo.linkage.models import Decision, Exercise, ExercisePerson, Match, Status
from palermo.linkage.models import Role as Side

pytestmark = pytest.mark.django_db


@dataclass
class World:
    shelter: User  # a case worker of the shelter
    police: User  # an investigator of the police
    clinic: User  # a case worker of the clinic
    reviewer: User  # an investigator of the shelter, shown the police's and clinic's cases
    a: Person  # the shelter's, registered second (its case opened 10 January 2026)
    b: Person  # the police's, registered last (1 February 2026)
    c: Person  # the clinic's, registered first (1 December 2025)
    ab: Match
    bc: Match


def _person(actor: User, title: str, opened: dt.date, pseudonym: str) -> Person:
    case = cases.case_open(actor=actor, title=title, opened_on=opened)
    return cases.person_add(actor=actor, case=case, role="victim", pseudonym=pseudonym)


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    shelter = make_user(Role.CASE_WORKER, org="Shelter", country="NGA", username="shelter")
    police = make_user(Role.INVESTIGATOR, org="Police", country="NGA", username="police")
    clinic = make_user(Role.CASE_WORKER, org="Clinic", country="NGA", username="clinic")
    reviewer = make_user(Role.INVESTIGATOR, org="Shelter", country="NGA", username="reviewer")
    a = _person(shelter, "Shelter", dt.date(2026, 1, 10), "P-SAMEA")
    b = _person(police, "Raid", dt.date(2026, 2, 1), "P-SAMEB")
    c = _person(clinic, "Clinic", dt.date(2025, 12, 1), "P-SAMEC")
    for owner, person in ((police, b), (clinic, c)):
        cases.case_share(
            actor=owner,
            case=person.case,
            organisation=Organisation.objects.get(name="Shelter"),
            scopes=["case_facts"],
            reason="Joint identification of victims",
        )
    exercise = Exercise.objects.create(
        node=None, role=Side.LOCAL, status=Status.MATCHED, created_by=reviewer, persons=3
    )
    seen = {p.pk: ExercisePerson.objects.create(exercise=exercise, person=p) for p in (a, b, c)}
    ab = Match.objects.create(exercise=exercise, ours=seen[a.pk], other=seen[b.pk], probability=0.9)
    bc = Match.objects.create(exercise=exercise, ours=seen[b.pk], other=seen[c.pk], probability=0.7)
    return World(shelter, police, clinic, reviewer, a, b, c, ab, bc)


def _under(person: Person) -> str | None:
    person.refresh_from_db()
    return person.duplicate_of.pseudonym if person.duplicate_of else None


def _victims_counted() -> int:
    total = VictimYearCount.objects.aggregate(n=Sum("persons"))["n"]
    assert counts_check() == []
    assert person_facts_check() == []
    return int(total or 0)


def _page(client: Client, user: User, person: Person) -> str:
    client.login(username=user.username, password=PASSWORD)
    response = client.get(reverse("cases:person", args=[person.pseudonym]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_confirmed_pair_is_one_person_shown_to_who_sees_both(
    client: Client, world: World
) -> None:
    w = world
    assert _victims_counted() == 3
    review.match_decide(
        actor=w.reviewer, match=w.ab, decision=Decision.CONFIRMED, reason="Same passport number."
    )
    # Counted once, under the record registered first of the two (the shelter's); neither
    # record moved from its case.
    assert (_under(w.a), _under(w.b), _under(w.c)) == (None, "P-SAMEA", None)
    assert _victims_counted() == 2
    assert Person.objects.get(pk=w.b.pk).case.organisation.name == "Police"

    # The reviewer sees both records: each page shows the other, who confirmed it and why,
    # and where to keep them apart again.
    page = _page(client, w.reviewer, w.a)
    assert 'id="same-person"' in page and "P-SAMEB" in page
    assert "Same passport number." in page
    assert reverse("linkage:match", args=[w.ab.pk]) in page
    assert "under this record (registered first)" in page
    page = _page(client, w.reviewer, w.b)
    assert "P-SAMEA" in page and "under the record registered first: P-SAMEA" in page
    assert AuditEntry.objects.filter(
        action="read", reason="records of the same person shown", object_id=str(w.a.pk)
    ).exists()

    # The police see their own record only: nothing says another organisation holds one of
    # the same person; the shelter's case worker sees the police's record (shared), who
    # confirmed it, and may review it too.
    page = _page(client, w.police, w.b)
    assert 'id="same-person"' not in page and "P-SAMEA" not in page
    page = _page(client, w.shelter, w.a)
    assert "P-SAMEB" in page and ">reviewer<" in page  # who confirmed it
    assert reverse("linkage:match", args=[w.ab.pk]) in page
    body = client.get(
        "/api/v1/cases/persons/{}".format(w.b.pseudonym), **bearer_headers(w.police)
    ).json()
    assert body["same_person_as"] == [] and body["counted_under"] is None
    body = client.get(
        "/api/v1/cases/persons/{}".format(w.b.pseudonym), **bearer_headers(w.reviewer)
    ).json()
    assert [s["pseudonym"] for s in body["same_person_as"]] == ["P-SAMEA"]
    assert body["same_person_as"][0]["reason"] == "Same passport number."
    assert body["same_person_as"][0]["confirmed_by"] == "reviewer"
    assert body["counted_under"] == "P-SAMEA"


def test_confirmed_pairs_join_through_one_another_and_undo_one_by_one(
    client: Client, world: World
) -> None:
    w = world
    review.match_decide(actor=w.reviewer, match=w.ab, decision=Decision.CONFIRMED, reason="Doc.")
    review.match_decide(actor=w.reviewer, match=w.bc, decision=Decision.CONFIRMED, reason="Photo.")
    # Three records of one person, counted once under the clinic's (registered first).
    assert (_under(w.a), _under(w.b), _under(w.c)) == ("P-SAMEC", "P-SAMEC", None)
    assert _victims_counted() == 1

    # Kept apart again, with a reason (the match page, as a reviewer undoes it): the clinic's
    # record is its own person again, the other two still one.
    client.login(username=w.reviewer.username, password=PASSWORD)
    response = client.post(
        reverse("linkage:match", args=[w.bc.pk]),
        {"decision": Decision.REJECTED, "reason": "Different mothers' names after interview."},
    )
    assert response.status_code == 302
    assert (_under(w.a), _under(w.b), _under(w.c)) == (None, "P-SAMEA", None)
    assert _victims_counted() == 2
    page = _page(client, w.reviewer, w.c)
    assert 'id="same-person"' not in page
    before = AuditEntry.objects.filter(object_id=str(w.b.pk), action="update").count()

    review.match_decide(actor=w.reviewer, match=w.ab, decision=Decision.REJECTED, reason="No.")
    assert (_under(w.a), _under(w.b), _under(w.c)) == (None, None, None)
    assert _victims_counted() == 3
    # Each change of who a record is counted under is audited, pseudonyms only.
    entry = AuditEntry.objects.filter(object_id=str(w.b.pk), action="update").latest("pk")
    assert AuditEntry.objects.filter(object_id=str(w.b.pk), action="update").count() > before
    assert entry.before == {"duplicate_of": "P-SAMEA"} and entry.after == {"duplicate_of": None}


def test_the_latest_decision_on_a_pair_holds(world: World) -> None:
    """The same pair put forward by two searches and decided differently: the later decision
    holds, whichever match it was recorded on."""
    w = world
    later = Exercise.objects.create(
        node=None, role=Side.LOCAL, status=Status.MATCHED, created_by=w.reviewer, persons=3
    )
    ours = ExercisePerson.objects.create(exercise=later, person=w.b)
    other = ExercisePerson.objects.create(exercise=later, person=w.a)
    again = Match.objects.create(exercise=later, ours=ours, other=other, probability=0.8)
    review.match_decide(actor=w.reviewer, match=again, decision=Decision.CONFIRMED, reason="Yes.")
    assert _under(w.b) == "P-SAMEA"
    review.match_decide(actor=w.reviewer, match=w.ab, decision=Decision.REJECTED, reason="No.")
    assert _under(w.b) is None
    review.match_decide(actor=w.reviewer, match=again, decision=Decision.CONFIRMED, reason="Yes!")
    assert _under(w.b) == "P-SAMEA"
    assert Case.objects.count() == 3
