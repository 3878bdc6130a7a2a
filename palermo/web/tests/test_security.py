"""The node's HTTP security headers and sessions (issue 11, D8), through Django's test client.

- Every page and API answer carries the Content-Security-Policy (no 'unsafe-inline', no
  'unsafe-eval'), nosniff, a referrer policy, and X-Frame-Options.
- A response to a logged-in or token-carrying request (case and cooperation pages, the identity,
  exports, the API's personal-data endpoints) is never stored: `Cache-Control: no-store`.
- A session ends after PALERMO_SESSION_IDLE_MINUTES without a request and
  PALERMO_SESSION_MAX_HOURS after login, whatever the activity (the clock is pinned).
- No page of the node has an inline script, style or on* handler (the templates are read).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.template import RequestContext, Template
from django.test import Client, RequestFactory

from palermo.cases.models import Case, Person
from palermo.cases.tests.factories import CaseFactory, PersonFactory, case_user
from palermo.conftest import PASSWORD
from palermo.core.choices import Role
from palermo.core.models import User

pytestmark = pytest.mark.django_db

PACKAGE = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker() -> User:
    return case_user(Role.CASE_WORKER, org="Shelter Gaborone", kind="ngo")


@pytest.fixture
def person(worker: User) -> Person:
    case: Case = CaseFactory.create(actor=worker, opened_on=dt.date(2026, 1, 10))
    return PersonFactory.create(actor=worker, case=case, identity={"first_name": "Amina"})


def csp_of(response: Any) -> dict[str, list[str]]:
    """The enforced Content-Security-Policy as {directive: [values]}."""
    header = response["Content-Security-Policy"]
    policy: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def assert_no_store(response: Any) -> None:
    assert "no-store" in response.get("Cache-Control", ""), response.get("Cache-Control")


def test_pages_and_the_api_carry_the_security_headers(client: Client) -> None:
    for url in ("/", "/login/", "/registry/instruments/", "/api/v1/registry/instruments"):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = csp_of(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]
        assert policy["form-action"] == ["'self'"]
        for directive in ("script-src", "style-src"):
            assert policy[directive][0] == "'self'"
            assert "'unsafe-inline'" not in policy[directive]
            assert "'unsafe-eval'" not in policy[directive]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_a_page_that_needs_a_nonce_gets_one_named_in_the_policy(rf: RequestFactory) -> None:
    """No page needs one today; one that does writes `nonce="{{ csp_nonce }}"` and gets a fresh
    nonce per response, named in the policy (Django's middleware and context processor)."""

    def view(request: HttpRequest) -> HttpResponse:
        template = Template('<script nonce="{{ csp_nonce }}">go()</script>')
        return HttpResponse(template.render(RequestContext(request)))

    nonces = []
    for _ in range(2):
        response = ContentSecurityPolicyMiddleware(view)(rf.get("/"))
        assert isinstance(response, HttpResponse)
        match = re.search(r'nonce="([^"]+)"', response.content.decode())
        assert match is not None
        nonces.append(match[1])
        assert "'nonce-{}'".format(match[1]) in csp_of(response)["script-src"]
    assert nonces[0] != nonces[1]


def test_logged_in_pages_of_cases_and_cooperation_are_never_stored(
    client: Client, worker: User, person: Person
) -> None:
    client.force_login(worker)
    for url in (
        "/cases/",
        "/cases/{}/".format(person.case.pk),
        "/cases/persons/{}/".format(person.pseudonym),
        "/cases/referrals/",
        "/",
        "/registry/instruments/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_store(response)
        assert "Content-Security-Policy" in response
    client.force_login(case_user(Role.INVESTIGATOR, org="Botswana Police Service"))
    for url in ("/cooperation/", "/cooperation/deadlines/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_no_store(response)


def test_personal_data_api_answers_are_never_stored(
    client: Client,
    worker: User,
    person: Person,
    bearer: Callable[[User], dict[str, Any]],
) -> None:
    token = bearer(worker)
    for url in (
        "/api/v1/cases/",
        "/api/v1/cases/{}".format(person.case.pk),
        "/api/v1/cases/persons/{}".format(person.pseudonym),
        "/api/v1/cases/persons/{}/identity".format(person.pseudonym),
        "/api/v1/cases/referrals/inbox",
        "/api/v1/me",
    ):
        response = client.get(url, **token, HTTP_X_PALERMO_REASON="follow-up")
        assert response.status_code == 200, (url, response.content)
        assert_no_store(response)
    police = bearer(case_user(Role.INVESTIGATOR, org="Botswana Police Service"))
    response = client.get("/api/v1/cooperation/requests", **police)
    assert response.status_code == 200
    assert_no_store(response)
    # A refused token gets no-store as well (its answer is about the caller).
    assert_no_store(client.get("/api/v1/cases/", HTTP_AUTHORIZATION="Bearer nonsense"))
    # The same endpoints through the session (the web pages' htmx calls).
    client.force_login(worker)
    assert_no_store(client.get("/api/v1/cases/"))


def test_public_answers_may_be_cached(client: Client) -> None:
    """The anonymous registry is public: no no-store is forced on it."""
    for url in ("/registry/instruments/", "/api/v1/registry/instruments"):
        response = client.get(url)
        assert "no-store" not in response.get("Cache-Control", "")


def test_the_session_cookie_lives_at_most_the_absolute_age() -> None:
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.PALERMO_SESSION_IDLE_SECONDS == 30 * 60
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def log_in(client: Client, user: User) -> None:
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_an_idle_session_ends(clock: time_machine.Traveller, client: Client, worker: User) -> None:
    log_in(client, worker)
    assert client.get("/cases/").status_code == 200
    clock.shift(dt.timedelta(minutes=29))
    assert client.get("/cases/").status_code == 200  # activity keeps it alive
    clock.shift(dt.timedelta(minutes=29))
    assert client.get("/cases/").status_code == 200
    clock.shift(dt.timedelta(minutes=31))
    response = client.get("/cases/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/cases/")
    login_page = client.get(response["Location"]).content.decode()
    assert "Your session has ended" in login_page
    # The old session is gone on the server too: the API does not take it either.
    assert client.get("/api/v1/me").status_code == 401


def test_an_active_session_ends_after_the_absolute_age(
    clock: time_machine.Traveller, client: Client, worker: User
) -> None:
    log_in(client, worker)
    for _ in range(7 * 3):  # a request every 20 minutes for seven hours
        clock.shift(dt.timedelta(minutes=20))
        assert client.get("/cases/").status_code == 200
    clock.shift(dt.timedelta(minutes=61))
    assert client.get("/cases/").status_code == 302
    # Logging in again starts a new session of the full length.
    log_in(client, worker)
    assert client.get("/cases/").status_code == 200


def test_no_template_has_inline_script_style_or_handler() -> None:
    """With no 'unsafe-inline', an inline script, style or on* handler would not run: none is
    left (JSON data blocks `<script type="application/json">` are data, not code)."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
    problems = []
    for path in sorted(PACKAGE.rglob("templates/**/*.html")):
        text = path.read_text()
        name = path.relative_to(PACKAGE)
        for pattern in (inline_script, re.compile(r"<style", re.I), re.compile(r"\son\w+=", re.I)):
            problems += ["{}: {}".format(name, m) for m in pattern.findall(text)]
        if re.search(r"\sstyle=", text):
            problems.append("{}: style attribute".format(name))
    assert problems == []
