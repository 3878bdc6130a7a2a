"""The case worker's journey in headless Chromium (Playwright) against the live server.

Run with `pytest -m browser`. Like palermo/web/tests/test_browser.py: Debian's Chromium, and the
countries loaded again for each test because live-server tests empty the database; so there
are only two tests here. Screenshots of the case page and the deadline board go to
/tmp/cases-*.png (PALERMO_SCREENSHOTS to change the folder).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from palermo.cases import services as s
from palermo.cases.models import Case, Return
from palermo.cases.tests.factories import indicator_list
from palermo.conftest import PASSWORD
from palermo.core.choices import AuditAction, Role
from palermo.core.models import AuditEntry, Country, User
from palermo.core.services import countries_load
from palermo.core.tests.browser import errors_watch

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there unless
# told that this is fine.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))
TODAY = timezone.localdate()


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


@pytest.fixture(autouse=True)
def reference(transactional_db: None) -> None:
    """The live server's database is flushed after every test: load again what the case pages
    need, the countries (not the whole registry) and an indicator list."""
    if not Country.objects.exists():  # the first test still has the session's data
        countries_load()
    indicator_list("child_labour")


@pytest.fixture
def new_context(browser: Browser, live_server: Any) -> Iterator[Callable[[], Page]]:
    """Open browser contexts (one per user); each fails the test on a JavaScript error."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def make() -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        tab = context.new_page()
        errors_watch(tab, errors)
        return tab

    yield make
    for context in contexts:
        context.close()
    assert errors == [], "JavaScript errors: {}".format(errors)


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user(Role.CASE_WORKER, org="Shelter Gaborone", country="BWA", kind="ngo")


@pytest.fixture
def provider(make_user: Callable[..., User]) -> User:
    return make_user(
        Role.CASE_WORKER, org="Safe House Francistown", country="BWA", kind="service_provider"
    )


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
    assert page.evaluate("window.__palermoMark") == 1, "reloaded instead of updated by htmx"


def save(page: Page, name: str = "Save") -> None:
    page.get_by_role("button", name=name, exact=True).click()


def expect_saved(page: Page, text: str = "") -> None:
    expect(page.locator(".messages")).to_contain_text(text)


def test_case_worker_journey_from_screening_to_a_childs_return(
    new_context: Callable[[], Page], worker: User, provider: User
) -> None:
    page = new_context()
    log_in(page, worker)
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Cases", "Referrals", "Deadlines"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()

    # Open a case.
    nav.get_by_role("link", name="Cases", exact=True).click()
    page.get_by_role("link", name="Open a case").click()
    page.get_by_label("Working title").fill("Cattle post, Ghanzi")
    page.get_by_label("Opened on").fill(day(-30))
    save(page, "Open the case")
    expect_saved(page, "opened")
    case = Case.objects.get(title="Cattle post, Ghanzi")
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)

    # Add a child of uncertain age, with identifying data kept apart.
    page.get_by_role("link", name="Add a person").first.click()
    expect(page.get_by_role("group", name="Identifying data (encrypted)")).to_contain_text(
        "encrypted and kept apart"
    )
    page.get_by_label("Role in the case").select_option("presumed_victim")
    page.get_by_label("Age uncertain: presume a child").check()
    page.get_by_label("Forced labour", exact=True).check()
    page.get_by_label("Citizenship").select_option("ZWE")
    page.get_by_label("First name").fill("Amina")
    page.get_by_label("Family name").fill("Diallo")
    page.get_by_label("Mobile telephone").fill("+267 71 000 000")
    page.screenshot(path=str(SCREENSHOTS / "cases-add-person.png"), full_page=True)
    save(page, "Add the person")
    expect_saved(page, "added to the case")
    pseudonym = page.get_by_role("heading", level=1).inner_text().split()[0]
    assert pseudonym.startswith("P-")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "presumed child (age unknown/uncertain)"
    )
    expect(page.locator("main")).not_to_contain_text("Amina")
    assert "Amina" not in page.url

    # Show identity: a reason first, then the data (htmx), and the read is audited.
    mark_page(page)
    identity = page.locator("#identity-region")
    identity.get_by_role("button", name="Show identity").click()
    expect(identity.get_by_role("alert")).to_contain_text("This field is required")
    identity.get_by_label("Why do you need to see").fill("Check the name for the shelter list")
    identity.get_by_role("button", name="Show identity").click()
    expect(identity).to_contain_text("Amina")
    expect(identity).to_contain_text("+267 71 000 000")
    assert_not_reloaded(page)
    assert "Amina" not in page.url
    read = AuditEntry.objects.get(action=AuditAction.READ)
    assert read.reason == "Check the name for the shelter list" and read.actor == worker

    # Consent to share data with a service provider.
    page.get_by_role("link", name="Record consent").first.click()
    page.get_by_label("Purpose").select_option("data_sharing")
    save(page)
    expect_saved(page)

    # Screen against the indicator list for children: presumed victim.
    page.get_by_role("link", name="Screen", exact=True).click()
    page.get_by_label("Indicator list").select_option(label="Test (1)")
    expect(page.get_by_role("group", name="Deceptive recruitment")).to_be_visible()
    for code in ("0-s", "0-m", "3-s", "3-w"):
        page.locator("#ind-{}".format(code)).check()
    page.screenshot(path=str(SCREENSHOTS / "cases-screening.png"), full_page=True)
    save(page, "Save the screening")
    expect(page.get_by_role("status").filter(has_text="Outcome")).to_contain_text("Presumed victim")
    expect(page.locator("main")).to_contain_text("means are not required for a child")

    # Formal identification by the competent authority.
    page.get_by_role("link", name="Go on to formal identification").click()
    page.get_by_label("Competent authority").select_option(label="Shelter Gaborone (BWA)")
    page.get_by_label("Kind of deciding authority").select_option("NGO")
    page.get_by_label("Reasons for the decision").fill("Interview with an interpreter")
    save(page)
    expect(page.locator("main")).to_contain_text("Identified as a victim of trafficking")

    # Refer to the safe house, sharing case facts and identity but not contacts.
    page.get_by_role("link", name="Refer to a service provider").first.click()
    page.get_by_label("Refer to").select_option(label="Safe House Francistown (BWA)")
    page.get_by_label("Service").select_option("shelter")
    page.get_by_label("Case facts (exploitation, movements, needs)").check()
    page.get_by_label("Identity (names, date of birth, documents)").check()
    page.get_by_label("Details (shared with the receiving organisation)").fill(
        "Needs a bed tonight"
    )
    save(page, "Send the referral")
    expect_saved(page, "Referral sent to Safe House Francistown")

    # The safe house accepts it from its inbox and sees only what is shared.
    shelter = new_context()
    log_in(shelter, provider)
    shelter.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    card = shelter.locator("article.referral").filter(has_text=pseudonym)
    expect(card).to_contain_text("Needs a bed tonight")
    scopes = card.locator(".badge.scope")
    expect(scopes).to_have_text(["Case facts", "Identity"])
    shelter.screenshot(path=str(SCREENSHOTS / "cases-inbox.png"), full_page=True)
    mark_page(shelter)
    card.get_by_label("Note (optional)").fill("Bed ready")
    card.get_by_role("button", name="Accept").click()
    expect(card.locator(".badge.referral-accepted")).to_have_text("Accepted")
    assert_not_reloaded(shelter)
    card.get_by_role("link", name="Open what is shared").click()
    main = shelter.locator("main")
    expect(main).to_contain_text("You see only what was shared")
    expect(main).to_contain_text("Forced labour")
    expect(main.get_by_role("heading", name="Protection measures")).to_have_count(0)
    region = shelter.locator("#identity-region")
    region.get_by_label("Why do you need to see").fill("Admission to the shelter")
    region.get_by_role("button", name="Show identity").click()
    expect(region).to_contain_text("Diallo")
    expect(region).not_to_contain_text("+267")  # contact details were not shared
    shelter.screenshot(path=str(SCREENSHOTS / "cases-shared-person.png"), full_page=True)
    expect(main.get_by_role("link", name="Record consent")).to_have_count(0)

    # A reflection period ending within the week is on the deadline board.
    page.get_by_role("link", name="Grant a protection measure").click()
    expect(page.locator(".lead")).to_contain_text("at least 30 days in Botswana")
    page.get_by_label("Measure", exact=True).select_option("reflection_period")
    page.get_by_label("Starts on").fill(day(-25))
    page.get_by_label("Ends on").fill(day(5))
    save(page)
    expect_saved(page, "Reflection and recovery period granted until")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Deadlines").click()
    row = page.locator("tr.deadline").filter(has_text=pseudonym)
    expect(row).to_contain_text("Reflection and recovery period ends")
    expect(row).to_contain_text("in 5 days")
    page.screenshot(path=str(SCREENSHOTS / "cases-deadlines.png"), full_page=True)
    row.get_by_role("link", name=pseudonym).click()

    # Appoint a guardian; plan a return.
    page.get_by_role("link", name="Appoint a guardian").first.click()
    page.get_by_label("Guardian's name").fill("Neo Guardian")
    save(page)
    expect(page.locator("main")).to_contain_text("name recorded, encrypted")
    expect(page.locator("main")).not_to_contain_text("Neo Guardian")
    page.get_by_role("link", name="Plan a return").first.click()
    page.get_by_label("Return to").select_option("ZWE")
    page.get_by_label("Risk", exact=True).select_option("low")
    page.get_by_label("Risk assessment").fill("Family traced by IOM; no threat reported")
    page.get_by_label("The person consents voluntarily to return").check()
    page.get_by_label("Consent given on").fill(day(0))
    save(page)
    expect_saved(page)

    # Deciding the return of a child without a best-interest determination is refused.
    returns = page.locator("table.returns")
    returns.get_by_role("link", name="decide").click()
    save(page, "Decide the return")
    expect(page.get_by_role("alert")).to_contain_text(
        "A child's return cannot be decided without a best-interest determination."
    )
    assert Return.objects.get().status == "planned"
    page.screenshot(path=str(SCREENSHOTS / "cases-return-refused.png"), full_page=True)

    # Record the determination, then the decision goes through.
    page.get_by_role("link", name=pseudonym).click()
    page.get_by_role("link", name="Best-interest determination").first.click()
    page.get_by_label("Yes").check()
    page.get_by_label("Reasons").fill("Family traced and assessed; the child wishes to return")
    save(page)
    expect(page.locator("main")).to_contain_text("return is in the child's best interest")
    returns.get_by_role("link", name="decide").click()
    save(page, "Decide the return")
    expect(returns.locator(".badge.return-decided")).to_have_text("Decided")
    assert Return.objects.get().best_interest_determination is not None
    page.screenshot(path=str(SCREENSHOTS / "cases-person.png"), full_page=True)

    page.get_by_role("link", name=case.reference).first.click()
    timeline = page.locator("ol.timeline")
    for text in (
        "Case opened",
        "Screening: Presumed victim",
        "Identification",
        "Return to Zimbabwe",
    ):
        expect(timeline).to_contain_text(text)
    page.screenshot(path=str(SCREENSHOTS / "cases-case.png"), full_page=True)


def test_case_list_filters_live_and_hides_other_organisations_cases(
    new_context: Callable[[], Page], worker: User, make_user: Callable[..., User]
) -> None:
    other = make_user(Role.CASE_WORKER, org="Other NGO", country="BWA", kind="ngo")
    hidden = s.case_open(actor=other, title="Not yours")
    mine = []
    for n, title in enumerate(["Fishing boat", "Nail salon", "Fishing camp", "Car wash"]):
        case = s.case_open(actor=worker, title=title, opened_on=TODAY - dt.timedelta(days=n))
        mine.append(case)
    s.person_add(actor=worker, case=mine[1], role="victim", age_at_registration=16)
    s.case_close(actor=worker, case=mine[3], reason="Referred to labour inspectorate")

    page = new_context()
    log_in(page, worker)
    page.goto("/cases/")
    rows = page.locator("tr.case-row")
    expect(rows).to_have_count(4)
    expect(page.locator("#case-results")).not_to_contain_text(hidden.reference)
    page.screenshot(path=str(SCREENSHOTS / "cases-list.png"), full_page=True)
    mark_page(page)
    page.get_by_role("searchbox", name="Search").press_sequentially("fishing", delay=30)
    expect(rows).to_have_count(2)
    expect(page.locator("#case-count")).to_have_text("2 cases match the filters")
    page.get_by_role("searchbox", name="Search").fill("")
    expect(rows).to_have_count(4)
    page.get_by_label("Child").select_option("yes")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Nail salon")
    page.get_by_label("Child").select_option("")
    page.get_by_label("Status").select_option("Closed")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Car wash")
    assert_not_reloaded(page)
    expect(page).to_have_url(re.compile(r"status=Closed"))  # the filters are in the address
    page.reload()
    expect(rows).to_have_count(1)

    # Another organisation's case is not found, by id or by reference.
    for ref in (str(hidden.pk), hidden.reference):
        response = page.goto("/cases/{}/".format(ref))
        assert response is not None and response.status == 404
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/cases/{}/".format(mine[1].pk))
    expect(page.get_by_role("heading", level=1)).to_contain_text(mine[1].reference)
    page.screenshot(path=str(SCREENSHOTS / "cases-case-mobile.png"), full_page=True)
