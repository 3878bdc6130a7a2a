"""The report's last steps (GRETA's): the secretariat shares the draft with the States whose
replies it accepted, their national coordinators comment by a date, the secretariat answers
each comment, then publishes; the pages and who may do what."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pdfminer.high_level import extract_text

from palermo.core.choices import Role
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import AuditEntry, User
from palermo.monitoring import services
from palermo.monitoring.choices import CommentStatus
from palermo.monitoring.models import Round, Submission
from palermo.monitoring.reports import report_file
from palermo.monitoring.tests.test_coding import coded_round  # noqa: F401 - the fixture
from palermo.monitoring.tests.test_reports import outlined  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def _coordinator(country: str) -> User:
    return User.objects.get(role=Role.NATIONAL_COORDINATOR, organisation__name=country)


@pytest.fixture
def accepted(secretariat: User, outlined: Round) -> Round:  # noqa: F811 - the fixture
    for country in ("KHM", "VNM"):
        services.submission_accept(
            actor=secretariat, submission=Submission.objects.get(round=outlined, country_id=country)
        )
    return outlined


def test_comments_on_the_draft_then_publication(
    secretariat: User, accepted: Round, clock: time_machine.Traveller
) -> None:
    today = dt.date.today()  # noqa: DTZ011 - the pinned clock's day
    khm, tha = _coordinator("KHM"), _coordinator("THA")
    with pytest.raises(ApplicationError, match="not shared"):
        services.report_comment_add(actor=khm, round_=accepted, text="Too early")
    with pytest.raises(ApplicationError, match="today or later"):
        services.draft_share(
            actor=secretariat, round_=accepted, comments_due=today - dt.timedelta(1)
        )
    with pytest.raises(ForbiddenError):
        services.draft_share(actor=khm, round_=accepted, comments_due=today)
    shared = services.draft_share(
        actor=secretariat, round_=accepted, comments_due=today + dt.timedelta(days=14)
    )
    pdf = " ".join(extract_text(io.BytesIO(report_file(shared, fmt="pdf", language="en"))).split())
    assert "Draft for the States' comments, due by" in pdf
    with pytest.raises(ForbiddenError):  # Thailand's reply was not accepted
        services.report_comment_add(actor=tha, round_=shared, text="We disagree")
    with pytest.raises(ApplicationError, match="parts 1 to 4"):
        services.report_comment_add(actor=khm, round_=shared, text="Part 9?", part=9)
    comment = services.report_comment_add(
        actor=khm, round_=shared, text="Cambodia's hotline opened in 2009.", part=3
    )
    with pytest.raises(ApplicationError, match="1 comments of the States have no answer yet"):
        services.report_publish(actor=secretariat, round_=shared)
    answered = services.report_comment_respond(
        actor=secretariat, comment=comment, taken=True, response="Paragraph 2 says so now."
    )
    assert answered.status == CommentStatus.TAKEN
    clock.shift(dt.timedelta(days=15))
    with pytest.raises(ApplicationError, match="were due by"):
        services.report_comment_add(actor=_coordinator("VNM"), round_=shared, text="Late")
    published = services.report_publish(actor=secretariat, round_=shared)
    assert published.published_at is not None
    pdf = " ".join(
        extract_text(io.BytesIO(report_file(published, fmt="pdf", language="en"))).split()
    )
    assert "Draft" not in pdf
    with pytest.raises(ApplicationError, match="published"):
        services.draft_share(
            actor=secretariat, round_=published, comments_due=today + dt.timedelta(30)
        )
    kinds = list(
        AuditEntry.objects.filter(
            object_type__in=["monitoring.report", "monitoring.report_comment"]
        )
        .order_by("pk")
        .values_list("object_type", flat=True)
    )
    assert kinds[-4:] == [
        "monitoring.report",
        "monitoring.report_comment",
        "monitoring.report_comment",
        "monitoring.report",
    ]


def test_the_pages_of_the_draft_and_its_comments(
    client: Client, secretariat: User, accepted: Round, clock: time_machine.Traveller
) -> None:
    round_page = reverse("monitoring:round", args=[accepted.key])
    step = reverse("monitoring:round_report_step", args=[accepted.key])
    report = reverse("monitoring:round_report", args=[accepted.key, "pdf"])
    khm = _coordinator("KHM")
    client.force_login(khm)
    assert client.get(report).status_code == 404  # not shared yet
    client.force_login(secretariat)
    due = (dt.date.today() + dt.timedelta(days=7)).isoformat()  # noqa: DTZ011 - pinned
    client.post(step, {"action": "share", "due": due})
    assert 'id="comments"' in client.get(round_page).content.decode()
    client.force_login(khm)
    page = client.get(round_page).content.decode()
    assert 'id="comment-form"' in page and 'id="report-links"' in page
    assert client.get(report).status_code == 200
    client.post(step, {"action": "comment", "text": "Please add our 2009 law.", "part": ""})
    assert "Please add our 2009 law." in client.get(round_page).content.decode()
    assert client.post(step, {"action": "publish"}).status_code == 404
    client.force_login(_coordinator("VNM"))
    assert "Please add our 2009 law." not in client.get(round_page).content.decode()
    client.force_login(secretariat)
    page = client.get(round_page).content.decode()
    assert "Please add our 2009 law." in page
    client.post(step, {"action": "publish"})
    assert "have no answer yet" in client.get(round_page).content.decode()
    comment = accepted.report_comments.get()
    client.post(step, {"action": "not_taken", "comment": comment.pk, "response": "Out of scope."})
    client.post(step, {"action": "publish"})
    assert 'id="report-state">Published on' in client.get(round_page).content.decode()


def test_only_accepted_states_read_the_draft(
    client: Client,
    accepted: Round,
    make_user: Callable[..., User],
    secretariat: User,
    clock: time_machine.Traveller,
) -> None:
    services.draft_share(
        actor=secretariat,
        round_=accepted,
        comments_due=dt.date.today(),  # noqa: DTZ011 - pinned
    )
    report = reverse("monitoring:round_report", args=[accepted.key, "docx"])
    client.force_login(_coordinator("THA"))
    assert client.get(report).status_code == 404
    client.force_login(_coordinator("VNM"))
    assert client.get(report).status_code == 200


def test_the_steps_through_the_api_and_the_command_line(
    client: Client,
    bearer: Callable[[User], dict[str, Any]],
    secretariat: User,
    accepted: Round,
    clock: time_machine.Traveller,
) -> None:
    api = "/api/v1/monitoring/rounds/" + accepted.key
    sec, khm = bearer(secretariat), bearer(_coordinator("KHM"))
    due = (dt.date.today() + dt.timedelta(days=3)).isoformat()  # noqa: DTZ011 - pinned
    assert (
        client.post(
            api + "/draft", {"comments_due": due}, content_type="application/json", **khm
        ).status_code
        == 403
    )
    shared = client.post(
        api + "/draft", {"comments_due": due}, content_type="application/json", **sec
    )
    assert shared.json()["comments_due"] == due
    made = client.post(
        api + "/comments",
        {"text": "Add our law", "part": 2},
        content_type="application/json",
        **khm,
    )
    assert (made.status_code, made.json()["state"], made.json()["part"]) == (201, "KHM", 2)
    bad = client.post(api + "/comments", {"text": " "}, content_type="application/json", **khm)
    assert (bad.status_code, bad.json()["detail"]) == (400, "Write the comment.")
    assert client.post(api + "/publish", **sec).status_code == 400
    answer = client.post(
        f"{api}/comments/{made.json()['id']}/answer",
        {"taken": False, "response": "Adopted after the report's date."},
        content_type="application/json",
        **sec,
    )
    assert answer.json()["status"] == "not_taken"
    assert [c["status"] for c in client.get(api + "/comments", **khm).json()] == ["not_taken"]
    out = io.StringIO()
    call_command("monitoring", "round", "publish", accepted.key, "--as", "sec", stdout=out)
    assert "is published" in out.getvalue()
    assert client.post(api + "/publish", **sec).status_code == 400
