"""The questionnaire pages in headless Chromium: a secretariat's analyst creates a
questionnaire, uploads an XLSForm, reads the preview and publishes it; a State's coordinator
then finds it. Screenshots go to PALERMO_SCREENSHOTS (default: the temporary folder)."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from palermo.core.choices import OrganisationKind, Role
from palermo.core.tests.browser import htmx_settled, log_in
from palermo.monitoring.tests.forms import workbook

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("live_definitions")]

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))


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


def test_a_state_answers_its_reply_each_answer_saved_as_it_changes(
    page: Page, make_user: Any
) -> None:
    from palermo.monitoring import services  # noqa: PLC0415 - after the live database is ready
    from palermo.monitoring.models import Submission  # noqa: PLC0415
    from palermo.monitoring.tests.test_rounds import FORM, HEADER  # noqa: PLC0415
    from palermo.registry.models import Mechanism  # noqa: PLC0415

    sec = make_user(Role.ANALYST, org="UNODC", country=None, kind=OrganisationKind.INTERNATIONAL,
                    username="sec")  # fmt: skip
    make_user(Role.NATIONAL_COORDINATOR, org="Thai task force", country="THA", username="th")
    q = services.questionnaire_create(actor=sec, key="s-2010", title="Survey 2010")
    version = services.questionnaire_version_import(
        actor=sec, questionnaire=q, data=workbook(survey=FORM, header=HEADER), file_name="f.xlsx"
    )
    services.questionnaire_version_publish(actor=sec, version=version)
    round_ = services.round_create(
        actor=sec, version=version, mechanism=Mechanism.objects.get(acronym="COMMIT"),
        key="r-2010", title="Round 2010", as_of=dt.date(2010, 3, 29), deadline=dt.date(2010, 6, 30),
    )  # fmt: skip
    services.round_send(actor=sec, round_=round_)
    log_in(page, "th")
    page.get_by_role("link", name="Rounds").first.click()
    page.get_by_role("link", name="Round 2010").click()
    page.get_by_role("link", name="Your State's reply").click()
    victims = page.locator("#q-victims")
    expect(page.locator("#q-party")).to_contain_text("Registry: not a party to")
    victims.locator('input[name="value"]').fill("-4")
    victims.locator('input[name="value"]').dispatch_event("change")
    expect(page.locator("#q-victims .error")).to_contain_text("does not meet the question")
    htmx_settled(page)
    page.locator('#q-victims input[name="value"]').fill("14")
    page.locator('#q-victims input[name="value"]').dispatch_event("change")
    expect(page.locator("#q-victims .error")).to_have_count(0)
    page.locator("#q-why_not textarea").fill("Ratification is under way")
    page.locator("#q-why_not textarea").dispatch_event("change")
    expect(page.locator("#q-why_not textarea")).to_have_value("Ratification is under way")
    page.reload()
    expect(page.locator('#q-victims input[name="value"]')).to_have_value("14")
    page.screenshot(path=str(SCREENSHOTS / "monitoring-reply.png"), full_page=True)
    page.get_by_role("button", name="Submit the reply").click()
    expect(page.locator("#reply-status")).to_contain_text("Submitted")
    assert Submission.objects.get(round=round_, country_id="THA").status == "submitted"
