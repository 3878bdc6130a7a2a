"""The case-law pages in headless Chromium (issue 17): a prosecutor finds Rantsev by a Cyrillic
keyword, then by a French one, narrows the results by a facet, opens the decision and sees the
provisions applied and the sentence. Screenshots go to /tmp/caselaw-*.png (PALERMO_SCREENSHOTS
to change the folder)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palermo.caselaw.services import seed_load
from palermo.core.tests.browser import page

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser
__all__ = ["page"]  # the fixture

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture(autouse=True)
def reference(live_reference: None) -> None:
    seed_load()


def test_a_prosecutor_finds_rantsev_in_russian_and_french(page: Page) -> None:
    page.goto("/")
    page.locator(".site-header").get_by_role("link", name="Case law").click()
    expect(page.get_by_role("heading", name="Case law", exact=True)).to_be_visible()
    expect(page.locator(".result-count")).to_contain_text("2 decisions")
    page.get_by_label("Words").fill("торговля людьми")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".result-count")).to_contain_text("1 decision")
    expect(page.locator("ol.decisions")).to_contain_text("Rantsev v. Cyprus and Russia")

    page.get_by_label("Words").fill("servitude")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("ol.decisions")).to_contain_text("Siliadin v. France")
    expect(page.locator("ol.decisions")).not_to_contain_text("Rantsev")
    page.get_by_label("Words").fill("traite des êtres humains")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("ol.decisions")).to_contain_text("Rantsev v. Cyprus and Russia")
    expect(page.locator("ol.decisions")).not_to_contain_text("Siliadin")
    page.screenshot(path=str(SCREENSHOTS / "caselaw-search.png"), full_page=True)

    # Narrowed by a facet, then the filter taken off again.
    page.get_by_label("Words").fill("")
    page.get_by_role("button", name="Search").click()
    page.locator('[data-facet="outcome"]').get_by_role("link", name="No violation found").click()
    expect(page.locator(".result-count")).to_contain_text("1 decision")
    expect(page.locator(".chips")).to_contain_text("No violation found")
    page.locator(".chips").get_by_role("link").click()
    expect(page.locator(".result-count")).to_contain_text("2 decisions")

    page.get_by_role("link", name="Rantsev v. Cyprus and Russia").click()
    expect(page.get_by_role("heading", name="Verdicts and sentences")).to_be_visible()
    findings = page.locator("#findings-h + .table-wrap")
    expect(findings).to_contain_text("European Convention on Human Rights, art. 4")
    expect(findings).to_contain_text("Compensation ordered: 2000.00 EUR")
    expect(page.locator("main")).to_contain_text("operational measures")
    page.screenshot(path=str(SCREENSHOTS / "caselaw-decision.png"), full_page=True)
