"""API tokens (D6): they expire, are listed and revoked (CLI and API), only a session or the CLI
can issue them; invalid bearer tokens are throttled per client address (D4)."""

from __future__ import annotations

import datetime as dt
import io
import json
import secrets
from collections.abc import Callable

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from pytest_django.fixtures import Settings

from palermo.core.choices import AuditAction
from palermo.core.models import ApiToken, AuditEntry, User
from palermo.core.services import TOKEN_PREFIX, token_authenticate, token_create, token_digest

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def bearer(secret: str, address: str = "127.0.0.1") -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Bearer " + secret, "REMOTE_ADDR": address}


# --- expiry ------------------------------------------------------------------------------------


def test_a_token_expires_after_its_days(
    client: Client, analyst: User, clock: time_machine.Traveller
) -> None:
    default = token_create(actor=None, user=analyst)
    short = token_create(actor=None, user=analyst, expires_days=2)
    assert client.get("/api/v1/me", **bearer(short)).status_code == 200  # type: ignore[arg-type]
    clock.shift(dt.timedelta(days=2, minutes=1))
    assert client.get("/api/v1/me", **bearer(short)).status_code == 401  # type: ignore[arg-type]
    assert client.get("/api/v1/me", **bearer(default)).status_code == 200  # type: ignore[arg-type]
    clock.shift(dt.timedelta(days=88))
    assert client.get("/api/v1/me", **bearer(default)).status_code == 401  # type: ignore[arg-type]


@pytest.mark.parametrize("days", [0, -1, 367, 10_000])
def test_an_expiry_out_of_range_is_refused_clearly(analyst: User, days: int) -> None:
    with pytest.raises(CommandError, match="valid for 1 to 366 days, not {}".format(days)):
        run("token", "create", analyst.username, "--expires-days", str(days))
    assert not ApiToken.objects.exists()


# --- the CLI -----------------------------------------------------------------------------------


def test_cli_creates_lists_and_revokes(
    client: Client, analyst: User, clock: time_machine.Traveller
) -> None:
    out = run(
        "token", "create", analyst.username, "--name", "nightly export", "--expires-days", "7"
    )
    secret = out.strip().splitlines()[-1]  # scripts take the last line
    assert secret.startswith(TOKEN_PREFIX) and "2026-11-27" in out
    token = ApiToken.objects.get()
    assert token.digest == token_digest(secret) and secret not in str(token.__dict__)
    assert token_authenticate(secret) == analyst

    listing = run("token", "list", analyst.username)
    assert "nightly" in listing and "active" in listing and secret not in listing
    rows = json.loads(run("token", "list", "--format", "json"))
    assert [(r["id"], r["user"], r["state"]) for r in rows] == [
        (token.pk, analyst.username, "active")
    ]

    assert "revoked token {}".format(token.pk) in run("token", "revoke", str(token.pk))
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 401  # type: ignore[arg-type]
    assert "revoked" in run("token", "list")
    assert AuditEntry.objects.filter(
        action=AuditAction.TOKEN_REVOKE, object_id=str(token.pk)
    ).exists()


def test_cli_errors_are_clear() -> None:
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("token", "create", "nobody")
    with pytest.raises(CommandError, match="No API token 999"):
        run("token", "revoke", "999")


# --- the API -----------------------------------------------------------------------------------


def test_api_lists_and_revokes_own_tokens(
    client: Client, analyst: User, make_user: Callable[..., User]
) -> None:
    other = make_user(username="other")
    theirs = ApiToken.objects.get(
        digest=token_digest(token_create(actor=None, user=other, name="theirs"))
    )
    client.force_login(analyst)
    res = client.post(
        "/api/v1/tokens", {"name": "laptop", "expires_days": 30}, content_type="application/json"
    )
    assert res.status_code == 201
    created = res.json()
    assert created["name"] == "laptop" and created["token"].startswith(TOKEN_PREFIX)
    listing = client.get("/api/v1/tokens").json()
    assert listing["count"] == 1
    (row,) = listing["items"]
    assert row["id"] == created["id"] and row["state"] == "active" and "token" not in row
    assert row["expires_at"] == created["expires_at"]

    # someone else's token does not exist for this user
    res = client.delete("/api/v1/tokens/{}".format(theirs.pk))
    assert res.status_code == 404 and res.json()["code"] == "unknown_token"
    theirs.refresh_from_db()
    assert theirs.revoked_at is None

    client.logout()
    secret = created["token"]
    path = "/api/v1/tokens/{}".format(created["id"])
    assert client.delete(path, **bearer(secret)).status_code == 204  # type: ignore[arg-type]
    res = client.get("/api/v1/me", **bearer(secret))  # type: ignore[arg-type]
    assert res.status_code == 401 and res.json()["code"] == "not_authenticated"


def test_an_administrator_revokes_anyones_token(
    client: Client, admin_user: User, analyst: User
) -> None:
    secret = token_create(actor=None, user=analyst)
    token = ApiToken.objects.get(digest=token_digest(secret))
    client.force_login(admin_user)
    assert client.delete("/api/v1/tokens/{}".format(token.pk)).status_code == 204
    assert token_authenticate(secret) is None


def test_a_token_cannot_issue_tokens(client: Client, analyst: User) -> None:
    secret = token_create(actor=None, user=analyst)
    res = client.post(
        "/api/v1/tokens",
        {"name": "more"},
        content_type="application/json",
        **bearer(secret),  # type: ignore[arg-type]
    )
    assert res.status_code == 403
    assert res.json()["code"] == "token_cannot_issue_tokens"
    assert "cannot issue tokens" in res.json()["detail"]
    assert ApiToken.objects.count() == 1


def test_api_refuses_a_bad_expiry(client: Client, analyst: User) -> None:
    client.force_login(analyst)
    res = client.post("/api/v1/tokens", {"expires_days": 0}, content_type="application/json")
    assert res.status_code == 400 and res.json()["code"] == "invalid_expiry"


# --- throttling of invalid bearer tokens ---------------------------------------------------------


def test_1000_random_tokens_get_429_after_the_threshold(
    client: Client, analyst: User, settings: Settings, clock: time_machine.Traveller
) -> None:
    attacker = "203.0.113.9"
    statuses = [
        client.get(
            "/api/v1/me",
            **bearer(TOKEN_PREFIX + secrets.token_urlsafe(32), attacker),  # type: ignore[arg-type]
        ).status_code
        for _ in range(1000)
    ]
    limit = settings.PALERMO_TOKEN_FAILURE_LIMIT
    assert statuses[:limit] == [401] * limit and set(statuses[limit:]) == {429}
    res = client.get("/api/v1/me", **bearer("plm_x", attacker))  # type: ignore[arg-type]
    assert res.json()["code"] == "throttled" and "15 minutes" in res.json()["detail"]
    assert 14 * 60 < int(res["Retry-After"]) <= 15 * 60

    valid = token_create(actor=None, user=analyst)
    res = client.get("/api/v1/me", **bearer(valid, "198.51.100.4"))  # type: ignore[arg-type]
    assert res.status_code == 200  # another address is not affected
    res = client.get("/api/v1/me", **bearer(valid, attacker))  # type: ignore[arg-type]
    assert res.status_code == 429  # the throttled address is refused, even with a valid token
    # public endpoints that read an optional token are throttled too
    res = client.get("/api/v1/registry/directory", **bearer(valid, attacker))  # type: ignore[arg-type]
    assert res.status_code == 429

    clock.shift(dt.timedelta(minutes=16))  # the window is over
    res = client.get("/api/v1/me", **bearer(valid, attacker))  # type: ignore[arg-type]
    assert res.status_code == 200


def test_behind_the_proxy_tokens_are_counted_per_forwarded_address(
    client: Client, settings: Settings, clock: time_machine.Traveller
) -> None:
    settings.PALERMO_TLS_PROXY = True
    settings.PALERMO_TOKEN_FAILURE_LIMIT = 3
    for _ in range(3):
        client.get(
            "/api/v1/me",
            HTTP_AUTHORIZATION="Bearer plm_wrong",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    blocked = client.get(
        "/api/v1/me",
        HTTP_AUTHORIZATION="Bearer plm_wrong",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    other = client.get(
        "/api/v1/me",
        HTTP_AUTHORIZATION="Bearer plm_wrong",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.4",
    )
    assert (blocked.status_code, other.status_code) == (429, 401)
