"""What another node sends about a linkage exercise (`exchange` says the steps): each message
applied inside the inbox's transaction, or refused (NodeRefusal, 422) with nothing stored.
Nothing received is written to a log or an error message but its exercise's id."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils.translation import gettext as _

from palermo.cooperation.models import Node
from palermo.cooperation.transport import NodeRefusal
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.linkage import decisions, pprl, tasks
from palermo.linkage.exchange import CARRIED_REASON, MAX_PARTS, PART_RECORDS, public_key_check
from palermo.linkage.kinds import (
    KIND_ACCEPT,
    KIND_DECLINE,
    KIND_ENCODINGS,
    KIND_MATCHES,
    KIND_PROPOSE,
)
from palermo.linkage.models import Decision, Encoding, Exercise, ExercisePerson, Match, Status
from palermo.linkage.models import Role as Side


def _invalid(detail: str) -> NodeRefusal:
    return NodeRefusal(detail, "invalid_content", 422)


def _exercise_of(sender: Node, payload: dict[str, Any], role: str, *statuses: str) -> Exercise:
    try:
        exercise_id = uuid.UUID(str(payload.get("exercise")))
    except ValueError:
        raise _invalid(_("A linkage message names its exercise by uuid.")) from None
    exercise = (
        Exercise.objects.select_for_update().filter(pk=exercise_id, node=sender, role=role).first()
    )
    if exercise is None:
        raise NodeRefusal(
            _("No linkage exercise {} with node {}.").format(exercise_id, sender.name),
            "unknown_request",
            422,
        )
    if exercise.status not in statuses:
        raise NodeRefusal(
            _("The linkage exercise {} is {} here.").format(exercise_id, exercise.status),
            "conflict",
            422,
        )
    return exercise


def inbound_apply(sender: Node, envelope: dict[str, Any], now: dt.datetime) -> None:
    """Apply a linkage message from `sender` (inside the inbox's transaction)."""
    kind, payload = envelope["kind"], envelope["payload"]
    if kind == KIND_PROPOSE:
        _apply_propose(sender, payload, now)
    elif kind == KIND_ACCEPT:
        exercise = _exercise_of(sender, payload, Side.INITIATOR, Status.PROPOSED)
        exercise.peer_public_key = public_key_check(payload.get("public"))
        exercise.status = Status.ACCEPTED
        exercise.save()
        # With the database backend the task is stored in this transaction: the worker runs
        # it once the acceptance is committed.
        tasks.encodings_send.enqueue(str(exercise.pk))
    elif kind == KIND_DECLINE:
        exercise = _exercise_of(sender, payload, Side.INITIATOR, Status.PROPOSED)
        exercise.status = Status.DECLINED
        exercise.finished_at = now
        exercise.save()
    elif kind == KIND_ENCODINGS:
        _apply_encodings(sender, payload)
    elif kind == KIND_MATCHES:
        _apply_matches(sender, payload, now)


def _apply_propose(sender: Node, payload: dict[str, Any], now: dt.datetime) -> None:
    try:
        exercise_id = uuid.UUID(str(payload.get("exercise")))
        parameters = payload.get("parameters")
        if not isinstance(parameters, dict):
            raise ValueError("parameters")  # noqa: TRY301
        pprl.exercise_from(b"\0" * 32, parameters)
    except ValueError:
        raise _invalid(_("The proposed exercise or its parameters are not understood.")) from None
    if Exercise.objects.filter(pk=exercise_id).exists():
        raise NodeRefusal(_("The exercise {} exists.").format(exercise_id), "conflict", 422)
    exercise = Exercise.objects.create(
        pk=exercise_id,
        node=sender,
        role=Side.RESPONDER,
        created_at=now,
        parameters=parameters,
        peer_public_key=public_key_check(payload.get("public")),
    )
    audit_record(
        actor=None,
        action=AuditAction.CREATE,
        obj=exercise,
        actor_label=sender.name,
        after={"node": sender.name},
    )


def _apply_encodings(sender: Node, payload: dict[str, Any]) -> None:
    exercise = _exercise_of(sender, payload, Side.RESPONDER, Status.ACCEPTED)
    part, parts, rows = payload.get("part"), payload.get("parts"), payload.get("records")
    if (
        not isinstance(part, int)
        or not isinstance(parts, int)
        or not 1 <= part <= parts <= MAX_PARTS
        or part != exercise.parts_received + 1
        or not isinstance(rows, list)
        or len(rows) > PART_RECORDS
    ):
        raise _invalid(_("Encodings come in numbered parts, in order."))
    bits = int(exercise.parameters["bits"])
    pseudonyms = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("p"), str) or len(row["p"]) > 20:
            raise _invalid(_("An encoded record has no pseudonym."))
        pseudonyms.append(row["p"])
    # A pseudonym twice (in this part, or in an earlier one) would break the rows' uniqueness
    # inside the inbox's transaction: refused here, with a reason the sender can act on.
    if (
        len(set(pseudonyms)) != len(pseudonyms)
        or Encoding.objects.filter(exercise=exercise, ours=False, pseudonym__in=pseudonyms).exists()
    ):
        raise _invalid(_("A pseudonym comes twice in the encodings."))
    try:
        pprl.from_wire([row.get("e") for row in rows], bits, "there")
    except pprl.WireError as exc:
        raise _invalid(_("An encoded record is not valid ({}).").format(exc)) from None
    try:
        labels = [decisions.labels_check(row.get("k")) for row in rows]
    except ValueError:
        raise _invalid(
            _(
                "An encoded record's earlier pairs are not [exercise, pseudonym, pseudonym, "
                "decision]."
            )
        ) from None
    Encoding.objects.bulk_create(
        [
            Encoding(exercise=exercise, ours=False, pseudonym=p, data=row["e"], labels=k)
            for p, row, k in zip(pseudonyms, rows, labels, strict=True)
        ]
    )
    exercise.parts_received = part
    exercise.peer_persons += len(rows)
    if part == parts:
        exercise.status = Status.ENCODED
    exercise.save()
    if part == parts:
        tasks.matches_find.enqueue(str(exercise.pk))


def _apply_matches(sender: Node, payload: dict[str, Any], now: dt.datetime) -> None:
    exercise = _exercise_of(sender, payload, Side.INITIATOR, Status.ENCODED)
    rows = payload.get("matches")
    threshold = payload.get("threshold")
    if not isinstance(rows, list) or not (
        threshold is None or (isinstance(threshold, int | float) and 0 <= threshold <= 1)
    ):
        raise _invalid(_("Matches come as a list of pseudonym pairs."))
    people = {p.pseudonym: p for p in ExercisePerson.objects.filter(exercise=exercise)}
    found = []
    for row in rows:
        if (
            not isinstance(row, list)
            or len(row) not in (3, 4)
            or (len(row) == 4 and row[3] != Decision.CONFIRMED)
            or row[0] not in people
            or not isinstance(row[1], str)
            or len(row[1]) > 20
            or not isinstance(row[2], int | float)
            or not 0 <= row[2] <= 1
        ):
            raise _invalid(_("A match names a pseudonym of this exercise and a probability."))
        match = Match(exercise=exercise, ours=people[row[0]], theirs=row[1], probability=row[2])
        if len(row) == 4:  # confirmed in an earlier exercise with this node
            match.decision, match.reason, match.decided_at = Decision.CONFIRMED, CARRIED_REASON, now
        found.append(match)
    if len({(m.ours.pseudonym, m.theirs) for m in found}) != len(found):
        raise _invalid(_("A pair comes twice in the matches."))
    Match.objects.bulk_create(found)
    exercise.status = Status.MATCHED
    exercise.threshold = threshold
    exercise.finished_at = now
    exercise.save()
    audit_record(
        actor=None,
        action=AuditAction.UPDATE,
        obj=exercise,
        actor_label=sender.name,
        after={"status": exercise.status, "matches": len(found)},
    )
