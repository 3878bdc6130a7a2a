"""Linkage exercises between two nodes over the signed transport (issue 16): two nodes find the
persons both hold without either sending who they are.

1. A national coordinator on node A proposes an exercise to node B (`exercise_propose`):
   `linkage.propose` carries the encodings' parameters and A's X25519 public key, made for this
   exercise.
2. B's national coordinator accepts (`exercise_accept`): B makes its own key pair, derives the
   exercise's secret (X25519, then HKDF-SHA256 salted with the exercise's id), encodes the
   persons it holds (`pprl.encode`, each under a pseudonym made for the exercise), keeps the
   encodings and erases its private key; `linkage.accept` carries B's public key. Or declines.
3. A derives the same secret, encodes its persons, erases its private key and sends its
   encodings in parts (`linkage.encodings`, PART_RECORDS records each): keyed hashes and Bloom
   filters under pseudonyms, nothing else (`pprl.to_wire`).
4. B links the two sets (the model of `model.score`, on encodings only), keeps the pairs at
   least REVIEW_FLOOR probable as matches to review, erases every encoding, and sends the pairs
   back as pseudonym pairs with their probability (`linkage.matches`).

The secret never travels and is never stored: each side keeps only its private key, encrypted,
until it has derived the secret. A match is where a cooperation request starts, not a
disclosure: each side knows which of its own persons the pseudonyms are, nothing of the other's.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from palermo.cooperation.models import Node
from palermo.cooperation.transport import NodeRefusal, outbox_enqueue
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction, Role
from palermo.core.crypto import decrypt_text, encrypt_text
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import User
from palermo.linkage import decisions
from palermo.linkage.kinds import (
    KIND_ACCEPT,
    KIND_DECLINE,
    KIND_ENCODINGS,
    KIND_MATCHES,
    KIND_PROPOSE,
    KINDS,
)
from palermo.linkage.models import Decision, Encoding, Exercise, ExercisePerson, Match, Status
from palermo.linkage.models import Role as Side

if TYPE_CHECKING:
    from palermo.linkage import model, pprl

__all__ = ["KINDS", "KIND_ACCEPT", "KIND_DECLINE", "KIND_ENCODINGS", "KIND_MATCHES", "KIND_PROPOSE"]

# Records in one `linkage.encodings` message (about 4 KB each: well under the transport's
# 1 MiB message limit).
PART_RECORDS = 150
MAX_PARTS = 20_000
# Pairs at least this probable are kept for review (those above the model's threshold are the
# probable matches; those between are the uncertain band).
REVIEW_FLOOR = 0.1
HKDF_INFO = b"palermo-linkage-exercise"
# The reason a pair confirmed in an earlier exercise with the same node is confirmed again.
CARRIED_REASON = gettext_noop("Confirmed in an earlier exercise with this node.")


def coordinator_check(actor: User | None) -> User:
    """The actor, a national coordinator (ForbiddenError otherwise)."""
    if actor is None or not actor.has_role(Role.NATIONAL_COORDINATOR):
        raise ForbiddenError(
            _("Only national coordinators run, accept or decline linkage exercises."),
            code="forbidden",
        )
    return actor


def _peer(exercise: Exercise) -> Node:
    """The other node of an exercise between nodes (a search for duplicates has none)."""
    if exercise.node is None:
        raise ApplicationError(_("This exercise has no other node."), code="conflict")
    return exercise.node


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _key_pair() -> tuple[str, str]:
    """A new X25519 key pair: (the private key encrypted for storage, the public key)."""
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return encrypt_text(_b64(raw)), _b64(public)


def public_key_check(text: object) -> str:
    """A peer's X25519 public key as received (NodeRefusal if it is not one)."""
    try:
        raw = base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise NodeRefusal(
            _("The exercise's public key is not an X25519 key."), "invalid_content", 422
        )
    return _b64(raw)


def _secret(exercise: Exercise) -> pprl.Exercise:
    """The exercise's secret, from this side's private key and the other's public key; the
    private key is erased (the caller saves the exercise)."""
    from palermo.linkage import pprl  # noqa: PLC0415 - NumPy, Splink: when run

    private = X25519PrivateKey.from_private_bytes(
        base64.b64decode(decrypt_text(exercise.private_key))
    )
    shared = private.exchange(
        X25519PublicKey.from_public_bytes(base64.b64decode(exercise.peer_public_key))
    )
    secret = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=exercise.pk.bytes, info=HKDF_INFO
    ).derive(shared)
    exercise.private_key = ""
    return pprl.exercise_from(secret, exercise.parameters)


def _encode_here(
    exercise: Exercise, secret: pprl.Exercise, actor: User | None
) -> tuple[list[str], dict[str, list[Any]]]:
    """This node's persons encoded under the exercise's secret, each under a new pseudonym:
    (the pseudonyms, the encoded columns). The read of their identities is audited."""
    from palermo.linkage import persons, pprl, records  # noqa: PLC0415 - NumPy, Splink: when run

    read = list(persons.node_records())
    pseudonyms = [ExercisePerson(exercise=exercise, person=person) for person, _record in read]
    ExercisePerson.objects.bulk_create(pseudonyms, batch_size=1000)
    encoded = pprl.encode(records.local_columns([record for _p, record in read]), secret)
    exercise.persons = len(read)
    audit_record(
        actor=actor,
        action=AuditAction.READ,
        obj=exercise,
        reason="linkage exercise: identities encoded",
        after={"persons": len(read)},
    )
    return [p.pseudonym for p in pseudonyms], encoded


def exercise_propose(*, actor: User | None, node: Node) -> Exercise:
    """Propose an exercise to `node` (a national coordinator of this node)."""
    from palermo.linkage import pprl  # noqa: PLC0415 - NumPy, Splink: when run

    user = coordinator_check(actor)
    if not node.active:
        raise ApplicationError(_("The node {} is not active.").format(node.name), code="inactive")
    private, public = _key_pair()
    with transaction.atomic():
        exercise = Exercise.objects.create(
            node=node,
            role=Side.INITIATOR,
            created_by=user,
            parameters=pprl.parameters(pprl.Exercise.new()),
            private_key=private,
        )
        audit_record(actor=user, action=AuditAction.CREATE, obj=exercise, after={"node": node.name})
        outbox_enqueue(
            target=node,
            kind=KIND_PROPOSE,
            payload={
                "exercise": str(exercise.pk),
                "public": public,
                "parameters": exercise.parameters,
            },
            request=str(exercise.pk),
        )
    return exercise


def _unanswered(exercise: Exercise, refusal: str) -> Exercise:
    """The exercise, locked, if another node proposed it and it is not answered yet."""
    exercise = Exercise.objects.select_for_update().get(pk=exercise.pk)
    if exercise.role != Side.RESPONDER or exercise.status != Status.PROPOSED:
        raise ApplicationError(refusal, code="conflict")
    return exercise


def exercise_accept(*, actor: User | None, exercise: Exercise) -> Exercise:
    """Accept a proposed exercise: encode this node's persons and answer with a public key."""
    from palermo.linkage import pprl  # noqa: PLC0415 - NumPy, Splink: when run

    user = coordinator_check(actor)
    with transaction.atomic():
        exercise = _unanswered(
            exercise, _("Only an exercise proposed by another node, not yet answered, is accepted.")
        )
        exercise.private_key, public = _key_pair()
        secret = _secret(exercise)
        pseudonyms, encoded = _encode_here(exercise, secret, user)
        Encoding.objects.bulk_create(
            [
                Encoding(
                    exercise=exercise,
                    ours=True,
                    pseudonym=p,
                    data=pprl.to_wire(encoded, i, secret.bits),
                )
                for i, p in enumerate(pseudonyms)
            ],
            batch_size=500,
        )
        exercise.status = Status.ACCEPTED
        exercise.save()
        audit_record(
            actor=user, action=AuditAction.UPDATE, obj=exercise, after={"status": exercise.status}
        )
        outbox_enqueue(
            target=_peer(exercise),
            kind=KIND_ACCEPT,
            payload={"exercise": str(exercise.pk), "public": public},
            request=str(exercise.pk),
        )
    return exercise


def exercise_decline(*, actor: User | None, exercise: Exercise, reason: str) -> Exercise:
    user = coordinator_check(actor)
    if not reason.strip():
        raise ApplicationError(_("Say why the exercise is declined."), code="reason_required")
    with transaction.atomic():
        exercise = _unanswered(
            exercise, _("Only an exercise proposed by another node, not yet answered, is declined.")
        )
        exercise.status = Status.DECLINED
        exercise.finished_at = timezone.now()
        exercise.save()
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=exercise,
            reason=reason.strip()[:500],
            after={"status": exercise.status},
        )
        outbox_enqueue(
            target=_peer(exercise),
            kind=KIND_DECLINE,
            payload={"exercise": str(exercise.pk)},
            request=str(exercise.pk),
        )
    return exercise


def encodings_send(exercise_id: str) -> int:
    """The proposer's step once accepted: encode this node's persons and send the encodings in
    parts. Returns the number of parts."""
    from palermo.linkage import pprl  # noqa: PLC0415 - NumPy, Splink: when run

    with transaction.atomic():
        exercise = Exercise.objects.select_for_update().get(pk=exercise_id)
        if exercise.role != Side.INITIATOR or exercise.status != Status.ACCEPTED:
            return 0
        secret = _secret(exercise)
        pseudonyms, encoded = _encode_here(exercise, secret, exercise.created_by)
        earlier = decisions.labels_for(exercise)
        parts = max(1, -(-len(pseudonyms) // PART_RECORDS))
        for part in range(parts):
            chunk = range(part * PART_RECORDS, min(len(pseudonyms), (part + 1) * PART_RECORDS))
            outbox_enqueue(
                target=_peer(exercise),
                kind=KIND_ENCODINGS,
                payload={
                    "exercise": str(exercise.pk),
                    "part": part + 1,
                    "parts": parts,
                    "records": [
                        {"p": pseudonyms[i], "e": pprl.to_wire(encoded, i, secret.bits)}
                        | ({"k": earlier[pseudonyms[i]]} if pseudonyms[i] in earlier else {})
                        for i in chunk
                    ],
                },
                request=str(exercise.pk),
            )
        exercise.status = Status.ENCODED
        exercise.save()
    return parts


def _columns(rows: list[Encoding], bits: int, source: str) -> dict[str, list[Any]]:
    from palermo.linkage import pprl  # noqa: PLC0415 - NumPy, Splink: when run

    return pprl.from_wire([row.data for row in rows], bits, source)


def matches_find(exercise_id: str) -> int:
    """The matching node's step once every part has come: link the two sets of encodings,
    keep the pairs worth reviewing, erase the encodings, send the pairs back. Returns how
    many pairs were kept."""
    from palermo.linkage import model, records  # noqa: PLC0415 - NumPy, Splink: when run

    with transaction.atomic():
        exercise = Exercise.objects.select_for_update().get(pk=exercise_id)
        if exercise.role != Side.RESPONDER or exercise.status != Status.ENCODED:
            return 0
        bits = int(exercise.parameters["bits"])
        ours = list(exercise.encodings.filter(ours=True).order_by("pk"))
        theirs = list(exercise.encodings.filter(ours=False).order_by("pk"))
        threshold = None
        # Pairs reviewers decided in earlier exercises with this node (either side).
        known = decisions.carried(exercise, ours, theirs)
        scored: model.Scored | None = None
        if ours and theirs:
            joined = _columns(ours, bits, "here")
            for column, values in _columns(theirs, bits, "there").items():
                joined[column].extend(values)
            try:
                # The pairs confirmed before also teach the model (indexes into `joined`).
                confirmed = [
                    (i, len(ours) + j)
                    for (i, j), decision in known.items()
                    if decision == Decision.CONFIRMED
                ]
                scored = model.score(
                    [records.finish(joined)],
                    link_only=True,
                    pprl_bits=bits,
                    confirmed=confirmed,
                )
            except model.TooFewError:
                # Too few persons on either side to learn from: no pair is put forward (the
                # exercise says so: matched, no threshold).
                scored = None
        if scored is not None:
            threshold = scored.threshold
            exercise.labelled = scored.labelled
        scores = _probabilities(scored, len(ours))
        kept = [
            (ours[i].pseudonym, theirs[j].pseudonym, p)
            for (i, j), p in scores.items()
            if p >= REVIEW_FLOOR and (i, j) not in known
        ]
        # A pair confirmed before comes back confirmed (at the model's probability where it
        # scored it, else 1); a pair rejected before is not put forward again.
        carried = [
            (ours[i].pseudonym, theirs[j].pseudonym, scores.get((i, j), 1.0))
            for (i, j), decision in sorted(known.items())
            if decision == Decision.CONFIRMED
        ]
        people = {p.pseudonym: p for p in ExercisePerson.objects.filter(exercise=exercise)}
        now = timezone.now()
        Match.objects.bulk_create(
            [
                Match(exercise=exercise, ours=people[mine], theirs=other, probability=p)
                for mine, other, p in kept
            ]
            + [
                Match(
                    exercise=exercise,
                    ours=people[mine],
                    theirs=other,
                    probability=p,
                    decision=Decision.CONFIRMED,
                    reason=CARRIED_REASON,
                    decided_at=now,
                )
                for mine, other, p in carried
            ]
        )
        exercise.encodings.all().delete()
        exercise.status = Status.MATCHED
        exercise.threshold = threshold
        exercise.finished_at = timezone.now()
        exercise.save()
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            obj=exercise,
            after={
                "status": exercise.status,
                "matches": len(kept) + len(carried),
                "decisions carried over": len(known),
            },
        )
        outbox_enqueue(
            target=_peer(exercise),
            kind=KIND_MATCHES,
            payload={
                "exercise": str(exercise.pk),
                "threshold": threshold,
                "matches": [[other, mine, round(p, 6)] for mine, other, p in kept]
                + [
                    [other, mine, round(p, 6), Decision.CONFIRMED.value]
                    for mine, other, p in carried
                ],
            },
            request=str(exercise.pk),
        )
    return len(kept) + len(carried)


def _probabilities(scored: model.Scored | None, here: int) -> dict[tuple[int, int], float]:
    """{(index here, index there): probability} of the pairs the model scored."""
    if scored is None:
        return {}
    out = {}
    for left, right, p in zip(
        scored.left.tolist(), scored.right.tolist(), scored.probability.tolist(), strict=True
    ):
        mine, other = (left, right) if left < here else (right, left)
        out[(mine, other - here)] = float(p)
    return out
