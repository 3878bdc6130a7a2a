"""The Content-Security-Policy is enforced by a real browser (Debian's Chromium, Playwright).

An attacker who gets markup into a page (the injection is made here by rewriting the node's
answer on its way to the browser, headers kept) still runs nothing: the inline script, the on*
handler and the inline style are blocked and reported as violations. The same injection without
the header runs, so it is the policy that stops it. The other browser tests fail on any CSP
violation (core.tests.browser.errors_watch), so every page they visit works under the policy.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route
from pytest_django.live_server_helper import LiveServer

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

INJECTED = (
    '<script>window.__injected = "script";</script>'
    '<img src="/nowhere.png" onerror="window.__handler = &quot;handler&quot;">'
    '<p id="styled" style="color: rgb(255, 0, 0)">styled</p>'
    '<style>#styled2 { color: rgb(255, 0, 0); }</style><p id="styled2">styled</p>'
)
# Listens from before the page's own scripts (Playwright adds it outside the page's policy).
VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.effectiveDirective);
});
"""


@pytest.fixture(autouse=True)
def reference(live_reference: None) -> None:
    """The reference rows, written back after the previous live-server test (conftest)."""


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    context.add_init_script(VIOLATIONS)
    yield context
    context.close()


def inject(keep_policy: bool) -> Callable[[Route], None]:
    def handle(route: Route) -> None:
        response = route.fetch()
        headers = dict(response.headers)
        assert "content-security-policy" in headers
        if not keep_policy:
            del headers["content-security-policy"]
        body = response.text().replace("</main>", INJECTED + "</main>")
        route.fulfill(response=response, headers=headers, body=body)

    return handle


def colour(page: Page, selector: str) -> str:
    return str(page.eval_on_selector(selector, "e => getComputedStyle(e).color"))


def test_the_policy_blocks_injected_inline_code(context: BrowserContext) -> None:
    page = context.new_page()
    page.route("**/login/", inject(keep_policy=True))
    page.goto("/login/")
    page.wait_for_function("window.__violations.length >= 4")
    assert page.evaluate("window.__injected") is None
    assert page.evaluate("window.__handler") is None
    assert colour(page, "#styled") != "rgb(255, 0, 0)"
    assert colour(page, "#styled2") != "rgb(255, 0, 0)"
    violations = page.evaluate("window.__violations")
    assert set(violations) == {
        "script-src-elem",
        "script-src-attr",
        "style-src-attr",
        "style-src-elem",
    }
    # The node's own scripts still run: the language menu submits itself when changed.
    with page.expect_navigation():
        page.select_option("#language", "fr")
    assert page.locator("html").get_attribute("lang") == "fr"


def test_without_the_policy_the_same_injection_runs(context: BrowserContext) -> None:
    page = context.new_page()
    page.route("**/login/", inject(keep_policy=False))
    page.goto("/login/")
    page.wait_for_function("window.__handler === 'handler'")
    assert page.evaluate("window.__injected") == "script"
    assert colour(page, "#styled") == "rgb(255, 0, 0)"
    assert colour(page, "#styled2") == "rgb(255, 0, 0)"
    assert page.evaluate("window.__violations") == []
