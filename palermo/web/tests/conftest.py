"""Fixtures of the web app's browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from palermo.core.tests.browser import errors_watch


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A tab on the live server (English, 1280x900) that fails the test on a JavaScript error."""
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
