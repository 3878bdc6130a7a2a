"""Two real nodes: this test process (node "local", the sender) and a second Palermo node run
as a subprocess (`palermo runserver`, its own data dir and SQLite database, node "bravo").

A burst of messages in two requests goes out; the receiver is killed halfway and restarted;
delivery runs until the outbox is drained; every message arrived exactly once and in order."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from palermo.cooperation import services, signing
from palermo.cooperation.models import OutboundMessage

from .helpers import bravo_data_dir, free_port, node_env, node_run, node_start, node_stop

pytestmark = pytest.mark.django_db

# The issue asks for a burst of 1,000; 50 keeps the default run short. Set PALERMO_TWO_NODE_BURST.
BURST = int(os.environ.get("PALERMO_TWO_NODE_BURST", "50"))


def test_two_nodes_receiver_restarted_mid_burst(
    tmp_path: Path, bravo_node: tuple[Path, str]
) -> None:
    template, bravo_key = bravo_node
    data = bravo_data_dir(template, tmp_path / "bravo")
    env = node_env(data)
    port = free_port()
    node_run(env, "nodes", "add", "local", "http://127.0.0.1:1", "--key", signing.node_public_key())
    bravo = services.node_add(
        name="bravo", url="http://127.0.0.1:{}".format(port), public_key=bravo_key
    )

    proc = node_start(env, port)
    try:
        ms, receipt = services.node_ping(node=bravo)
        assert receipt["status"] == "accepted"
        out = StringIO()
        call_command("nodes", "ping", "bravo", stdout=out)
        assert "bravo: signed receipt accepted in" in out.getvalue()
        sent: dict[str, list[OutboundMessage]] = {"R": [], "S": []}
        for n in range(BURST):
            request = "R" if n % 3 else "S"  # two requests, interleaved in the outbox
            sent[request].append(
                services.outbox_enqueue(
                    target=bravo, kind="information", payload={"n": n}, request=request
                )
            )
        calls = [0]
        running = [proc]

        def kill_halfway(url: str, body: bytes, headers: dict[str, str]):
            calls[0] += 1
            if calls[0] == BURST // 2:
                node_stop(running[0])  # the receiver dies in the middle of the burst
            return services.http_transport(url, body, headers)

        report = services.outbox_deliver(transport=kill_halfway)
        assert report.acknowledged == BURST // 2 - 1
        assert report.failed == 1  # bravo unreachable: everything after waits, nothing lost

        now = timezone.now() + dt.timedelta(seconds=1)
        assert services.outbox_deliver(now=now).acknowledged == 0  # still down: backing off
        proc = running[0] = node_start(env, port)
        for _ in range(BURST):
            now += dt.timedelta(seconds=301)
            services.outbox_deliver(now=now)
            if not OutboundMessage.objects.filter(acknowledged_at__isnull=True).exists():
                break
        assert not OutboundMessage.objects.filter(acknowledged_at__isnull=True).exists()
    finally:
        node_stop(proc)

    with sqlite3.connect(data / "node.sqlite3") as db:
        rows = db.execute(
            "SELECT request, envelope_id, seq FROM cooperation_inboundmessage "
            "WHERE request IS NOT NULL ORDER BY id"
        ).fetchall()
    assert len(rows) == BURST
    for request, messages in sent.items():
        got = [(str(eid).replace("-", ""), seq) for r, eid, seq in rows if r == request]
        assert got == [(m.envelope_id.hex, m.seq) for m in messages]  # once each, in order
        assert [seq for _, seq in got] == list(range(1, len(messages) + 1))
