"""What every browser test watches on its pages: JavaScript errors and Content-Security-Policy
violations (an inline script, style or handler the policy blocked means a page lost behaviour)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from palermo.conftest import PASSWORD


def errors_watch(tab: Page, errors: list[str]) -> None:
    """Append to `errors` every uncaught exception and every CSP violation of `tab`."""

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            where = message.location
            errors.append(
                "{} ({} at {}:{}:{})".format(
                    message.text,
                    message.page.url if message.page else "?",
                    where.get("url"),
                    where.get("lineNumber"),
                    where.get("columnNumber"),
                )
            )

    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", on_console)


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the form and wait until the header names the user."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".site-header .who")).to_contain_text(username)


def htmx_settled(page: Page) -> None:
    """Wait until htmx has settled what it swapped in: a control is visible as soon as it is in
    the page, but htmx listens to it only once the swap settles (20 ms later, more on a loaded
    machine); an event fired in between is lost."""
    expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A tab on the live server (English, 1280x900) that fails the test on a JavaScript error
    (imported as a fixture by the test modules that use it)."""
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    errors_watch(tab, errors)
    yield tab
    context.close()
    assert errors == [], "JavaScript errors: {}".format(errors)
