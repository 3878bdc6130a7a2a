"""The case-law pages in headless Chromium (issue 17): a prosecutor finds Rantsev by a Cyrillic
keyword, then by a French one, narrows the results by a facet, opens the decision and sees the
provisions applied and the sentence. Screenshots go to /tmp/caselaw-*.png (PALERMO_SCREENSHOTS
to change the folder)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route, expect

from palermo.caselaw.services import seed_load
from palermo.core.choices import Role
from palermo.core.models import User
from palermo.core.tests.browser import log_in, page

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
    expect(page.locator(".result-count")).to_contain_text("2 decisions")
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


def test_the_last_choice_wins_over_a_slower_search(page: Page) -> None:
    """A search still on its way when a facet is clicked is dropped: answered first, it would
    replace the results the facet's answer was meant for, and the facet's answer would be lost
    (the race CI found in the test above)."""
    page.goto("/caselaw/?q=traite+des+%C3%AAtres+humains")
    expect(page.locator(".result-count")).to_contain_text("1 decision")
    held: dict[str, Route] = {}
    page.route(lambda url: "q=&" in url, lambda route: held.setdefault("search", route))
    page.route(lambda url: "outcome=" in url, lambda route: held.setdefault("facet", route))
    page.get_by_label("Words").fill("")
    page.get_by_role("button", name="Search").click()
    page.locator('[data-facet="outcome"]').get_by_role("link", name="No violation found").click()
    page.wait_for_timeout(300)
    assert set(held) == {"search", "facet"}
    with contextlib.suppress(PlaywrightError):  # aborted by the click: nobody waits for it
        held["search"].continue_()
    page.wait_for_timeout(500)
    held["facet"].continue_()
    expect(page.locator(".chips")).to_contain_text("No violation found")
    expect(page.locator(".result-count")).to_contain_text("1 decision")


def test_a_prosecutor_writes_a_decision_on_the_page(
    page: Page, make_user: Callable[..., User]
) -> None:
    prosecutor = make_user(Role.INVESTIGATOR, org="Prosecution service", country="NGA")
    log_in(page, prosecutor.username)
    page.locator(".site-header").get_by_role("link", name="Case law").click()
    page.get_by_role("link", name="Write a decision, or import a case-law file").click()
    form = page.locator("#decision-form")
    form.get_by_label("Key", exact=True).fill("test-high-court-2025-17")
    form.get_by_label("Title", exact=True).fill("Prosecutor v. D1")
    form.get_by_label("Court", exact=True).fill("Test High Court")
    form.get_by_label("Country of the court").select_option("NGA")
    form.get_by_label("Decided on").fill("2025-02-14")
    form.get_by_label("Case number").fill("HC/17/2024")
    form.get_by_label("Facts (no name of a victim)").fill("D1 recruited young women by deceit.")
    form.locator("input[name=forms_found][value=ForcedLabour]").check()
    first = page.locator("fieldset.finding").first
    first.get_by_label("Party (D1, D2 ..., or the State)").fill("D1")
    first.get_by_label("Provision applied").fill("Trafficking in Persons Act 2015, s. 13")
    first.get_by_label("Outcome").select_option("convicted")
    first.get_by_label("Custody (months)").fill("96")
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.locator(".messages")).to_contain_text("Saved as a draft")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Prosecutor v. D1")
    expect(page.locator("main")).to_contain_text("96")
    page.screenshot(path=str(SCREENSHOTS / "caselaw-written.png"), full_page=True)
    page.get_by_role("link", name="Edit the decision").click()
    expect(page.get_by_label("Case number")).to_have_value("HC/17/2024")
    page.screenshot(path=str(SCREENSHOTS / "caselaw-write.png"), full_page=True)
