"""The "API tokens" page and the lockout page in headless Chromium (Playwright): a token issued
on the page (htmx, shown once) works against the API until revoked on the page; a locked-out
login gets our page, under the Content-Security-Policy."""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from palermo.conftest import PASSWORD
from palermo.core.models import ApiToken, User

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def reference(live_reference: None) -> None:
    """The reference rows, written back after the previous live-server test (conftest)."""


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def api_me(live_server: LiveServer, secret: str) -> tuple[int, dict[str, Any]]:
    """GET /api/v1/me over HTTP with the token alone (no browser cookies)."""
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        live_server.url + "/api/v1/me", headers={"Authorization": "Bearer " + secret}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_issue_use_and_revoke_a_token(page: Page, analyst: User, live_server: LiveServer) -> None:
    log_in(page, analyst.username, PASSWORD)
    page.locator(".site-header").get_by_role("link", name="API tokens").click()
    expect(page).to_have_url(re.compile(r"/account/tokens/$"))
    expect(page.get_by_text("You have no API tokens.")).to_be_visible()
    page.evaluate("window.__palermoMark = 1")

    page.get_by_label("Name").fill("nightly export")
    page.get_by_label("Valid for (days)").fill("7")
    page.get_by_role("button", name="Issue token").click()
    box = page.locator("#new-token")
    expect(box).to_contain_text("Copy it now: it is not shown again.")
    secret = page.locator("#new-token-secret").input_value()
    assert secret.startswith("plm_")
    row = page.locator("tr.token")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("nightly export")
    expect(row.locator(".badge")).to_have_text("active")
    assert page.evaluate("window.__palermoMark") == 1, "htmx should have updated the page"

    status, body = api_me(live_server, secret)
    assert status == 200 and body["username"] == analyst.username

    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("it no longer works")
    expect(row.locator(".badge")).to_have_text("revoked")
    expect(page.locator("#new-token")).to_have_count(0)  # the secret is gone from the page
    assert ApiToken.objects.get().revoked_at is not None
    assert api_me(live_server, secret)[0] == 401

    page.reload()
    expect(page.locator("tr.token .badge")).to_have_text("revoked")
    assert secret not in page.content()


def test_a_locked_out_login_gets_our_page(page: Page, analyst: User, settings: Settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        log_in(page, analyst.username, "not-the-password")
        expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    log_in(page, analyst.username, "not-the-password")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logins refused for now")
    expect(page.get_by_role("alert")).to_contain_text("Too many failed logins")
    log_in(page, analyst.username, PASSWORD)  # the right password: still refused
    expect(page.get_by_role("heading", level=1)).to_have_text("Logins refused for now")
    expect(page.locator(".site-header .who")).to_have_count(0)
