"""The questionnaire pages in headless Chromium: a secretariat's analyst creates a
questionnaire, uploads an XLSForm, reads the preview and publishes it; a State's coordinator
then finds it. Screenshots go to PALERMO_SCREENSHOTS (default: the temporary folder)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from palermo.core.choices import OrganisationKind, Role
from palermo.core.tests.browser import errors_watch, log_in
from palermo.monitoring.tests.forms import workbook
from palermo.statistics.definitions import definitions_load
from palermo.statistics.models import DataSet

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture(autouse=True)
def reference(live_reference: None) -> None:
    if not DataSet.objects.exists():
        definitions_load()  # the indicators a question answers


@pytest.fixture
def page(browser: Browser, live_server: Any) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    errors_watch(tab, errors)
    yield tab
    context.close()
    assert errors == []


def test_a_questionnaire_from_an_xlsform_to_publication(
    page: Page, make_user: Any, tmp_path: Path
) -> None:
    make_user(Role.ANALYST, org="UNODC", country=None, kind=OrganisationKind.INTERNATIONAL,
              username="sec")  # fmt: skip
    make_user(Role.NATIONAL_COORDINATOR, org="Ministry", country="BWA", username="state")
    log_in(page, "sec")
    page.get_by_role("link", name="Questionnaires").first.click()
    page.get_by_role("link", name="New questionnaire").click()
    page.get_by_label("Key").fill("tip-2004")
    page.get_by_label("Title").fill("Survey on resolution 58/137")
    page.get_by_role("button", name="Create").click()
    expect(page.locator(".messages")).to_contain_text("Questionnaire tip-2004 created.")
    form = tmp_path / "survey.xlsx"
    form.write_bytes(workbook(survey=[["text", "x", "X", "X", "", "", "${nope}", "", "", ""]]))
    page.get_by_label("XLSForm (.xlsx)").set_input_files(str(form))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".error-summary")).to_contain_text("Could not find the name 'nope'")
    form.write_bytes(workbook())
    page.get_by_label("XLSForm (.xlsx)").set_input_files(str(form))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".messages")).to_contain_text("Version 1 (draft) created")
    expect(page.locator("#questions")).to_contain_text("Has your State a law on trafficking")
    expect(page.locator('[data-name="victims"]')).to_contain_text("victims_detected")
    page.screenshot(path=str(SCREENSHOTS / "monitoring-version.png"), full_page=True)
    page.get_by_role("button", name="Publish this version").click()
    expect(page.locator("#status")).to_contain_text("Published")
    expect(page.get_by_role("button", name="Publish this version")).to_have_count(0)
    page.context.clear_cookies()
    log_in(page, "state")
    page.goto("/monitoring/questionnaires/")
    page.get_by_role("link", name="Survey on resolution 58/137").click()
    expect(page.locator("#versions")).to_contain_text("Published")
    expect(page.get_by_role("button", name="Upload")).to_have_count(0)
