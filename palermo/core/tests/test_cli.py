"""The `palermo` command line: organisations, users, tokens; clear errors, nothing half-done."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django.fixtures import Settings

from palermo.core.choices import Role
from palermo.core.models import ApiToken, Organisation, User
from palermo.core.services import token_authenticate
from palermo.core.tests.commands import run
from palermo.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_org_create_and_list() -> None:
    out = run(
        "org",
        "create",
        "--name",
        "Botswana Police Service",
        "--kind",
        "government",
        "--country",
        "BWA",
    )
    assert "created organisation Botswana Police Service" in out
    org = Organisation.objects.get(name="Botswana Police Service")
    assert org.country_id == "BWA" and org.kind == "government"
    listing = run("org", "list", "--format", "csv")
    assert "Botswana Police Service,government,BWA" in listing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--name", "X", "--kind", "government", "--country", "ZZZ"],
            "Unknown country code in country",
        ),
        (["--name", "X", "--kind", "ngo", "--parent", "Nobody"], "No organisation named 'Nobody'"),
    ],
)
def test_org_create_errors_are_clear_and_write_nothing(args: list[str], message: str) -> None:
    before = Organisation.objects.count()
    with pytest.raises(CommandError, match=message):
        run("org", "create", *args)
    assert Organisation.objects.count() == before


def test_user_create_with_password_from_stdin_is_hashed_with_argon2(
    settings: Settings,
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    run("org", "create", "--name", "Shelter One", "--kind", "ngo", "--country", "BWA")
    out = run(
        "user",
        "create",
        "mpho",
        "--org",
        "Shelter One",
        "--role",
        "case_worker",
        stdin="a-long-secret-passphrase\n",
    )
    assert "created user mpho" in out and "password:" not in out
    user = User.objects.get(username="mpho")
    assert user.role == "case_worker"
    assert user.organisation is not None and user.organisation.name == "Shelter One"
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("a-long-secret-passphrase")


def test_user_create_generates_a_password_when_none_is_piped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run("org", "create", "--name", "Task Force", "--kind", "government")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    out = io.StringIO()
    call_command(
        "user",
        "create",
        "coord",
        "--org",
        "Task Force",
        "--role",
        "national_coordinator",
        stdout=out,
    )
    password = out.getvalue().strip().splitlines()[-1].removeprefix("password: ")
    assert len(password) >= 16
    assert User.objects.get(username="coord").check_password(password)


def test_user_create_rejects_unknown_org_weak_password_and_duplicates() -> None:
    run("org", "create", "--name", "Unit", "--kind", "government")
    with pytest.raises(CommandError, match="No organisation named 'Nowhere'"):
        run(
            "user",
            "create",
            "a",
            "--org",
            "Nowhere",
            "--role",
            "analyst",
            stdin="a-long-secret-passphrase\n",
        )
    with pytest.raises(CommandError, match="too short|too common"):
        run("user", "create", "b", "--org", "Unit", "--role", "analyst", stdin="abc\n")
    assert not User.objects.filter(username__in=["a", "b"]).exists()
    run(
        "user",
        "create",
        "c",
        "--org",
        "Unit",
        "--role",
        "analyst",
        stdin="a-long-secret-passphrase\n",
    )
    with pytest.raises(CommandError, match="already exists"):
        run(
            "user",
            "create",
            "c",
            "--org",
            "Unit",
            "--role",
            "analyst",
            stdin="a-long-secret-passphrase\n",
        )


def test_token_create_prints_the_token_on_its_last_line() -> None:
    user = UserFactory.create(role=Role.ANALYST, username="ana")
    out = run("token", "create", "ana")
    token = out.strip().splitlines()[-1]
    assert token_authenticate(token) == user
    stored = ApiToken.objects.get(user=user)
    assert token not in (stored.digest, stored.prefix)  # only a digest is stored
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        run("token", "create", "ghost")


def test_console_script_maps_hyphenated_commands(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-m", "palermo.cli", "load-reference", "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={
            "DJANGO_SETTINGS_MODULE": "palermo.settings.test",
            "PATH": "/usr/bin:/bin",
            "PALERMO_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr
    assert "reference data" in result.stdout
