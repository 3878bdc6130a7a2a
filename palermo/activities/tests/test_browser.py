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

from palermo.activities import services
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


def test_a_coordinator_records_a_need_and_sees_the_gap_on_the_map(
    page: Page, make_user: Callable[..., User]
) -> None:
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="Task force", country="NGA")
    services.activities_import(actor=coordinator, content=EXAMPLE.read_bytes(), source="a.xml")
    log_in(page, coordinator.username)
    page.locator(".site-header").get_by_role("link", name="Clearing house").click()
    page.get_by_role("link", name="Supply against need: gaps and overlaps").click()
    expect(page.locator("#supply-map")).to_have_attribute("data-rendered", "true")
    need = page.locator("#need-form")
    need.get_by_label("Country").select_option("NGA")
    need.get_by_label("Theme").select_option("protocol-art-10")
    need.get_by_label("Profession").select_option("judges")
    need.get_by_label("Year stated").fill("2026")
    need.get_by_label("Source (document, paragraph)").fill("National action plan, para. 12")
    page.get_by_role("button", name="Record the need").click()
    expect(page.locator(".messages")).to_contain_text("The need is recorded.")
    expect(page.locator("#supply tbody tr").first).to_contain_text("gap")
    expect(page.locator("#supply-map")).to_have_attribute("data-rendered", "true")
    # The gap's colour is on the map: Nigeria's shape drawn in it.
    expect(page.locator('#supply-map path[fill="#b3261e"]')).not_to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "activities-supply.png"), full_page=True)
    # The training that answers it: its audience recorded on its page.
    page.goto(
        page.url.split("/activities/")[0] + "/activities/XM-DAC-41-EXAMPLE-TIP-TRAINING-2026/"
    )
    page.get_by_role("link", name="Record the training").click()
    page.get_by_label("Joint training of several agencies").check()
    row = page.locator("#audience tbody tr").first
    row.get_by_label("Profession").select_option("judges")
    row.get_by_label("Country").select_option("NGA")
    row.get_by_label("Women", exact=True).fill("9")
    row.get_by_label("Men", exact=True).fill("11")
    page.get_by_role("button", name="Save the training").click()
    expect(page.locator(".messages")).to_contain_text("The training is recorded.")
    expect(page.locator("#audience")).to_contain_text("Judges")
    page.screenshot(path=str(SCREENSHOTS / "activities-training.png"), full_page=True)
    page.goto(page.url.split("/activities/")[0] + "/activities/supply/?country=NGA")
    expect(page.locator("#supply tbody tr").first).not_to_contain_text("gap")
