"""The outbox: ordering per request, back-off, receipts; the receiver is this same node.

The node registers itself as a peer ("loopback"), so sender and receiver share one test database
and the transport posts through django.test.Client to the real inbox endpoint."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from palermo.cooperation import services, signing
from palermo.cooperation.models import InboundMessage, Node, OutboundMessage
from palermo.core.models import AuditEntry

from .helpers import client_transport

pytestmark = pytest.mark.django_db


@pytest.fixture
def me() -> Node:
    return services.node_add(
        name=signing.node_name(), url="http://localhost:8000", public_key=signing.node_public_key()
    )


def test_node_add_validates_and_audits() -> None:
    with pytest.raises(ValidationError):
        services.node_add(name="x", url="http://x.example", public_key="bad")
    with pytest.raises(ValidationError):
        services.node_add(name="y", url="not a url", public_key=signing.node_public_key())
    assert Node.objects.count() == 0
    node = services.node_add(name="z", url="http://z.example", public_key=signing.node_public_key())
    entry = AuditEntry.objects.get(object_type="cooperation.node")
    assert entry.object_id == str(node.pk)
    assert entry.after is not None and entry.after["public_key"] == node.public_key


def test_deliver_in_order_and_exactly_once(client: Client, me: Node) -> None:
    for i in range(5):
        services.outbox_enqueue(target=me, kind="information", payload={"i": i}, request="R-1")
    services.outbox_enqueue(target=me, kind="note", payload={"free": True})
    report = services.outbox_deliver(transport=client_transport(client))
    assert (report.sent, report.acknowledged, report.failed) == (6, 6, 0)
    rows = list(InboundMessage.objects.filter(request="R-1").order_by("id"))
    assert [m.seq for m in rows] == [1, 2, 3, 4, 5]
    assert [m.payload["i"] for m in rows] == [0, 1, 2, 3, 4]
    assert not OutboundMessage.objects.filter(acknowledged_at__isnull=True).exists()
    out = OutboundMessage.objects.first()
    assert out is not None and out.receipt is not None
    assert out.receipt["status"] == "accepted"
    # nothing left to send
    assert services.outbox_deliver(transport=client_transport(client)).sent == 0


def test_backoff_on_unreachable(me: Node) -> None:
    calls: list[str] = []

    def down(url: str, body: bytes, headers: dict[str, str]) -> services.TransportReply:
        calls.append(url)
        raise OSError("connection refused")

    msg = services.outbox_enqueue(target=me, kind="k", payload={})
    now = timezone.now()
    delays = []
    for _ in range(12):
        services.outbox_deliver(now=now, transport=down)
        msg.refresh_from_db()
        delays.append((msg.next_attempt_at - now).total_seconds())
        assert services.outbox_deliver(now=now, transport=down).sent == 0  # not due yet
        now = msg.next_attempt_at
    assert delays[:5] == [1, 2, 4, 8, 16]
    assert delays[-1] == 300
    assert msg.attempts == 12
    assert "connection refused" in msg.last_error
    assert msg.acknowledged_at is None
    assert services.backoff(100) == dt.timedelta(minutes=5)


def test_later_seq_waits_for_earlier(client: Client, me: Node) -> None:
    real = client_transport(client)
    failed_once: set[int] = set()
    sent_seqs: list[int] = []

    def flaky(url: str, body: bytes, headers: dict[str, str]) -> services.TransportReply:
        import json

        seq = json.loads(body)["seq"]
        sent_seqs.append(seq)
        if seq == 2 and 2 not in failed_once:
            failed_once.add(2)
            return 503, {}, b'{"detail":"busy","code":"error"}'
        return real(url, body, headers)

    for i in range(4):
        services.outbox_enqueue(target=me, kind="k", payload={"i": i}, request="R-2")
    now = timezone.now()
    report = services.outbox_deliver(now=now, transport=flaky)
    assert (report.acknowledged, report.failed) == (1, 1)
    assert sent_seqs == [1, 2]  # 3 and 4 were not sent before 2 was acknowledged
    assert "503" in OutboundMessage.objects.get(seq=2).last_error
    assert services.outbox_deliver(now=now, transport=flaky).sent == 0
    report = services.outbox_deliver(now=now + dt.timedelta(seconds=1), transport=flaky)
    assert report.acknowledged == 3
    assert sent_seqs == [1, 2, 2, 3, 4]
    assert list(InboundMessage.objects.order_by("id").values_list("seq", flat=True)) == [1, 2, 3, 4]


def test_lost_receipt_is_retried_without_duplicate(client: Client, me: Node) -> None:
    real = client_transport(client)
    lost = [True]

    def lossy(url: str, body: bytes, headers: dict[str, str]) -> services.TransportReply:
        result = real(url, body, headers)
        if lost[0]:
            lost[0] = False
            raise OSError("connection reset after delivery")
        return result

    services.outbox_enqueue(target=me, kind="k", payload={}, request="R-3")
    now = timezone.now()
    assert services.outbox_deliver(now=now, transport=lossy).acknowledged == 0
    later = now + dt.timedelta(minutes=3)
    assert services.outbox_deliver(now=later, transport=lossy).acknowledged == 1
    assert InboundMessage.objects.count() == 1
    receipt = OutboundMessage.objects.get().receipt
    assert receipt is not None and receipt["status"] == "duplicate"


def test_receipt_must_be_signed_by_target(client: Client, me: Node) -> None:
    real = client_transport(client)

    def forged(url: str, body: bytes, headers: dict[str, str]) -> services.TransportReply:
        status, resp_headers, resp_body = real(url, body, headers)
        return status, resp_headers, resp_body.replace(b"accepted", b"duplicate")

    msg = services.outbox_enqueue(target=me, kind="k", payload={})
    report = services.outbox_deliver(transport=forged)
    assert report.acknowledged == 0
    msg.refresh_from_db()
    assert msg.acknowledged_at is None
    assert "signature" in msg.last_error


def test_refusal_is_recorded(client: Client, me: Node) -> None:
    other = services.node_add(
        name="elsewhere", url="http://localhost:8000", public_key=signing.node_public_key()
    )
    msg = services.outbox_enqueue(target=other, kind="k", payload={})
    services.outbox_deliver(transport=client_transport(client))
    msg.refresh_from_db()
    assert "wrong_recipient" in msg.last_error
    assert msg.acknowledged_at is None
    assert InboundMessage.objects.count() == 0


def test_ping(client: Client, me: Node) -> None:
    ms, receipt = services.node_ping(node=me, transport=client_transport(client))
    assert ms >= 0
    assert receipt["status"] == "accepted"


def test_cli_node_key_and_nodes() -> None:
    out = StringIO()
    call_command("node", "key", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1] == signing.node_public_key()  # bare, for `--key "$(... | tail -1)"`
    assert "name: {}".format(signing.node_name()) in lines
    out = StringIO()
    call_command(
        "nodes",
        "add",
        "bravo",
        "http://bravo.example",
        "--key",
        signing.node_public_key(),
        stdout=out,
    )
    assert "Added node bravo" in out.getvalue()
    out = StringIO()
    call_command("nodes", "list", stdout=out)
    assert "bravo.example" in out.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("nodes", "add", "c", "http://c.example", "--key", "AAAA")
    with pytest.raises(CommandError):
        call_command("nodes", "ping", "nobody")
    out = StringIO()
    call_command("cooperation", "deliver", stdout=out)
    assert "sent 0" in out.getvalue()
