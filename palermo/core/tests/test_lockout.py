"""Throttled logins (D4): a username is locked out from an address after repeated failures, even
with the right password; the lockout lifts after the cool-off or with `palermo user unlock`;
failures and lockouts are audited and logged without the password or the address."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings

from palermo.core.choices import AuditAction
from palermo.core.lockout import client_ip
from palermo.core.models import AuditEntry, User
from palermo.core.schedule import periodic_jobs
from palermo.core.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-at-all"  # noqa: S105 - a wrong password, the point of the test


def log_in(client: Client, username: str, password: str, **extra: str) -> int:
    res = client.post("/login/", {"username": username, "password": password}, **extra)  # type: ignore[arg-type]
    return res.status_code


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_200_wrong_passwords_then_the_right_one_is_refused(
    client: Client, make_user: Callable[..., User], clock: time_machine.Traveller
) -> None:
    user = make_user(username="amina")
    statuses = [log_in(client, "amina", WRONG) for _ in range(200)]
    assert statuses[:9] == [200] * 9  # the form again, with its error
    assert set(statuses[9:]) == {429}  # the 10th failure locks out
    res = client.post("/login/", {"username": "amina", "password": PASSWORD})
    assert res.status_code == 429 and not logged_in(client)
    page = res.content.decode()
    assert "Too many failed logins" in page and "30 minutes" in page
    assert "Palermo" in page  # our page, in the site's layout
    assert res["Retry-After"] == "1800"
    entries = AuditEntry.objects.filter(object_type="core.login")
    assert entries.filter(action=AuditAction.LOGIN_FAILED).count() == 9
    locked = entries.get(action=AuditAction.LOCKOUT)
    assert locked.object_id == str(user.pk) and locked.after == {
        "username": "amina",
        "known_user": True,
    }
    assert not any(WRONG in str(e.after) or PASSWORD in str(e.after) for e in entries)


def test_the_lockout_lifts_after_the_cool_off(
    client: Client, make_user: Callable[..., User], clock: time_machine.Traveller
) -> None:
    make_user(username="amina")
    for _ in range(10):
        log_in(client, "amina", WRONG)
    assert log_in(client, "amina", PASSWORD) == 429
    clock.shift(dt.timedelta(minutes=29))
    assert log_in(client, "amina", PASSWORD) == 429  # refusals do not extend it, nor end it
    clock.shift(dt.timedelta(minutes=2))
    assert log_in(client, "amina", PASSWORD) == 302 and logged_in(client)


def test_unlock_command_lifts_the_lockout(
    client: Client, make_user: Callable[..., User], clock: time_machine.Traveller
) -> None:
    make_user(username="amina")
    for _ in range(10):
        log_in(client, "amina", WRONG)
    assert log_in(client, "amina", PASSWORD) == 429
    out = io.StringIO()
    call_command("user", "unlock", "amina", stdout=out)
    assert "amina" in out.getvalue()
    assert AuditEntry.objects.filter(action=AuditAction.UNLOCK, actor_label="system").exists()
    assert log_in(client, "amina", PASSWORD) == 302 and logged_in(client)


def test_the_lockout_is_per_username_and_address(
    make_user: Callable[..., User], clock: time_machine.Traveller
) -> None:
    make_user(username="amina")
    make_user(username="bongani")
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(10):
        log_in(attacker, "amina", WRONG)
    assert log_in(attacker, "amina", PASSWORD) == 429
    assert log_in(attacker, "bongani", PASSWORD) == 302  # another user from there
    assert log_in(Client(REMOTE_ADDR="198.51.100.4"), "amina", PASSWORD) == 302  # from elsewhere


def test_changing_the_browser_string_does_not_escape_the_count(
    client: Client, make_user: Callable[..., User], clock: time_machine.Traveller
) -> None:
    make_user(username="amina")
    for i in range(10):
        log_in(client, "amina", WRONG, HTTP_USER_AGENT="bot/{}".format(i))
    assert log_in(client, "amina", PASSWORD, HTTP_USER_AGENT="bot/new") == 429


def test_a_success_resets_the_count(
    client: Client, make_user: Callable[..., User], clock: time_machine.Traveller
) -> None:
    make_user(username="amina")
    for _ in range(9):
        log_in(client, "amina", WRONG)
    assert log_in(client, "amina", PASSWORD) == 302
    client.post("/logout/")
    for _ in range(9):
        assert log_in(client, "amina", WRONG) == 200
    assert log_in(client, "amina", PASSWORD) == 302


def test_json_callers_get_the_api_error_shape(
    client: Client, make_user: Callable[..., User], clock: time_machine.Traveller
) -> None:
    make_user(username="amina")
    for _ in range(10):
        log_in(client, "amina", WRONG)
    res = client.post(
        "/login/", {"username": "amina", "password": PASSWORD}, HTTP_ACCEPT="application/json"
    )
    assert res.status_code == 429
    assert res.json()["code"] == "locked_out" and "Too many failed logins" in res.json()["detail"]


def test_the_lockout_page_is_translated(
    client: Client, make_user: Callable[..., User], clock: time_machine.Traveller
) -> None:
    make_user(username="amina")
    for _ in range(10):
        log_in(client, "amina", WRONG, HTTP_ACCEPT_LANGUAGE="fr")
    res = client.post(
        "/login/", {"username": "amina", "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert res.status_code == 429 and 'lang="fr"' in res.content.decode()


def test_failures_are_logged_with_the_username_only(
    client: Client,
    make_user: Callable[..., User],
    caplog: pytest.LogCaptureFixture,
    clock: time_machine.Traveller,
) -> None:
    make_user(username="amina")
    with caplog.at_level(logging.DEBUG):
        for _ in range(11):
            log_in(client, "amina", WRONG, HTTP_USER_AGENT="CanaryBrowser/1.0")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "username='amina'" in text and "locked out" in text
    assert WRONG not in text and "127.0.0.1" not in text and "CanaryBrowser" not in text


def test_an_unknown_username_is_counted_and_audited_too(
    client: Client, clock: time_machine.Traveller
) -> None:
    for _ in range(10):
        log_in(client, "nobody", WRONG)
    assert log_in(client, "nobody", WRONG) == 429
    entry = AuditEntry.objects.get(action=AuditAction.LOCKOUT)
    assert entry.object_id == "" and entry.after == {"username": "nobody", "known_user": False}


def test_client_address_comes_from_the_proxy_only_when_configured(
    settings: Settings,
) -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7"
    )
    settings.PALERMO_TLS_PROXY = False
    assert client_ip(request) == "10.0.0.2"  # anyone could send the header
    settings.PALERMO_TLS_PROXY = True
    assert client_ip(request) == "203.0.113.7"  # what the proxy appended
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"


def test_behind_the_proxy_each_client_address_is_counted_apart(
    settings: Settings, make_user: Callable[..., User], clock: time_machine.Traveller
) -> None:
    settings.PALERMO_TLS_PROXY = True
    make_user(username="amina")
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(10):
        log_in(proxy, "amina", WRONG, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert log_in(proxy, "amina", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7") == 429
    assert log_in(proxy, "amina", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.4") == 302


def test_expired_failure_records_are_deleted_by_the_scheduler(
    client: Client, make_user: Callable[..., User], clock: time_machine.Traveller
) -> None:
    make_user(username="amina")
    for _ in range(3):
        log_in(client, "amina", WRONG)
    job = next(job for job in periodic_jobs() if job.name == "core.login_attempts_clear")
    assert job.run() == "0 expired failed-login records deleted"
    assert AccessAttempt.objects.count() == 1
    clock.shift(dt.timedelta(minutes=31))
    assert job.run() == "1 expired failed-login records deleted"
    assert not AccessAttempt.objects.exists()
