"""The round pages: the secretariat creates and sends a round and reads its board; the State's
national coordinator answers (a wrong answer shown at its question), submits; the secretariat
asks, the State responds, the secretariat accepts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from palermo.core.choices import Role
from palermo.core.models import User
from palermo.monitoring import services
from palermo.monitoring.choices import SubmissionStatus
from palermo.monitoring.models import Submission
from palermo.monitoring.tests.forms import workbook
from palermo.monitoring.tests.test_rounds import FORM, HEADER

pytestmark = pytest.mark.django_db


def test_a_round_through_the_pages(
    client: Client, secretariat: User, make_user: Callable[..., User]
) -> None:
    q = services.questionnaire_create(actor=secretariat, key="pages-q", title="Survey 2010")
    version = services.questionnaire_version_import(
        actor=secretariat,
        questionnaire=q,
        data=workbook(survey=FORM, header=HEADER),
        file_name="f.xlsx",
    )
    services.questionnaire_version_publish(actor=secretariat, version=version)
    client.force_login(secretariat)
    new = reverse("monitoring:round_new")
    form = client.get(new).content.decode()
    assert "Survey 2010 v1" in form and "COMMIT" in form
    fields = {
        "version": version.pk,
        "mechanism": "COMMIT",
        "key": "r-2010",
        "title": "Round 2010",
        "as_of": "2010-03-29",
        "deadline": "2010-01-01",
    }
    bad = client.post(new, fields)
    assert bad.status_code == 400
    assert "The deadline is on or after the date of the round." in bad.content.decode()
    neither = client.post(new, {**fields, "mechanism": "", "deadline": "2010-06-30"})
    assert "Send a round to the members of a mechanism, or to a list of States." in (
        neither.content.decode()
    )
    listed = client.post(
        new, {**fields, "mechanism": "", "countries": "THA, XYZ", "deadline": "2010-06-30"}
    )
    assert "Unknown State XYZ" in listed.content.decode()
    neither = client.post(new, {**fields, "mechanism": "", "deadline": "2010-06-30"})
    assert "Send a round to the members of a mechanism, or to a list of States." in (
        neither.content.decode()
    )
    listed = client.post(
        new, {**fields, "mechanism": "", "countries": "THA, XYZ", "deadline": "2010-06-30"}
    )
    assert "Unknown State XYZ" in listed.content.decode()
    made = client.post(new, {**fields, "deadline": "2010-06-30"})
    assert made["Location"] == reverse("monitoring:round", args=["r-2010"])
    sent = client.post(made["Location"])
    assert sent.status_code == 302
    board = client.get(made["Location"]).content.decode()
    assert 'data-country="THA"' in board and "late" in board  # the deadline has passed
    assert ">Thailand</a>" in board
    thai = make_user(Role.NATIONAL_COORDINATOR, org="TH", country="THA")
    state = Client()
    state.force_login(thai)
    assert state.get(reverse("monitoring:rounds")).status_code == 200
    reply_url = reverse("monitoring:submission", args=["r-2010", "THA"])
    page = state.get(reply_url).content.decode()
    assert "pre-filled" in page and "Registry: not a party to" in page
    wrong = state.post(reply_url, {"action": "answer", "question": "victims", "value": "-5"})
    assert wrong.status_code == 400
    assert "victims: the answer does not meet the question" in wrong.content.decode()
    saved = state.post(reply_url, {"action": "answer", "question": "victims", "value": "14"})
    assert saved["Location"] == reply_url + "#q-victims"
    state.post(reply_url, {"action": "answer", "question": "why_not", "value": "Under way"})
    state.post(reply_url, {"action": "submit"})
    reply = Submission.objects.get(round__key="r-2010", country_id="THA")
    assert reply.status == SubmissionStatus.SUBMITTED
    client.post(reply_url, {"action": "ask", "question": "victims", "request": "Which year?"})
    asked = state.get(reply_url).content.decode()
    assert "Which year?" in asked
    clarification = reply.clarifications.get()
    state.post(
        reply_url, {"action": "respond", "clarification": clarification.pk, "response": "2009"}
    )
    state.post(reply_url, {"action": "submit"})
    client.post(reply_url, {"action": "accept"})
    reply.refresh_from_db()
    assert reply.status == SubmissionStatus.ACCEPTED
    assert "locked until the secretariat sends it back" in state.get(reply_url).content.decode()
    other = make_user(Role.NATIONAL_COORDINATOR, org="VN", country="VNM")
    stranger = Client()
    stranger.force_login(other)
    assert stranger.get(reply_url).status_code == 404
