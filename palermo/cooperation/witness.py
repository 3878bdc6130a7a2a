"""Peer nodes as witnesses of each other's audit log (as Certificate Transparency does).

Each signed checkpoint of this node's audit chain head (palermo.core.checkpoints) is queued in
the outbox for every active peer node, as an envelope of kind `audit.checkpoint`. A checkpoint
received from a peer is checked (signed by that peer's registered key, about that peer) and kept
(`WitnessCheckpoint`); `palermo witness list --node NAME` prints them as JSON lines, which the
peer's `palermo audit verify --checkpoints FILE` compares with its log: a peer that truncated or
rewrote its log cannot make its witnesses forget what it signed before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from palermo.cooperation.models import Node, WitnessCheckpoint
from palermo.cooperation.transport import NodeRefusal, kind_handler_register, outbox_enqueue
from palermo.core.checkpoints import (
    Checkpoint,
    checkpoint_from_dict,
    checkpoint_listener_register,
)

KIND = "audit.checkpoint"


def checkpoint_send(checkpoint: Checkpoint) -> int:
    """Queue the checkpoint for every active peer node; returns how many."""
    with transaction.atomic():
        nodes = list(Node.objects.filter(active=True).order_by("name"))
        for node in nodes:
            outbox_enqueue(target=node, kind=KIND, payload=checkpoint.as_dict())
    return len(nodes)


def witness_apply(sender: Node, envelope: dict[str, Any], now: dt.datetime) -> None:
    """Keep a peer's checkpoint (inside the inbox's transaction); refuse one that is not the
    sender's own, signed with its registered key."""
    try:
        checkpoint = checkpoint_from_dict(envelope["payload"])
    except ValueError:
        raise NodeRefusal(_("The checkpoint is malformed."), "invalid_content", 422) from None
    if checkpoint.node != sender.name or checkpoint.public_key != sender.public_key:
        raise NodeRefusal(
            _("The checkpoint is not the sending node's own."), "invalid_content", 422
        )
    if not checkpoint.signature_valid(sender.public_key):
        raise NodeRefusal(_("The checkpoint's signature does not verify."), "bad_signature", 422)
    WitnessCheckpoint.objects.get_or_create(
        node=sender,
        sequence=checkpoint.sequence,
        entry_hash=checkpoint.entry_hash,
        defaults={
            "mac": checkpoint.mac,
            "signed_at": checkpoint.time,
            "public_key": checkpoint.public_key,
            "signature": checkpoint.signature,
            "received_at": now,
        },
    )


@dataclass(frozen=True)
class Witnessed:
    """A kept checkpoint, and whether the same node signed another hash for its sequence."""

    node: str
    checkpoint: Checkpoint
    conflict: bool


def witnesses(node: str | None = None) -> list[Witnessed]:
    """The peers' checkpoints kept here (of one node, if named), in order."""
    qs = WitnessCheckpoint.objects.select_related("node").order_by("node__name", "sequence", "pk")
    if node:
        qs = qs.filter(node__name=node)
    rows = list(qs)
    hashes: dict[tuple[int, int], set[str]] = {}
    for row in rows:
        hashes.setdefault((row.node_id, row.sequence), set()).add(row.entry_hash)
    return [
        Witnessed(
            node=row.node.name,
            checkpoint=Checkpoint(
                node=row.node.name,
                sequence=row.sequence,
                entry_hash=row.entry_hash,
                mac=row.mac,
                time=row.signed_at,
                public_key=row.public_key,
                signature=row.signature,
            ),
            conflict=len(hashes[(row.node_id, row.sequence)]) > 1,
        )
        for row in rows
    ]


def witness_register() -> None:
    """From CooperationConfig.ready: send this node's checkpoints, keep the peers'."""
    checkpoint_listener_register("cooperation.witness", checkpoint_send)
    kind_handler_register([KIND], witness_apply)
