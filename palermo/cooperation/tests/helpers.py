"""Helpers for the cooperation tests on one node: signed posts to this node's inbox as the peer
node "bravo" would send them, a transport through the test client, and request shortcuts.

The data they send comes from tests/factories.py; second nodes as real processes are in
tests/nodes.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils import timezone

from palermo.cooperation import choices as c
from palermo.cooperation import envelopes, services, signing
from palermo.cooperation.models import Node, OutboundMessage, Request
from palermo.cooperation.services import INBOX_PATH
from palermo.core.models import Organisation, User

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

from .factories import (
    PEER_KEY,
    AttachmentPayloadFactory,
    MessagePayloadFactory,
    NodeFactory,
    RequestPayloadFactory,
)


def make_peer(name: str = "bravo") -> Node:
    """A peer node that signs with PEER_KEY."""
    return NodeFactory.create(name=name)


def peer_envelope(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "to": signing.node_name(),
        "kind": "information",
        "payload": {"text": "Ωμέγα"},
        "sender": "bravo",
    }
    base.update(kw)
    return signing.envelope_build(**base)


def post(client: Client, body: bytes, headers: dict[str, str]) -> Response:
    return client.post(INBOX_PATH, data=body, content_type="application/json", headers=headers)


def post_signed(
    client: Client, envelope: dict[str, Any], key: Ed25519PrivateKey = PEER_KEY
) -> Response:
    body, headers = signing.signed(envelope, key=key, sender=envelope["from"])
    return post(client, body, headers)


def client_transport(client: Client) -> services.Transport:
    """A transport that posts through django.test.Client to this same node's inbox."""

    def send(url: str, body: bytes, headers: dict[str, str]) -> services.TransportReply:
        resp = post(client, body, headers)
        return resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, resp.content

    return send


def old(minutes: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def peer_event(
    client: Client,
    kind: str,
    request: str,
    seq: int,
    payload: dict[str, Any],
    sender: str = "bravo",
) -> Response:
    """The peer node (PEER_KEY) posts a request event to this node's inbox."""
    env = signing.envelope_build(
        to=signing.node_name(), kind=kind, payload=payload, request=request, seq=seq, sender=sender
    )
    return post_signed(client, env)


# --- the request workflow ---------------------------------------------------------------------


def _draft(user: User, bravo: Node, saps: Organisation, **kw: Any) -> Request:
    """A draft MLA request of `user` to the South African Police Service through bravo."""
    base: dict[str, Any] = {
        "actor": user,
        "type": c.RequestType.MLA,
        "subject": "Bank records of a recruiter",
        "node": bravo,
        "requested_authority": saps.name,
        "legal_basis": "untoc:art. 18",
    }
    base.update(kw)
    return services.request_create(**base)


def _outbox(kind: str | None = None) -> list[OutboundMessage]:
    qs = OutboundMessage.objects.order_by("id")
    return list(qs.filter(kind=kind) if kind else qs)


def _incoming_payload(**kw: Any) -> dict[str, Any]:
    """A request.create payload (RequestPayloadFactory's request, with `kw` changed)."""
    return {"request": RequestPayloadFactory.build(**kw)}


def _receive(client: Client, **kw: Any) -> Request:
    """A request the peer node makes, received here (`kw` as for RequestPayloadFactory)."""
    payload = _incoming_payload(**kw)
    resp = peer_event(client, envelopes.KIND_CREATE, payload["request"]["id"], 1, payload)
    assert resp.status_code == 200, resp.content
    return Request.objects.get(pk=payload["request"]["id"])


def _peer_message(
    request_id: str,
    seq: int,
    client: Client,
    *,
    content: bytes = b"%PDF-1.4 bank records",
    codes: Sequence[str] = (),
    **kw: Any,
) -> Response:
    """The peer node posts a message on a request: one file with `content` (none when empty),
    the handling `codes`, and `kw` as for MessagePayloadFactory."""
    attachments = [AttachmentPayloadFactory.build(content=content)] if content else []
    fields = {"handling_codes": list(codes), "attachments": attachments} | kw
    message = MessagePayloadFactory.build(**fields)
    return peer_event(client, envelopes.KIND_MESSAGE, request_id, seq, {"message": message})
