"""A case worker's first day on a demo node, over finding and recording who a person is:
search a person by name (and by a variant spelling), open them (an audited identity read), pick
a language and a citizenship from pickers named in words (a wrong code is refused), enter an
age that disagrees with the date of birth (refused, with the reason), and see a person of
unknown age shown as a presumed child.

Run with `pytest -m browser` (headless Chromium, see conftest.py)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Page, expect

from palermo.cases import services as s
from palermo.cases.demo.create import demo_cases_create
from palermo.core.choices import AuditAction
from palermo.core.models import AuditEntry, User

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))


@pytest.fixture(autouse=True)
def reference(live_reference: None) -> None:
    """The reference rows, written back after the previous live-server test (conftest)."""


def demo_node() -> tuple[User, str]:
    """`palermo setup-demo` and a few demo cases; the case worker and the demo password."""
    call_command("setup_demo", verbosity=0)
    password = (Path(settings.DATA_DIR) / "demo-credentials.txt").read_text().strip()
    worker = User.objects.get(username="caseworker")
    shelter = worker.organisation
    assert shelter is not None
    demo_cases_create(organisation=shelter, actor=worker, count=3, seed=7)
    return worker, password


def test_first_day_caseworker_identity(page: Page) -> None:
    worker, password = demo_node()
    case = s.case_open(actor=worker, title="Bus station referral")
    okafor = s.person_add(
        actor=worker,
        case=case,
        role="presumed_victim",
        age_at_registration=24,
        identity={"first_name": "Chiamaka", "second_name": "Okafor"},
    )

    page.goto("/login/")
    page.get_by_label("Username").fill("caseworker")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".site-header .who")).to_contain_text("caseworker")

    # Find her by name, and by a spelling heard on the phone.
    page.goto("/cases/")
    search = page.get_by_label("Find a person by name")
    for name, badge in (("Okafor", "name matches"), ("Ocafor", "name sounds alike")):
        search.fill(name)
        page.get_by_role("button", name="Find", exact=True).click()
        hit = page.locator(".name-hit[data-pseudonym='{}']".format(okafor.pseudonym))
        expect(hit).to_contain_text(badge)
        expect(hit).to_contain_text(case.reference)
    page.screenshot(path=str(SCREENSHOTS / "identity-name-search.png"), full_page=True)
    expect(page.locator(".name-hits")).not_to_contain_text("Okafor")  # no name is echoed
    assert "Okafor" not in page.url and "Ocafor" not in page.url

    # Opening her is an audited identity read.
    reads = AuditEntry.objects.filter(action=AuditAction.READ, object_id=str(okafor.pk))
    assert not reads.exists()
    page.get_by_role("button", name=re.compile("Open {}".format(okafor.pseudonym))).click()
    expect(page.locator(".identity-data")).to_contain_text("Okafor")
    read = reads.get()
    assert read.actor == worker and read.reason == "Opened from a search by name"

    # Language and citizenship from pickers, named in words; a wrong code is refused.
    page.goto("/cases/persons/{}/facts/".format(okafor.pseudonym))
    page.get_by_label("Primary language").select_option(label="Igbo (ig)")
    page.get_by_label("Citizenship").select_option(label="Nigeria (NGA)")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_be_visible()
    okafor.refresh_from_db()
    assert (okafor.primary_language, okafor.citizenship) == ("ig", ["NGA"])
    page.goto("/cases/persons/{}/facts/".format(okafor.pseudonym))
    page.evaluate(  # what a stale or forged form would send
        "document.querySelector('select[name=secondary_language]')"
        ".add(new Option('Klingon', 'klingon', true, true))"
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("klingon is not one of the available choices")).to_be_visible()
    okafor.refresh_from_db()
    assert okafor.secondary_language == ""

    # An age that disagrees with the date of birth is refused, saying why.
    page.goto("/cases/{}/".format(case.pk))
    page.get_by_role("link", name="Add a person").first.click()
    page.get_by_label("Role in the case").select_option("victim")
    page.get_by_label("Age when registered").fill("30")
    page.get_by_label("Date of birth").fill("2012-03-01")
    page.get_by_label("First name").fill("Joy")
    page.get_by_role("button", name="Add the person").click()
    expect(
        page.get_by_text(re.compile(r"age at registration \(30\) and the date of birth disagree"))
    ).to_be_visible()
    assert case.persons.count() == 1

    # Someone whose age nobody knows yet is presumed a child, and shown so.
    page.get_by_label("Age when registered").fill("")
    page.get_by_label("Date of birth").fill("")
    page.get_by_role("button", name="Add the person").click()
    expect(page.locator("h1 .badge.presumed")).to_have_text(
        "presumed child (age unknown/uncertain)"
    )
    expect(page.locator(".presumed-child")).to_contain_text("every safeguard for children applies")
    page.screenshot(path=str(SCREENSHOTS / "identity-presumed-child.png"))
    joy = case.persons.exclude(pk=okafor.pk).get()
    assert joy.presumed_child and joy.is_child
    page.goto("/cases/{}/".format(case.pk))
    expect(page.locator("table.persons .badge.presumed")).to_have_count(1)
