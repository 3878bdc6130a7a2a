"""The clearing house in headless Chromium (issue 17): a coordinator imports the example IATI
file from the page and sees the training its donor and implementer both reported listed once,
then the report's page with the other report. Screenshots go to /tmp/activities-*.png
(PALERMO_SCREENSHOTS to change the folder)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palermo.activities.tests.test_iati import EXAMPLE
from palermo.core.choices import Role
from palermo.core.models import User
from palermo.core.tests.browser import log_in, page

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser
__all__ = ["page"]  # the fixture

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture(autouse=True)
def reference(live_reference: None) -> None:
    """The reference rows, written back after the previous live-server test (conftest)."""


def test_a_coordinator_imports_and_sees_each_activity_once(
    page: Page, make_user: Callable[..., User]
) -> None:
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="Task force", country="NGA")
    log_in(page, coordinator.username)
    page.locator(".site-header").get_by_role("link", name="Clearing house").click()
    expect(page.locator(".result-count")).to_contain_text("0 activities")
    page.get_by_label("IATI activity file (XML, version 2.0x)").set_input_files(str(EXAMPLE))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status").or_(page.locator(".messages"))).to_contain_text(
        "3 activities added, 0 replaced; 1 reported several times."
    )
    expect(page.locator(".result-count")).to_contain_text("2 activities (3 reports)")
    rows = page.locator("#activities tbody tr")
    expect(rows).to_have_count(2)
    page.screenshot(path=str(SCREENSHOTS / "activities-list.png"), full_page=True)
    rows.filter(has_text="Nigeria").get_by_role("link").first.click()
    expect(
        page.get_by_role("heading", name="The same activity, reported by others")
    ).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "activities-report.png"), full_page=True)
