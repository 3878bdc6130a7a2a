"""The plan pages: a secretariat loads plans from a file (a wrong one refused naming where),
everyone reads a plan's progress on a date, a State's coordinator reports a value with its
evidence and submits it, a keeper approves it, marks an activity done."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from palermo.core.choices import Role
from palermo.core.models import User
from palermo.monitoring.choices import ValueStatus
from palermo.monitoring.models import Plan, ReportedValue
from palermo.monitoring.tests.plans import PLANS

pytestmark = pytest.mark.django_db


def _load(client: Client, text: str) -> object:
    upload = SimpleUploadedFile("plans.yaml", text.encode(), "application/yaml")
    return client.post(reverse("monitoring:plan_upload"), {"file": upload})


def test_plans_through_the_pages(
    client: Client, secretariat: User, make_user: Callable[..., User]
) -> None:
    client.force_login(secretariat)
    bad = _load(client, PLANS.replace('metric: "parties:trafficking-protocol"', "metric: votes"))
    assert bad.status_code == 400  # type: ignore[attr-defined]
    page = bad.content.decode()  # type: ignore[attr-defined]
    assert "plans[0] (spa-test) objectives[0] indicators[0]" in page
    assert "votes&#x27; is not a value Palermo computes" in page
    assert not Plan.objects.exists()
    loaded = _load(client, PLANS)
    assert loaded["Location"] == reverse("monitoring:plan", args=["spa-test"])  # type: ignore[index]
    listing = client.get(reverse("monitoring:plans")).content.decode()
    assert "SPA (test)" in listing and "National plan of Cambodia (test)" in listing

    spa = reverse("monitoring:plan", args=["spa-test"])
    page = client.get(spa + "?as_of=2009-07-01").content.decode()
    assert 'data-indicator="1.a" data-period="2008-12-31" data-status="missed"' in page
    assert 'data-indicator="1.a" data-period="2010-12-31" data-status="off_track"' in page
    assert "Activity 1.1 Review national legislation: late" in page
    wrong = client.get(spa + "?as_of=2009-02-30").content.decode()
    assert "as_of must be a date as YYYY-MM-DD" in wrong

    done = client.post(spa, {"action": "done", "activity": "1.1", "done_on": "2009-07-10"})
    assert done.status_code == 302
    page = client.get(spa + "?as_of=2009-08-01").content.decode()
    assert "late (due" not in page

    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="Cambodia NCC", country="KHM")
    client.force_login(coordinator)
    value_page = reverse("monitoring:plan_value", args=["khm-test", "1.a"])
    form = client.get(value_page).content.decode()
    assert 'value="2009-01-01"' in form and "Report a value" in form
    missing = client.post(
        value_page, {"period_start": "2009-01-01", "period_end": "2009-12-31", "value": "1"}
    )
    assert missing.status_code == 400
    saved = client.post(
        value_page,
        {
            "period_start": "2009-01-01",
            "period_end": "2009-12-31",
            "value": "1",
            "evidence": "Sub-decree establishing the task force",
        },
    )
    assert saved.status_code == 302
    rv = ReportedValue.objects.get()
    khm = reverse("monitoring:plan", args=["khm-test"])
    client.post(khm, {"action": "submit", "value": rv.pk, "back": value_page})
    rv.refresh_from_db()
    assert rv.status == ValueStatus.SUBMITTED
    assert client.post(khm, {"action": "approve", "value": rv.pk}).status_code == 404

    client.force_login(secretariat)
    page = client.get(khm).content.decode()
    assert 'id="waiting"' in page and "Sub-decree establishing the task force" in page
    client.post(khm, {"action": "approve", "value": rv.pk})
    rv.refresh_from_db()
    assert rv.status == ValueStatus.APPROVED
    page = client.get(spa + "?as_of=2010-01-02").content.decode()
    assert 'data-indicator="1.b" data-period="2009-12-31" data-status="missed"' in page
    assert "National plan of Cambodia (test)</a>: 1" in page


def test_only_keepers_load_plans(client: Client, make_user: Callable[..., User]) -> None:
    client.force_login(make_user(Role.CASE_WORKER, org="Shelter", country="KHM"))
    assert client.get(reverse("monitoring:plan_upload")).status_code == 404
    assert client.get(reverse("monitoring:plans")).status_code == 200


def test_a_plan_report_downloads_from_its_page(client: Client, secretariat: User) -> None:
    client.force_login(secretariat)
    _load(client, PLANS)
    page = client.get(reverse("monitoring:plan", args=["spa-test"])).content.decode()
    assert 'id="report-form"' in page
    pdf = client.get(
        reverse("monitoring:plan_report", args=["spa-test", "pdf"])
        + "?from=2008-01-01&to=2008-12-31&lang=fr"
    )
    assert pdf["Content-Disposition"] == 'attachment; filename="spa-test-fr.pdf"'
    assert pdf.content.startswith(b"%PDF")
    wrong = client.get(
        reverse("monitoring:plan_report", args=["spa-test", "docx"])
        + "?from=2009-01-01&to=2008-01-01"
    )
    assert wrong.status_code == 302
    assert (
        client.get(reverse("monitoring:plan_report", args=["spa-test", "odt"])).status_code == 404
    )
