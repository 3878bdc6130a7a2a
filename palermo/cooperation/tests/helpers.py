"""Helpers for the cooperation tests: a peer key, signed posts to the inbox, a client transport."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils import timezone

from palermo.cooperation import choices as c
from palermo.cooperation import envelopes, files, services, signing
from palermo.cooperation.models import Node, OutboundMessage, Request
from palermo.cooperation.services import INBOX_PATH
from palermo.core.models import Organisation, User

PEER_KEY = Ed25519PrivateKey.generate()


def make_peer(name: str = "bravo") -> Node:
    return Node.objects.create(
        name=name, url="http://{}.example".format(name), public_key=signing.public_key_b64(PEER_KEY)
    )


def peer_envelope(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "to": signing.node_name(),
        "kind": "information",
        "payload": {"text": "Ωμέγα"},
        "sender": "bravo",
    }
    base.update(kw)
    return signing.envelope_build(**base)


def post(client: Client, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(INBOX_PATH, data=body, content_type="application/json", headers=headers)


def post_signed(client: Client, envelope: dict[str, Any], key: Ed25519PrivateKey = PEER_KEY) -> Any:
    body, headers = signing.signed(envelope, key=key, sender=envelope["from"])
    return post(client, body, headers)


def client_transport(client: Client) -> Any:
    """A transport that posts through django.test.Client to this same node's inbox."""

    def send(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
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
) -> Any:
    """The peer node (PEER_KEY) posts a request event to this node's inbox."""
    env = signing.envelope_build(
        to=signing.node_name(), kind=kind, payload=payload, request=request, seq=seq, sender=sender
    )
    return post_signed(client, env)


# --- the request workflow ---------------------------------------------------------------------


def _draft(user: User, bravo: Node, saps: Organisation, **kw: Any) -> Request:
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
    request: dict[str, Any] = {
        "id": "6d7c6f3e-1f0e-4b7a-9a55-3c1d2f1a0b01",
        "type": "extradition",
        "subject": "Surrender of a suspect",
        "description": "Wanted for trafficking in persons.",
        "urgency": "urgent",
        "due_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "requester_reference": "EXTRADITION-2026-AAAA0001",
        "requesting_authority": {"name": "South African Police Service"},
        "requested_authority": {"name": "Nigeria Police Force"},
        "requesting_country": "ZAF",
        "requested_country": "NGA",
        "legal_basis": {"kind": "instrument", "instrument": "untoc", "article": "art. 16"},
        "sent_at": timezone.now().isoformat(),
    }
    request.update(kw)
    return {"request": request}


def _receive(client: Client, **kw: Any) -> Request:
    payload = _incoming_payload(**kw)
    resp = peer_event(client, envelopes.KIND_CREATE, payload["request"]["id"], 1, payload)
    assert resp.status_code == 200, resp.content
    return Request.objects.get(pk=payload["request"]["id"])


def _peer_message(request_id: str, seq: int, client: Client, **kw: Any) -> Any:
    content = kw.pop("content", b"%PDF-1.4 bank records")
    message: dict[str, Any] = {
        "id": kw.pop("id", "0b2e0c1a-5d7e-4f33-8a61-7a0f1e2d3c40"),
        "author": "Detective Dlamini, South African Police Service",
        "body": "Records attached.",
        "source_reliability": "B",
        "information_assessment": "2",
        "handling_codes": kw.pop("codes", []),
        "created_at": timezone.now().isoformat(),
        "attachments": [
            {
                "id": "3f1d2c3b-4a5b-4c6d-8e7f-8091a2b3c4d5",
                "filename": "records.pdf",
                "content_type": "application/pdf",
                "size": len(content),
                "sha256": files.sha256(content),
                "content_b64": base64.b64encode(content).decode(),
            }
        ]
        if content
        else [],
    }
    message.update(kw)
    return peer_event(client, envelopes.KIND_MESSAGE, request_id, seq, {"message": message})
