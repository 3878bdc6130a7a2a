"""Duplicates reviewers confirmed, as the cases see them (issue 16): each record shows the others
of the same person to whoever may see both, and the statistics count the person once.

A pair of this node's persons (a match of a search for duplicates) is confirmed as one person or
kept apart by a reviewer, with a reason (`review.match_decide`); the latest decision on a pair
holds. After each decision the records it joins or separates are grouped again: the persons
joined by confirmed pairs, directly or through one another (reviewers confirmed each link, so a
chain is evidence here, unlike the model's pairs), are counted as one person
(`cases.services.persons_counted_once`). Nothing of either record changes otherwise: both stay
in their cases, with their organisations. Keeping a confirmed pair apart again undoes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Q
from django.urls import reverse

from palermo.cases.models import Person
from palermo.cases.same_person import SamePerson
from palermo.cases.services import persons_counted_once
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.models import User
from palermo.linkage.models import Decision, Match, Role
from palermo.linkage.visibility import REVIEW_ROLES, Accesses, sees_person

Pair = frozenset[uuid.UUID]


def latest_decisions(persons: Iterable[uuid.UUID] | None = None) -> dict[Pair, Match]:
    """The latest decided match of each pair of this node's persons (those one of `persons` is
    in; every pair for None): the decision that holds for the pair."""
    rows = (
        Match.objects.filter(exercise__role=Role.LOCAL, other__isnull=False)
        .exclude(decision=Decision.PENDING)
        .select_related("ours", "other", "decided_by")
        .order_by("decided_at", "pk")
    )
    if persons is not None:
        ids = list(persons)
        rows = rows.filter(Q(ours__person_id__in=ids) | Q(other__person_id__in=ids))
    latest: dict[Pair, Match] = {}
    for match in rows:
        assert match.other is not None  # noqa: S101 - filtered above
        latest[frozenset((match.ours.person_id, match.other.person_id))] = match
    return latest


def regroup(*, actor: User, persons: Iterable[uuid.UUID]) -> int:
    """Group again the records confirmed to be one person, from `persons` (those a decision
    joined or separated) through every confirmed pair reaching them; returns how many records
    are now counted differently."""
    reached: set[uuid.UUID] = set()
    frontier = set(persons)
    links: set[Pair] = set()
    while frontier:
        reached |= frontier
        found = {
            pair
            for pair, match in latest_decisions(frontier).items()
            if match.decision == Decision.CONFIRMED
        }
        links |= found
        frontier = {pk for pair in found for pk in pair} - reached
    # Union-find over the confirmed links.
    parent = {pk: pk for pk in reached}

    def root(pk: uuid.UUID) -> uuid.UUID:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for one, two in (tuple(pair) for pair in links):
        parent[root(one)] = root(two)
    groups: dict[uuid.UUID, set[uuid.UUID]] = {}
    for pk in reached:
        groups.setdefault(root(pk), set()).add(pk)
    return persons_counted_once(actor=actor, touched=reached, groups=groups.values())


def same_person_of(user: User, person: Person) -> list[SamePerson]:
    """The records reviewers confirmed to be the same person as `person` (the latest decision on
    each pair), those the user may see only; what is shown is audited."""
    accesses: Accesses = {}
    if not sees_person(user, person, accesses):
        return []
    reviewer = user.has_role(*REVIEW_ROLES)
    confirmed = [
        m for m in latest_decisions([person.pk]).values() if m.decision == Decision.CONFIRMED
    ]
    other_of = {
        m.pk: m.other.person_id if m.other and m.ours.person_id == person.pk else m.ours.person_id
        for m in confirmed
    }
    others = Person.objects.select_related("case__organisation").in_bulk(other_of.values())
    out: list[SamePerson] = []
    for match in confirmed:
        other = others[other_of[match.pk]]
        if not sees_person(user, other, accesses):
            continue
        out.append(
            SamePerson(
                pseudonym=other.pseudonym,
                case_reference=other.case.reference,
                organisation=other.case.organisation.name,
                confirmed_by=match.decided_by.username if match.decided_by else "",
                confirmed_at=match.decided_at,
                reason=match.reason,
                review_url=reverse("linkage:match", args=[match.pk]) if reviewer else "",
            )
        )
    if out:
        audit_record(
            actor=user,
            action=AuditAction.READ,
            obj=person,
            reason="records of the same person shown",
            after={"same_person": sorted(entry.pseudonym for entry in out)},
        )
    return out
