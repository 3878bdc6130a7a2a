"""D9 of issue 11: Swagger UI at /api/v1/docs renders offline, from the vendored files, under
the Content-Security-Policy (it was blank: it loaded from a CDN).

Run with `pytest -m browser` (headless Chromium, as the other browser tests)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import Browser, Route, expect

from palermo.core.tests.browser import errors_watch

pytestmark = pytest.mark.browser
# Playwright's sync API runs an event loop in this thread; the live server's database setup is
# synchronous (as in the other browser tests).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(autouse=True)
def reference(live_reference: None) -> None:
    """The reference rows, written back after the previous live-server test (conftest)."""


def test_swagger_ui_renders_offline_under_the_csp(browser: Browser, live_server: Any) -> None:
    outside: list[str] = []
    errors: list[str] = []

    def guard(route: Route) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:  # no network beyond this node: as on a ministry's closed network
            outside.append(route.request.url)
            route.abort()

    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(15_000)
    context.route("**/*", guard)
    tab = context.new_page()
    errors_watch(tab, errors)
    response = tab.goto("/api/v1/docs")
    assert response is not None and response.status == 200
    assert "script-src" in (response.headers.get("content-security-policy") or "")
    expect(tab.locator(".swagger-ui .info .title")).to_contain_text("Palermo API")
    # Operations are drawn (from 150 on, Swagger UI draws only those in view, without the
    # tag sections it uses for fewer): the first is visible, and every path is in its model.
    expect(tab.locator(".opblock").first).to_be_visible()
    paths = tab.evaluate("() => Object.keys(window.ui.specSelectors.specJson().toJS().paths)")
    assert "/api/v1/cases/persons/{pseudonym}/identity" in paths
    assert len(paths) > 100
    context.close()
    assert outside == [], "requests outside the node: {}".format(outside)
    assert errors == [], "JavaScript errors or CSP violations: {}".format(errors)
