"""`palermo user deactivate|reactivate|set-password` (D6): deactivation revokes the user's
tokens and ends their sessions; every action is audited; passwords are validated."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.management.base import CommandError
from django.test import Client

from palermo.core.choices import AuditAction, Role
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import ApiToken, AuditEntry, User
from palermo.core.services import (
    token_create,
    user_deactivate,
    user_invitation,
    user_set_role,
)
from palermo.core.tests.commands import run
from palermo.core.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-much-longer-passphrase-2026"  # noqa: S105 - test value


@pytest.fixture
def amina(make_user: Callable[..., User]) -> User:
    return make_user(username="amina")


def test_deactivate_revokes_tokens_and_ends_sessions(amina: User) -> None:
    secrets = [token_create(actor=None, user=amina) for _ in range(2)]
    browser = Client()
    browser.force_login(amina)
    assert browser.get("/api/v1/me").status_code == 200

    out = run("user", "deactivate", "amina")
    assert "2 API tokens revoked, 1 sessions ended" in out
    amina.refresh_from_db()
    assert not amina.is_active
    assert not ApiToken.objects.filter(user=amina, revoked_at__isnull=True).exists()
    assert browser.get("/api/v1/me").status_code == 401
    for secret in secrets:
        res = Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer " + secret)
        assert res.status_code == 401
    res = Client().post("/login/", {"username": "amina", "password": PASSWORD})
    assert res.status_code == 200 and "_auth_user_id" not in res.client.session
    entry = AuditEntry.objects.get(action=AuditAction.DEACTIVATE)
    assert entry.object_id == str(amina.pk) and entry.after == {
        "is_active": False,
        "tokens_revoked": 2,
        "sessions_ended": 1,
    }
    with pytest.raises(CommandError, match="User 'amina' is already deactivated"):
        run("user", "deactivate", "amina")


def test_a_deactivated_user_gets_no_new_token(amina: User) -> None:
    run("user", "deactivate", "amina")
    with pytest.raises(CommandError, match="User 'amina' is deactivated"):
        run("token", "create", "amina")
    assert not ApiToken.objects.exists()


def test_reactivate_lets_the_user_log_in_again_but_not_with_old_tokens(amina: User) -> None:
    secret = token_create(actor=None, user=amina)
    run("user", "deactivate", "amina")
    assert "reactivated user amina" in run("user", "reactivate", "amina")
    client = Client()
    assert client.post("/login/", {"username": "amina", "password": PASSWORD}).status_code == 302
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer " + secret).status_code == 401
    assert AuditEntry.objects.filter(
        action=AuditAction.REACTIVATE, object_id=str(amina.pk)
    ).exists()
    with pytest.raises(CommandError, match="User 'amina' is already active"):
        run("user", "reactivate", "amina")


def test_set_password_from_stdin_is_validated_and_audited(amina: User) -> None:
    with pytest.raises(CommandError, match="too short"):
        run("user", "set-password", "amina", "--password-stdin", stdin="short\n")
    with pytest.raises(CommandError, match="too common"):
        run("user", "set-password", "amina", "--password-stdin", stdin="password1234\n")
    amina.refresh_from_db()
    assert amina.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action=AuditAction.PASSWORD).exists()

    out = run("user", "set-password", "amina", "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert "password of amina set" in out and NEW_PASSWORD not in out
    amina.refresh_from_db()
    assert amina.check_password(NEW_PASSWORD)
    entry = AuditEntry.objects.get(action=AuditAction.PASSWORD)
    assert entry.object_id == str(amina.pk)
    assert NEW_PASSWORD not in str(entry.before) + str(entry.after) + entry.reason


@pytest.fixture
def typed(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """typed(a, b): what the person types at the two password prompts."""

    def answers(*values: str) -> None:
        feed: Iterator[str] = iter(values)
        monkeypatch.setattr("getpass.getpass", lambda prompt="": next(feed))

    return answers


def test_set_password_asks_twice(amina: User, typed: Callable[..., None]) -> None:
    typed(NEW_PASSWORD, NEW_PASSWORD + "x")
    with pytest.raises(CommandError, match="The two passwords differ"):
        run("user", "set-password", "amina")
    amina.refresh_from_db()
    assert amina.check_password(PASSWORD)
    typed(NEW_PASSWORD, NEW_PASSWORD)
    run("user", "set-password", "amina")
    amina.refresh_from_db()
    assert amina.check_password(NEW_PASSWORD)


def test_set_password_ends_the_users_other_sessions(amina: User) -> None:
    browser = Client()
    browser.force_login(amina)
    run("user", "set-password", "amina", "--password-stdin", stdin=NEW_PASSWORD + "\n")
    assert browser.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "set-password", "unlock"])
def test_unknown_users_are_named_clearly(action: str) -> None:
    if action == "unlock":  # a lockout can name any username, known or not
        assert "nobody" in run("user", action, "nobody")
        return
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("user", action, "nobody", stdin="x\n")


# --- roles, the last administrator, invitations ----------------------------------------------


def test_set_role_from_the_cli_audited(amina: User, make_user: Callable[..., User]) -> None:
    make_user(Role.ADMINISTRATOR, username="another-admin")
    out = run("user", "set-role", "amina", "administrator")
    assert "amina is now administrator" in out
    amina.refresh_from_db()
    assert amina.role == Role.ADMINISTRATOR and amina.is_staff
    entry = AuditEntry.objects.filter(object_id=str(amina.pk), action=AuditAction.UPDATE).last()
    assert entry is not None and entry.after == {"role": Role.ADMINISTRATOR}
    run("user", "set-role", "amina", "analyst")
    amina.refresh_from_db()
    assert amina.role == Role.ANALYST and not amina.is_staff


def test_set_role_needs_an_administrator_and_a_known_role(
    amina: User, make_user: Callable[..., User]
) -> None:
    with pytest.raises(ForbiddenError):
        user_set_role(actor=make_user(username="peer"), user=amina, role=Role.ANALYST)
    with pytest.raises(ApplicationError, match="Unknown role 'boss'"):
        user_set_role(actor=None, user=amina, role="boss", system=True)


def test_the_node_keeps_an_active_administrator(make_user: Callable[..., User]) -> None:
    only = make_user(Role.ADMINISTRATOR, username="only-admin")
    with pytest.raises(CommandError, match="last active administrator"):
        run("user", "set-role", "only-admin", "analyst")
    with pytest.raises(CommandError, match="last active administrator"):
        run("user", "deactivate", "only-admin")
    second = make_user(Role.ADMINISTRATOR, username="second-admin")
    with pytest.raises(ApplicationError, match="cannot deactivate yourself"):
        user_deactivate(actor=second, user=second)
    user_deactivate(actor=second, user=only)
    only.refresh_from_db()
    assert not only.is_active


def test_an_invitation_link_is_audited_and_not_for_a_deactivated_user(
    amina: User, make_user: Callable[..., User]
) -> None:
    admin = make_user(Role.ADMINISTRATOR, username="the-admin")
    link = user_invitation(actor=admin, user=amina)
    assert link.startswith("/invitation/")
    entry = AuditEntry.objects.filter(action=AuditAction.INVITE).last()
    assert entry is not None and entry.object_id == str(amina.pk)
    assert link.rsplit("/", 2)[-2] not in str(entry.after)  # never the token
    with pytest.raises(ForbiddenError):
        user_invitation(actor=amina, user=amina)
    user_deactivate(actor=admin, user=amina)
    with pytest.raises(ApplicationError, match="deactivated"):
        user_invitation(actor=admin, user=amina)
