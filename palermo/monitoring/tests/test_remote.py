"""Rounds across nodes on one node, the other simulated by signed posts to the inbox: the
secretariat's node sends the round to a State's node and applies its reply, and sends its
review back; a State's node takes a round, and its coordinator's submission goes back."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from palermo.cooperation import signing
from palermo.cooperation.models import OutboundMessage
from palermo.cooperation.tests.factories import NodeFactory
from palermo.cooperation.tests.helpers import post_signed
from palermo.core.choices import Role
from palermo.core.errors import ApplicationError
from palermo.core.models import AuditEntry, User
from palermo.monitoring import events, selectors, services
from palermo.monitoring.choices import SubmissionStatus
from palermo.monitoring.models import Question, Round, Submission
from palermo.monitoring.tests.forms import workbook
from palermo.monitoring.tests.test_rounds import AS_OF, FORM, HEADER
from palermo.registry.models import Mechanism

pytestmark = pytest.mark.django_db


def _round(secretariat: User) -> Round:
    q = services.questionnaire_create(actor=secretariat, key="remote-q", title="Survey")
    version = services.questionnaire_version_import(
        actor=secretariat, questionnaire=q, data=workbook(survey=FORM, header=HEADER),
        file_name="f.xlsx",
    )  # fmt: skip
    services.questionnaire_version_publish(actor=secretariat, version=version)
    return services.round_create(
        actor=secretariat, version=version, mechanism=Mechanism.objects.get(acronym="COMMIT"),
        key="remote-2010", title="Round 2010", as_of=AS_OF, deadline=dt.date(2010, 6, 30),
    )  # fmt: skip


def _from_bravo(
    client: Client, kind: str, payload: dict[str, Any], seq: int, envelope_id: str | None = None
) -> Any:
    envelope = signing.envelope_build(
        to=signing.node_name(),
        kind=kind,
        payload=payload,
        sender="bravo",
        request="monitoring/remote-2010/THA",
        seq=seq,
        envelope_id=envelope_id,
    )
    return post_signed(client, envelope)


def test_the_secretariat_sends_to_the_states_node_and_takes_its_reply(
    client: Client, secretariat: User, make_user: Callable[..., User]
) -> None:
    bravo = NodeFactory.create(name="bravo", country_id="THA")
    sent = services.round_send(actor=secretariat, round_=_round(secretariat))
    thai = Submission.objects.get(round=sent, country_id="THA")
    assert thai.node == bravo
    board = {r.country: r.node for r in selectors.round_board(user=secretariat, round_=sent)}
    assert (board["THA"], board["VNM"]) == ("bravo", "")
    out = OutboundMessage.objects.get(target=bravo)
    assert (out.kind, out.request, out.seq) == ("monitoring.round", "monitoring/remote-2010/THA", 1)
    assert out.payload["country"] == "THA" and out.payload["secretariat"] == "UNODC"
    assert base64.b64decode(out.payload["xlsform"])[:2] == b"PK"  # the form, as a workbook
    assert {a["question"]: a["value"] for a in out.payload["answers"]}["party"] == "no"
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="TH", country="THA")
    party = Question.objects.get(version=sent.version, name="party")
    with pytest.raises(ApplicationError, match="own node"):
        services.answer_save(actor=coordinator, submission=thai, question=party, value="yes")
    reply = {
        "round": "remote-2010",
        "country": "THA",
        "answers": [
            {"question": "party", "value": "yes", "prefilled": "no",
             "change_reason": "Accession in 2013"},
            {"question": "law", "value": "Anti-Trafficking in Persons Act B.E. 2551 (2008)"},
        ],
    }  # fmt: skip
    assert _from_bravo(client, "monitoring.reply", reply, 1).status_code == 200
    thai.refresh_from_db()
    assert thai.status == SubmissionStatus.SUBMITTED
    assert services.current_answers(thai)["law"].startswith("Anti-Trafficking")
    assert AuditEntry.objects.filter(
        object_type="monitoring.submission", actor_label="node:bravo"
    ).exists()
    services.clarification_request(
        actor=secretariat, submission=thai, request="Which year?", question=party
    )
    review = OutboundMessage.objects.filter(target=bravo, kind="monitoring.review").get()
    assert (review.seq, review.payload["action"], review.payload["question"]) == (
        2,
        "clarification",
        "party",
    )
    bad = _from_bravo(client, "monitoring.reply", {**reply, "answers": [{"question": "nope"}]}, 2)
    assert bad.status_code == 422
    stranger = {**reply, "country": "VNM"}
    envelope = signing.envelope_build(
        to=signing.node_name(), kind="monitoring.reply", payload=stranger, sender="bravo",
        request="monitoring/remote-2010/VNM", seq=1,
    )  # fmt: skip
    assert post_signed(client, envelope).status_code == 404  # bravo does not answer for VNM


def test_a_states_node_takes_a_round_and_sends_its_submission_back(
    client: Client, make_user: Callable[..., User], secretariat: User
) -> None:
    # What a secretariat's node sends: built here from a round sent on this node.
    form = base64.b64encode(workbook(survey=FORM, header=HEADER)).decode()
    bravo = NodeFactory.create(name="bravo", country_id=None)
    payload = {
        "key": "remote-2010", "title": "Round 2010", "as_of": "2010-03-29",
        "deadline": "2010-06-30", "secretariat": "UNODC (Vienna)", "mechanism": "COMMIT",
        "questionnaire": "remote-q", "questionnaire_title": "Survey", "xlsform": form,
        "country": "THA",
        "answers": [{"question": "party", "value": "no", "prefilled": "no",
                     "prefill_source": "Registry: not a party"}],
    }  # fmt: skip
    once = "6f1c2f8e-3b7a-4c1e-9d2a-0c5b8e7f4a21"
    assert _from_bravo(client, "monitoring.round", payload, 1, once).status_code == 200
    retry = _from_bravo(client, "monitoring.round", payload, 1, once)  # the same envelope again
    assert (retry.status_code, Round.objects.filter(key="remote-2010").count()) == (200, 1)
    round_ = Round.objects.get(key="remote-2010")
    assert (round_.origin, round_.version.questionnaire.owner.name) == (bravo, "UNODC (Vienna)")
    thai = round_.submissions.get()
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="TH ministry", country="THA")
    party = round_.version.questions.get(name="party")
    why = round_.version.questions.get(name="why_not")
    services.answer_save(actor=coordinator, submission=thai, question=why, value="In progress")
    services.submission_submit(actor=coordinator, submission=thai)
    back = OutboundMessage.objects.get(target=bravo, kind="monitoring.reply")
    assert (back.request, back.seq) == ("monitoring/remote-2010/THA", 1)
    assert {a["question"]: a["value"] for a in back.payload["answers"]} == {
        "party": "no",
        "why_not": "In progress",
    }
    review = {"round": "remote-2010", "country": "THA", "action": "clarification",
              "text": "Since when?", "question": "party"}  # fmt: skip
    got = _from_bravo(client, "monitoring.review", review, 2)
    assert got.status_code == 200, got.content
    thai.refresh_from_db()
    assert thai.status == SubmissionStatus.CLARIFICATION
    clarification = thai.clarifications.get()
    assert (clarification.question, clarification.request) == (party, "Since when?")
    services.clarification_respond(
        actor=coordinator, clarification=clarification, response="Since 2001"
    )
    services.submission_submit(actor=coordinator, submission=thai)
    again = OutboundMessage.objects.filter(target=bravo, kind="monitoring.reply").order_by("seq")
    assert again.last() is not None and again.last().payload["responses"] == [  # type: ignore[union-attr]
        {"question": "party", "request": "Since when?", "response": "Since 2001"}
    ]
    accept = {"round": "remote-2010", "country": "THA", "action": "accept"}
    assert _from_bravo(client, "monitoring.review", accept, 3).status_code == 200
    thai.refresh_from_db()
    assert thai.status == SubmissionStatus.ACCEPTED
    other = {**payload, "secretariat": "Someone else", "key": "remote-2011"}
    envelope = signing.envelope_build(
        to=signing.node_name(), kind="monitoring.round", payload=other, sender="bravo",
        request="monitoring/remote-2011/THA", seq=1,
    )  # fmt: skip
    assert post_signed(client, envelope).status_code == 409  # another secretariat's questionnaire
    assert events.KIND_ROUND in events.KINDS
