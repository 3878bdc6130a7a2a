"""End-to-end tests in headless Chromium (Playwright, sync API) against pytest-django's live server.

Run with `pytest -m browser`. Chromium is Debian's (/usr/bin/chromium); no browser is downloaded.
Live-server tests are transactional: the database is emptied after each test, so each test gets
the reference data written back from a copy in memory (core.tests.dbsnapshot); keep their number
small all the same.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palermo.conftest import PASSWORD
from palermo.core.models import User
from palermo.registry.models import TreatyAction
from palermo.registry.selectors import directory_list

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there unless
# told that this is fine.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture(autouse=True)
def reference(live_reference: None) -> None:
    """The reference rows, written back after the previous live-server test (conftest)."""


def log_in(page: Page, user: User) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".site-header .who")).to_contain_text(user.username)


def mark_page(page: Page) -> None:
    """Set a flag in the window: it survives htmx swaps but not a full page load."""
    page.evaluate("window.__palermoMark = 1")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__palermoMark") == 1, (
        "the page was reloaded instead of updated by htmx"
    )


# --- (a) log in and out ----------------------------------------------------------------------


def test_log_in_and_out_through_the_form(page: Page, editor: User) -> None:
    page.goto("/registry/instruments/")
    page.locator(".site-header").get_by_role("link", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/login/\?next=/registry/instruments/$"))
    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page.locator(".site-header .who")).to_have_count(0)

    page.get_by_label("Username").fill(editor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/registry/instruments/$"))
    expect(page.locator(".site-header .who")).to_have_text(
        "{} · Registry editor".format(editor.username)
    )
    expect(page.get_by_role("link", name="Record a treaty action")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(".site-header .who")).to_have_count(0)
    expect(page.locator(".site-header").get_by_role("link", name="Log in")).to_be_visible()
    page.goto("/registry/instruments/")
    expect(page.get_by_role("link", name="Record a treaty action")).to_have_count(0)


# --- (b) who is bound: the htmx-updated parties table and the matrix ------------------------


def test_parties_table_and_matrix(page: Page) -> None:
    page.goto("/registry/parties/?instrument=untoc")
    mark_page(page)
    result = page.locator("#parties-result")
    page.locator("select[name=member_of]").select_option("AALCO")
    page.locator("select[name=instrument]").select_option("trafficking-protocol")
    page.locator("input[name=as_of]").fill("2005-01-01")
    expect(result.locator("h2")).to_have_text(
        "Trafficking in Persons Protocol · AALCO · Jan. 1, 2005"
    )
    botswana = result.locator("tr[data-country=BWA]")
    expect(botswana).to_contain_text("Botswana")
    expect(botswana.locator(".badge.status-party")).to_have_text("party")
    # hx-push-url keeps the filters in the address: the result can be shared.
    expect(page).to_have_url(re.compile(r"as_of=2005-01-01"))
    assert_not_reloaded(page)

    page.locator("input[name=as_of]").fill("2001-01-01")
    expect(result.locator("h2")).to_contain_text("Jan. 1, 2001")
    # Botswana signed on 2002-04-10; Nigeria signed in 2000 and ratified on 2001-06-28.
    expect(result.locator("tr[data-country=BWA]")).to_have_count(0)
    expect(result.locator("tr[data-country=NGA] .badge")).to_have_text("signatory only")
    assert_not_reloaded(page)

    page.reload()  # the pushed URL is a full page that shows the same result
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#parties-result tr[data-country=NGA]")).to_have_count(1)
    expect(page.locator("#parties-result tr[data-country=BWA]")).to_have_count(0)

    # The same facts as AALCO's ratification matrix.
    page.goto("/registry/mechanisms/AALCO/?as_of=2005-01-01")
    matrix = page.locator("#matrix")
    header = [h.strip() for h in matrix.locator("thead th a").all_inner_texts()]
    assert header[:3] == [
        "UNTOC",
        "Trafficking in Persons Protocol",
        "Migrant Smuggling Protocol",
    ]
    botswana = matrix.locator("tr[data-country=BWA] td")
    expect(botswana.nth(0)).to_have_text("party 2002")
    expect(botswana.nth(1)).to_have_text("party 2002")
    expect(matrix.locator("tr[data-country=VNM]")).to_have_count(0)  # member only since 2017
    matrix.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "palermo-matrix.png"), full_page=True)


# --- (c) directory search --------------------------------------------------------------------


def test_directory_search_filters_as_you_type(page: Page) -> None:
    page.goto("/registry/directory/")
    rows = page.locator("#directory-rows tr.directory-entry")
    everything = rows.count()
    assert everything > 20
    mark_page(page)
    page.locator("#dir-q").press_sequentially("police acad", delay=30)
    expected = directory_list(user=None, q="police acad")[0].count()
    assert 0 < expected < everything
    expect(rows).to_have_count(expected)
    for text in rows.all_inner_texts():
        assert "police acad" in text.lower()
    page.locator("#dir-q").fill("no such authority anywhere")
    expect(page.locator("#directory-rows")).to_contain_text("No matching entries.")
    page.locator("#dir-q").fill("")
    expect(rows).to_have_count(everything)
    assert_not_reloaded(page)


# --- (d) an editor records a treaty action ---------------------------------------------------


def test_editor_records_a_treaty_action(page: Page, editor: User) -> None:
    log_in(page, editor)
    page.goto("/registry/instruments/")
    page.get_by_role("link", name="Record a treaty action").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a treaty action")

    def fill(label: str, value: str) -> None:
        page.get_by_label(label, exact=True).fill(value)

    page.get_by_label("Instrument").select_option("trafficking-protocol")
    fill("State (ISO alpha-3) *", "XXX")
    page.get_by_label("Action").select_option("signature")
    fill("Date", "2000-12-12")
    page.get_by_label("Source document").select_option("sg-2005-intl-cooperation")
    fill("Paragraph, page or footnote", "para. 9")
    before = TreatyAction.objects.count()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Unknown country code in")
    assert TreatyAction.objects.count() == before
    # What was entered is kept.
    expect(page.get_by_label("Source document")).to_have_value("sg-2005-intl-cooperation")

    # A state the registry's sources name for no action on the Protocol (France signed on
    # 2000-12-12 by the UN Treaty Collection's list, so its timeline would hold two entries).
    fill("State (ISO alpha-3) *", "BTN")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/registry/instruments/$"))
    expect(page.locator(".messages")).to_contain_text("Saved:")
    assert TreatyAction.objects.count() == before + 1

    page.get_by_role("link", name="Trafficking in Persons Protocol", exact=True).click()
    entry = page.locator("ol.timeline li").filter(has_text="Bhutan")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Bhutan: Signature")
    expect(entry.locator("time")).to_have_attribute("datetime", "2000-12-12")
    expect(entry.get_by_role("link", name="correct")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "palermo-instrument.png"), full_page=True)


# --- (e) right-to-left Arabic ----------------------------------------------------------------


def test_language_selector_switches_to_arabic(page: Page) -> None:
    page.goto("/registry/mechanisms/AALCO/")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "ltr")
    page.locator("#language").select_option("ar")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page).to_have_url(re.compile(r"/registry/mechanisms/AALCO/$"))  # back on the same page
    expect(page.locator("#language")).to_have_value("ar")
    page.goto("/")  # the choice is kept
    expect(html).to_have_attribute("dir", "rtl")
    page.locator("#language").select_option("en")
    expect(html).to_have_attribute("dir", "ltr")
