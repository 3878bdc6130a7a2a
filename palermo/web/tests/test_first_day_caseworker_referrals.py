"""A case worker's first day on a fresh demo node (issue 12), in headless Chromium: refer a
person, find the referral among the referrals sent, with the "Refer to" list offering Italy's
service providers first; download the case file as a PDF; see a child's planned return on the
timeline.

The node is what `make run` makes: the reference data (whose directory brings police and other
authorities of many countries), `palermo setup-demo` and `palermo demo-data` (a few cases of the
demo shelter in Italy). Run with `pytest -m browser`; a screenshot of the referrals sent goes to
/tmp/first-day-referrals-sent.png (PALERMO_SCREENSHOTS to change the folder).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from pdfminer.high_level import extract_text
from playwright.sync_api import Page, expect
from pytest_django import Settings

from palermo.cases import services as s
from palermo.cases.dates import day_text
from palermo.cases.models import Case
from palermo.core.choices import AuditAction
from palermo.core.models import AuditEntry, Organisation, User
from palermo.core.tests.browser import log_in
from palermo.web.tests.demo import demo_node_make

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there unless
# told that this is fine.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))
SHELTER = "Palermo demo shelter"


@pytest.fixture
def demo_node(live_reference: None, settings: Settings, tmp_path: Path) -> User:
    """`make run`'s demo: the demo users and 4 cases of the demo shelter; every demo user logs
    in with the tests' PASSWORD."""
    demo_node_make(settings, tmp_path, cases=4)
    return User.objects.get(username="caseworker")


def test_caseworker_refers_sees_referrals_sent_prints_the_case_file_and_a_planned_return(
    clock: time_machine.Traveller, page: Page, demo_node: User
) -> None:
    caseworker = demo_node
    case = Case.objects.filter(organisation__name=SHELTER).order_by("reference").first()
    assert case is not None
    person = case.persons.filter(role__in=["victim", "presumed_victim"]).first()
    assert person is not None
    foreign = Organisation.objects.exclude(country_id="ITA").exclude(country_id=None).count()
    assert foreign > 20  # the directory's authorities of other countries, police among them

    log_in(page, "caseworker")

    # Refer the person: the "Refer to" list starts with Italy's service providers.
    page.goto("/cases/persons/{}/".format(person.pseudonym))
    page.get_by_role("link", name="Refer to a service provider").first.click()
    select = page.get_by_label("Refer to")
    groups = select.locator("optgroup")
    expect(groups.first).to_have_attribute("label", "Service providers in Italy")
    expect(groups.first.locator("option")).to_contain_text(["Demo safe house"])
    expect(groups.last).to_have_attribute(
        "label", "Other countries, international and other organisations"
    )
    assert groups.last.locator("option").count() >= foreign
    home = groups.first.locator("option").all_inner_texts()
    assert home and all(label.endswith(" (ITA)") for label in home), home
    select.select_option(label="Demo safe house (ITA)")
    page.get_by_label("Service", exact=True).select_option("legal_aid")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator(".messages")).to_contain_text("Referral sent to Demo safe house.")

    # Referrals sent: the new one with its receiver, status and answer deadline.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    page.get_by_role("link", name="Referrals sent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals sent")
    row = (
        page.locator("tr.referral-row")
        .filter(has_text="Legal aid")
        .filter(has_text=person.pseudonym)
    )
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Demo safe house")
    expect(row).to_contain_text("Sent")
    page.screenshot(path=str(SCREENSHOTS / "first-day-referrals-sent.png"), full_page=True)

    # The case file: a PDF of what the case worker sees, its making audited.
    page.goto("/cases/{}/".format(case.pk))
    page.get_by_role("link", name="Print the case file (PDF)").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the case file (PDF)").click()
    download = info.value
    assert download.suggested_filename == "case-file-{}.pdf".format(case.reference)
    assert person.pseudonym not in download.url
    # Words as a reader reads them: a table cell may wrap "Demo safe house" over two lines.
    text = " ".join(extract_text(io.BytesIO(Path(download.path()).read_bytes())).split())
    assert case.reference in text
    assert person.pseudonym in text
    assert "Demo safe house" in text
    assert AuditEntry.objects.filter(
        actor=caseworker, action=AuditAction.READ, object_type="cases.case", object_id=str(case.pk)
    ).exists()

    # A child with a planned return: the day on the timeline, marked planned.
    child = s.person_add(
        actor=caseworker, case=case, role="presumed_victim", age_at_registration=15
    )
    planned = timezone.localdate() + dt.timedelta(days=21)
    s.return_plan(
        actor=caseworker,
        person=child,
        destination="NGA",
        risk_level="low",
        risk_assessment="Family traced by IOM",
        planned_for=planned,
    )
    page.goto("/cases/persons/{}/".format(child.pseudonym))
    event = page.locator("#ptimeline-h + ol.timeline li.planned")
    expect(event).to_contain_text("Return to Nigeria planned")
    expect(event).to_contain_text(day_text(planned))
    expect(event.locator("time")).to_have_attribute("datetime", planned.isoformat())
    page.goto("/cases/{}/".format(case.pk))
    expect(page.locator("ol.timeline li.planned")).to_contain_text(child.pseudonym)
