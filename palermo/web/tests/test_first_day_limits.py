"""Everyone's first day (issue 12), in headless Chromium: free text has a length limit the page
shows before sending. A case worker pastes an over-long comment: the comment box takes 4,000
characters and no more, the comment is saved as it stands; a post that gets past the page (no
maxlength) is refused with the limit named and what was typed kept.

The node is a fresh demo node (`palermo setup-demo`, `palermo demo-data`). Run with
`pytest -m browser`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django import Settings

from palermo.cases.models import Case, CaseComment
from palermo.core.models import User
from palermo.core.tests.browser import log_in
from palermo.core.textlimits import NOTE_MAX
from palermo.web.tests.demo import demo_node_make

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there unless
# told that this is fine.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser
SHELTER = "Palermo demo shelter"


@pytest.fixture
def demo_node(live_reference: None, settings: Settings, tmp_path: Path) -> User:
    """The demo users and 2 cases of the demo shelter; every demo user logs in with PASSWORD."""
    demo_node_make(settings, tmp_path, cases=2)
    return User.objects.get(username="caseworker")


def test_a_comment_box_takes_the_limit_and_no_more(page: Page, demo_node: User) -> None:
    case = Case.objects.filter(organisation__name=SHELTER).order_by("reference").first()
    assert case is not None
    before = CaseComment.objects.filter(case=case).count()
    log_in(page, "caseworker")
    page.goto("/cases/{}/".format(case.pk))
    box = page.get_by_label("Comment", exact=True)
    expect(box).to_have_attribute("maxlength", str(NOTE_MAX))
    box.fill("Called the mother. " + "a" * NOTE_MAX)  # pasted: longer than the limit
    assert len(box.input_value()) == NOTE_MAX
    page.get_by_role("button", name="Add the comment").click()
    expect(page.locator(".comments")).to_contain_text("Called the mother.")
    saved = CaseComment.objects.filter(case=case).order_by("-pk").first()
    assert saved is not None and len(saved.text) == NOTE_MAX
    assert CaseComment.objects.filter(case=case).count() == before + 1

    # A post that gets past the page (an old browser, a script): refused, limit named, kept.
    box = page.get_by_label("Comment", exact=True)
    box.evaluate(
        "(el, n) => { el.removeAttribute('maxlength'); el.value = 'b'.repeat(n); }", NOTE_MAX + 1
    )
    page.get_by_role("button", name="Add the comment").click()
    expect(page.locator("main")).to_contain_text(
        "Ensure this value has at most {} characters (it has {}).".format(NOTE_MAX, NOTE_MAX + 1)
    )
    assert len(page.get_by_label("Comment", exact=True).input_value()) == NOTE_MAX + 1
    assert CaseComment.objects.filter(case=case).count() == before + 1
