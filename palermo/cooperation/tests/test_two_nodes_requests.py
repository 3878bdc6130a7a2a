"""The request workflow between two real nodes: this test process (node "local", a Nigerian
authority; its inbox served over HTTP by InboxPump) and a second Palermo node run as
subprocesses (`palermo runserver` and `palermo cooperation deliver --loop`, node "bravo", a
South African authority, its own data dir and SQLite database, on this process's clock), driven
through its CLI.

A request goes out, is received and acknowledged automatically; the requested side answers with a
message and an attachment under a handling code, executes, refuses another request with grounds;
the requester closes; both sides agree on every status. (A burst of messages with the receiver
restarted is in test_two_nodes.py.)"""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from palermo.cooperation import choices as c
from palermo.cooperation import handling, services, signing
from palermo.cooperation.files import sha256
from palermo.cooperation.models import Message, Node, Request
from palermo.cooperation.nodeproc import free_port, node_run, node_spawn, node_start, node_stop
from palermo.core.models import User

from .nodes import BRAVO_AUTHORITY, InboxPump, bravo_data_dir, node_env

pytestmark = [pytest.mark.django_db, pytest.mark.nodes]

SAPS = BRAVO_AUTHORITY
RS = c.RequestStatus


def _bravo(
    tmp_path: Path, bravo_node: tuple[Path, str], pump: InboxPump
) -> tuple[dict[str, str], Node, int]:
    """The second node, registered both ways (its investigator `brv` works for SAPS)."""
    template, bravo_key = bravo_node
    env = node_env(bravo_data_dir(template, tmp_path / "bravo"))
    node_run(
        env, "nodes", "add", "local", pump.url, "--key", signing.node_public_key(),
        "--country", "NGA",
    )  # fmt: skip
    port = free_port()
    bravo = services.node_add(
        name="bravo", url="http://127.0.0.1:{}".format(port), public_key=bravo_key, country="ZAF"
    )
    return env, bravo, port


def _send(user: User, bravo: Node, **kw: Any) -> Request:
    return services.request_create(
        actor=user,
        node=bravo,
        requested_authority=SAPS,  # not known here: it travels by name
        legal_basis=kw.pop("legal_basis", "suggested"),
        **kw,
    )


def _bravo_requests(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    """The requests in bravo's database, by id."""
    with sqlite3.connect(Path(env["PALERMO_DATA_DIR"]) / "node.sqlite3") as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(
            "SELECT id, status, direction, requested_reference, requested_authority_name, "
            "legal_basis_article FROM cooperation_request"
        ).fetchall()
    return {str(uuid.UUID(r["id"])): dict(r) for r in rows}


def test_request_flow_between_two_nodes(
    clock: time_machine.Traveller,
    tmp_path: Path,
    bravo_node: tuple[Path, str],
    investigator: User,
) -> None:
    pump = InboxPump()
    env, bravo, port = _bravo(tmp_path, bravo_node, pump)
    server = node_start(env, port)
    worker = node_spawn(env, "cooperation", "deliver", "--loop", "--interval", "0.2")
    try:
        mla = _send(
            investigator,
            bravo,
            type="mla",
            subject="Bank records of a recruiter",
            due_date=timezone.localdate() + dt.timedelta(days=30),
        )
        letter = b"%PDF-1.4 letter of request"
        services.message_post(
            actor=investigator,
            request=mla,
            body="Letter of request attached.",
            attachments=[services.NewAttachment("letter.pdf", "application/pdf", letter)],
        )
        services.request_send(actor=investigator, request=mla)
        extradition = _send(investigator, bravo, type="extradition", subject="Surrender of X")
        services.request_send(actor=investigator, request=extradition)
        assert services.outbox_deliver().acknowledged == 3  # two requests and one message

        # Received on bravo, which acknowledges automatically.
        def received() -> bool:
            return (
                Request.objects.filter(pk__in=[mla.pk, extradition.pk], status=RS.RECEIVED).count()
                == 2
            )

        pump.serve(until=received)
        mla.refresh_from_db()
        assert mla.requested_reference.startswith("IN-")
        ack = mla.messages.get(kind=c.MessageKind.ACKNOWLEDGEMENT)
        assert mla.requested_reference in ack.body and SAPS in ack.body
        on_bravo = _bravo_requests(env)[str(mla.pk)]
        assert (on_bravo["status"], on_bravo["direction"]) == ("received", "incoming")
        assert on_bravo["requested_reference"] == mla.requested_reference
        assert on_bravo["requested_authority_name"] == SAPS
        assert on_bravo["legal_basis_article"] == "art. 18"

        # Bravo accepts, answers with a message and an attachment under a handling code,
        # executes; and refuses the extradition with grounds.
        answer = tmp_path / "statements.pdf"
        answer.write_bytes(b"%PDF-1.4 bank statements 2025")
        pump.run(env, "cooperation", "transition", str(mla.pk), "accepted", "--as", "brv")
        pump.run(
            env, "cooperation", "message", str(mla.pk), "--body", "Statements attached.",
            "--attach", str(answer), "--reliability", "B", "--assessment", "2",
            "--handling", "no_further_dissemination", "--as", "brv",
        )  # fmt: skip
        pump.run(env, "cooperation", "transition", str(mla.pk), "executed", "--as", "brv")
        pump.run(
            env, "cooperation", "transition", str(extradition.pk), "refused",
            "--ground", "nationality", "--note", "The person is a South African national.",
            "--as", "brv",
        )  # fmt: skip

        def answered() -> bool:
            return (
                Request.objects.filter(pk=mla.pk, status=RS.EXECUTED).exists()
                and Request.objects.filter(pk=extradition.pk, status=RS.REFUSED).exists()
            )

        pump.serve(until=answered)
        message = Message.objects.get(
            request=mla, direction=c.Direction.INCOMING, kind=c.MessageKind.MESSAGE
        )
        assert (message.handling_label, message.body) == (
            "B2 no_further_dissemination",
            "Statements attached.",
        )
        attachment = message.attachments.get()
        assert services.attachment_read(actor=investigator, attachment=attachment) == (
            answer.read_bytes()
        )
        with pytest.raises(handling.HandlingRestricted):  # enforced on the receiving node
            services.request_export(actor=investigator, request=mla)
        extradition.refresh_from_db()
        assert extradition.refusal_ground == "nationality"
        assert extradition.refusal_grounds == "The person is a South African national."
        mla.refresh_from_db()
        assert [
            (ch.from_status, ch.to_status, ch.side, ch.remote) for ch in mla.status_changes.all()
        ] == [
            ("draft", "draft", "requester", False),
            ("draft", "sent", "requester", False),
            ("sent", "received", "requested", True),
            ("received", "accepted", "requested", True),
            ("accepted", "executed", "requested", True),
        ]

        # The requester closes; bravo follows.
        services.request_transition(actor=investigator, request=mla, to_status=RS.CLOSED)
        assert services.outbox_deliver().acknowledged == 1
        on_bravo = _bravo_requests(env)  # applied there before its receipt came back
        assert on_bravo[str(mla.pk)]["status"] == "closed"
        assert on_bravo[str(extradition.pk)]["status"] == "refused"
    finally:
        node_stop(worker)
        node_stop(server)
        pump.close()
    with sqlite3.connect(Path(env["PALERMO_DATA_DIR"]) / "node.sqlite3") as db:
        files = db.execute("SELECT filename, sha256 FROM cooperation_attachment").fetchall()
        acks = db.execute(
            "SELECT COUNT(*) FROM cooperation_outboundmessage "
            "WHERE kind = 'request.ack' AND acknowledged_at IS NOT NULL"
        ).fetchone()
    assert ("letter.pdf", sha256(letter)) in files
    assert acks == (2,)
