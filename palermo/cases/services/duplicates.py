"""Records of one person counted once (issue 16): the records a reviewer confirmed to be the same
person (palermo.linkage) are one person in the statistics, counted under the record registered
first; every record stays in its case, unchanged but for `Person.duplicate_of`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction

from palermo.cases.models import Person
from palermo.cases.personfacts import person_facts_refresh
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.models import User


def _first(persons: list[Person]) -> Person:
    """The record a person is counted under: the one whose case was opened first, then the one
    registered first, then by pseudonym (a fixed order whatever the order of the decisions)."""
    return min(persons, key=lambda p: (p.case.opened_on, p.created_at, p.pseudonym))


def persons_counted_once(
    *, actor: User, touched: Iterable[uuid.UUID], groups: Iterable[Iterable[uuid.UUID]]
) -> int:
    """Count each group of records (confirmed to be one person) once, under its first record;
    each of the `touched` persons in no group of two or more is counted itself again. Returns
    how many records changed; each change is audited (pseudonyms only), and their counted facts
    follow in the same transaction. The caller decided who may confirm a pair."""
    grouped = [set(group) for group in groups]
    ids = set(touched).union(*grouped) if grouped else set(touched)
    with transaction.atomic():
        persons = {
            p.pk: p
            for p in Person.objects.select_for_update(of=("self",))
            .select_related("case")
            .filter(pk__in=ids)
        }
        wanted: dict[uuid.UUID, Person | None] = dict.fromkeys(persons)
        for group in grouped:
            members = [persons[pk] for pk in group if pk in persons]
            if len(members) < 2:  # noqa: PLR2004 - a pair at least
                continue
            first = _first(members)
            for member in members:
                wanted[member.pk] = None if member is first else first
        changed = []
        for pk, under in wanted.items():
            person = persons[pk]
            if person.duplicate_of_id == (under.pk if under else None):
                continue
            before = {"duplicate_of": _pseudonym(person.duplicate_of_id, persons)}
            Person.objects.filter(pk=pk).update(duplicate_of=under)
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=person,
                before=before,
                after={"duplicate_of": under.pseudonym if under else None},
                reason="counted once with the records confirmed to be the same person",
            )
            changed.append(pk)
        person_facts_refresh(changed)
    return len(changed)


def _pseudonym(pk: uuid.UUID | None, persons: dict[uuid.UUID, Person]) -> str | None:
    if pk is None:
        return None
    known = persons.get(pk)
    if known is not None:
        return known.pseudonym
    return Person.objects.filter(pk=pk).values_list("pseudonym", flat=True).first()
