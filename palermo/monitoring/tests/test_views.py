"""The questionnaire pages: a secretariat creates, uploads, previews and publishes; States see
published versions only; wrong uploads are shown on the form with their reason."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from palermo.core.choices import Role
from palermo.core.models import User
from palermo.monitoring.models import Questionnaire
from palermo.monitoring.tests.forms import workbook

pytestmark = pytest.mark.django_db


def test_a_secretariat_writes_a_questionnaire_through_the_pages(
    client: Client, secretariat: User, make_user: Callable[..., User]
) -> None:
    client.force_login(secretariat)
    listing = client.get(reverse("monitoring:questionnaires"))
    assert listing.status_code == 200
    assert reverse("monitoring:questionnaire_new").encode() in listing.content
    made = client.post(
        reverse("monitoring:questionnaire_new"), {"key": "tip-2004", "title": "Survey 2004"}
    )
    assert made.status_code == 302
    assert made["Location"] == reverse("monitoring:questionnaire", args=["tip-2004"])
    upload_url = reverse("monitoring:version_upload", args=["tip-2004"])
    uploaded = client.post(upload_url, {"file": SimpleUploadedFile("s.xlsx", workbook())})
    assert uploaded["Location"] == reverse("monitoring:version", args=["tip-2004", 1])
    preview = client.get(uploaded["Location"]).content.decode()
    assert "Has your State a law on trafficking in persons?" in preview
    assert "answers the indicator victims_detected" in preview
    assert "Awareness-raising campaign" in preview  # a choice
    secretariat.language = "fr"
    secretariat.save(update_fields=["language"])
    french = client.get(uploaded["Location"]).content.decode()
    assert "Votre État a-t-il une loi sur la traite des personnes ?" in french
    state = make_user(Role.NATIONAL_COORDINATOR, org="Ministry", country="BWA")
    other = Client()
    other.force_login(state)
    assert other.get(uploaded["Location"]).status_code == 404  # a draft
    published = client.post(reverse("monitoring:version_publish", args=["tip-2004", 1]))
    assert published.status_code == 302
    assert other.get(uploaded["Location"]).status_code == 200
    assert other.post(reverse("monitoring:version_publish", args=["tip-2004", 1])).status_code in (
        403,
        404,
    )
    download = other.get(reverse("monitoring:version_xlsform", args=["tip-2004", 1]))
    assert download["Content-Disposition"] == 'attachment; filename="tip-2004-v1.xlsx"'
    assert other.get(upload_url).status_code == 404  # not the State's to change
    assert other.get(reverse("monitoring:questionnaire_new")).status_code == 404


def test_a_refused_xlsform_is_shown_on_the_form(client: Client, secretariat: User) -> None:
    client.force_login(secretariat)
    assert secretariat.organisation is not None
    Questionnaire.objects.create(key="qq", title="Q", owner=secretariat.organisation)
    url = reverse("monitoring:version_upload", args=["qq"])
    bad = workbook(survey=[["text", "x", "X", "X", "", "", "${nowhere} = 1", "", "", ""]])
    answer = client.post(url, {"file": SimpleUploadedFile("bad.xlsx", bad)})
    assert answer.status_code == 400
    assert "bad.xlsx: [row : 2]" in answer.content.decode()
    assert "Nothing was saved" in answer.content.decode()
    assert not Questionnaire.objects.get(key="qq").versions.exists()
    taken = client.post(reverse("monitoring:questionnaire_new"), {"key": "qq", "title": "Again"})
    assert taken.status_code == 400
    assert "A questionnaire with the key qq exists already." in taken.content.decode()


def test_the_anonymous_are_sent_to_log_in(client: Client) -> None:
    answer = client.get(reverse("monitoring:questionnaires"))
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("web:login"))
