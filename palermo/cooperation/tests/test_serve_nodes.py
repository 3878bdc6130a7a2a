"""Two whole nodes, each run by `palermo serve` alone (web server, worker, scheduler, delivery):
a request sent on one reaches the other within seconds with no other command, because the write
wakes the sender's delivery loop (its fallback poll is far longer than the wait here). And the
delivery loop in this process: woken by a committed message, not by its poll."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
import time_machine

from palermo.cooperation import delivery, services, signing
from palermo.cooperation.models import Node, OutboundMessage
from palermo.cooperation.nodeproc import free_port, node_run, node_serve, node_stop

from .nodes import BRAVO_AUTHORITY, bravo_data_dir, node_env

ALPHA_SEED = """
from palermo.core.services import organisation_create, user_create
organisation_create(actor=None, name="Nigeria Police Force", kind="government", country="NGA",
                    system=True)
user_create(actor=None, username="alp", organisation="Nigeria Police Force",
            role="investigator", system=True)
"""


def _key(env: dict[str, str]) -> str:
    return node_run(env, "node", "key").strip().splitlines()[-1]


def _received(data: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(data / "node.sqlite3") as db:
        rows = db.execute("SELECT subject, status FROM cooperation_request").fetchall()
    return [(str(s), str(t)) for s, t in rows]


@pytest.mark.nodes
def test_a_request_sent_on_a_served_node_arrives_within_seconds(
    clock: time_machine.Traveller, tmp_path: Path, bravo_node: tuple[Path, str]
) -> None:
    template, bravo_key = bravo_node
    alpha_dir = bravo_data_dir(template, tmp_path / "alpha")
    (alpha_dir / "node_key").unlink()  # its own key, made at its first start
    alpha = node_env(alpha_dir, "alpha", PALERMO_DELIVERY_POLL_SECONDS="600")
    bravo = node_env(
        bravo_data_dir(template, tmp_path / "bravo"), "bravo", PALERMO_DELIVERY_POLL_SECONDS="600"
    )
    alpha_port, bravo_port = free_port(), free_port()
    node_run(alpha, "shell", "-c", ALPHA_SEED)
    alpha_key = _key(alpha)
    node_run(
        alpha, "nodes", "add", "bravo", "http://127.0.0.1:{}".format(bravo_port),
        "--key", bravo_key, "--country", "ZAF",
    )  # fmt: skip
    node_run(
        bravo, "nodes", "add", "alpha", "http://127.0.0.1:{}".format(alpha_port),
        "--key", alpha_key, "--country", "NGA",
    )  # fmt: skip
    servers = [node_serve(alpha, alpha_port), node_serve(bravo, bravo_port)]
    try:
        node_run(
            alpha, "cooperation", "send", "--to-node", "bravo", "--type", "information",
            "--subject", "Served node request", "--to-authority", BRAVO_AUTHORITY,
            "--legal-basis", "reciprocity", "--as", "alp",
        )  # fmt: skip
        written = time.monotonic()
        while time.monotonic() - written < 60:
            if _received(bravo_dir := Path(bravo["PALERMO_DATA_DIR"])):
                break
            time.sleep(0.05)
        waited = time.monotonic() - written
        assert _received(bravo_dir) == [("Served node request", "received")]
        # Woken by the write: the fallback poll is 10 minutes (PALERMO_DELIVERY_POLL_SECONDS).
        assert waited < 20, waited
        # ... and bravo's automatic acknowledgement came back the same way.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if ("Served node request", "received") in _received(alpha_dir):
                break
            time.sleep(0.1)
        assert ("Served node request", "received") in _received(alpha_dir)
    finally:
        for server in servers:
            node_stop(server, graceful=True)
    assert [s.returncode for s in servers] == [0, 0]  # SIGTERM: clean stop, exit 0
    log = (alpha_dir / "server.log").read_text()
    assert "SIGTERM: stopping the node" in log
    assert "started delivery" in log and "started scheduler" in log
    # Tasks run at once under the test settings: no task worker part (serve.tasks_queued).
    assert "started worker" not in log


@pytest.mark.django_db(transaction=True)
def test_the_delivery_loop_is_woken_by_a_committed_message() -> None:
    node = Node.objects.create(
        name="nowhere", url="http://127.0.0.1:1", public_key=signing.node_public_key()
    )
    attempts: list[float] = []
    stop = threading.Event()
    loop = threading.Thread(target=delivery.delivery_loop, args=(stop,), kwargs={"poll": 120})
    loop.start()
    try:
        time.sleep(1.0)  # the loop ran once (nothing to send) and now waits, for up to 120 s
        written = time.monotonic()
        services.outbox_enqueue(target=node, kind="ping", payload={})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            message = OutboundMessage.objects.get()
            if message.attempts:
                attempts.append(time.monotonic() - written)
                break
            time.sleep(0.05)
    finally:
        delivery.delivery_stop(stop)
        loop.join(timeout=30)
    assert not loop.is_alive()
    assert attempts, "the loop was not woken"
    assert attempts[0] < 10
    assert "Connection refused" in OutboundMessage.objects.get().last_error
