"""Helpers for the cooperation tests: a peer key, signed posts to the inbox, a client transport."""

from __future__ import annotations

import base64
import datetime as dt
import json
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils import timezone

from palermo.cooperation import choices as c
from palermo.cooperation import envelopes, files, services, signing
from palermo.cooperation.models import Node, OutboundMessage, Request
from palermo.cooperation.nodeproc import (  # noqa: F401 - the tests import them from here
    PALERMO,
    free_port,
    node_env,
    node_run,
    node_spawn,
    node_start,
    node_stop,
)
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


# --- a second node as a real process -----------------------------------------------------------
#
# The other node ("bravo") is `palermo runserver` in a subprocess with its own data dir and
# SQLite database. Its database is migrated once per test run (bravo_template) and copied for
# each test. This test process is the first node; InboxPump makes its inbox reachable over
# HTTP while every database write stays in the main thread (inside the test's transaction).

BRAVO_PASSWORD = "Bravo-Node-Test-Password-1"  # noqa: S105 - a throwaway test node


BRAVO_AUTHORITY = "South African Police Service"


def bravo_template(root: Path) -> tuple[Path, str]:
    """A second node's data dir, made once per run and copied for each test: migrated, with
    the countries, its key, and an investigator `brv` of the South African Police Service.
    Returns the folder and the node's public key."""
    env = node_env(root)
    node_run(env, "migrate", "--no-input", "-v0")
    node_run(
        env, "shell", "-c", "from palermo.core.services import countries_load; countries_load()"
    )
    node_run(env, "org", "create", "--name", BRAVO_AUTHORITY, "--kind", "government",
             "--country", "ZAF")  # fmt: skip
    node_run(env, "user", "create", "brv", "--org", BRAVO_AUTHORITY, "--role", "investigator",
             stdin=BRAVO_PASSWORD + "\n")  # fmt: skip
    key = node_run(env, "node", "key").split("public key:")[1].strip()
    return root, key


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
                if self.path != INBOX_PATH:
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
