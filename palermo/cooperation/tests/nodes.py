"""Second Palermo nodes for the two-node and browser tests: real processes on this machine.

A second node is the worktree's `palermo` console script with its own data dir and SQLite
database (palermo.cooperation.nodeproc), on this test process's clock: `node_env` gives it the
settings of tests/node_settings.py and the offset of this process's clock from the real one (a
pinned `clock`, a moved PALERMO_TEST_SHIFT_DAYS), so signed messages are never stale between
the two nodes on any calendar day.

- `bravo_template`: node "bravo" migrated and seeded once per run, in one process; each test
  works on a copy (`bravo_data_dir`);
- `InboxPump`: this test process's inbox on a real port;
- `SecondNode`: the browser test's node, seeded with its authority and prosecutor.
"""

from __future__ import annotations

import json
import queue
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import time_machine

from palermo.cooperation import nodeproc, services, signing
from palermo.cooperation.nodeproc import (
    PALERMO,
    free_port,
    node_run,
    node_spawn,
    node_start,
    node_stop,
)

NODE_SETTINGS = "palermo.cooperation.tests.node_settings"
BRAVO_AUTHORITY = "South African Police Service"
BRAVO_PASSWORD = "Bravo-Node-Test-Password-1"  # noqa: S105 - a throwaway test node


def clock_offset() -> float:
    """Seconds between this process's clock and the real one."""
    hatch = time_machine.escape_hatch
    real = hatch.time.time() if hatch.is_travelling() else time.time()
    return time.time() - real


def node_env(data: Path, name: str = "bravo", **extra: str) -> dict[str, str]:
    """A second node's environment: its data dir and database, on this process's clock."""
    env = nodeproc.node_env(data, name, **extra)
    env.pop("PALERMO_TEST_SHIFT_DAYS", None)  # the offset below holds the shift and the pin
    env["DJANGO_SETTINGS_MODULE"] = NODE_SETTINGS
    env["PALERMO_TEST_CLOCK_OFFSET"] = "{:.3f}".format(clock_offset())
    return env


TEMPLATE = """
from django.core.management import call_command
from palermo.cooperation import signing
from palermo.core.services import countries_load, organisation_create, user_create
call_command("migrate", interactive=False, verbosity=0)
countries_load()
organisation_create(actor=None, name={org!r}, kind="government", country="ZAF", system=True)
user_create(
    actor=None, username="brv", organisation={org!r}, role="investigator", password={password!r},
    system=True,
)
print("public key:", signing.node_public_key())
"""


def bravo_template(root: Path) -> tuple[Path, str]:
    """A second node's data dir, made once per run and copied for each test: migrated, with
    the countries, its key, and an investigator `brv` of the South African Police Service.
    Returns the folder and the node's public key."""
    script = TEMPLATE.format(org=BRAVO_AUTHORITY, password=BRAVO_PASSWORD)
    out = node_run(node_env(root), "shell", "-c", script)
    return root, out.split("public key:")[1].strip()


def bravo_data_dir(template: Path, target: Path) -> Path:
    """A fresh copy of the template node's data dir (database and keys)."""
    shutil.copytree(template, target, ignore=shutil.ignore_patterns("*.log"))
    return target


class InboxPump:
    """This test process's inbox on a real port: a thread receives the POSTs, the main thread
    applies them with services.inbox_receive while it `serve`s (so all database work stays in
    the main thread and inside the test's transaction, on SQLite and PostgreSQL alike)."""

    def __init__(self) -> None:
        self.jobs: queue.Queue[tuple[bytes, dict[str, str], queue.Queue[Any]]] = queue.Queue()
        pump = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if self.path != services.INBOX_PATH:
                    self._reply(404, {}, b"{}")
                    return
                headers = {
                    signing.NODE_HEADER: self.headers.get(signing.NODE_HEADER, ""),
                    signing.SIGNATURE_HEADER: self.headers.get(signing.SIGNATURE_HEADER, ""),
                }
                box: queue.Queue[Any] = queue.Queue()
                pump.jobs.put((body, headers, box))
                try:
                    status, reply_headers, reply = box.get(timeout=8)
                except queue.Empty:
                    status, reply_headers, reply = 503, {}, b'{"code": "busy"}'
                self._reply(status, reply_headers, reply)

            def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.handled = 0

    @property
    def url(self) -> str:
        return "http://127.0.0.1:{}".format(self.server.server_address[1])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle_one(self, timeout: float) -> bool:
        try:
            body, headers, box = self.jobs.get(timeout=timeout)
        except queue.Empty:
            return False
        try:
            reply = services.inbox_receive(body=body, headers=headers)
            box.put((reply.status, reply.headers, reply.body))
        except services.NodeRefusal as exc:
            error = json.dumps({"detail": exc.detail, "code": exc.code}).encode()
            box.put((exc.status, {}, error))
        self.handled += 1
        return True

    def serve(self, until: Callable[[], bool], timeout: float = 90) -> None:
        """Apply incoming messages until `until()` holds; fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not until():
            if time.monotonic() > deadline:
                raise AssertionError("timed out waiting for the other node")
            self._handle_one(0.1)

    def run(self, env: dict[str, str], *args: str) -> str:
        """A palermo command of the other node, serving this inbox meanwhile."""
        proc = subprocess.Popen(  # noqa: S603
            [PALERMO, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        while proc.poll() is None:
            self._handle_one(0.05)
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise AssertionError("palermo {} failed: {}{}".format(" ".join(args), out, err))
        return out


SEED = """
from palermo.cooperation import services
from palermo.core.services import organisation_create, user_create
organisation_create(actor=None, name={org!r}, kind="government", country={country!r}, system=True)
user_create(
    actor=None, username={username!r}, organisation={org!r}, role="investigator",
    password={password!r}, system=True,
)
services.node_add(
    name={peer!r}, url={peer_url!r}, public_key={peer_key!r}, country={peer_country!r}
)
"""


class SecondNode:
    """Node "bravo" for the browser test, on a copy of the template: `seed` adds its authority,
    a prosecutor who can log in and this node as its peer (in the background); `start` waits
    for that and serves it on a loopback port until `stop`."""

    def __init__(self, template: tuple[Path, str], data: Path) -> None:
        self.data = bravo_data_dir(template[0], data)
        self.public_key = template[1]
        self.name = "bravo"
        self.port = free_port()
        self.url = "http://127.0.0.1:{}".format(self.port)
        self.env = node_env(self.data, self.name)
        self.proc: subprocess.Popen[bytes] | None = None
        self.seeding: subprocess.Popen[bytes] | None = None

    def seed(self, **kw: Any) -> None:
        """Begin to add the authority, its prosecutor and the peer (does not wait)."""
        self.seeding = node_spawn(self.env, "shell", "-c", SEED.format(**kw))

    def start(self) -> None:
        """Wait for the seed, then serve; returns once the port answers."""
        if self.seeding is not None:
            rc = self.seeding.wait(timeout=300)
            self.seeding = None
            if rc != 0:
                log = (self.data / "worker.log").read_text(errors="replace")[-3000:]
                raise AssertionError("setting up the second node failed:\n{}".format(log))
        self.proc = node_start(self.env, self.port)

    def stop(self) -> None:
        for proc in (self.seeding, self.proc):
            if proc is not None:
                node_stop(proc)

    def deliver(self) -> str:
        """`palermo cooperation deliver` on this node: its outbox goes to the peer."""
        return node_run(self.env, "cooperation", "deliver").strip()

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.data / "node.sqlite3") as db:
            return db.execute(sql, params).fetchall()
