"""Signed audit checkpoints travel to peer nodes, which keep them as witnesses; a witness's copy
finds a truncated log after the node's own checkpoint file is gone."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from pytest_django import Settings

from palermo.cooperation import services, signing, witness
from palermo.cooperation.models import Node, OutboundMessage, WitnessCheckpoint
from palermo.cooperation.transport import DeliveryError
from palermo.cooperation.witness import KIND, witnesses
from palermo.core.audit import audit_record, audit_verify
from palermo.core.audit_kinds import FIELD_KEYS
from palermo.core.checkpoints import Checkpoint, checkpoint_create, checkpoint_file

from .factories import PEER_KEY
from .helpers import client_transport, make_peer, peer_envelope, post_signed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checkpoint_dir(settings: Settings, tmp_path: Path) -> Path:
    settings.PALERMO_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return tmp_path / "checkpoints"


@pytest.fixture
def me() -> Node:
    """This node registered as its own peer: what it sends comes back to its inbox."""
    return services.node_add(
        name=signing.node_name(), url="http://localhost:8000", public_key=signing.node_public_key()
    )


def _truncate(keep: int) -> None:
    """The attacker deletes the entries after `keep`, moves the chain head back to it and
    removes the node's checkpoint file (the triggers are off in the tests)."""
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditentry WHERE sequence > %s", [keep])
        cur.execute(
            "UPDATE core_auditchainhead SET sequence = %s, entry_hash = "
            "(SELECT entry_hash FROM core_auditentry WHERE sequence = %s), mac = "
            "(SELECT mac FROM core_auditentry WHERE sequence = %s) WHERE id = 1",
            [keep, keep, keep],
        )
    checkpoint_file().unlink()


def _append(n: int) -> list[int]:
    return [
        audit_record(actor=None, action="read", kind=FIELD_KEYS, object_id=i).sequence
        for i in range(n)
    ]


def test_checkpoint_is_sent_kept_listed_and_used_by_verify(
    client: Client, me: Node, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sequences = _append(4)
    checkpoint = checkpoint_create()
    assert checkpoint is not None
    queued = OutboundMessage.objects.get(kind=KIND)
    assert queued.target == me and queued.payload["sequence"] == sequences[-1]
    services.outbox_deliver(transport=client_transport(client))
    kept = WitnessCheckpoint.objects.get()
    assert (kept.node, kept.sequence, kept.entry_hash) == (
        me,
        checkpoint.sequence,
        checkpoint.entry_hash,
    )
    call_command("witness", "list", "--node", me.name)
    exported = tmp_path / "witness.jsonl"
    exported.write_text(capsys.readouterr().out)
    line = json.loads(exported.read_text().splitlines()[0])
    assert line["sequence"] == sequences[-1] and line["conflict"] is False
    # The log is truncated and the node's own checkpoint file lost: the witness's copy finds it.
    keep = sequences[1]
    _truncate(keep)
    assert audit_verify().ok
    report = audit_verify(checkpoint_files=[exported])
    assert not report.ok and report.first_broken_sequence == sequences[2]


def _signed_checkpoint(node: str, sequence: int, key_owner: str = "peer") -> Checkpoint:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    public = base64.b64encode(
        PEER_KEY.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    ).decode()
    unsigned = Checkpoint(
        node=node,
        sequence=sequence,
        entry_hash="a" * 64,
        mac="b" * 64,
        time="2026-01-01T00:00:00+00:00",
        public_key=public,
    )
    signature = base64.b64encode(PEER_KEY.sign(unsigned.signed_part())).decode()
    if key_owner != "peer":
        signature = base64.b64encode(b"\0" * 64).decode()
    return Checkpoint(**{**unsigned.as_dict(), "signature": signature})


def test_a_peer_checkpoint_is_kept_only_when_it_is_the_peers_own(client: Client) -> None:
    make_peer("bravo")
    good = _signed_checkpoint("bravo", 7)
    answer = post_signed(client, peer_envelope(kind=KIND, payload=good.as_dict()))
    assert answer.status_code == 200
    # the same sequence signed with another hash: kept too, marked as a conflict
    other = Checkpoint(**{**good.as_dict(), "entry_hash": "c" * 64, "signature": ""})
    signature = base64.b64encode(PEER_KEY.sign(other.signed_part())).decode()
    other = Checkpoint(**{**other.as_dict(), "signature": signature})
    assert post_signed(client, peer_envelope(kind=KIND, payload=other.as_dict())).status_code == 200
    assert [w.conflict for w in witnesses("bravo")] == [True, True]
    for bad in (
        _signed_checkpoint("charlie", 8).as_dict(),  # about another node
        _signed_checkpoint("bravo", 9, key_owner="forger").as_dict(),  # signature does not verify
        {"node": "bravo"},  # not a checkpoint
    ):
        answer = post_signed(client, peer_envelope(kind=KIND, payload=bad))
        assert answer.status_code == 422, answer.content
    assert WitnessCheckpoint.objects.count() == 2


def _witness_transport(client: Client) -> Any:
    """Posts to the path of the URL it is given, through django.test.Client (this same node)."""

    def send(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        path = "/" + url.split("://", 1)[1].split("/", 1)[1]
        resp = client.post(path, data=body, content_type="application/json", headers=headers)
        return resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, resp.content

    return send


def test_verify_with_witnesses_asks_the_peers_and_finds_a_truncated_log(
    client: Client, me: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`palermo audit verify --witnesses`: the peers' copies come back signed over the network
    and find what the node's own (lost) checkpoint file would have found."""
    sequences = _append(4)
    assert checkpoint_create() is not None
    services.outbox_deliver(transport=client_transport(client))
    monkeypatch.setattr(witness, "http_transport", _witness_transport(client))
    out = io.StringIO()
    call_command("audit", "verify", "--witnesses", stdout=out)
    assert "witness {}: 1 checkpoints kept".format(me.name) in out.getvalue()
    keep = sequences[1]
    _truncate(keep)
    call_command("audit", "verify")  # the node alone cannot tell
    with pytest.raises(CommandError, match="entries were removed"):
        call_command("audit", "verify", "--witnesses", stdout=io.StringIO())


def test_a_peer_that_cannot_answer_is_named_and_the_check_goes_on(
    me: Node, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _append(2)

    def unreachable(url: str, body: bytes, headers: dict[str, str]) -> Any:
        raise OSError("connection refused")

    monkeypatch.setattr(witness, "http_transport", unreachable)
    call_command("audit", "verify", "--witnesses")
    err = capsys.readouterr().err
    assert "witness {}: no answer (connection refused)".format(me.name) in err


def test_the_witness_endpoint_answers_only_a_signed_request_of_a_peer(
    client: Client, me: Node
) -> None:
    path = witness.WITNESS_PATH
    anonymous = client.post(path, data=b"{}", content_type="application/json")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "bad_signature"
    make_peer("bravo")
    wrong_kind = signing.envelope_build(to=signing.node_name(), kind="ping", payload={})
    wrong_kind["from"] = "bravo"
    body, headers = signing.signed(wrong_kind, key=PEER_KEY, sender="bravo")
    refused = client.post(path, data=body, content_type="application/json", headers=headers)
    assert refused.status_code == 400 and refused.json()["code"] == "invalid"
    fetch = signing.envelope_build(to=signing.node_name(), kind=witness.FETCH_KIND, payload={})
    fetch["from"] = "bravo"
    body, headers = signing.signed(fetch, key=PEER_KEY, sender="bravo")
    answer = client.post(path, data=body, content_type="application/json", headers=headers)
    assert answer.status_code == 200
    document = json.loads(answer.content)
    assert document["to"] == "bravo" and document["checkpoints"] == []
    assert signing.verify(
        answer.content, answer.headers[signing.SIGNATURE_HEADER], signing.node_public_key()
    )


def test_an_answer_not_signed_by_the_peer_is_refused(me: Node) -> None:
    def forged(url: str, body: bytes, headers: dict[str, str]) -> Any:
        document = {"kind": witness.COPY_KIND, "checkpoints": []}
        reply, reply_headers = signing.signed(document, key=PEER_KEY, sender=me.name)
        return 200, {k.lower(): v for k, v in reply_headers.items()}, reply

    with pytest.raises(DeliveryError, match="not signed by its key"):
        witness.witness_fetch(node=me, transport=forged)
