"""Helpers for the cooperation tests: a peer key, signed posts to the inbox, a client transport."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils import timezone

from palermo.cooperation import signing
from palermo.cooperation.models import Node
from palermo.cooperation.services import INBOX_PATH

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
