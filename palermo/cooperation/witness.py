"""Peer nodes as witnesses of each other's audit log (as Certificate Transparency does).

Each signed checkpoint of this node's audit chain head (palermo.core.checkpoints) is queued in
the outbox for every active peer node, as an envelope of kind `audit.checkpoint`. A checkpoint
received from a peer is checked (signed by that peer's registered key, about that peer) and kept
(`WitnessCheckpoint`); `palermo witness list --node NAME` prints them as JSON lines, which the
peer's `palermo audit verify --checkpoints FILE` compares with its log: a peer that truncated or
rewrote its log cannot make its witnesses forget what it signed before.

`palermo audit verify --witnesses` asks every active peer for the copies it keeps
(POST /api/v1/node/witness: a signed `witness.fetch` envelope; the answer is a signed
`witness.copy` document with the requesting node's checkpoints only) and checks the log against
them as well.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cooperation import signing
from palermo.cooperation.models import Node, WitnessCheckpoint
from palermo.cooperation.transport import (
    DeliveryError,
    NodeRefusal,
    Transport,
    envelope_open,
    http_transport,
    inbox_sender,
    kind_handler_register,
    outbox_enqueue,
)
from palermo.core.checkpoints import (
    Checkpoint,
    WitnessCopies,
    checkpoint_from_dict,
    checkpoint_listener_register,
    witness_source_register,
)

KIND = "audit.checkpoint"
FETCH_KIND = "witness.fetch"
COPY_KIND = "witness.copy"
WITNESS_PATH = "/api/v1/node/witness"


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


def witness_answer(*, body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """The signed copy of the checkpoints kept here for the peer whose signed `witness.fetch`
    envelope is `body`; NodeRefusal when it is not one."""
    sender = inbox_sender(headers)
    if sender is None or not signing.verify(
        body, headers.get(signing.SIGNATURE_HEADER, ""), sender.public_key
    ):
        raise NodeRefusal(_("Unknown node or bad signature."), "bad_signature", 401)
    _sender, envelope, _sent_at = envelope_open(
        body=body, headers=headers, now=timezone.now(), sender=sender
    )
    if envelope["kind"] != FETCH_KIND:
        raise NodeRefusal(_("The body is not a witness request to this node."), "invalid", 400)
    kept = [w.checkpoint.as_dict() for w in witnesses(sender.name)]
    document = {
        "v": signing.VERSION,
        "kind": COPY_KIND,
        "from": signing.node_name(),
        "to": sender.name,
        "request": envelope.get("id"),
        "ts": signing.utc_now_iso(),
        "checkpoints": kept,
    }
    return signing.signed(document)


def witness_fetch(*, node: Node, transport: Transport | None = None) -> list[Any]:
    """The copies of this node's checkpoints that `node` keeps (checkpoint dicts), from its
    signed answer; DeliveryError when it cannot be had or does not verify."""
    envelope = signing.envelope_build(to=node.name, kind=FETCH_KIND, payload={})
    body, headers = signing.signed(envelope)
    url = node.url.rstrip("/") + WITNESS_PATH
    status, reply_headers, reply = (transport or http_transport)(url, body, headers)
    if status != 200:
        raise DeliveryError("{} answered {}".format(node.name, status))
    lowered = {k.lower(): v for k, v in reply_headers.items()}
    signature = lowered.get(signing.SIGNATURE_HEADER.lower(), "")
    if not signing.verify(reply, signature, node.public_key):
        raise DeliveryError("the answer of {} is not signed by its key".format(node.name))
    try:
        document = json.loads(reply)
    except ValueError:
        raise DeliveryError("the answer is not JSON") from None
    if not isinstance(document, dict) or (
        document.get("kind") != COPY_KIND
        or document.get("from") != node.name
        or document.get("to") != signing.node_name()
        or document.get("request") != envelope["id"]
        or not isinstance(document.get("checkpoints"), list)
    ):
        raise DeliveryError("the answer does not match the request")
    return list(document["checkpoints"])


def witnesses_ask(transport: Transport | None = None) -> WitnessCopies:
    """Every active peer's copies of this node's checkpoints, and the peers that gave none."""
    copies: dict[str, list[Any]] = {}
    failures: dict[str, str] = {}
    for node in Node.objects.filter(active=True).order_by("name"):
        try:
            copies[node.name] = witness_fetch(node=node, transport=transport)
        except (OSError, DeliveryError) as exc:
            failures[node.name] = str(exc)[:300]
    return copies, failures


def witness_register() -> None:
    """From CooperationConfig.ready: send this node's checkpoints, keep the peers', and ask the
    peers for their copies when `palermo audit verify --witnesses` runs."""
    checkpoint_listener_register("cooperation.witness", checkpoint_send)
    kind_handler_register([KIND], witness_apply)
    witness_source_register("cooperation.witness", witnesses_ask)
