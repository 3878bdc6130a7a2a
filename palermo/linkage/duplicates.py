"""Duplicates among the persons a node holds (issue 16): several organisations registering the
same victim, a person trafficked again and registered again.

`duplicates_find` links every person with an identity against every other with the model of
`model.score` (in the clear: nothing leaves the node) and keeps the pairs at least
exchange.REVIEW_FLOOR probable as matches to review, each shown only to users who may see both
persons (`review`). What reviewers decided before is used: a pair confirmed as one person is an
anchor from which the spellings of names are learnt (`variants`), as good as a shared document;
a pair kept apart, or confirmed, is not put to review again. Confirming a pair records that the
two records are one person: each shows the other, and the statistics count the person once
(`same`); neither record changes otherwise (they may be in two organisations' cases)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.linkage import model, persons, records
from palermo.linkage.exchange import REVIEW_FLOOR, coordinator_check
from palermo.linkage.models import Decision, Exercise, ExercisePerson, Match, Role, Status
from palermo.linkage.same import latest_decisions

Progress = Callable[[int, int], None]
STEPS = 4


def _decided() -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """The pairs of persons (their ids) reviewers confirmed, and those they kept apart, in
    earlier searches for duplicates (the latest decision on a pair holds: `same`)."""
    latest = {
        frozenset(str(pk) for pk in pair): match.decision
        for pair, match in latest_decisions().items()
    }
    confirmed = {pair for pair, decision in latest.items() if decision == Decision.CONFIRMED}
    return confirmed, set(latest) - confirmed


def duplicates_find(*, actor: User | None, progress: Progress | None = None) -> Exercise:
    """Search this node's persons for duplicates (a national coordinator); returns the
    exercise with its matches."""
    user = coordinator_check(actor)
    tell = progress or (lambda _done, _total: None)
    tell(0, STEPS)
    read = list(persons.node_records())
    ids = [str(person.pk) for person, _record in read]
    confirmed, apart = _decided()
    index = {pk: i for i, pk in enumerate(ids)}
    anchors = [
        (index[a], index[b])
        for a, b in (tuple(pair) for pair in confirmed)
        if a in index and b in index
    ]
    tell(1, STEPS)
    pairs: list[tuple[int, int, float]] = []
    threshold, labelled = None, 0
    if len(read) >= 2:
        frame = records.finish(
            records.local_columns([record for _p, record in read], confirmed=anchors)
        )
        try:
            scored = model.score([frame], confirmed=anchors)
        except model.TooFewError as exc:
            raise ApplicationError(str(exc), code="too_few") from exc
        threshold, labelled = scored.threshold, scored.labelled
        known = confirmed | apart
        pairs = [
            (left, right, p)
            for left, right, p in zip(
                scored.left.tolist(),
                scored.right.tolist(),
                scored.probability.tolist(),
                strict=True,
            )
            if p >= REVIEW_FLOOR and frozenset((ids[left], ids[right])) not in known
        ]
    tell(2, STEPS)
    with transaction.atomic():
        exercise = Exercise.objects.create(
            node=None,
            role=Role.LOCAL,
            status=Status.MATCHED,
            created_by=user,
            persons=len(read),
            threshold=threshold,
            labelled=labelled,
            finished_at=timezone.now(),
        )
        people = ExercisePerson.objects.bulk_create(
            [ExercisePerson(exercise=exercise, person=person) for person, _record in read],
            batch_size=1000,
        )
        Match.objects.bulk_create(
            [
                Match(
                    exercise=exercise,
                    ours=people[left],
                    other=people[right],
                    probability=p,
                )
                for left, right, p in pairs
            ],
            batch_size=1000,
        )
        audit_record(
            actor=user,
            action=AuditAction.READ,
            obj=exercise,
            reason="duplicates searched among this node's persons",
            after={"persons": len(read), "matches": len(pairs)},
        )
    tell(STEPS, STEPS)
    return exercise
