"""Issue 18 in headless Chromium: someone files an anonymous report in Arabic on a phone (the
browser computes the proof of work), gets a code; a hotline operator finds it first in the
queue, takes it, and triages it into a case. Two case workers edit the same case offline in the
offline app; back online, both values are kept and the conflict is shown on the case.
Screenshots go to /tmp/intake-*.png (PALERMO_SCREENSHOTS to change the folder)."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from palermo.cases import services as cases
from palermo.cases.models import Case
from palermo.core.choices import Role
from palermo.core.models import User
from palermo.core.tests.browser import errors_watch, log_in, page
from palermo.core.tests.factories import PASSWORD
from palermo.intake import services
from palermo.intake.models import Report

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser
__all__ = ["page"]  # the fixture

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))
ACCOUNT = "ست نساء يعملن ليلاً في المغسلة ولا يخرجن أبداً، وجوازات سفرهن محتجزة."


def _tab(
    browser: Browser,
    live_server: object,
    errors: list[str],
    *,
    locale: str = "en-GB",
    width: int = 1280,
    height: int = 900,
) -> Page:
    """Another device: a browser context of its own (its own storage), JavaScript errors kept."""
    context = browser.new_context(
        base_url=str(live_server.url),  # type: ignore[attr-defined]
        locale=locale,
        viewport={"width": width, "height": height},
    )
    tab = context.new_page()
    errors_watch(tab, errors)
    return tab


@pytest.fixture(autouse=True)
def reference(live_reference: None) -> None:
    """The reference rows, written back after the previous live-server test (conftest)."""


def test_an_anonymous_report_in_arabic_becomes_a_case(
    browser: Browser, page: Page, live_server: object, make_user: Callable[..., User]
) -> None:
    admin = make_user(Role.ADMINISTRATOR, org="Node", country=None, username="root")
    operator = make_user(Role.CASE_WORKER, org="Hotline NGO", country="ITA", username="op")
    services.hotline_set(
        actor=admin,
        organisation=operator.organisation,  # type: ignore[arg-type]
        name="Anti-trafficking hotline",
        phone="800 290 290",
    )
    errors: list[str] = []
    reporter = _tab(browser, live_server, errors, locale="ar", width=390, height=844)
    phone = reporter.context
    reporter.goto("/report/")
    expect(reporter.locator("html")).to_have_attribute("lang", "ar")
    expect(reporter.locator("html")).to_have_attribute("dir", "rtl")
    reporter.locator("input[name=reporter_role][value=witness]").check()
    reporter.locator("textarea[name=what]").fill(ACCOUNT)
    reporter.locator("select[name=country]").select_option("ITA")
    reporter.locator("input[name=employer]").fill("مغسلة ستيلا")
    reporter.locator("input[name=forms_seen][value=ForcedLabour]").check()
    reporter.locator("input[name=child][value=no]").check()
    expect(reporter.locator("input[name=stay_anonymous]")).to_be_checked()
    # A person takes a while to write a report; a form sent within 3 seconds is refused.
    reporter.wait_for_timeout(3000)
    reporter.locator("#report-form button[type=submit]").click()
    expect(reporter.locator("#report-code")).to_be_visible()
    code = reporter.locator("#report-code").inner_text()
    assert len(code.replace("-", "")) == 16  # noqa: PLR2004
    reporter.screenshot(path=str(SCREENSHOTS / "intake-report-ar.png"), full_page=True)
    assert errors == []
    phone.close()
    report = Report.objects.get()
    assert report.anonymous and report.language == "ar" and report.channel == "web"

    log_in(page, operator.username)
    page.locator(".site-header").get_by_role("link", name="Hotline").click()
    expect(page.locator("#queue tbody tr").first).to_contain_text(report.reference)
    page.screenshot(path=str(SCREENSHOTS / "intake-queue.png"), full_page=True)
    page.get_by_role("link", name=report.reference).click()
    expect(page.locator("#report-account")).to_contain_text("المغسلة")
    page.get_by_role("button", name="I handle it").click()
    expect(page.locator("#held")).to_contain_text("Being handled by op")
    page.locator("#close-form").get_by_label("What the report became").select_option("case")
    page.get_by_role("button", name="Close the report").click()
    expect(page.get_by_role("link", name="The case opened from this report")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "intake-triaged.png"), full_page=True)
    report.refresh_from_db()
    case = Case.objects.get(pk=str(report.case_id))
    assert case.organisation_id == operator.organisation_id


def test_two_devices_edit_one_case_offline_and_the_conflict_is_shown(
    browser: Browser, page: Page, live_server: object, make_user: Callable[..., User]
) -> None:
    first = make_user(Role.CASE_WORKER, org="Outreach NGO", country="ITA", username="w1")
    second = make_user(Role.CASE_WORKER, org="Outreach NGO", country="ITA", username="w2")
    case = cases.case_open(actor=first, title="Farm", country="ITA")
    errors: list[str] = []
    tablet = _tab(browser, live_server, errors)
    other = tablet.context
    devices = [(page, first), (tablet, second)]
    title = "#f-{}-title".format(case.pk)
    for tab, user in devices:
        log_in(tab, user.username)
        tab.goto("/intake/offline/")
        expect(tab.locator("#offline-app")).to_have_attribute("data-synced", "true")
        expect(tab.locator(title)).to_have_value("Farm")
    for (tab, _user), value in zip(devices, ("Greenhouse workers", "Laundry workers"), strict=True):
        tab.context.set_offline(True)
        tab.locator(title).fill(value)
        tab.locator(title).press("Tab")
        expect(tab.locator("#offline-app")).to_have_attribute("data-pending", "1")
        expect(tab.locator("#offline-status")).to_contain_text("Offline")
    page.screenshot(path=str(SCREENSHOTS / "intake-offline.png"), full_page=True)
    for tab, _user in devices:  # back online, one after the other
        tab.context.set_offline(False)
        tab.get_by_role("button", name="Sync now").click()
        expect(tab.locator("#offline-app")).to_have_attribute("data-pending", "0")
    expect(page.locator("#offline-results")).to_contain_text("saved")
    expect(tablet.locator("#offline-results")).to_contain_text("both values are kept")
    tablet.goto("/cases/{}/".format(case.pk))
    notice = tablet.locator("#case-notices")
    expect(notice).to_contain_text("1 field was changed offline by two people")
    notice.get_by_role("link").click()
    expect(tablet.locator("#conflicts")).to_contain_text("Greenhouse workers")
    expect(tablet.locator("#conflicts")).to_contain_text("Laundry workers")
    tablet.screenshot(path=str(SCREENSHOTS / "intake-conflict.png"), full_page=True)
    tablet.locator("#conflicts tbody tr").get_by_role("button", name="Keep this").last.click()
    expect(tablet.locator("#conflicts")).to_have_count(0)
    case.refresh_from_db()
    assert case.title == "Laundry workers"
    assert errors == []
    other.close()


def test_a_session_that_ended_keeps_the_edits_for_the_same_user_only(
    page: Page, live_server: object, make_user: Callable[..., User]
) -> None:
    make_user(Role.CASE_WORKER, org="Outreach NGO", country="ITA", username="w1")
    make_user(Role.CASE_WORKER, org="Outreach NGO", country="ITA", username="w2")
    case = cases.case_open(actor=User.objects.get(username="w1"), title="Farm", country="ITA")
    app, title = page.locator("#offline-app"), page.locator("#f-{}-title".format(case.pk))

    def edit_offline_then_lose_the_session(value: str) -> None:
        page.goto("/intake/offline/")
        expect(app).to_have_attribute("data-synced", "true")
        page.context.set_offline(True)
        title.fill(value)
        title.press("Tab")
        expect(app).to_have_attribute("data-pending", "1")
        page.context.clear_cookies()  # the session ends while the device is offline
        page.context.set_offline(False)
        page.get_by_role("button", name="Sync now").click()
        expect(page.locator("#offline-status")).to_contain_text("your session has ended")
        expect(app).to_have_attribute("data-synced", "false")
        expect(app).to_have_attribute("data-pending", "1")  # nothing sent, nothing dropped

    log_in(page, "w1")
    edit_offline_then_lose_the_session("Greenhouse workers")
    # The same user logs in again from the link: back on the app, the edit is sealed under the
    # new key and sent.
    page.locator("#offline-login").click()
    page.get_by_label("Username").fill("w1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/intake/offline/$"))
    expect(app).to_have_attribute("data-synced", "true")
    expect(app).to_have_attribute("data-pending", "0")
    expect(page.locator("#offline-results")).to_contain_text("saved")
    expect(title).to_have_value("Greenhouse workers")
    case.refresh_from_db()
    assert case.title == "Greenhouse workers"

    edit_offline_then_lose_the_session("Laundry workers")
    log_in(page, "w2")  # another user on the same device: the edit is dropped unread
    page.goto("/intake/offline/")
    expect(app).to_have_attribute("data-synced", "true")
    expect(app).to_have_attribute("data-pending", "0")
    case.refresh_from_db()
    assert case.title == "Greenhouse workers"
