"""/api/v1/monitoring/rounds: the secretariat creates and sends a round and sees its board; a
State's national coordinator answers and submits; clarification, acceptance, errors named."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from palermo.core.choices import Role
from palermo.core.models import User
from palermo.monitoring import services
from palermo.monitoring.tests.forms import workbook
from palermo.monitoring.tests.test_rounds import FORM, HEADER

API = "/api/v1/monitoring/rounds"
Bearer = Callable[[User], dict[str, Any]]
JSON = "application/json"

pytestmark = pytest.mark.django_db


def test_a_round_through_the_api(
    client: Client, bearer: Bearer, secretariat: User, make_user: Callable[..., User]
) -> None:
    q = services.questionnaire_create(actor=secretariat, key="api-q", title="Q")
    version = services.questionnaire_version_import(
        actor=secretariat,
        questionnaire=q,
        data=workbook(survey=FORM, header=HEADER),
        file_name="f.xlsx",
    )
    services.questionnaire_version_publish(actor=secretariat, version=version)
    sec = bearer(secretariat)
    body = {
        "key": "api-round",
        "title": "Round",
        "questionnaire": "api-q",
        "version": 1,
        "mechanism": "COMMIT",
        "as_of": "2010-03-29",
        "deadline": "2010-06-30",
    }
    made = client.post(API, body, content_type=JSON, **sec)
    assert (made.status_code, made.json()["status"], made.json()["board"]) == (201, "draft", [])
    sent = client.post(API + "/api-round/send", **sec).json()
    assert sent["status"] == "sent"
    assert [r["country"] for r in sent["board"]] == ["CHN", "KHM", "LAO", "MMR", "THA", "VNM"]
    thai = bearer(make_user(Role.NATIONAL_COORDINATOR, org="TH", country="THA"))
    mine = client.get(API, **thai).json()
    assert [(r["key"], r["board"]) for r in mine] == [("api-round", None)]  # no board for States
    reply = API + "/api-round/submissions/THA"
    got = client.get(reply, **thai).json()
    assert got["missing"] == ["why_not"]  # asked because the pre-filled party answer is "no"
    assert [(a["question"], a["value"], a["prefilled"]) for a in got["answers"]] == [
        ("party", "no", "no")
    ]
    answer = client.put(reply + "/answers/victims", {"value": -1}, content_type=JSON, **thai)
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid_answer")
    assert "victims: the answer does not meet" in answer.json()["detail"]
    assert "-1" not in answer.json()["detail"]  # the answer is never echoed
    client.put(reply + "/answers/victims", {"value": 14}, content_type=JSON, **thai)
    changed = client.put(reply + "/answers/party", {"value": "yes"}, content_type=JSON, **thai)
    assert changed.json()["code"] == "reason_needed"
    client.put(
        reply + "/answers/party", {"value": "yes", "reason": "Ratified"}, content_type=JSON, **thai
    )
    submitted = client.post(reply + "/submit", **thai).json()
    assert (submitted["status"], submitted["missing"]) == ("submitted", [])
    asked = client.post(
        reply + "/clarifications", {"request": "Which year?", "question": "victims"},
        content_type=JSON, **sec,
    ).json()  # fmt: skip
    assert asked["status"] == "clarification"
    number = asked["clarifications"][0]["id"]
    responded = client.post(
        "{}/clarifications/{}/response".format(reply, number), {"response": "2009"},
        content_type=JSON, **thai,
    ).json()  # fmt: skip
    assert responded["clarifications"][0]["response"] == "2009"
    client.post(reply + "/submit", **thai)
    assert client.post(reply + "/accept", **sec).json()["status"] == "accepted"
    back = client.post(reply + "/return", {"reason": "Check the figure"}, content_type=JSON, **sec)
    assert back.json()["status"] == "in_progress"
    vietnam = bearer(make_user(Role.NATIONAL_COORDINATOR, org="VN", country="VNM"))
    assert client.get(reply, **vietnam).json()["code"] == "unknown_submission"
    assert client.post(reply + "/accept", **thai).status_code == 403
    wrong = client.put(reply + "/answers/nope", {"value": 1}, content_type=JSON, **thai)
    assert "nope: not a question of this round" in wrong.json()["detail"]
