"""Plans and coding in headless Chromium: a State's coordinator reads a plan's progress and
reports a value; a secretariat's coder selects a passage of an answer with the mouse and tags
it, and sees it highlighted. Screenshots go to PALERMO_SCREENSHOTS (default: the temporary
folder)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from palermo.core.choices import Role
from palermo.core.models import User
from palermo.core.tests.browser import log_in
from palermo.monitoring.models import Round
from palermo.monitoring.services import plans as svc
from palermo.monitoring.tests.plans import PLANS
from palermo.monitoring.tests.test_coding import _codebook, coded_round  # noqa: F401

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("live_definitions")]

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))


def test_a_coordinator_reads_a_plan_and_reports_a_value(
    page: Page, secretariat: User, make_user: Callable[..., User]
) -> None:
    svc.plan_import(actor=secretariat, text=PLANS)
    make_user(Role.NATIONAL_COORDINATOR, org="Cambodia NCC", country="KHM", username="khm")
    log_in(page, "khm")
    page.get_by_role("link", name="Plans").first.click()
    page.get_by_role("link", name="SPA (test)").first.click()
    page.get_by_label("Where it stands on").fill("2009-07-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator('[data-indicator="1.a"][data-period="2008-12-31"]')).to_contain_text(
        "Target missed"
    )
    expect(page.locator("#attention")).to_contain_text(
        "Activity 1.1 Review national legislation: late"
    )
    page.screenshot(path=str(SCREENSHOTS / "plan-progress.png"), full_page=True)
    page.get_by_role("link", name="National plan of Cambodia (test)").first.click()
    page.get_by_role("link", name="Report a value").click()
    page.get_by_label("Value:", exact=True).fill("1")
    page.get_by_label("Evidence:", exact=True).fill("Sub-decree establishing the task force")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator(".messages")).to_contain_text("Value saved as a draft")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#values")).to_contain_text("Submitted")


def test_a_coder_selects_a_passage_and_tags_it(
    page: Page,
    secretariat: User,
    coded_round: Round,  # noqa: F811 - the fixture
) -> None:
    _codebook(secretariat, coded_round)
    khm = coded_round.submissions.get(country_id="KHM").answers.get()
    log_in(page, "sec")
    page.goto("/monitoring/rounds/{}/coding/".format(coded_round.key))
    text = page.locator('[data-answer="{}"]'.format(khm.pk))
    box = text.bounding_box()
    assert box is not None
    # Select "A national awareness-raising campaign" by dragging over the start of the answer.
    page.evaluate(
        """(id) => {
            const el = document.querySelector(`[data-answer="${id}"]`);
            const node = el.firstChild;
            const range = document.createRange();
            range.setStart(node, 2);
            range.setEnd(node, 37);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            el.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
        }""",
        khm.pk,
    )
    form = page.locator("#tag-{}".format(khm.pk))
    expect(form.get_by_label("Passage")).to_have_value("national awareness-raising campaign")
    form.get_by_label("Theme").select_option("awareness")
    form.get_by_role("button", name="Tag").click()
    expect(text.locator("mark")).to_have_text("national awareness-raising campaign")
    expect(page.locator('[data-theme="awareness"]')).to_contain_text("1: Cambodia")
    page.screenshot(path=str(SCREENSHOTS / "coding.png"), full_page=True)
