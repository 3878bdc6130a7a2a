"""`palermo cooperation send|list|transition|message|forward|export|remind`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from palermo.cooperation import envelopes
from palermo.cooperation.models import Message, Node, OutboundMessage, Request
from palermo.core.models import Organisation, User

from .factories import OrganisationFactory
from .helpers import _peer_message, _receive

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("cooperation", *args, stdout=out)
    return out.getvalue()


def test_send_and_list(investigator: User, outsider: User, bravo: Node, saps: Organisation) -> None:
    out = run(
        "send",
        "--to-node",
        "bravo",
        "--type",
        "mla",
        "--subject",
        "Bank records",
        "--to-authority",
        saps.name,
        "--urgency",
        "urgent",
        "--due",
        "2099-12-31",
        "--as",
        investigator.username,
    )
    request = Request.objects.get()
    assert "Sent {}".format(request.requester_reference) in out
    assert "legal basis UNTOC art. 18" in out  # suggested from the registry by default
    assert (request.status, request.urgency, str(request.due_date)) == (
        "sent",
        "urgent",
        "2099-12-31",
    )
    assert OutboundMessage.objects.get().kind == envelopes.KIND_CREATE
    rows = json.loads(run("list", "--format", "json"))
    assert [r["reference"] for r in rows] == [request.requester_reference]
    assert rows[0]["legal_basis"] == "UNTOC art. 18"
    table = run("list")
    assert table.splitlines()[0].split()[:4] == ["reference", "direction", "type", "status"]
    parsed = list(
        csv.DictReader(io.StringIO(run("list", "--format", "csv", "--as", investigator.username)))
    )
    assert parsed[0]["status"] == "sent"
    assert json.loads(run("list", "--format", "json", "--as", outsider.username)) == []


def test_send_needs_a_user_and_a_basis(investigator: User, bravo: Node, saps: Organisation) -> None:
    with pytest.raises(CommandError, match="--as USER"):
        run("send", "--to-node", "bravo", "--type", "mla", "--subject", "x")
    with pytest.raises(CommandError, match="bilateral"):
        run(
            "send",
            "--to-node",
            "bravo",
            "--type",
            "mla",
            "--subject",
            "x",
            "--to-authority",
            saps.name,
            "--to-country",
            "PRK",
            "--as",
            investigator.username,
        )  # fmt: skip  (no record for PRK in the registry's UNTOC sources: no treaty basis)
    out = run(
        "send", "--to-node", "bravo", "--type", "tracing", "--subject", "x",
        "--to-authority", saps.name, "--legal-basis", "bilateral:NGA-ZAF MoU (2012)",
        "--as", investigator.username,
    )  # fmt: skip
    assert "legal basis Bilateral: NGA-ZAF MoU (2012)" in out


def test_transition_message_export_forward(
    client: Client, tmp_path: Path, investigator: User, bravo: Node, saps: Organisation
) -> None:
    incoming = _receive(client)
    user = investigator.username
    with pytest.raises(CommandError, match="needs its ground"):
        run("transition", incoming.requested_reference, "refused", "--as", user)
    assert "is now accepted" in run(
        "transition", incoming.requested_reference, "accepted", "--as", user
    )
    letter = tmp_path / "answer.pdf"
    letter.write_bytes(b"%PDF answer")
    out = run(
        "message", str(incoming.pk), "--body", "Answer attached", "--attach", str(letter),
        "--reliability", "A", "--assessment", "1", "--handling", "not_for_court", "--as", user,
    )  # fmt: skip
    assert "(A1 not_for_court) with 1 attachment(s)" in out
    sent = Message.objects.get(direction="outgoing")
    assert sent.attachments.get().content_type == "application/pdf"
    # Received content marked no_further_dissemination: export and forward refused.
    assert (
        _peer_message(str(incoming.pk), 2, client, codes=["no_further_dissemination"]).status_code
        == 200
    )
    received = Message.objects.get(direction="incoming", kind="message")
    with pytest.raises(CommandError, match="no_further_dissemination"):
        run("export", str(incoming.pk), "--as", user)
    OrganisationFactory.create(name="FIU")
    with pytest.raises(CommandError, match="may not be shared"):
        run("share", str(received.pk), "--organisation", "FIU", "--reason", "x", "--as", user)
    other = run(
        "send", "--to-node", "bravo", "--type", "information", "--subject", "y",
        "--to-authority", saps.name, "--legal-basis", "reciprocity", "--as", user,
    )  # fmt: skip
    other_id = other.split("(")[1].split(")")[0]
    with pytest.raises(CommandError, match="may not be forwarded"):
        run("forward", str(received.pk), "--to-request", other_id, "--as", user)
    received.handling_codes = []
    received.save(update_fields=["handling_codes"])
    assert "Shared with FIU" in run(
        "share", str(received.pk), "--organisation", "FIU", "--reason", "analysis", "--as", user
    )
    assert "Forwarded as message" in run(
        "forward", str(received.pk), "--to-request", other_id, "--as", user
    )
    target = tmp_path / "export.json"
    run("export", str(incoming.pk), "--output", str(target), "--as", user)
    assert (
        json.loads(target.read_text())["request"]["requested_reference"]
        == incoming.requested_reference
    )


def test_remind(investigator: User, bravo: Node, saps: Organisation) -> None:
    assert run("remind") == "sent 0 reminder(s)\n"
    assert "enqueued reminders run" in run("remind", "--enqueue")
