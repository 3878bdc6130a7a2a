"""Several envelopes per POST (the batch inbox) and the outbox sending them in batches over a
kept-alive connection; a peer without the batch inbox still gets every message one by one."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from palermo.cooperation import batching, envelopes, outbox, services, signing
from palermo.cooperation.models import InboundMessage, Message, Node, OutboundMessage

from .factories import PEER_KEY, MessagePayloadFactory
from .helpers import _receive, make_peer, peer_envelope

pytestmark = pytest.mark.django_db

BATCH = batching.BATCH_PATH


def _batch(envelopes: list[dict[str, Any]], *, bad: int | None = None) -> bytes:
    items = []
    for n, envelope in enumerate(envelopes):
        body, headers = signing.signed(envelope, key=PEER_KEY, sender="bravo")
        signature = headers[signing.SIGNATURE_HEADER]
        if n == bad:
            body = body.replace(b"seq", b"SEQ")  # no longer what was signed
        items.append((body, {signing.SIGNATURE_HEADER: signature}))
    return batching.batch_body(items)


def _post(client: Client, body: bytes, sender: str = "bravo") -> Any:
    return client.post(
        BATCH, data=body, content_type="application/json", headers={"X-Palermo-Node": sender}
    )


def test_a_batch_is_stored_in_order_each_envelope_checked_and_receipted(client: Client) -> None:
    peer = make_peer()
    envelopes = [
        peer_envelope(kind="note", request="R1", seq=seq, payload={"n": seq}) for seq in (1, 2, 3)
    ]
    envelopes.append(peer_envelope(kind="note", request="R2", seq=2))  # seq 1 never came
    envelopes.append(peer_envelope(kind="note", payload={"forged": True}))
    resp = _post(client, _batch(envelopes, bad=4))
    assert resp.status_code == 200
    answers = resp.json()["receipts"]
    assert [a["status"] for a in answers] == [200, 200, 200, 409, 401]
    assert answers[3]["code"] == "out_of_order"
    assert answers[4]["code"] == "bad_signature"
    for envelope, answer in zip(envelopes[:3], answers[:3], strict=True):
        assert signing.verify(
            answer["body"].encode(), answer["signature"], signing.node_public_key()
        )
        receipt = json.loads(answer["body"])
        assert (receipt["receipt_for"], receipt["status"]) == (envelope["id"], "accepted")
    stored = InboundMessage.objects.filter(sender=peer).order_by("seq")
    assert [(m.request, m.seq) for m in stored] == [("R1", 1), ("R1", 2), ("R1", 3)]
    # The same batch again: duplicates, nothing stored twice.
    again = _post(client, _batch(envelopes[:3])).json()["receipts"]
    assert [json.loads(a["body"])["status"] for a in again] == ["duplicate"] * 3
    assert stored.count() == 3


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        json.dumps({"v": 1, "envelopes": []}).encode(),
        b'{"v":1,"envelopes":[1]}',
    ],
)
def test_a_malformed_batch_is_refused_whole(client: Client, body: bytes) -> None:
    make_peer()
    resp = _post(client, body)
    assert resp.status_code == 400
    assert InboundMessage.objects.count() == 0


def test_a_batch_from_an_unknown_node_stores_nothing(client: Client) -> None:
    resp = _post(client, _batch([peer_envelope()]), sender="nobody")
    answers = resp.json()["receipts"]
    assert answers[0]["code"] == "unknown_node"
    assert InboundMessage.objects.count() == 0


@pytest.fixture
def me() -> Node:
    """This node as its own peer (the outbox sends to its own inboxes)."""
    return services.node_add(
        name=signing.node_name(), url="http://localhost:8000", public_key=signing.node_public_key()
    )


def _to_self(me: Node, client: Client, *, batch_inbox: bool) -> tuple[list[str], Any]:
    """A transport to this node's own inboxes through the test client; the URLs it was sent."""
    urls: list[str] = []

    def send(url: str, body: bytes, headers: dict[str, str]) -> services.TransportReply:
        urls.append(url)
        path = url.removeprefix(me.url.rstrip("/"))
        if path == BATCH and not batch_inbox:
            return 404, {}, b"{}"
        resp = client.post(path, data=body, content_type="application/json", headers=headers)
        return resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, resp.content

    return urls, send


@pytest.mark.parametrize("batch_inbox", [True, False])
def test_the_outbox_sends_batches_or_one_by_one(
    client: Client, me: Node, batch_inbox: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "_no_batch_inbox", set())
    request = str(uuid.uuid4())
    for n in range(5):
        services.outbox_enqueue(target=me, kind="note", payload={"n": n}, request=request)
    services.outbox_enqueue(target=me, kind="note", payload={"alone": True})
    urls, send = _to_self(me, client, batch_inbox=batch_inbox)
    report = services.outbox_deliver(transport=send, batch=True)
    assert (report.sent, report.acknowledged, report.failed) == (6, 6, 0)
    if batch_inbox:
        assert [u.endswith(BATCH) for u in urls] == [True]
    else:  # asked once, then one per POST (and remembered for the next run)
        assert [u.endswith(BATCH) for u in urls] == [True] + [False] * 6
    assert not OutboundMessage.objects.filter(acknowledged_at__isnull=True).exists()
    stored = InboundMessage.objects.filter(request=request).order_by("seq")
    assert [m.seq for m in stored] == [1, 2, 3, 4, 5]


def test_kept_alive_connections_are_reused_and_reopened(client: Client) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    peers: list[tuple[str, int]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers["Content-Length"]))
            peers.append(self.client_address)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:{}/x".format(server.server_address[1])
    try:
        for _ in range(3):
            assert batching.http_post(url, b"{}", {})[0] == 200
        assert len({p for p in peers}) == 1  # one connection for the three
        batching.connections_close()
        assert batching.http_post(url, b"{}", {})[0] == 200
        assert len({p for p in peers}) == 2
    finally:
        batching.connections_close()
        server.shutdown()
        server.server_close()
    with pytest.raises(OSError):
        batching.http_post("ftp://example.org/x", b"", {})


def test_a_batch_of_messages_on_one_request_applies_each_once_around_a_refusal(
    client: Client, bravo: Node
) -> None:
    request = _receive(client)  # the peer's request, received here (seq 1)
    rid = str(request.pk)

    def message(seq: int, **kw: Any) -> dict[str, Any]:
        body = MessagePayloadFactory.build(attachments=[], **kw)
        return peer_envelope(
            kind=envelopes.KIND_MESSAGE, request=rid, seq=seq, payload={"message": body}
        )

    batch = [message(2), message(3), message(4, source_reliability="Z"), message(4), message(5)]
    answers = _post(client, _batch(batch)).json()["receipts"]
    # seq 4 refused (invalid), then the valid seq 4 and 5 are applied to the same request.
    assert [a["status"] for a in answers] == [200, 200, 422, 200, 200]
    bodies = {m["message"]["body"] for m in (e["payload"] for e in batch[:2] + batch[3:])}
    assert set(Message.objects.filter(request=request).values_list("body", flat=True)) == bodies
    stored = InboundMessage.objects.filter(request=rid).order_by("seq")
    assert [m.seq for m in stored] == [1, 2, 3, 4, 5]


def test_a_batch_checks_duplicates_and_seqs_against_earlier_batches_and_itself(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    peer = make_peer()
    first = [peer_envelope(kind="note", request="R1", seq=seq) for seq in (1, 2, 3)]
    assert [a["status"] for a in _post(client, _batch(first)).json()["receipts"]] == [200] * 3
    later = [peer_envelope(kind="note", request="R1", seq=seq) for seq in range(4, 24)]
    batch = [
        *later[:2],  # seq 4, 5: follow the earlier batch
        later[1],  # the same envelope twice in a batch: a duplicate
        first[2],  # one of the earlier batch: a duplicate
        peer_envelope(kind="note", request="R1", seq=3),  # seq 3 again, another id
        peer_envelope(kind="note", request="R2", seq=2),  # R2's seq 1 never came
        peer_envelope(kind="note", request="R2", seq=1),
        peer_envelope(kind="note", request="R2", seq=2),
        *later[2:],  # seq 6 to 23
    ]
    # The duplicate and seq checks of the 26 envelopes take one query, not one each: per
    # envelope a savepoint, its insert and the savepoint's release (a lookup each would be 26
    # more).
    with django_assert_max_num_queries(3 * len(batch) + 8):
        answers = _post(client, _batch(batch)).json()["receipts"]
    statuses = [
        a["status"] if a["status"] != 200 else json.loads(a["body"])["status"] for a in answers
    ]
    assert statuses[:8] == [
        "accepted",
        "accepted",
        "duplicate",
        "duplicate",
        409,
        409,
        "accepted",
        "accepted",
    ]
    assert [answers[4]["code"], answers[5]["code"]] == ["seq_conflict", "out_of_order"]
    assert statuses[8:] == ["accepted"] * 18
    stored = InboundMessage.objects.filter(sender=peer).order_by("id")
    assert [(m.request, m.seq) for m in stored] == [("R1", n) for n in range(1, 6)] + [
        ("R2", 1),
        ("R2", 2),
    ] + [("R1", n) for n in range(6, 24)]
