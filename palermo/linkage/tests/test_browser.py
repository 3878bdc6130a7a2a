"""The linkage pages in headless Chromium (issue 16): a national coordinator searches the node's
persons for duplicates from the page; a case worker of the shelter that registered both records
of a person opens the probable match side by side, confirms it with a reason, sees it recorded
and each record showing the other, then keeps them apart again; a user of another organisation
finds no such page. Screenshots go to /tmp/linkage-*.png (PALERMO_SCREENSHOTS to change the
folder)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from palermo.cases import services as cases
from palermo.core.choices import Role
from palermo.core.models import Country, User
from palermo.core.services import countries_load
from palermo.core.tests.browser import errors_watch, log_in
from palermo.linkage.models import Decision, Match
from palermo.linkage.tests.test_duplicates import _identity
from palermo.linkage.tests.test_files import febrl_rows

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture(autouse=True)
def reference(transactional_db: None) -> None:
    if not Country.objects.exists():
        countries_load()


@pytest.fixture
def new_page(browser: Browser, live_server: Any) -> Iterator[Callable[[], Page]]:
    pages: list[Page] = []
    errors: list[str] = []

    def make() -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale="en-GB", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        tab = context.new_page()
        errors_watch(tab, errors)
        pages.append(tab)
        return tab

    yield make
    for tab in pages:
        tab.context.close()
    assert errors == [], "JavaScript errors: {}".format(errors)


def test_duplicates_found_and_confirmed_in_the_browser(
    new_page: Callable[[], Page], make_user: Callable[..., User]
) -> None:
    worker = make_user(Role.CASE_WORKER, org="Shelter", country="NGA", username="amaka")
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="Ministry", country="NGA")
    outsider = make_user(Role.CASE_WORKER, org="Other shelter", country="NGA")
    case = cases.case_open(actor=worker, title="Shelter", opened_on=dt.date(2026, 1, 10))
    rows = febrl_rows("dataset1.csv")  # each person once, and again with errors
    numbers = sorted({r["rec_id"].split("-")[1] for r in rows if "-dup-" in r["rec_id"]}, key=int)
    chosen = set(numbers[:100])
    for row in rows:
        if row["rec_id"].split("-")[1] in chosen:
            cases.person_add(
                actor=worker, case=case, role="presumed_victim", identity=_identity(row)
            )

    page = new_page()
    log_in(page, coordinator.username)
    page.get_by_role("link", name="Linkage").click()
    expect(page.get_by_role("heading", name="Record linkage")).to_be_visible()
    page.get_by_label("With").select_option(label="this node: search for duplicates")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_role("heading", name="Duplicates within this node")).to_be_visible()
    expect(page.locator("#exercise-status")).to_have_text("matched")
    page.screenshot(path=str(SCREENSHOTS / "linkage-exercise.png"), full_page=True)

    shelter = new_page()
    log_in(shelter, worker.username)
    shelter.goto(page.url)
    first = shelter.locator("#matches tbody tr").first
    expect(first).to_contain_text("probable")
    first.get_by_role("link").click()
    expect(shelter.get_by_role("heading", name="Person here", exact=True)).to_be_visible()
    expect(shelter.get_by_role("heading", name="Other person here")).to_be_visible()
    shelter.get_by_role("button", name="Record the decision").click()
    expect(shelter.locator(".errors").first).to_be_visible()  # a decision and a reason
    shelter.get_by_label("confirmed: the same person").check()
    shelter.get_by_label("Reason").fill("Same social security number, one typo in the name.")
    shelter.get_by_role("button", name="Record the decision").click()
    expect(shelter.locator("#match-decision")).to_have_text("confirmed: the same person")
    shelter.screenshot(path=str(SCREENSHOTS / "linkage-match.png"), full_page=True)
    match = Match.objects.get(decision=Decision.CONFIRMED)
    assert match.reason.startswith("Same social security number")

    # Each record now shows the other, and from there the pair is kept apart again.
    shelter.get_by_role(
        "link", name="The person's page (identity shown there, with a reason)"
    ).first.click()
    same = shelter.locator("#same-person")
    expect(same.get_by_role("heading", name="Other records of this person")).to_be_visible()
    expect(same).to_contain_text("Same social security number")
    shelter.screenshot(path=str(SCREENSHOTS / "linkage-same-person.png"), full_page=True)
    same.get_by_role("link", name="review, or keep apart").click()
    shelter.get_by_label("rejected: different persons").check()
    shelter.get_by_label("Reason").fill("Different mothers' names at the second interview.")
    shelter.get_by_role("button", name="Record the decision").click()
    expect(shelter.locator("#match-decision")).to_have_text("rejected: different persons")
    shelter.get_by_role(
        "link", name="The person's page (identity shown there, with a reason)"
    ).first.click()
    expect(shelter.get_by_role("heading", name="Case facts")).to_be_visible()
    expect(shelter.locator("#same-person")).to_have_count(0)

    other = new_page()
    log_in(other, outsider.username)
    response = other.goto("/linkage/matches/{}/".format(match.pk))
    assert response is not None and response.status == 404
