"""Files as answers (a law's text): uploaded by the State's coordinator, checked by their first
bytes, stored encrypted, downloaded by who may read the reply; through the pages, the API and
from a State's node to the secretariat's."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from palermo.cooperation import signing
from palermo.cooperation.models import OutboundMessage
from palermo.cooperation.tests.factories import NodeFactory
from palermo.cooperation.tests.helpers import post_signed
from palermo.core.choices import Role
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.monitoring import selectors, services
from palermo.monitoring.models import Round, Submission
from palermo.monitoring.tests.forms import SURVEY, SURVEY_HEADER, workbook

pytestmark = pytest.mark.django_db

LAW = b"%PDF-1.4\n1 0 obj << /Title (Law No. 2008-01) >> endobj\n%%EOF\n"


def _round(secretariat: User, key: str = "files-2010") -> Round:
    q = services.questionnaire_create(actor=secretariat, key="files-q", title="Laws")
    version = services.questionnaire_version_import(
        actor=secretariat, questionnaire=q, data=workbook(survey=SURVEY, header=SURVEY_HEADER),
        file_name="f.xlsx",
    )  # fmt: skip
    services.questionnaire_version_publish(actor=secretariat, version=version)
    made = services.round_create(
        actor=secretariat, version=version, mechanism=None, countries=["THA", "VNM"], key=key,
        title="Laws 2010", as_of=dt.date(2010, 3, 29), deadline=dt.date(2010, 6, 30),
    )  # fmt: skip
    return services.round_send(actor=secretariat, round_=made)


@pytest.fixture
def thai(make_user: Callable[..., User]) -> User:
    return make_user(Role.NATIONAL_COORDINATOR, org="TH", country="THA")


def test_a_law_uploaded_checked_and_read_back(
    secretariat: User, thai: User, settings: Settings
) -> None:
    round_ = _round(secretariat)
    reply = Submission.objects.get(round=round_, country_id="THA")
    question = round_.version.questions.get(name="law_file")
    answer = services.answer_file_save(
        actor=thai, submission=reply, question=question, name="C:\\laws\\act 2008.pdf", content=LAW
    )
    assert isinstance(answer.value, dict)
    assert {k: v for k, v in answer.value.items() if k != "stored"} == {
        "name": "act 2008.pdf",
        "content_type": "application/pdf",
        "size": len(LAW),
        "sha256": __import__("hashlib").sha256(LAW).hexdigest(),
    }
    value, content = selectors.answer_file(user=secretariat, submission=reply, name="law_file")
    assert (value["name"], content) == ("act 2008.pdf", LAW)
    for name, data, problem in [
        ("virus.exe", b"MZ", "upload a PDF, Word"),
        ("fake.pdf", b"<html>", "the file is not the .pdf its name says"),
        ("empty.txt", b"", "the file is empty"),
        ("latin.txt", "Décret".encode("latin-1"), "a text file is UTF-8"),
    ]:
        with pytest.raises(ApplicationError, match="law_file: " + problem):
            services.answer_file_save(
                actor=thai, submission=reply, question=question, name=name, content=data
            )
    settings.PALERMO_COOPERATION_MAX_ATTACHMENT_BYTES = 10
    with pytest.raises(ApplicationError, match="larger than 0 KB"):
        services.answer_file_save(
            actor=thai, submission=reply, question=question, name="a.pdf", content=LAW
        )
    text = round_.version.questions.get(name="law_text")
    with pytest.raises(ApplicationError, match="not a question answered with a file"):
        services.answer_file_save(
            actor=thai, submission=reply, question=text, name="a.pdf", content=LAW
        )


def test_the_pages_and_the_api(
    client: Client,
    secretariat: User,
    thai: User,
    make_user: Callable[..., User],
    bearer: Callable[[User], dict[str, Any]],
) -> None:
    round_ = _round(secretariat)
    url = reverse("monitoring:answer_file", args=[round_.key, "THA", "law_file"])
    client.force_login(thai)
    services.answer_save(
        actor=thai,
        submission=Submission.objects.get(round=round_, country_id="THA"),
        question=round_.version.questions.get(name="has_law"),
        value="yes",
    )
    page = client.get(reverse("monitoring:submission", args=[round_.key, "THA"])).content.decode()
    assert 'id="file-law_file"' in page
    done = client.post(url, {"file": SimpleUploadedFile("act.pdf", LAW, "application/pdf")})
    assert done.status_code == 302
    got = client.get(url)
    assert (got.content, got["Content-Disposition"]) == (
        LAW,
        "attachment; filename*=UTF-8''act.pdf",
    )
    bad = client.post(url, {"file": SimpleUploadedFile("x.pdf", b"nope")}, follow=True)
    assert "law_file: the file is not the .pdf its name says" in bad.content.decode()
    client.force_login(make_user(Role.NATIONAL_COORDINATOR, org="VN", country="VNM"))
    assert client.get(url).status_code == 404
    api = "/api/v1/monitoring/rounds/{}/submissions/THA".format(round_.key)
    reply = client.get(api, **bearer(secretariat)).json()
    file_answer = next(a for a in reply["answers"] if a["question"] == "law_file")
    assert "stored" not in file_answer["value"] and file_answer["value"]["name"] == "act.pdf"
    assert client.get(api + "/files/law_file", **bearer(secretariat)).content == LAW
    up = client.post(
        api + "/files/law_file",
        {"file": SimpleUploadedFile("law.txt", "Loi № 1".encode())},
        **bearer(thai),
    )
    assert (up.status_code, up.json()["content_type"]) == (200, "text/plain")


def test_a_file_travels_from_the_states_node(client: Client, secretariat: User, thai: User) -> None:
    NodeFactory.create(name="bravo", country_id="THA")
    round_ = _round(secretariat)
    reply: dict[str, Any] = {
        "round": round_.key,
        "country": "THA",
        "answers": [
            {"question": "has_law", "value": "yes"},
            {"question": "law_file", "value": {
                "name": "act.pdf", "content_type": "application/pdf", "size": len(LAW),
                "sha256": __import__("hashlib").sha256(LAW).hexdigest(),
                "content": base64.b64encode(LAW).decode()}},
        ],
    }  # fmt: skip
    envelope = signing.envelope_build(
        to=signing.node_name(), kind="monitoring.reply", payload=reply, sender="bravo",
        request="monitoring/{}/THA".format(round_.key), seq=1,
    )  # fmt: skip
    assert post_signed(client, envelope).status_code == 200
    thai_reply = Submission.objects.get(round=round_, country_id="THA")
    value, content = selectors.answer_file(user=secretariat, submission=thai_reply, name="law_file")
    assert (value["name"], content) == ("act.pdf", LAW)
    tampered = {**reply, "answers": [{**reply["answers"][1], "value": {
        **reply["answers"][1]["value"], "sha256": "0" * 64}}]}  # fmt: skip
    services.submission_return(actor=secretariat, submission=thai_reply, reason="Redo")
    envelope = signing.envelope_build(
        to=signing.node_name(), kind="monitoring.reply", payload=tampered, sender="bravo",
        request="monitoring/{}/THA".format(round_.key), seq=2,
    )  # fmt: skip
    refused = post_signed(client, envelope)
    assert refused.status_code == 422 and "SHA-256" in refused.json()["detail"]
    assert OutboundMessage.objects.filter(kind="monitoring.review").count() == 1


def test_the_states_node_sends_its_file_with_the_reply(client: Client, thai: User) -> None:
    from palermo.monitoring.tests.test_remote import _from_bravo  # noqa: PLC0415

    bravo = NodeFactory.create(name="bravo", country_id=None)
    form = base64.b64encode(workbook(survey=SURVEY, header=SURVEY_HEADER)).decode()
    payload = {
        "key": "remote-2010", "title": "Laws", "as_of": "2010-03-29", "deadline": "2010-06-30",
        "secretariat": "UNODC", "questionnaire": "files-q", "questionnaire_title": "Laws",
        "xlsform": form, "country": "THA", "answers": [],
    }  # fmt: skip
    assert _from_bravo(client, "monitoring.round", payload, 1).status_code == 200
    reply = Submission.objects.get(round__key="remote-2010")
    questions = {q.name: q for q in reply.round.version.questions.all()}
    services.answer_save(actor=thai, submission=reply, question=questions["has_law"], value="yes")
    services.answer_file_save(
        actor=thai, submission=reply, question=questions["law_file"], name="act.pdf", content=LAW
    )
    services.submission_submit(actor=thai, submission=reply)
    sent = OutboundMessage.objects.get(target=bravo, kind="monitoring.reply")
    law = next(a for a in sent.payload["answers"] if a["question"] == "law_file")["value"]
    assert base64.b64decode(law["content"]) == LAW and "stored" not in law
