"""The inbox: every refusal stores nothing; duplicates are stored once; order within a request."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client, override_settings

from palermo.cooperation import signing
from palermo.cooperation.models import InboundMessage, Node

from .factories import PEER_KEY
from .helpers import make_peer, old, peer_envelope, post, post_signed

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def peer() -> Node:
    return make_peer()


def refused(resp: Response, status: int, code: str) -> None:
    assert resp.status_code == status, resp.content
    assert resp.json()["code"] == code
    assert "detail" in resp.json()
    assert InboundMessage.objects.count() == 0


def test_accepts_and_signs_receipt(client: Client, peer: Node) -> None:
    env = peer_envelope(request="R-1", seq=1)
    resp = post_signed(client, env)
    assert resp.status_code == 200, resp.content
    assert resp.headers[signing.NODE_HEADER] == signing.node_name()
    assert signing.verify(
        resp.content, resp.headers[signing.SIGNATURE_HEADER], signing.node_public_key()
    )
    receipt = json.loads(resp.content)
    assert receipt["receipt_for"] == env["id"]
    assert receipt["status"] == "accepted"
    assert receipt["to"] == "bravo"
    msg = InboundMessage.objects.get()
    assert str(msg.envelope_id) == env["id"]
    assert msg.payload == {"text": "Ωμέγα"}
    assert (msg.request, msg.seq, msg.kind) == ("R-1", 1, "information")


def test_duplicate_is_stored_once(client: Client, peer: Node) -> None:
    env = peer_envelope()
    assert post_signed(client, env).json()["status"] == "accepted"
    resp = post_signed(client, env)
    assert resp.status_code == 200
    assert resp.json()["status"] == "duplicate"
    assert InboundMessage.objects.count() == 1


def test_too_large_body(client: Client, peer: Node) -> None:
    with override_settings(PALERMO_NODE_MAX_MESSAGE_BYTES=200):
        refused(post_signed(client, peer_envelope(payload={"x": "a" * 300})), 413, "too_large")


def test_too_large_content_length(client: Client, peer: Node) -> None:
    body, headers = signing.signed(peer_envelope(), key=PEER_KEY, sender="bravo")
    with override_settings(PALERMO_NODE_MAX_MESSAGE_BYTES=10):
        refused(post(client, body, headers), 413, "too_large")


def test_unknown_or_missing_sender(client: Client, peer: Node) -> None:
    env = peer_envelope(sender="mallory")
    refused(post_signed(client, env), 401, "unknown_node")
    body, headers = signing.signed(peer_envelope(), key=PEER_KEY)
    del headers[signing.NODE_HEADER]
    refused(post(client, body, headers), 401, "unknown_node")


def test_missing_signature(client: Client, peer: Node) -> None:
    body = signing.canonical(peer_envelope())
    refused(post(client, body, {signing.NODE_HEADER: "bravo"}), 401, "bad_signature")


def test_wrong_key(client: Client, peer: Node) -> None:
    refused(
        post_signed(client, peer_envelope(), key=Ed25519PrivateKey.generate()),
        401,
        "bad_signature",
    )


def test_tampered_body(client: Client, peer: Node) -> None:
    body, headers = signing.signed(peer_envelope(), key=PEER_KEY, sender="bravo")
    refused(post(client, body.replace("Ωμέγα".encode(), b"omega"), headers), 401, "bad_signature")


def test_sender_mismatch(client: Client, peer: Node) -> None:
    make_peer("charlie")
    env = peer_envelope(sender="charlie")  # signed by bravo's key, claims to come from charlie
    body, headers = signing.signed(env, key=PEER_KEY, sender="bravo")
    refused(post(client, body, headers), 401, "bad_signature")


def test_wrong_recipient(client: Client, peer: Node) -> None:
    refused(post_signed(client, peer_envelope(to="someone-else")), 400, "wrong_recipient")


@pytest.mark.parametrize("minutes", [6, -6])
def test_stale(client: Client, peer: Node, minutes: int) -> None:
    refused(post_signed(client, peer_envelope(now=old(minutes))), 400, "stale")


def test_replay_after_window_is_stale(client: Client, peer: Node) -> None:
    env = peer_envelope(now=old(10))
    refused(post_signed(client, env), 400, "stale")


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1,2]", b'{"v":1}', b"\xff\xfe"],
)
def test_malformed(client: Client, peer: Node, body: bytes) -> None:
    headers = {
        signing.NODE_HEADER: "bravo",
        signing.SIGNATURE_HEADER: signing.sign(body, PEER_KEY),
    }
    refused(post(client, body, headers), 400, "invalid")


@pytest.mark.parametrize(
    "change",
    [{"payload": [1]}, {"kind": ""}, {"seq": 0, "request": "R"}, {"seq": 1}, {"id": "x"}],
)
def test_invalid_fields(client: Client, peer: Node, change: dict[str, Any]) -> None:
    env = peer_envelope()
    env.update(change)
    refused(post_signed(client, env), 400, "invalid")


def test_out_of_order(client: Client, peer: Node) -> None:
    resp = post_signed(client, peer_envelope(request="R-9", seq=2))
    refused(resp, 409, "out_of_order")
    assert post_signed(client, peer_envelope(request="R-9", seq=1)).status_code == 200
    assert post_signed(client, peer_envelope(request="R-9", seq=2)).status_code == 200
    resp = post_signed(client, peer_envelope(request="R-9", seq=2))  # same seq, new id
    assert resp.status_code == 409
    assert resp.json()["code"] == "seq_conflict"
    assert list(InboundMessage.objects.values_list("seq", flat=True)) == [1, 2]


def test_get_not_allowed(client: Client, peer: Node) -> None:
    assert client.get("/api/v1/node/inbox").status_code == 405


def test_no_csrf_needed_signature_is_the_authentication(peer: Node) -> None:
    client = Client(enforce_csrf_checks=True)
    assert post_signed(client, peer_envelope()).status_code == 200
