"""A national coordinator's first day on a fresh demo node, in headless Chromium (Playwright):
derive the year's figures from the demo cases in the web UI, trace a figure to its cases,
enter a partial citizenship breakdown with the computed "not stated / other" remainder, submit,
and find that only a colleague can validate the submission (separation of duties).

The node is set up as `make run` sets it up (`palermo setup-demo`, `palermo demo-data`), with
the demo cases arranged around a fixed day; the coordinator's colleague is a second national
coordinator of the same office (the administrator would invite one).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from pytest_django.fixtures import Settings

from palermo.cases.models import Case, Person
from palermo.core.models import AuditEntry, User
from palermo.core.tests.browser import log_in
from palermo.statistics.choices import ValueOrigin
from palermo.statistics.definitions import definitions_load
from palermo.statistics.models import DataSet, Value
from palermo.web.tests.demo import demo_node_make

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there unless
# told that this is fine.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))
DEMO_DAY = "2026-11-20"  # the day the demo cases are arranged around
QUIET_YEAR = "2019"  # a year without demo cases: figures typed in by hand


@pytest.fixture(autouse=True)
def reference(live_reference: None) -> None:
    """The reference rows (written back after the previous live-server test) and the statistics
    definitions."""
    if not DataSet.objects.exists():
        definitions_load()


@pytest.fixture
def demo_node(settings: Settings, tmp_path: Path) -> tuple[User, User]:
    """`make run`'s demo node: the demo users and a dozen demo cases of the Italian shelter.
    Returns the national coordinator and a colleague in the same office."""
    demo_node_make(settings, tmp_path, cases=12, today=DEMO_DAY)
    coordinator = User.objects.get(username="coordinator")
    # The demo's second coordinator of the same office validates (separation of duties).
    colleague = User.objects.get(username="coordinator2")
    assert colleague.organisation == coordinator.organisation and colleague.role == coordinator.role
    return coordinator, colleague


def row(page: Page, cell: str) -> Locator:
    return page.locator('tr[data-cell="{}"]'.format(cell))


def busiest_year() -> str:
    """The year in which the demo shelter opened the most cases with victims."""
    years = Counter(
        c.opened_on.year for c in Case.objects.filter(persons__role="victim").distinct()
    )
    return str(years.most_common(1)[0][0])


def test_coordinator_first_day(page: Page, demo_node: tuple[User, User]) -> None:
    coordinator, colleague = demo_node
    year = busiest_year()
    log_in(page, coordinator.username)

    # 1. Derive the year's figures from the cases, from the data-entry page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Data entry").click()
    page.get_by_label("Period").fill(year)
    page.get_by_role("button", name="Derive from cases").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Italy, {}".format(year))
    expect(page.locator(".messages")).to_contain_text("draft figures from")
    total = Value.objects.get(
        country_id="ITA",
        period=year,
        indicator__code="victims_detected",
        origin=ValueOrigin.DERIVED,
        sex="_T",
        age_group="_T",
        exploitation="_T",
        citizenship="_T",
        country_of_exploitation="_T",
        country_of_repatriation="_T",
    )
    assert total.value and total.value > 0
    expect(page.locator('input[name="v:victims_detected"]')).to_have_value(str(total.value))
    page.screenshot(path=str(SCREENSHOTS / "first-day-coordinator-derived.png"), full_page=True)

    # 2. Trace the total of victims to its cases: a reason, then the pseudonyms and cases.
    row(page, "victims_detected").get_by_role("link", name="Trace to cases").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trace a figure to its cases")
    page.get_by_role("button", name="Trace to cases").click()
    expect(page.get_by_role("alert").first).to_contain_text("The figure was not traced")
    page.get_by_label("Why do you trace this figure?").fill("Checking the annual total")
    page.get_by_role("button", name="Trace to cases").click()
    table = page.locator("#trace-table")
    expect(table.locator("tbody tr")).to_have_count(total.value)
    counted = Person.objects.filter(
        role__in=["victim", "presumed_victim"], case__opened_on__year=year
    )
    first = counted.select_related("case").first()
    assert first is not None
    expect(table).to_contain_text(first.pseudonym)
    expect(table.get_by_role("link", name=first.case.reference)).to_have_count(1)
    audit = AuditEntry.objects.filter(reason="Checking the annual total").get()
    assert audit.actor == coordinator and audit.action == "read"
    assert "Checking" not in page.url  # the reason is never in a URL
    page.screenshot(path=str(SCREENSHOTS / "first-day-coordinator-trace.png"), full_page=True)
    page.get_by_role("link", name="Back to the entry form").click()

    # 3. A partial citizenship breakdown for a year without cases: the remainder is computed.
    page.goto("/statistics/entry/")
    page.get_by_label("Period").fill(QUIET_YEAR)
    page.get_by_role("button", name="Open the entry form").click()
    page.locator('input[name="v:victims_detected"]').fill("20")
    block = page.locator("fieldset", has_text="by citizenship").filter(
        has=page.locator('input[name="add:victims_detected:citizenship"]')
    )
    block.get_by_label("Add a country (ISO3)").fill("NGA")
    block.get_by_label("Figure", exact=True).fill("25")
    block.get_by_label("The rest is not stated / other").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#entry-summary")).to_contain_text(
        "The citizenship parts given add up to 25, more than the total 20"
    )
    assert not Value.objects.filter(period=QUIET_YEAR).exists()
    block.get_by_label("Add a country (ISO3)").fill("NGA")
    block.get_by_label("Figure", exact=True).fill("7")
    block.get_by_label("The rest is not stated / other").check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".messages")).to_contain_text("saved")
    rest = row(page, "victims_detected:citizenship=_R")
    expect(rest).to_contain_text("Not stated / other (remainder: total minus the parts given)")
    expect(rest.locator("output")).to_have_text("13")
    expect(page.locator('input[name="v:victims_detected:citizenship=NGA"]')).to_have_value("7")
    page.screenshot(path=str(SCREENSHOTS / "first-day-coordinator-remainder.png"), full_page=True)

    # 4. Submit: the coordinator cannot validate their own submission; a colleague can.
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("The figures were submitted.")
    expect(page.get_by_role("button", name="Validate")).to_have_count(0)
    expect(page.locator("#separation-of-duties")).to_contain_text("another national coordinator")
    grid = page.url
    other = page.context.browser.new_context(  # type: ignore[union-attr]
        base_url=page.url.split("/statistics/")[0], locale="en-GB"
    ).new_page()
    log_in(other, colleague.username)
    other.goto(grid)
    other.get_by_role("button", name="Validate").click()
    expect(other.locator(".messages")).to_contain_text("3 figures validated")
    validated = Value.objects.filter(period=QUIET_YEAR, country_id="ITA")
    assert {(v.status, v.submitted_by_id, v.validated_by_id) for v in validated} == {
        ("validated", coordinator.pk, colleague.pk)
    }
    other.context.close()
