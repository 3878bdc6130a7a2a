"""Keys and backups inside the test process (test_keys_backup.py runs them as nodes): the
start-up check's findings one by one, `palermo keys`, and a backup restored over the node."""

from __future__ import annotations

import io
import os
import socket
import stat
import tarfile
from collections.abc import Callable
from pathlib import Path

import pyrage
import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from pytest_django import Settings

from palermo.cases.models import PersonIdentity
from palermo.cases.tests.interchange_cases import two_cases
from palermo.core.checkpoints import checkpoint_create
from palermo.core.keys import (
    keys_check,
    keys_deploy_check,
    keys_problems,
    keys_refuse_to_start,
    sqlite_files_private,
)
from palermo.core.models import AuditEntry, User
from palermo.settings import env

NEW_AUDIT_KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="  # 32 bytes, base64


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter Palermo", country="ITA", kind="ngo")


@pytest.fixture
def node(settings: Settings, tmp_path: Path) -> Path:
    """This node's data and checkpoint directories in tmp_path."""
    settings.DATA_DIR = tmp_path / "data"
    settings.PALERMO_CHECKPOINT_DIR = tmp_path / "checkpoints"
    (tmp_path / "data").mkdir()
    return tmp_path


@pytest.mark.django_db
def test_keys_that_cannot_read_the_data_are_found(
    worker: User, settings: Settings, tmp_path: Path
) -> None:
    assert keys_problems() == []  # an empty log and no encrypted data: nothing to find
    two_cases(worker)
    assert keys_problems() == [] and keys_check() == []
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    settings.PALERMO_AUDIT_KEY = NEW_AUDIT_KEY
    generated = tmp_path / "field_keys"
    generated.write_text("new\n")
    env.GENERATED.add(generated)
    problems = keys_problems()
    assert "identities" in problems[0] and "PALERMO_FIELD_KEYS" in problems[0]
    assert "audit key" in problems[1]
    assert "field_keys" in problems[2] and not generated.exists()  # no silent new key
    assert {m.id for m in keys_check()} == {"palermo.keys.E001"}
    with pytest.raises(ImproperlyConfigured, match="PALERMO_KEY_DIR"):
        keys_refuse_to_start()
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.PALERMO_AUDIT_KEY = "short"
    problems = keys_problems()
    assert any("No field encryption key" in p for p in problems)
    assert any("not base64 of 32 bytes" in p for p in problems)


@pytest.mark.django_db
def test_a_key_directory_missing_files_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys"
    monkeypatch.setenv("PALERMO_KEY_DIR", str(keys))
    monkeypatch.delenv("PALERMO_FIELD_KEYS", raising=False)
    assert "run `palermo keys init`" in keys_problems()[0]
    assert keys_deploy_check() == []
    call_command("keys", "init")
    assert "field_keys, audit_key, node_key, name_index_key" in capsys.readouterr().out
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    call_command("keys", "init", "--dir", str(keys))
    assert "nothing changed" in capsys.readouterr().out
    monkeypatch.delenv("PALERMO_KEY_DIR")
    with pytest.raises(CommandError, match="PALERMO_KEY_DIR"):
        call_command("keys", "init")
    assert keys_deploy_check()[0].id == "palermo.keys.W001"


@pytest.mark.django_db
def test_keys_check_command(settings: Settings, worker: User) -> None:
    two_cases(worker)
    out = io.StringIO()
    call_command("keys", "check", stdout=out)
    assert "read its data" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="identities"):
        call_command("keys", "check")


def test_sqlite_files_are_made_private(tmp_path: Path) -> None:
    new, old = tmp_path / "new.sqlite3", tmp_path / "old.sqlite3"
    old.write_bytes(b"")
    old.chmod(0o644)
    (tmp_path / "old.sqlite3-wal").write_bytes(b"")
    sqlite = "django.db.backends.sqlite3"
    sqlite_files_private(
        {
            "a": {"ENGINE": sqlite, "NAME": str(new)},
            "b": {"ENGINE": "palermo.core.sqlite", "NAME": str(old)},
            "c": {"ENGINE": sqlite, "NAME": ":memory:"},
            "d": {"ENGINE": sqlite, "NAME": str(tmp_path / "missing" / "x.sqlite3")},
            "e": {"ENGINE": "django.db.backends.postgresql", "NAME": "palermo"},
        }
    )
    for path in (new, old, tmp_path / "old.sqlite3-wal"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not (tmp_path / "missing").exists()


def _names(archive: Path, identity: pyrage.x25519.Identity) -> list[str]:
    plain = pyrage.decrypt(archive.read_bytes(), [identity])
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:gz") as tar:
        return tar.getnames()


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="PostgreSQL: test_keys_backup.py restores with pg_restore into a database of its own",
)
def test_backup_restored_over_the_node(
    live_reference: None,
    worker: User,
    node: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    two_cases(worker)
    checkpoint_create()
    upload = node / "data" / "cooperation" / "attachments" / "zz"
    upload.mkdir(parents=True)
    (upload / "file.bin").write_bytes(b"bytes")
    (node / "data" / "server.log").write_text("a log line")
    # The running node's wake-up socket (palermo serve) is not a file to back up.
    (node / "data" / "run").mkdir()
    wake = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    wake.bind(str(node / "data" / "run" / "delivery.sock"))
    identity = pyrage.x25519.Identity.generate()
    identity_file = node / "operator.age"
    identity_file.write_text(str(identity) + "\n")
    archive = node / "node.age"
    out = io.StringIO()
    call_command("backup", str(archive), "--recipient", str(identity.to_public()), stdout=out)
    assert "without keys" in out.getvalue()
    names = _names(archive, identity)
    assert "files/cooperation/attachments/zz/file.bin" in names
    wake.close()
    assert "files/server.log" not in names and not any("keys/" in n for n in names)
    assert not any(n.startswith("files/run") for n in names)
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(archive), "--recipient", str(identity.to_public()))
    entries, identities = AuditEntry.objects.count(), PersonIdentity.objects.count()
    PersonIdentity.objects.all().delete()  # what the restore has to bring back
    (upload / "file.bin").unlink()
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), "--identity", str(identity_file))
    out = io.StringIO()
    call_command("restore", str(archive), "--identity", str(identity_file), "--force", stdout=out)
    report = out.getvalue()
    assert "identities: {} readable, 0 unreadable".format(identities) in report
    assert "restore verified" in report and "1 signed checkpoints" in report
    assert AuditEntry.objects.count() == entries
    assert (upload / "file.bin").read_bytes() == b"bytes"
    # With other keys the restore reports what it cannot read, and fails.
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    out = io.StringIO()
    with pytest.raises(CommandError, match="PALERMO_KEY_DIR"):
        call_command(
            "restore", str(archive), "--identity", str(identity_file), "--force", stdout=out
        )
    assert "identities: 0 readable, {} unreadable".format(identities) in out.getvalue()


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="PostgreSQL: test_keys_backup.py restores with pg_restore into a database of its own",
)
def test_backup_with_keys_and_a_passphrase(
    live_reference: None,
    worker: User,
    node: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    two_cases(worker)
    keys = {
        "FIELD_ENCRYPTION_KEYS": list(settings.FIELD_ENCRYPTION_KEYS),
        "PALERMO_AUDIT_KEY": settings.PALERMO_AUDIT_KEY,
        "PALERMO_NODE_KEY": settings.PALERMO_NODE_KEY,
        "PALERMO_NAME_INDEX_KEY": settings.PALERMO_NAME_INDEX_KEY,
    }
    for name, value in keys.items():  # restored when the test ends (the restore reloads them)
        setattr(settings, name, value)
    monkeypatch.setenv("PALERMO_BACKUP_PASSPHRASE", "correct horse")
    monkeypatch.setenv("PALERMO_KEY_DIR", str(node / "keys"))
    for variable in (
        "PALERMO_FIELD_KEYS",
        "PALERMO_AUDIT_KEY",
        "PALERMO_NODE_KEY",
        "PALERMO_NAME_INDEX_KEY",
    ):
        monkeypatch.delenv(variable, raising=False)
    archive = node / "node.age"
    out = io.StringIO()
    call_command("backup", str(archive), "--include-keys", stdout=out)
    assert "WITH the keys" in out.getvalue()
    with pytest.raises(CommandError, match="Name the archive"):
        call_command("backup")
    out = io.StringIO()
    call_command("restore", str(archive), "--force", stdout=out)
    assert "keys: field_keys, audit_key, node_key, name_index_key" in out.getvalue()
    assert (node / "keys" / "field_keys").read_text().split() == keys["FIELD_ENCRYPTION_KEYS"]
    name_key = (node / "keys" / "name_index_key").read_text().strip()
    assert name_key == keys["PALERMO_NAME_INDEX_KEY"] == settings.PALERMO_NAME_INDEX_KEY
    assert stat.S_IMODE((node / "keys" / "audit_key").stat().st_mode) == 0o600
    monkeypatch.setenv("PALERMO_BACKUP_PASSPHRASE", "wrong")
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("restore", str(archive), "--force")
    monkeypatch.delenv("PALERMO_BACKUP_PASSPHRASE")
    with pytest.raises(CommandError, match="--identity"):
        call_command("restore", str(archive), "--force")
    with pytest.raises(CommandError, match="No archive"):
        call_command("restore", str(node / "missing.age"))
    assert connection.vendor == "sqlite"


def test_new_identity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("backup", "--new-identity", str(tmp_path / "id.age"))
    assert capsys.readouterr().out.splitlines()[-1].startswith("age1")
    assert stat.S_IMODE((tmp_path / "id.age").stat().st_mode) == 0o600
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", "--new-identity", str(tmp_path / "id.age"))
