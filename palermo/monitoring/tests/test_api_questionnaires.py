"""/api/v1/monitoring/questionnaires: a secretariat writes a questionnaire and uploads, reads,
downloads and publishes its versions; States see it once published; errors are named."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from palermo.core.choices import Role
from palermo.core.models import User
from palermo.monitoring.tests.forms import workbook
from palermo.monitoring.xlsform import read_xlsform

API = "/api/v1/monitoring/questionnaires"
Bearer = Callable[[User], dict[str, Any]]

pytestmark = pytest.mark.django_db


def _upload(
    client: Client, auth: dict[str, Any], key: str, data: bytes, name: str = "f.xlsx"
) -> Any:
    return client.post(
        "{}/{}/versions".format(API, key),
        {"file": SimpleUploadedFile(name, data)},
        **auth,
    )


def test_a_questionnaire_from_creation_to_publication(
    client: Client, bearer: Bearer, secretariat: User, make_user: Callable[..., User]
) -> None:
    sec = bearer(secretariat)
    made = client.post(
        API, {"key": "tip-2004", "title": "Survey"}, content_type="application/json", **sec
    )
    assert made.status_code == 201
    assert made.json() == {
        "key": "tip-2004",
        "title": "Survey",
        "secretariat": "UNODC",
        "versions": [],
    }
    uploaded = _upload(client, sec, "tip-2004", workbook())
    assert uploaded.status_code == 201
    body = uploaded.json()
    assert (body["number"], body["status"], body["languages"]) == (1, "draft", ["en", "fr"])
    victims = next(q for q in body["questions"] if q["name"] == "victims")
    assert (victims["kind"], victims["section"], victims["indicator"]) == (
        "integer",
        "figures",
        "victims_detected",
    )
    state = bearer(make_user(Role.NATIONAL_COORDINATOR, org="Ministry", country="BWA"))
    assert client.get(API + "/tip-2004", **state).status_code == 404  # a draft only
    assert client.get(API, **state).json() == []
    form = client.get(API + "/tip-2004/versions/1/xlsform", **sec)
    assert form.status_code == 200
    assert form["Content-Disposition"] == 'attachment; filename="tip-2004-v1.xlsx"'
    assert [q.name for q in read_xlsform(form.content, "x.xlsx").questions] == [
        q["name"] for q in body["questions"]
    ]
    published = client.post(API + "/tip-2004/versions/1/publish", **sec)
    assert (published.status_code, published.json()["status"]) == (200, "published")
    seen = client.get(API + "/tip-2004", **state).json()
    assert [v["number"] for v in seen["versions"]] == [1]
    assert (
        client.get(API + "/tip-2004/versions/1", **state).json()["questions"] == body["questions"]
    )
    again = client.post(API + "/tip-2004/versions/1/publish", **sec)
    assert (again.status_code, again.json()["code"]) == (400, "invalid_state")
    refused = client.post(API + "/tip-2004/versions/1/publish", **state)
    assert refused.status_code == 403


def test_wrong_uploads_are_refused_with_the_reason(
    client: Client, bearer: Bearer, secretariat: User
) -> None:
    sec = bearer(secretariat)
    client.post(API, {"key": "q", "title": "Q"}, content_type="application/json", **sec)
    bad = workbook(survey=[["text", "x", "X", "X", "", "", "${nowhere} = 1", "", "", ""]])
    answer = _upload(client, sec, "qq", workbook())
    assert (answer.status_code, answer.json()["code"]) == (404, "unknown_questionnaire")
    client.post(API, {"key": "qq", "title": "QQ"}, content_type="application/json", **sec)
    answer = _upload(client, sec, "qq", bad)
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_xlsform"
    assert "f.xlsx: [row : 2]" in answer.json()["detail"]
    assert "nowhere" in answer.json()["detail"]
    answer = _upload(client, sec, "qq", b"%PDF-1.7 not a workbook", "law.pdf")
    assert "law.pdf: an XLSForm is an Excel workbook (.xlsx)" in answer.json()["detail"]
    answer = client.post(API, {"key": "Q Q", "title": ""}, content_type="application/json", **sec)
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid")
    assert client.get(API).status_code == 401
    assert client.get(API + "/qq/versions/9", **sec).json()["code"] == "unknown_version"
