"""Issue 11, D2: every way found to rewrite the audit log unnoticed, now refused or detected.

- `INSERT OR REPLACE` (PostgreSQL: `ON CONFLICT DO UPDATE`) over an existing entry: refused by
  the append-only triggers; so is an insert that is not the next sequence.
- Triggers dropped, the last entries deleted and the chain head moved back: found by the signed
  checkpoint kept outside the database (and by a peer's witness copy of it).
- Who read a victim's identity changed and the following hashes recomputed with `entry_digest`:
  found by the MACs (the audit key is not in the database).
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from pytest_django import Settings

from palermo.core.audit import audit_record, audit_verify, entry_digest
from palermo.core.audit_kinds import FIELD_KEYS
from palermo.core.auditmac import entry_mac
from palermo.core.checkpoints import checkpoint_create, checkpoint_file, checkpoints_load
from palermo.core.dbguard import install_guard
from palermo.core.models import AuditChainHead, AuditEntry, User
from palermo.core.schedule import periodic_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def checkpoint_dir(settings: Settings, tmp_path: Path) -> Path:
    settings.PALERMO_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return tmp_path / "checkpoints"


def _append(n: int, label: str = "reader") -> list[AuditEntry]:
    return [
        audit_record(
            actor=None,
            action="read",
            kind=FIELD_KEYS,
            object_id=i,
            after={"v": i},
            actor_label=label,
        )
        for i in range(n)
    ]


def _columns(entry: AuditEntry) -> dict[str, Any]:
    return {
        "sequence": entry.sequence,
        "timestamp": entry.timestamp,
        "actor_id": None,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "reason": entry.reason,
        "previous_hash": entry.previous_hash,
        "entry_hash": entry.entry_hash,
        "mac": entry.mac,
    }


def _insert_sql(vendor: str, replace: bool) -> str:
    cols = "id, sequence, timestamp, actor_id, actor_label, action, object_type, object_id, "
    cols += "before, after, reason, previous_hash, entry_hash, mac"
    values = "%s, %s, %s, NULL, %s, %s, %s, %s, NULL, NULL, %s, %s, %s, %s"
    if vendor == "postgresql":
        tail = (
            " ON CONFLICT (id) DO UPDATE SET actor_label = EXCLUDED.actor_label" if replace else ""
        )
        return "INSERT INTO core_auditentry ({}) VALUES ({}){}".format(cols, values, tail)  # noqa: S608
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    return "{} INTO core_auditentry ({}) VALUES ({})".format(verb, cols, values)


def _params(entry: AuditEntry, **change: Any) -> list[Any]:
    c = {**_columns(entry), **change}
    return [
        change.get("id", entry.pk),
        c["sequence"],
        c["timestamp"],
        c["actor_label"],
        c["action"],
        c["object_type"],
        c["object_id"],
        c["reason"],
        c["previous_hash"],
        c["entry_hash"],
        c["mac"],
    ]


def test_insert_or_replace_over_an_entry_is_refused_by_the_triggers() -> None:
    entries = _append(3)
    install_guard(connection)
    victim = entries[1]
    for sql, params in [
        (_insert_sql(connection.vendor, True), _params(victim, actor_label="nobody")),
        # an insert that is not an append: a new id, an old sequence
        (
            _insert_sql(connection.vendor, False),
            _params(victim, id=victim.pk + 1000, sequence=victim.sequence, entry_hash="f" * 64),
        ),
        # or a sequence that skips ahead
        (
            _insert_sql(connection.vendor, False),
            _params(victim, id=victim.pk + 1001, sequence=victim.sequence + 9, entry_hash="e" * 64),
        ),
    ]:
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, params)
    assert AuditEntry.objects.get(pk=victim.pk).actor_label == "reader"
    # the head cannot be moved back either, and appends still work
    with pytest.raises(DatabaseError, match="forward"), transaction.atomic():
        AuditChainHead.objects.filter(id=1).update(sequence=1)
    _append(1)
    assert audit_verify().ok


def _truncate(keep: int) -> None:
    """The attacker's steps with the triggers dropped (tests run without them): delete the entries
    after `keep` and move the chain head back to the new last entry."""
    last = AuditEntry.objects.get(sequence=keep)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditentry WHERE sequence > %s", [keep])
        cur.execute(
            "UPDATE core_auditchainhead SET sequence = %s, entry_hash = %s, mac = %s WHERE id = 1",
            [keep, last.entry_hash, last.mac],
        )


def test_deleted_tail_with_the_head_moved_back_is_found_by_the_checkpoint(
    checkpoint_dir: Path,
) -> None:
    entries = _append(5)
    checkpoint = checkpoint_create()
    assert checkpoint is not None and checkpoint.sequence == entries[4].sequence
    _truncate(entries[2].sequence)
    report = audit_verify()
    assert not report.ok
    assert report.first_broken_sequence == entries[3].sequence
    assert "removed" in report.reason and "#{}".format(entries[4].sequence) in report.reason
    with pytest.raises(CommandError, match="entry #{}".format(entries[3].sequence)):
        call_command("audit", "verify")
    # Without the checkpoint the truncated chain holds: what D2 found.
    checkpoint_file().rename(checkpoint_dir / "elsewhere.jsonl")
    assert audit_verify().ok
    # A peer's witness copy of the checkpoint finds it too.
    report = audit_verify(checkpoint_files=[checkpoint_dir / "elsewhere.jsonl"])
    assert not report.ok and report.first_broken_sequence == entries[3].sequence


def test_changed_reader_with_recomputed_hashes_is_found_by_the_mac(
    make_user: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = _append(2) + _append(1, label="victim-reader") + _append(3)
    target = entries[2]
    # The attacker rewrites who read the identity and recomputes every following hash.
    previous = target.previous_hash
    with connection.cursor() as cur:
        for entry in AuditEntry.objects.filter(sequence__gte=target.sequence).order_by("sequence"):
            label = "someone-else" if entry.pk == target.pk else entry.actor_label
            digest = entry_digest(
                sequence=entry.sequence,
                timestamp=entry.timestamp,
                actor_id=entry.actor_id,
                actor_label=label,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                before=entry.before,
                after=entry.after,
                reason=entry.reason,
                previous_hash=previous,
            )
            cur.execute(
                "UPDATE core_auditentry SET actor_label = %s, previous_hash = %s, entry_hash = %s "
                "WHERE id = %s",
                [label, previous, digest, entry.pk],
            )
            previous = digest
        cur.execute("UPDATE core_auditchainhead SET entry_hash = %s WHERE id = 1", [previous])
    report = audit_verify()
    assert not report.ok
    assert report.first_broken_sequence == target.sequence
    assert "MAC" in report.reason
    assert report.checked == target.sequence - 1
    # A checkpoint over the rewritten head is refused.
    with pytest.raises(Exception, match="does not verify"):
        checkpoint_create()


def test_api_reports_the_first_bad_entry(admin_user: User, bearer: Any, client: Client) -> None:
    headers = bearer(admin_user)  # (creating the token is audited: before the attack)
    entries = _append(4)
    checkpoint_create()
    _truncate(entries[1].sequence)
    answer = client.get("/api/v1/audit/verify", **headers).json()
    assert answer["ok"] is False
    assert answer["first_broken_sequence"] == entries[2].sequence
    assert "removed" in answer["reason"]


def test_checkpoint_file_is_private_signed_and_appended(checkpoint_dir: Path) -> None:
    entries = _append(2)
    first = checkpoint_create()
    assert checkpoint_create() is None  # the head has not moved
    entries += _append(1)
    second = checkpoint_create()
    assert first is not None and second is not None
    lines = checkpoint_file().read_text().splitlines()
    assert [json.loads(line)["sequence"] for line in lines] == [
        entries[1].sequence,
        entries[2].sequence,
    ]
    assert stat.S_IMODE(checkpoint_file().stat().st_mode) == 0o600
    assert stat.S_IMODE(checkpoint_dir.stat().st_mode) == 0o700
    assert second.signature_valid()
    # A forged line (not signed by the node's key) makes verification fail, naming it.
    forged = {**json.loads(lines[-1]), "sequence": 9}
    with checkpoint_file().open("a") as fh:
        fh.write(json.dumps(forged) + "\n")
    loaded = checkpoints_load()
    assert len(loaded.valid) == 2 and "line 3" in loaded.invalid[0]
    report = audit_verify()
    assert not report.ok and "not signed" in report.reason


def test_cli_checkpoint_and_verify(capsys: pytest.CaptureFixture[str]) -> None:
    last = _append(2)[-1]
    call_command("audit", "checkpoint")
    assert "entry #{}".format(last.sequence) in capsys.readouterr().out
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "{} entries verified".format(last.sequence) in out and "1 signed checkpoints" in out


def test_the_scheduler_signs_checkpoints() -> None:
    job = {j.name: j for j in periodic_jobs()}["core.audit_checkpoint"]
    assert job.every.total_seconds() == 600
    job.run()
    assert job.run() == "no new audit entries"
    last = _append(1)[-1]
    assert job.run() == "checkpoint at entry #{}".format(last.sequence)


def test_verify_without_a_usable_node_key_says_so(settings: Settings) -> None:
    settings.PALERMO_NODE_KEY = "not a key"
    report = audit_verify()
    assert not report.ok and "PALERMO_NODE_KEY" in report.reason
    settings.PALERMO_AUDIT_KEY = ""
    assert "PALERMO_AUDIT_KEY" in audit_verify().reason


def test_rewrite_with_the_audit_key_is_found_by_the_checkpoint() -> None:
    """Even someone who also has the audit key and recomputes hashes and MACs cannot rewrite
    what a signed checkpoint covers."""
    entries = _append(3)
    checkpoint_create()
    previous_hash, previous_mac = entries[0].entry_hash, entries[0].mac
    with connection.cursor() as cur:
        for entry in entries[1:]:
            label = "someone-else" if entry.pk == entries[1].pk else entry.actor_label
            digest = entry_digest(
                sequence=entry.sequence,
                timestamp=entry.timestamp,
                actor_id=entry.actor_id,
                actor_label=label,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                before=entry.before,
                after=entry.after,
                reason=entry.reason,
                previous_hash=previous_hash,
            )
            mac = entry_mac(sequence=entry.sequence, entry_hash=digest, previous_mac=previous_mac)
            cur.execute(
                "UPDATE core_auditentry SET actor_label = %s, previous_hash = %s, "
                "entry_hash = %s, mac = %s WHERE id = %s",
                [label, previous_hash, digest, mac, entry.pk],
            )
            previous_hash, previous_mac = digest, mac
        cur.execute(
            "UPDATE core_auditchainhead SET entry_hash = %s, mac = %s WHERE id = 1",
            [previous_hash, previous_mac],
        )
    report = audit_verify()
    assert not report.ok
    assert report.first_broken_sequence == entries[2].sequence
    assert "rewritten" in report.reason
