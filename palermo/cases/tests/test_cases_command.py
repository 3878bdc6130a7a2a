"""`palermo cases rotate-key` (identities and guardian names re-encrypted with the newest key)
and `palermo cases anonymise` (retention, also as a task)."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django.fixtures import Settings

from palermo.cases import services as s
from palermo.cases.models import Case, Person, PersonIdentity
from palermo.cases.tasks import anonymise_closed_cases
from palermo.cases.tests.interchange_cases import two_cases
from palermo.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter Palermo", country="ITA", kind="ngo")


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Path:
    """Keys kept in a data-dir file, as on a development node."""
    monkeypatch.delenv("PALERMO_FIELD_KEYS", raising=False)
    monkeypatch.setenv("PALERMO_DATA_DIR", str(tmp_path))
    old = Fernet.generate_key().decode()
    (tmp_path / "field_keys").write_text(old + "\n")
    settings.FIELD_ENCRYPTION_KEYS = [old]
    return tmp_path / "field_keys"


@pytest.fixture
def cases(worker: User) -> list[Case]:
    return two_cases(worker)


def test_rotate_key_with_a_new_key(
    key_file: Path, worker: User, cases: list[Case], settings: Settings
) -> None:
    """The keys come first (`key_file`), then the cases written with the old key."""
    old = key_file.read_text().strip()
    victim = Person.objects.filter(identity__isnull=False).get()
    boy = Person.objects.get(age_at_registration=16)
    guardian = s.guardian_appoint(
        actor=worker, person=boy, appointed_on=D(2024, 1, 12), name="Giulia Rossi"
    )
    assert Fernet(old.encode()).decrypt(guardian.name_ciphertext.encode()) == b"Giulia Rossi"
    before = victim.identity.ciphertext
    out = io.StringIO()
    call_command("cases", "rotate-key", "--new-key", stdout=out)
    assert "1 identities, 0 photos, 1 guardian names" in out.getvalue()
    keys = key_file.read_text().split()
    assert len(keys) == 2 and keys[1] == old and keys == settings.FIELD_ENCRYPTION_KEYS
    assert key_file.stat().st_mode & 0o777 == 0o600
    new = Fernet(keys[0].encode())
    token = PersonIdentity.objects.get(person=victim).ciphertext
    assert token != before
    assert json.loads(new.decrypt(token.encode()))["first_name"] == "Amina"
    with pytest.raises(InvalidToken):
        Fernet(old.encode()).decrypt(token.encode())
    guardian.refresh_from_db()
    assert new.decrypt(guardian.name_ciphertext.encode()) == b"Giulia Rossi"
    # The old token was readable only with the old key, and still is (backups).
    assert json.loads(Fernet(old.encode()).decrypt(before.encode()))["first_name"] == "Amina"
    assert (
        s.person_identity_read(actor=worker, person=victim, reason="check")["first_name"] == "Amina"
    )
    assert AuditEntry.objects.filter(object_type="core.field_keys").exists()


@pytest.mark.usefixtures("cases")
def test_rotate_key_refuses_a_new_key_when_keys_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("PALERMO_FIELD_KEYS", key)
    with pytest.raises(CommandError, match="put it FIRST in PALERMO_FIELD_KEYS"):
        call_command("cases", "rotate-key", "--new-key")
    # Rotation itself works: a key added to the variable by the operator is used.
    newest = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [newest, *django_settings.FIELD_ENCRYPTION_KEYS]
    call_command("cases", "rotate-key", stdout=io.StringIO())
    token = PersonIdentity.objects.get().ciphertext
    assert json.loads(Fernet(newest.encode()).decrypt(token.encode()))["second_name"] == "Okafor"


def test_anonymise_command_and_task(worker: User, cases: list[Case]) -> None:
    open_case, closed = cases
    out = io.StringIO()
    call_command("cases", "anonymise", "--today", "2025-12-01", stdout=out)
    assert "anonymised 0 cases" in out.getvalue()
    call_command("cases", "anonymise", "--today", "2029-12-01", stdout=out)
    assert "anonymised 1 case" in out.getvalue()
    closed.refresh_from_db()
    assert closed.anonymised_at is not None and closed.reason_for_closure == ""
    open_case.refresh_from_db()
    assert open_case.anonymised_at is None
    s.case_close(actor=worker, case=open_case, reason="Done", closed_on=D(2025, 6, 1))
    result = anonymise_closed_cases.enqueue(today="2031-01-01")
    assert result.return_value == 1
    assert not PersonIdentity.objects.exists()
    call_command("cases", "anonymise", "--enqueue", stdout=out)
    assert "enqueued retention run" in out.getvalue()
