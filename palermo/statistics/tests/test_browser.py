"""Statistics pages in headless Chromium (Playwright) against the live server, with no network.

Every request the browser makes is checked: anything that does not go to the live server is
blocked and recorded, and each test asserts that nothing was attempted (no CDN, no tile
server, no schema fetch), and that no JavaScript error happened. Few tests, because the live
server's database is emptied after each one (the reference data and the statistics definitions
are loaded again). Screenshots go to /tmp/statistics-*.png (PALERMO_SCREENSHOTS).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from palermo.conftest import PASSWORD
from palermo.core.models import User
from palermo.core.tests.browser import errors_watch
from palermo.statistics.definitions import definitions_load
from palermo.statistics.models import DataSet, PrivacySpend, Publication, Value
from palermo.statistics.tests.factories import PublicValueFactory, colleague, victim

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there unless
# told that this is fine.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture(autouse=True)
def reference(live_reference: None) -> None:
    """The reference rows, written back after the previous live-server test (conftest), and
    the statistics definitions."""
    if not DataSet.objects.exists():
        definitions_load()


@pytest.fixture
def offline_page(browser: Browser, live_server: Any) -> Iterator[Callable[[], Page]]:
    """Browser contexts that may reach the live server only; other requests are aborted and
    recorded. The test fails on any such attempt and on any JavaScript error."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []
    outside: list[str] = []

    def guard(route: Route) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def make() -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        context.route("**/*", guard)
        contexts.append(context)
        tab = context.new_page()
        errors_watch(tab, errors)
        return tab

    yield make
    for context in contexts:
        context.close()
    assert outside == [], "requests outside the live server: {}".format(outside)
    assert errors == [], "JavaScript errors: {}".format(errors)


def log_in(page: Page, user: User) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".site-header .who")).to_contain_text(user.username)


def cell(page: Page, name: str) -> Any:
    return page.locator('input[name="v:{}"]'.format(name))


def row(page: Page, name: str) -> Any:
    return page.locator('tr[data-cell="{}"]'.format(name))


def test_entry_validation_messages_and_publication(
    offline_page: Callable[[], Page], coordinator: User
) -> None:
    page = offline_page()
    log_in(page, coordinator)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Data entry").click()
    page.get_by_label("Period").fill("2023-Q9")
    page.get_by_role("button", name="Open the entry form").click()
    expect(page.get_by_role("alert").first).to_contain_text("Please correct the fields")
    expect(page.locator("main")).to_contain_text("'2023-Q9' is not a period")
    page.get_by_label("Period").fill("2023")
    page.get_by_role("button", name="Open the entry form").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Botswana, 2023")

    # A total that the breakdown does not add up to, and more convictions than prosecutions.
    cell(page, "victims_detected").fill("25")
    for name, value in (
        ("victims_detected:sex=F:age_group=Y0T17", "6"),
        ("victims_detected:sex=F:age_group=Y_GE18", "8"),
        ("victims_detected:sex=M:age_group=Y0T17", "2"),
        ("victims_detected:sex=M:age_group=Y_GE18", "4"),
        ("persons_prosecuted", "9"),
        ("persons_convicted", "12"),
    ):
        cell(page, name).fill(value)
    cell(page, "persons_arrested").fill("many")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#entry-summary")).to_contain_text("could not be entered")
    expect(row(page, "persons_arrested")).to_contain_text("'many' is not a count")
    expect(cell(page, "victims_detected")).to_have_value("25")  # what was typed is kept
    assert not Value.objects.filter(country_id="BWA").exists()

    cell(page, "persons_arrested").fill("")
    page.get_by_role("button", name="Submit", exact=True).click()
    summary = page.locator("#entry-summary")
    expect(summary).to_contain_text("Not submitted: 1 error(s) and 1 warning(s)")
    expect(row(page, "victims_detected")).to_contain_text(
        "Error: The sex x age group breakdown adds up to 20, but the total is 25."
    )
    expect(row(page, "persons_convicted")).to_contain_text("Warning: 12 persons convicted")
    expect(row(page, "persons_convicted").get_by_label("Comment (required)")).to_be_visible()
    expect(cell(page, "victims_detected")).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(SCREENSHOTS / "statistics-entry-errors.png"), full_page=True)

    # Correct the error, explain the warning: submitted, then validated.
    cell(page, "victims_detected").fill("20")
    row(page, "persons_convicted").get_by_label("Comment (required)").fill(
        "Convictions of the 2022 cohort."
    )
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("The figures were submitted.")
    # Separation of duties: a colleague validates what this coordinator submitted.
    expect(page.get_by_role("button", name="Validate")).to_have_count(0)
    other = offline_page()
    log_in(other, colleague(coordinator))
    other.goto(page.url)
    other.get_by_role("button", name="Validate").click()
    expect(other.locator(".messages")).to_contain_text("figures validated")
    page.reload()

    # Publish the sex x age table: the small cells are suppressed and shown as such.
    page.get_by_label("Table").select_option("victims_detected|sex,age_group")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Published")
    publication = Publication.objects.get()
    expect(page.locator("#method")).to_contain_text(
        "Small-cell suppression with secondary suppression"
    )
    table = page.locator("#publication-table")
    expect(table.locator("td.suppressed").first).to_have_text("x")
    assert table.locator("td.suppressed").count() == sum(
        1 for c in publication.cells if c["value"] is None
    )
    page.screenshot(path=str(SCREENSHOTS / "statistics-publication.png"), full_page=True)


def test_charts_draw_offline(offline_page: Callable[[], Page]) -> None:
    PublicValueFactory.create(country_id="ITA", figure=120, citizenship="NGA")
    PublicValueFactory.create(country_id="DEU", figure=60, citizenship="ROU")
    PublicValueFactory.create(country_id="DEU", figure="<5", citizenship="UKR")
    page = offline_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto("/statistics/routes/")
    flow_map, sankey = page.locator("#flow-map"), page.locator("#sankey")
    expect(flow_map).to_have_attribute("data-rendered", "true")
    expect(sankey).to_have_attribute("data-rendered", "true")
    # The map: Natural Earth countries from our static files, and one line per flow.
    assert flow_map.locator("svg path").count() >= 177
    assert flow_map.locator('[aria-roledescription="rule mark"]').count() == 3
    assert any(u.endswith("/static/statistics/vendor/countries-110m.json") for u in requests)
    # The Sankey: a band per flow and the countries as labels.
    assert sankey.locator('[aria-roledescription="geoshape"]').count() == 3 + 5
    for name in ("Nigeria", "Romania", "Ukraine", "Italy", "Germany"):
        expect(sankey.locator("svg")).to_contain_text(name)
    page.screenshot(path=str(SCREENSHOTS / "statistics-routes.png"), full_page=True)

    # A country profile's trend chart (figures the seeds state).
    page.goto("/statistics/countries/UKR/")
    first = page.locator("figure.chart").first
    expect(first).to_have_attribute("data-rendered", "true")
    assert first.locator("svg").count() == 1
    expect(page.locator("main")).to_contain_text("289")


def test_differentially_private_release_and_refusal_over_budget(
    clock: time_machine.Traveller,
    offline_page: Callable[[], Page],
    coordinator: User,
    make_user: Callable[..., User],
) -> None:
    # The cases are opened in 2024 and released for 2024: the clock is pinned after it.

    worker = make_user("case_worker", org="Shelter Gaborone", country="BWA", kind="ngo")
    for gender, age in (("Feminine", 15), ("Masculine", 30), ("Feminine", 30)):
        victim(worker, dt.date(2024, 3, 1), gender=gender, age=age, cit=(), forms=())
    page = offline_page()
    log_in(page, coordinator)
    page.goto("/statistics/publications/")
    page.get_by_role("link", name="New differentially private release").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New differentially private release")
    # htmx binds the data-set select when the document has loaded; a change made before that
    # is lost. (It was, when the server's clock was a year behind the browser's: the browser
    # then kept no static file in its cache, so the page took longer to load.)
    page.wait_for_load_state("domcontentloaded")
    budget = page.locator("#budget")
    expect(budget).to_contain_text("Trafficking in persons, annual national statistics")
    expect(page.locator("#budget-left")).to_have_text("3")
    # The budget follows the data set chosen (htmx), before anything is released.
    page.get_by_label("Data set").select_option("tip-quarterly")
    expect(budget).to_contain_text("quarterly victim statistics")
    page.get_by_label("Data set").select_option("tip-annual")
    expect(budget).to_contain_text("annual national statistics")

    page.get_by_label("Indicator").select_option("victims_detected")
    page.get_by_label("Period").fill("2024")
    page.get_by_label("Sex").check()
    page.get_by_label("Age group").check()
    page.get_by_label("Epsilon").fill("2.5")
    page.get_by_role("button", name="Release").click()
    expect(page.locator(".messages")).to_contain_text("Epsilon 2.5 spent; 0.5 left.")
    publication = Publication.objects.get()
    expect(page).to_have_url(
        "/statistics/publications/{}/v{}/".format(publication.key, publication.version)
    )
    expect(page.locator("#method")).to_contain_text("Differential privacy")
    expect(page.locator("#dp-epsilon")).to_have_text("2.5")
    expect(page.locator("#dp-mechanism")).to_have_text(publication.parameters["mechanism"])
    expect(page.locator("#dp-contributions")).to_have_text("1")
    expect(page.locator("#budget-ledger tr.current")).to_contain_text(publication.title)
    expect(page.locator("#budget-left")).to_have_text("0.5")
    page.screenshot(path=str(SCREENSHOTS / "statistics-dp-release.png"), full_page=True)

    # More than is left: refused, nothing written, the budget shown as it stands.
    page.goto("/statistics/publications/release/")
    page.get_by_label("Period").fill("2024")
    page.get_by_label("Sex").check()
    page.get_by_label("Epsilon").fill("1")
    page.get_by_role("button", name="Release").click()
    errors = page.locator("#release-errors")
    expect(errors).to_contain_text("Nothing was released")
    expect(errors).to_contain_text("Refused: epsilon 1.0 exceeds the privacy budget left for BWA")
    expect(page.locator("#budget-left")).to_have_text("0.5")
    assert Publication.objects.count() == 1 and PrivacySpend.objects.count() == 1
    page.screenshot(path=str(SCREENSHOTS / "statistics-dp-refused.png"), full_page=True)
