"""Issue 18 in headless Chromium: someone files an anonymous report in Arabic on a phone (the
browser computes the proof of work), gets a code; a hotline operator finds it first in the
queue, takes it, and triages it into a case. Screenshots go to /tmp/intake-*.png
(PALERMO_SCREENSHOTS to change the folder)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from palermo.cases.models import Case
from palermo.core.choices import Role
from palermo.core.models import User
from palermo.core.tests.browser import errors_watch, log_in, page
from palermo.intake import services
from palermo.intake.models import Report

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser
__all__ = ["page"]  # the fixture

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))
ACCOUNT = "ست نساء يعملن ليلاً في المغسلة ولا يخرجن أبداً، وجوازات سفرهن محتجزة."


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
    phone = browser.new_context(
        base_url=str(live_server.url),  # type: ignore[attr-defined]
        locale="ar",
        viewport={"width": 390, "height": 844},
    )
    reporter = phone.new_page()
    errors: list[str] = []
    errors_watch(reporter, errors)
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
