"""A second real Palermo node for the browser tests: its own process, data dir and SQLite database.

Like test_two_nodes.py, but with what a person needs to work on it: the requested authority, a
prosecutor who can log in, and this test process's node registered as its peer. It is set up in
one process (migrate and seed), served by `palermo runserver` on a loopback port, and delivers its
outbox with `palermo cooperation deliver`, exactly as an operator would run it.

Its Ed25519 key is made here and given as PALERMO_NODE_KEY, so the first node can register it
at once while the second one migrates in the background (`seed` does not wait; `start` does)."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from palermo.cooperation import signing

PALERMO = str(Path(sys.executable).with_name("palermo"))

SEED = """
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from palermo.core.models import Country, Organisation, User
from palermo.cooperation import services, signing
for iso3, name in {countries!r}:
    Country.objects.get_or_create(iso3=iso3, defaults={{"name": name}})
org = Organisation.objects.create(name={org!r}, kind="government", country_id={country!r})
user = User(username={username!r}, organisation=org, role="investigator")
user.set_password({password!r})
user.save()
services.node_add(
    name={peer!r}, url={peer_url!r}, public_key={peer_key!r}, country={peer_country!r}
)
assert signing.node_public_key() == {public_key!r}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SecondNode:
    """Node `name` at http://127.0.0.1:<port>, started and stopped by the test."""

    def __init__(self, data: Path, name: str = "bravo") -> None:
        self.data = data
        self.name = name
        self.port = free_port()
        self.url = "http://127.0.0.1:{}".format(self.port)
        key = Ed25519PrivateKey.generate()
        self.public_key = signing.public_key_b64(key)
        self.proc: subprocess.Popen[bytes] | None = None
        self.seeding: subprocess.Popen[bytes] | None = None
        data.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PALERMO_", "DATABASE_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="palermo.settings.test",
            PALERMO_DATA_DIR=str(data),
            DATABASE_URL="sqlite:///{}".format(data / "node.sqlite3"),
            PALERMO_NODE_NAME=name,
            PALERMO_NODE_KEY=signing.private_key_b64(key),
            PALERMO_ALLOWED_HOSTS="127.0.0.1,localhost",
        )
        self.env = env

    def run(self, *args: str) -> str:
        return subprocess.run(  # noqa: S603 - our own console script
            [PALERMO, *args], env=self.env, check=True, capture_output=True, text=True, timeout=300
        ).stdout

    def seed(self, **kw: Any) -> None:
        """Begin to migrate and create the authority, its prosecutor and the peer (no wait)."""
        script = SEED.format(public_key=self.public_key, **kw)
        with open(self.data / "seed.log", "ab") as log:
            self.seeding = subprocess.Popen(  # noqa: S603 - our own console script
                [PALERMO, "shell", "-c", script],
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def _seeded(self) -> None:
        if self.seeding is None:
            return
        rc = self.seeding.wait(timeout=300)
        self.seeding = None
        if rc != 0:
            log = (self.data / "seed.log").read_text(errors="replace")[-3000:]
            raise AssertionError("setting up the second node failed:\n{}".format(log))

    def start(self) -> None:
        """Wait for the seed, then serve; returns once the port answers."""
        self._seeded()
        with open(self.data / "server.log", "ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603
                [PALERMO, "runserver", "--noreload", "127.0.0.1:{}".format(self.port)],
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("the second node did not start; see {}".format(self.data))

    def stop(self) -> None:
        if self.seeding is not None and self.seeding.poll() is None:
            os.killpg(self.seeding.pid, signal.SIGKILL)
            self.seeding.wait(timeout=10)
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def deliver(self) -> str:
        """`palermo cooperation deliver` on this node: its outbox goes to the peer."""
        return self.run("cooperation", "deliver").strip()

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.data / "node.sqlite3") as db:
            return db.execute(sql, params).fetchall()
