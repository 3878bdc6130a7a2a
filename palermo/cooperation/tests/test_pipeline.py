"""The pipelined outbox: over HTTP the next batch is sent while the previous one's answer is
checked and saved. The peer here is the batch inbox in memory (no database: it is called from the
sending thread), with the rules of the real one: each envelope id stored once, a seq refused while
its predecessor is missing, every receipt signed with the peer's key."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import defaultdict
from typing import Any

import pytest
from django.utils import timezone

from palermo.cooperation import batching, outbox, services, signing
from palermo.cooperation.models import Node, OutboundMessage

from .factories import PEER_KEY
from .helpers import make_peer

pytestmark = pytest.mark.django_db


class Peer:
    """Peer "bravo"'s batch inbox, in memory."""

    def __init__(
        self, *, refuse_once: frozenset[tuple[str, int]] = frozenset(), down: int = 0
    ) -> None:
        self.refuse_once = set(refuse_once)
        self.down = down  # the first `down` POSTs find nobody listening
        self.stored: dict[str, list[int]] = defaultdict(list)  # request: seqs as stored
        self.ids: set[str] = set()
        self.accepted = 0
        self.posts: list[str] = []  # the thread each POST came from
        self.second_post = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> services.TransportReply:
        with self.lock:
            self.posts.append(threading.current_thread().name)
            if len(self.posts) == 2:
                self.second_post.set()
            if len(self.posts) <= self.down:
                raise ConnectionRefusedError("nobody listening")
            assert url.endswith(batching.BATCH_PATH)
            answers = [self.receive(item) for item in batching.batch_parse(body)]
        return 200, {}, json.dumps({"v": 1, "receipts": answers}).encode()

    def receive(self, item: batching.BatchItem) -> dict[str, Any]:
        assert signing.verify(item.body, item.signature, signing.node_public_key())
        envelope = json.loads(item.body)
        request, seq = envelope["request"], envelope["seq"]
        status = "duplicate"
        if envelope["id"] not in self.ids:
            if (request, seq) in self.refuse_once:
                self.refuse_once.discard((request, seq))
                return {"status": 422, "code": "invalid_content", "detail": "not now"}
            if seq != len(self.stored[request]) + 1:
                return {"status": 409, "code": "out_of_order", "detail": "later"}
            self.stored[request].append(seq)
            self.ids.add(envelope["id"])
            self.accepted += 1
            status = "accepted"
        receipt = {
            "v": 1,
            "receipt_for": envelope["id"],
            "from": "bravo",
            "to": signing.node_name(),
            "ts": signing.utc_now_iso(),
            "status": status,
        }
        reply, headers = signing.signed(receipt, key=PEER_KEY, sender="bravo")
        return {
            "status": 200,
            "body": reply.decode(),
            "signature": headers[signing.SIGNATURE_HEADER],
        }


def _enqueue(peer: Node, counts: dict[str, int]) -> None:
    for request, count in counts.items():
        for n in range(count):
            services.outbox_enqueue(target=peer, kind="note", payload={"n": n}, request=request)


def _deliver(peer: Peer, **kw: Any) -> services.DeliveryReport:
    return services.outbox_deliver(transport=peer, batch=True, pipeline=True, **kw)


def test_pipelined_batches_keep_order_and_exactly_once_around_a_refusal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = make_peer()
    # Three batches: R1 1-100 | R1 101-150, R2 1-50 | R2 51-100. The peer refuses R1 seq 100
    # once, when batch 2 (with R1's later messages) is already on its way.
    _enqueue(target, {"R1": 150, "R2": 100})
    peer = Peer(refuse_once=frozenset({("R1", 100)}))
    sent_before_answered: list[bool] = []
    outcomes = outbox._batch_outcomes

    def first_answer_waits(messages: list[OutboundMessage], *args: Any) -> list[str] | None:
        if not sent_before_answered:  # batch 1: batch 2 reaches the peer before it is read
            sent_before_answered.append(peer.second_post.wait(timeout=10))
        return outcomes(messages, *args)

    monkeypatch.setattr(outbox, "_batch_outcomes", first_answer_waits)

    report = _deliver(peer)

    assert sent_before_answered == [True]
    assert set(peer.posts) == {"palermo-outbox_0"}  # all sent, in order, by the one thread
    assert len(peer.posts) == 3
    assert (report.acknowledged, report.failed) == (99 + 50 + 50, 1)
    assert report.pending == 1 + 50
    assert peer.stored == {"R1": list(range(1, 100)), "R2": list(range(1, 101))}
    refused = OutboundMessage.objects.get(request="R1", seq=100)
    assert refused.attempts == 1
    assert "invalid_content" in refused.last_error
    # R1 101-150 went too early: refused by the peer, recorded as not tried.
    early = OutboundMessage.objects.filter(request="R1", seq__gt=100)
    assert {(m.attempts, m.last_error, m.acknowledged_at) for m in early} == {(0, "", None)}

    report = _deliver(peer, now=timezone.now() + dt.timedelta(seconds=2))  # past the back-off

    assert (report.acknowledged, report.failed, report.pending) == (51, 0, 0)
    assert peer.stored == {"R1": list(range(1, 151)), "R2": list(range(1, 101))}
    assert peer.accepted == len(peer.ids) == 250  # each envelope stored once
    assert not OutboundMessage.objects.filter(acknowledged_at__isnull=True).exists()
    assert {m.attempts for m in early.all()} == {1}


def test_a_peer_down_fails_the_batch_sent_and_skips_the_one_behind_it() -> None:
    target = make_peer()
    _enqueue(target, {"R1": 150})
    peer = Peer(down=1)

    report = _deliver(peer)

    assert len(peer.posts) == 1  # the second batch was not even tried
    assert (report.acknowledged, report.failed, report.pending) == (0, 100, 150)
    attempts = dict(OutboundMessage.objects.values_list("seq", "attempts"))
    assert {attempts[s] for s in range(1, 101)} == {1}
    assert {attempts[s] for s in range(101, 151)} == {0}

    report = _deliver(peer, now=timezone.now() + dt.timedelta(seconds=2))

    assert (report.acknowledged, report.failed) == (150, 0)
    assert peer.stored == {"R1": list(range(1, 151))}
