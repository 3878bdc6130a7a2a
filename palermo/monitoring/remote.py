"""Rounds across nodes, over the signed node-to-node transport (`palermo.cooperation`).

When a secretariat sends a round, each State that has a node of its own among this node's peers
(a peer whose country is that State) gets the round there: the questionnaire version (as its
XLSForm, checked on arrival as an upload is), the round's dates and the answers pre-filled
here (`monitoring.round`). The State answers on its node: its national coordinator, with
sections delegated to the State's agencies on that node. Submitting there sends the reply back
(`monitoring.reply`: every answer, and the responses to clarifications); the secretariat's
clarification requests, acceptance and sending back travel to the State's node
(`monitoring.review`). Messages of one reply carry one sequence, so they are applied in order.
A State without a node answers on the secretariat's node, as before.

Each envelope is applied in the inbox's transaction; one that does not fit (an unknown round,
a reply from a node that does not answer for that State) is refused and nothing of it stored.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field

from palermo.cooperation import files
from palermo.cooperation.envelopes import InvalidPayload
from palermo.cooperation.models import Node
from palermo.cooperation.services.events import node_label
from palermo.cooperation.transport import NodeRefusal, outbox_enqueue
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction, OrganisationKind
from palermo.core.errors import ApplicationError
from palermo.core.models import Organisation
from palermo.monitoring.answers import answer_file_value
from palermo.monitoring.choices import RoundStatus, SubmissionStatus, VersionStatus
from palermo.monitoring.events import KIND_REPLY, KIND_REVIEW, KIND_ROUND
from palermo.monitoring.models import (
    Answer,
    Clarification,
    Question,
    Questionnaire,
    Round,
    Submission,
)
from palermo.monitoring.selectors import version_xlsform
from palermo.monitoring.services.questionnaires import version_write
from palermo.monitoring.xlsform import MAX_BYTES, read_xlsform
from palermo.registry.models import Mechanism
from palermo.statistics.models import DataSet, Indicator

TEXT = 4000


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class AnswerPayload(_Payload):
    question: str = Field(max_length=200)
    value: Any = None
    prefilled: Any = None
    prefill_source: str = Field(default="", max_length=500)
    change_reason: str = Field(default="", max_length=TEXT)


class RoundPayload(_Payload):
    key: str = Field(min_length=2, max_length=80)
    title: str = Field(min_length=1, max_length=300)
    as_of: dt.date
    deadline: dt.date
    secretariat: str = Field(min_length=1, max_length=300)
    mechanism: str | None = Field(default=None, max_length=30)
    questionnaire: str = Field(min_length=2, max_length=80)
    questionnaire_title: str = Field(min_length=1, max_length=300)
    xlsform: str = Field(max_length=MAX_BYTES * 4 // 3 + 4)
    country: str = Field(min_length=3, max_length=3)
    answers: list[AnswerPayload] = Field(default_factory=list, max_length=5000)
    figures: str = Field(default="", max_length=100)


class ResponsePayload(_Payload):
    question: str | None = Field(default=None, max_length=200)
    request: str = Field(max_length=TEXT)
    response: str = Field(default="", max_length=TEXT)


class ReplyPayload(_Payload):
    round: str = Field(max_length=80)
    country: str = Field(min_length=3, max_length=3)
    answers: list[AnswerPayload] = Field(default_factory=list, max_length=5000)
    responses: list[ResponsePayload] = Field(default_factory=list, max_length=500)


class ReviewPayload(_Payload):
    round: str = Field(max_length=80)
    country: str = Field(min_length=3, max_length=3)
    action: Literal["clarification", "accept", "return"]
    text: str = Field(default="", max_length=TEXT)
    question: str | None = Field(default=None, max_length=200)


def _parse[P: _Payload](model: type[P], payload: dict[str, Any]) -> P:
    try:
        return model.model_validate(payload)
    except Exception as exc:  # noqa: BLE001 - pydantic's ValidationError, named in the refusal
        raise NodeRefusal(
            _("The monitoring message is not valid: {}").format(str(exc)[:300]),
            "invalid_content",
            422,
        ) from None


def _thread(round_key: str, country: str) -> str:
    """The outbox sequence all messages of one reply share (applied in order)."""
    return "monitoring/{}/{}".format(round_key, country)


def _file_out(value: dict[str, Any]) -> dict[str, Any]:
    """A file answer as it travels: what the answer keeps of it, and its content (base64)."""
    content = files.load(str(value["stored"]), str(value["sha256"]))
    kept = {k: v for k, v in value.items() if k != "stored"}
    return kept | {"content": base64.b64encode(content).decode("ascii")}


def _file_in(value: dict[str, Any], question: str) -> dict[str, Any]:
    """A file answer received: checked as an upload is, and against its SHA-256, then stored."""
    try:
        content = base64.b64decode(str(value.get("content", "")), validate=True)
        kept = answer_file_value(str(value.get("name", "")), content)
    except (ValueError, ApplicationError) as exc:
        raise NodeRefusal(
            _("{}: the file is refused: {}").format(question, getattr(exc, "detail", "base64")),
            "invalid_content",
            422,
        ) from None
    if kept["sha256"] != value.get("sha256"):
        raise NodeRefusal(
            _("{}: the file does not match its SHA-256.").format(question), "invalid_content", 422
        )
    return kept | {"stored": files.store(content)}


def _answers(submission: Submission, *, with_files: bool = False) -> list[AnswerPayload]:
    out = []
    size = 0
    for a in submission.answers.select_related("question").order_by("question__position"):
        value = a.value
        if isinstance(value, dict) and "stored" in value:
            if not with_files:
                continue
            size += int(value.get("size", 0))
            value = _file_out(value)
        out.append(
            AnswerPayload(
                question=a.question.name,
                value=value,
                prefilled=a.prefilled,
                prefill_source=a.prefill_source,
                change_reason=a.change_reason,
            )
        )
    if size > files.max_attachment_bytes():
        raise ApplicationError(
            _(
                "The reply's files come to {} KB; {} KB at most travel to the secretariat's "
                "node: send the longest as a link in a text answer."
            ).format(size // 1024, files.max_attachment_bytes() // 1024),
            code="too_large",
        )
    return out


# --- on the secretariat's node ----------------------------------------------------------------


def round_sent(*, round_: Round, submissions: list[Submission]) -> None:
    """Send the round to the States that have a node among the peers."""
    codes = [s.country_id for s in submissions]
    nodes = {
        n.country_id: n
        for n in Node.objects.filter(active=True, country_id__in=codes).order_by("name")
    }
    if not nodes:
        return
    version = round_.version
    form = base64.b64encode(version_xlsform(version, as_of=round_.as_of)).decode("ascii")
    for submission in submissions:
        node = nodes.get(submission.country_id)
        if node is None:
            continue
        submission.node = node
        submission.save(update_fields=["node"])
        payload = RoundPayload(
            key=round_.key,
            title=round_.title,
            as_of=round_.as_of,
            deadline=round_.deadline,
            secretariat=version.questionnaire.owner.name,
            mechanism=round_.mechanism.acronym if round_.mechanism else None,
            questionnaire=version.questionnaire.key,
            questionnaire_title=version.questionnaire.title,
            xlsform=form,
            country=submission.country_id,
            answers=_answers(submission),
            figures="{}/{}".format(round_.figures_dataset, round_.figures_period)
            if round_.figures_dataset
            else "",
        )
        outbox_enqueue(
            target=node,
            kind=KIND_ROUND,
            payload=payload.model_dump(mode="json"),
            request=_thread(round_.key, submission.country_id),
        )


def reply_reviewed(*, submission: Submission, action: str, text: str, question: str | None) -> None:
    """Tell the State's node what the secretariat decided on its reply."""
    if submission.node_id is None or submission.node is None:
        return
    payload = ReviewPayload(
        round=submission.round.key,
        country=submission.country_id,
        action=action,  # type: ignore[arg-type]  # one of the three, from the services
        text=text,
        question=question,
    )
    outbox_enqueue(
        target=submission.node,
        kind=KIND_REVIEW,
        payload=payload.model_dump(mode="json"),
        request=_thread(submission.round.key, submission.country_id),
    )


def _reply_in(sender: Node, payload: dict[str, Any]) -> None:
    reply = _parse(ReplyPayload, payload)
    submission = (
        Submission.objects.select_for_update()
        .select_related("round__version")
        .filter(round__key=reply.round, country_id=reply.country.upper(), node=sender)
        .first()
    )
    if submission is None:
        raise NodeRefusal(
            _("No reply of {} to the round {} is answered on your node.").format(
                reply.country, reply.round
            ),
            "unknown_reply",
            404,
        )
    if submission.status not in (
        SubmissionStatus.NOT_STARTED,
        SubmissionStatus.IN_PROGRESS,
        SubmissionStatus.CLARIFICATION,
    ):
        raise NodeRefusal(
            _("The reply is {} here: it is not open.").format(submission.get_status_display()),
            "invalid_state",
            409,
        )
    questions = {q.name: q for q in submission.round.version.questions.all()}
    unknown = sorted({a.question for a in reply.answers} - set(questions))
    if unknown:
        raise NodeRefusal(
            _("Questions the round does not ask: {}.").format(", ".join(unknown[:10])),
            "invalid_content",
            422,
        )
    submission.answers.all().delete()
    Answer.objects.bulk_create(
        Answer(
            submission=submission,
            question=questions[a.question],
            value=_file_in(a.value, a.question)
            if isinstance(a.value, dict) and "content" in a.value
            else a.value,
            prefilled=a.prefilled,
            prefill_source=a.prefill_source,
            change_reason=a.change_reason,
        )
        for a in reply.answers
    )
    open_requests = list(submission.clarifications.filter(responded_at__isnull=True))
    for response in reply.responses:
        found = next((c for c in open_requests if c.request == response.request), None)
        if found is not None and response.response:
            found.response = response.response
            found.responded_at = timezone.now()
            found.save(update_fields=["response", "responded_at"])
    before = submission.status
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_at = timezone.now()
    submission.save(update_fields=["status", "submitted_at"])
    audit_record(
        actor=None,
        actor_label=node_label(sender),
        action=AuditAction.UPDATE,
        obj=submission,
        before={"status": before},
        after={"status": submission.status, "answers": len(reply.answers)},
    )


# --- on the State's node ------------------------------------------------------------------------


def reply_submitted(*, submission: Submission) -> None:
    """Send the submitted reply back to the secretariat's node it came from."""
    origin = submission.round.origin
    if origin is None:
        return
    payload = ReplyPayload(
        round=submission.round.key,
        country=submission.country_id,
        answers=_answers(submission, with_files=True),
        responses=[
            ResponsePayload(
                question=c.question.name if c.question else None,
                request=c.request,
                response=c.response,
            )
            for c in submission.clarifications.select_related("question")
        ],
    )
    outbox_enqueue(
        target=origin,
        kind=KIND_REPLY,
        payload=payload.model_dump(mode="json"),
        request=_thread(submission.round.key, submission.country_id),
    )


def _round_in(sender: Node, payload: dict[str, Any]) -> None:
    sent = _parse(RoundPayload, payload)
    found = Round.objects.filter(key=sent.key).first()
    if found is not None:
        if found.origin_id == sender.pk:
            return  # the same round again (sent before this node answered): nothing new
        raise NodeRefusal(
            _("A round {} exists here already.").format(sent.key), "duplicate_round", 409
        )
    owner, _created = Organisation.objects.get_or_create(
        name=sent.secretariat[:300],
        defaults={"kind": OrganisationKind.INTERNATIONAL, "country": None},
    )
    questionnaire = Questionnaire.objects.filter(key=sent.questionnaire).first()
    if questionnaire is None:
        questionnaire = Questionnaire.objects.create(
            key=sent.questionnaire, title=sent.questionnaire_title, owner=owner
        )
    elif questionnaire.owner_id != owner.pk:
        raise NodeRefusal(
            _("The questionnaire {} here is another secretariat's.").format(sent.questionnaire),
            "duplicate_questionnaire",
            409,
        )
    try:
        plan = read_xlsform(base64.b64decode(sent.xlsform, validate=True), "round.xlsx")
    except (ValueError, ApplicationError, InvalidPayload) as exc:
        raise NodeRefusal(
            _("The round's form is refused: {}").format(getattr(exc, "detail", "base64")),
            "invalid_content",
            422,
        ) from None
    codes = {q.indicator for q in plan.questions if q.indicator}
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    version = version_write(
        questionnaire,
        plan,
        indicators,
        file_name="{}:{}".format(sender.name, sent.questionnaire)[:255],
        author=None,
    )
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    round_ = Round.objects.create(
        version=version,
        mechanism=Mechanism.objects.filter(acronym=sent.mechanism or "").first(),
        addressees=[sent.country.upper()],
        key=sent.key,
        title=sent.title,
        as_of=sent.as_of,
        deadline=max(sent.deadline, sent.as_of),
        status=RoundStatus.SENT,
        sent_at=timezone.now(),
        origin=sender,
        **_figures_here(sent.figures),
    )
    submission = Submission.objects.create(round=round_, country_id=sent.country.upper())
    questions = {q.name: q for q in version.questions.all()}
    Answer.objects.bulk_create(
        Answer(
            submission=submission,
            question=questions[a.question],
            value=a.value,
            prefilled=a.prefilled,
            prefill_source=a.prefill_source,
        )
        for a in sent.answers
        if a.question in questions
    )
    audit_record(
        actor=None,
        actor_label=node_label(sender),
        action=AuditAction.CREATE,
        obj=round_,
        after={"key": round_.key, "state": submission.country_id, "from": sender.name},
    )


def _figures_here(figures: str) -> dict[str, str]:
    """The round's data set and period for figures, when this node has that data set."""
    code, _sep, period = figures.partition("/")
    if code and DataSet.objects.filter(code=code).exists():
        return {"figures_dataset": code, "figures_period": period}
    return {}


def _review_in(sender: Node, payload: dict[str, Any]) -> None:
    review = _parse(ReviewPayload, payload)
    submission = (
        Submission.objects.select_for_update()
        .filter(round__key=review.round, round__origin=sender, country_id=review.country.upper())
        .first()
    )
    if submission is None:
        raise NodeRefusal(
            _("No reply of {} to the round {} came from your node.").format(
                review.country, review.round
            ),
            "unknown_reply",
            404,
        )
    before = submission.status
    if review.action == "clarification":
        question = (
            Question.objects.filter(version=submission.round.version, name=review.question).first()
            if review.question
            else None
        )
        Clarification.objects.create(
            submission=submission, question=question, request=review.text or "-"
        )
        submission.status = SubmissionStatus.CLARIFICATION
    elif review.action == "accept":
        submission.status = SubmissionStatus.ACCEPTED
        submission.accepted_at = timezone.now()
    else:
        submission.status = SubmissionStatus.IN_PROGRESS
        submission.accepted_at = None
    submission.save(update_fields=["status", "accepted_at"])
    audit_record(
        actor=None,
        actor_label=node_label(sender),
        action=AuditAction.UPDATE,
        obj=submission,
        reason=review.text[:500],
        before={"status": before},
        after={"status": submission.status},
    )


def apply(sender: Node, envelope: dict[str, Any], now: dt.datetime) -> None:
    """Apply a monitoring envelope from a peer (in the inbox's transaction)."""
    del now
    payload = envelope.get("payload") or {}
    kind = envelope["kind"]
    if kind == KIND_ROUND:
        _round_in(sender, payload)
    elif kind == KIND_REPLY:
        _reply_in(sender, payload)
    else:
        _review_in(sender, payload)
