"""The audit log: every write chained by hash; tampering, removal and insertion are found."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from palermo.core.audit import audit_record, audit_verify
from palermo.core.audit_kinds import FIELD_KEYS
from palermo.core.dbguard import install_guard
from palermo.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _append(n: int) -> list[AuditEntry]:
    return [
        audit_record(actor=None, action="update", kind=FIELD_KEYS, object_id=i, after={"v": i})
        for i in range(n)
    ]


def test_entries_chain_to_the_previous_hash() -> None:
    entries = _append(3)
    assert entries[1].previous_hash == entries[0].entry_hash
    assert entries[2].previous_hash == entries[1].entry_hash
    assert [e.sequence for e in entries] == sorted(e.sequence for e in entries)
    report = audit_verify()
    assert report.ok and report.checked == AuditEntry.objects.count()


def test_altered_entry_is_reported_as_first_broken() -> None:
    entries = _append(4)
    target = entries[1]
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE core_auditentry SET after = %s WHERE id = %s", ['{"v": 999}', target.pk]
        )
    report = audit_verify()
    assert not report.ok
    assert report.first_broken_sequence == target.sequence
    assert "altered" in report.reason


def test_removed_entry_is_reported() -> None:
    entries = _append(4)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditentry WHERE id = %s", [entries[2].pk])
    report = audit_verify()
    assert not report.ok
    assert report.first_broken_sequence == entries[3].sequence


def test_removed_last_entry_is_reported_through_the_chain_head() -> None:
    entries = _append(2)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_auditentry WHERE id = %s", [entries[-1].pk])
    report = audit_verify()
    assert not report.ok
    assert "removed" in report.reason


def test_cli_verify_passes_then_names_the_broken_entry(capsys: pytest.CaptureFixture[str]) -> None:
    entries = _append(2)
    call_command("audit", "verify")
    assert "audit chain intact" in capsys.readouterr().out
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE core_auditentry SET actor_label = 'mallory' WHERE id = %s", [entries[0].pk]
        )
    with pytest.raises(CommandError, match="#{}".format(entries[0].sequence)):
        call_command("audit", "verify")


def test_model_refuses_update_and_delete() -> None:
    entry = _append(1)[0]
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()


def test_database_guard_refuses_update_and_delete() -> None:
    entry = _append(1)[0]
    install_guard(connection)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""
