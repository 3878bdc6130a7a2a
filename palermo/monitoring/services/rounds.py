"""Rounds: a secretariat sends a published questionnaire version to the members of a mechanism;
each State answers through its national coordinator (its focal point on this node), submits,
answers the secretariat's requests for clarification, and is accepted.

A submitted reply is locked (nothing in it changes) until the secretariat asks for a
clarification or sends it back. Every step is audited in its transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cooperation import files
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction, Role
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import Country, Organisation, User
from palermo.core.permissions import active_user
from palermo.monitoring import events
from palermo.monitoring.answers import answer_file_value, coerce, expression_value
from palermo.monitoring.choices import (
    ANSWERED,
    OPEN_STATUSES,
    QuestionKind,
    RoundStatus,
    SubmissionStatus,
    VersionStatus,
)
from palermo.monitoring.countrylists import state_name
from palermo.monitoring.events import emit
from palermo.monitoring.expressions import holds
from palermo.monitoring.models import (
    Answer,
    Clarification,
    Delegation,
    Question,
    QuestionnaireVersion,
    Round,
    Submission,
)
from palermo.monitoring.prefill import Prefiller
from palermo.monitoring.services.questionnaires import key_and_title, secretariat_author
from palermo.registry.models import Mechanism
from palermo.registry.selectors import member_codes
from palermo.statistics.models import DataSet
from palermo.statistics.services import CellInput, dataset_period_get, values_enter

MAX_NOTE = 4000
# An upload is read at most this far: past it, it is refused as too large anyway.
MAX_FILE_READ = 4 * 1024 * 1024


def figures_target(figures: str) -> tuple[str, str]:
    """(data set code, period) of `DATASET/PERIOD`, checked; ("", "") for none."""
    text = figures.strip()
    if not text:
        return "", ""
    code, _sep, period = text.partition("/")
    try:
        dataset, parsed = dataset_period_get(dataset=code.strip(), period=period.strip())
    except ApplicationError as exc:
        raise ApplicationError(
            _("figures: {} (write DATASET/PERIOD, such as tip-annual/2009).").format(exc.detail),
            code="invalid",
        ) from None
    return dataset.code, parsed.text


def _figures_enter(actor: User, submission: Submission) -> int:
    """The submitted answers bound to a statistics indicator, entered as the State's draft
    figures of the round's data set and period (the statistics' checks then apply); how many.
    Nothing when the round names no data set, or this node does not have it."""
    round_ = submission.round
    if not round_.figures_dataset:
        return 0
    if not DataSet.objects.filter(code=round_.figures_dataset).exists():
        return 0
    cells = [
        CellInput(cell=a.question.indicator.code, value=int(a.value), comment=round_.key)
        for a in submission.answers.select_related("question__indicator")
        if a.question.indicator is not None
        and isinstance(a.value, (int, float))
        and not isinstance(a.value, bool)
        and float(a.value).is_integer()
    ]
    if cells:
        values_enter(
            actor=actor,
            dataset=round_.figures_dataset,
            country=submission.country_id,
            period=round_.figures_period,
            cells=cells,
        )
    return len(cells)


def round_owner(actor: User, round_: Round) -> User:
    author = secretariat_author(actor)
    if round_.version.questionnaire.owner_id != author.organisation_id:
        raise ForbiddenError(_("Only the round's secretariat does this."))
    return author


def round_create(  # noqa: PLR0913 - the round's fields, keyword-only
    *,
    actor: User,
    version: QuestionnaireVersion,
    mechanism: Mechanism | None,
    key: str,
    title: str,
    as_of: dt.date,
    deadline: dt.date,
    countries: list[str] | None = None,
    figures: str = "",
) -> Round:
    """A draft round of a published version, to the members of `mechanism` on `as_of`, or to
    the States of `countries` (ISO 3166-1 alpha-3; each must name a State on `as_of`).
    `figures` (`DATASET/PERIOD`, such as `tip-annual/2009`): where the answers bound to a
    statistics indicator go when a State submits (its draft figures, for the statistics'
    validation)."""
    figures_dataset, figures_period = figures_target(figures)
    author = secretariat_author(actor)
    if (mechanism is None) == (not countries):
        raise ApplicationError(
            _("Send a round to the members of a mechanism, or to a list of States."), code="invalid"
        )
    addressees = sorted({c.strip().upper() for c in countries or []})
    for code in addressees:
        state_name(code, as_of=as_of, language="en")  # ApplicationError naming a wrong one
    if version.questionnaire.owner_id != author.organisation_id:
        raise ForbiddenError(
            _("Only {}'s users send this questionnaire.").format(version.questionnaire.owner)
        )
    status = (
        QuestionnaireVersion.objects.filter(pk=version.pk).values_list("status", flat=True).first()
    )
    if status != VersionStatus.PUBLISHED:
        raise ApplicationError(
            _("Publish version {} before sending it in a round.").format(version.number),
            code="invalid_state",
        )
    key, title = key_and_title(
        key,
        title,
        _("key: 2 to 80 lower-case letters, digits or '-', such as unodc-tip-2004-round."),
    )
    if deadline < as_of:
        raise ApplicationError(
            _("The deadline is on or after the date of the round."), code="invalid"
        )
    if Round.objects.filter(key=key).exists():
        raise ApplicationError(
            _("A round with the key {} exists already.").format(key), code="duplicate"
        )
    with transaction.atomic():
        round_ = Round.objects.create(
            version=version,
            mechanism=mechanism,
            addressees=addressees,
            key=key,
            title=title,
            as_of=as_of,
            deadline=deadline,
            created_by=author,
            figures_dataset=figures_dataset,
            figures_period=figures_period,
        )
        audit_record(
            actor=author,
            action=AuditAction.CREATE,
            obj=round_,
            after={
                "key": key,
                "questionnaire": version.questionnaire.key,
                "version": version.number,
                "mechanism": mechanism.acronym if mechanism else None,
                "states": addressees,
                "as_of": as_of.isoformat(),
                "deadline": deadline.isoformat(),
            },
        )
    return round_


def round_send(*, actor: User, round_: Round) -> Round:
    """The round sent: a submission for every State member of its mechanism on its date (or
    every State it lists), with the answers Palermo pre-fills (`prefill`). All or nothing."""
    author = round_owner(actor, round_)
    questions = list(round_.version.questions.select_related("indicator"))
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        if locked.status != RoundStatus.DRAFT:
            raise ApplicationError(
                _("The round {} was sent already.").format(locked.key), code="invalid_state"
            )
        if locked.mechanism is None:
            codes = list(locked.addressees)
        else:
            codes = sorted(member_codes(locked.mechanism, locked.as_of))
        if not codes:
            raise ApplicationError(
                _("{} had no member States on {}.").format(
                    locked.mechanism.acronym if locked.mechanism else "-", locked.as_of.isoformat()
                ),
                code="invalid",
            )
        submissions = Submission.objects.bulk_create(
            Submission(round=locked, country=Country(iso3=code)) for code in codes
        )
        answers = []
        prefiller = Prefiller(locked.as_of)
        for submission in submissions:
            for question_id, found in prefiller.answers(questions, submission.country_id).items():
                answers.append(
                    Answer(
                        submission=submission,
                        question_id=question_id,
                        value=found.value,
                        prefilled=found.value,
                        prefill_source=found.source[:500],
                    )
                )
        Answer.objects.bulk_create(answers)
        locked.status = RoundStatus.SENT
        locked.sent_at = timezone.now()
        locked.save(update_fields=["status", "sent_at"])
        emit(events.ROUND_SENT, round_=locked, submissions=submissions)
        audit_record(
            actor=author,
            action=AuditAction.UPDATE,
            obj=locked,
            before={"status": RoundStatus.DRAFT},
            after={"status": RoundStatus.SENT, "states": codes, "prefilled": len(answers)},
        )
    return locked


def is_focal_point(user: Any, submission: Submission) -> bool:
    """Whether the user answers for the submission's State: a national coordinator of an
    organisation of that State (its focal point on this node)."""
    found = active_user(user)
    return (
        found is not None
        and found.role == Role.NATIONAL_COORDINATOR
        and found.organisation is not None
        and found.organisation.country_id == submission.country_id
    )


def delegated_sections(user: Any, submission: Submission) -> set[int]:
    """The ids of the sections of the reply delegated to the user's organisation."""
    found = active_user(user)
    if found is None or found.organisation_id is None or found.role == Role.ADMINISTRATOR:
        return set()
    return set(
        submission.delegations.filter(organisation_id=found.organisation_id).values_list(
            "section_id", flat=True
        )
    )


def _within(question: Question, sections: set[int]) -> bool:
    """Whether the question is in one of the sections (sections in sections too)."""
    current: Question | None = question
    while current is not None:
        if current.pk in sections:
            return True
        current = current.section
    return False


def can_answer(user: Any, submission: Submission, question: Question) -> bool:
    """The State's focal point answers every question; an agency, those of the sections
    delegated to it."""
    if is_focal_point(user, submission):
        return True
    sections = delegated_sections(user, submission)
    return bool(sections) and _within(question, sections)


def section_delegate(
    *, actor: User, submission: Submission, section: Question, organisation: Organisation
) -> Delegation:
    """The focal point gives a section of the reply to an agency of the State to answer."""
    _focal_point(actor, submission)
    if section.version_id != submission.round.version_id or section.kind != QuestionKind.SECTION:
        raise ApplicationError(
            _("{}: not a section of this round.").format(section.name), code="invalid"
        )
    if organisation.country_id != submission.country_id or organisation.pk == actor.organisation_id:
        raise ApplicationError(
            _("A section is delegated to another agency of {}.").format(submission.country_id),
            code="invalid",
        )
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        _open(locked)
        delegation, _created = Delegation.objects.update_or_create(
            submission=locked,
            section=section,
            defaults={"organisation": organisation, "delegated_by": actor},
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=delegation,
            after={"section": section.name, "organisation": organisation.pk},
        )
    return delegation


def section_reclaim(*, actor: User, delegation: Delegation) -> None:
    """The focal point takes a delegated section back."""
    _focal_point(actor, delegation.submission)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            obj=delegation,
            before={"section": delegation.section.name, "organisation": delegation.organisation_id},
        )
        delegation.delete()


def _focal_point(actor: User, submission: Submission) -> None:
    if not is_focal_point(actor, submission):
        raise ForbiddenError(
            _("Only the national coordinators of {} answer for it.").format(submission.country_id)
        )


def _open(submission: Submission) -> None:
    if submission.node_id is not None:
        raise ApplicationError(
            _("{} answers this reply on its own node; it comes back here when submitted.").format(
                submission.country_id
            ),
            code="remote",
        )
    if submission.status not in OPEN_STATUSES:
        raise ApplicationError(
            _("The reply is {}: it is locked until the secretariat sends it back.").format(
                submission.get_status_display().lower()
            ),
            code="locked",
        )


def current_answers(submission: Submission) -> dict[str, Any]:
    """The submission's answers by question name (as stored)."""
    return {a.question.name: a.value for a in submission.answers.select_related("question")}


def _choices(question: Question) -> list[str]:
    return list(
        question.version.choices.filter(list_name=question.choice_list).values_list(
            "name", flat=True
        )
    )


def _answerable(actor: User, submission: Submission, question: Question) -> None:
    if not can_answer(actor, submission, question):
        raise ForbiddenError(
            _(
                "Only the national coordinators of {} (or the agency a section was delegated "
                "to) answer for it."
            ).format(submission.country_id)
        )
    if question.version_id != submission.round.version_id or question.kind not in ANSWERED:
        raise ApplicationError(
            _("{}: not a question of this round.").format(question.name), code="invalid"
        )


def _answer_kept(locked: Submission, answer: Answer, actor: User) -> None:
    """Save an answer by `actor`; a reply not started is then in progress."""
    answer.updated_by = actor
    answer.save()
    if locked.status == SubmissionStatus.NOT_STARTED:
        locked.status = SubmissionStatus.IN_PROGRESS
        locked.save(update_fields=["status"])


def answer_file_save(
    *, actor: User, submission: Submission, question: Question, name: str, content: bytes
) -> Answer:
    """A file (a law's text: PDF, Word, OpenDocument or plain text) as the answer to a file
    question, stored encrypted; the answer keeps its name, type, size and SHA-256."""
    _answerable(actor, submission, question)
    if question.kind != QuestionKind.FILE:
        raise ApplicationError(
            _("{}: not a question answered with a file.").format(question.name), code="invalid"
        )
    try:
        value = answer_file_value(name, content)
    except ApplicationError as exc:
        raise ApplicationError(
            _("{}: {}").format(question.name, exc.detail), code=exc.code
        ) from None
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        _open(locked)
        answer, _created = Answer.objects.get_or_create(submission=locked, question=question)
        before = answer.value
        answer.value = value | {"stored": files.store(content)}
        _answer_kept(locked, answer, actor)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=answer,
            before={"file": before.get("sha256") if isinstance(before, dict) else None},
            after={"file": value["sha256"], "size": value["size"]},
        )
    return answer


def answer_save(
    *, actor: User, submission: Submission, question: Question, value: Any, reason: str = ""
) -> Answer:
    """One answer of the State's focal point (or of the agency a question's section was
    delegated to), checked by the question's kind and constraint; a pre-filled answer changed
    needs a reason. The reply is then in progress."""
    _answerable(actor, submission, question)
    if question.kind == QuestionKind.FILE:
        raise ApplicationError(
            _("{}: a file is uploaded as the answer.").format(question.name),
            code="invalid_answer",
        )
    try:
        stored = coerce(question.kind, value, _choices(question))
    except ApplicationError as exc:
        raise ApplicationError(
            _("{}: {}").format(question.name, exc.detail), code=exc.code
        ) from None
    reason = " ".join(reason.split())[:500]
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        _open(locked)
        answers = {k: expression_value(v) for k, v in current_answers(locked).items()}
        answers[question.name] = expression_value(stored)
        if (
            stored is not None
            and question.constraint
            and not holds(question.constraint, answers, expression_value(stored))
        ):
            message = question.constraint_message.get("en") or next(
                iter(question.constraint_message.values()), ""
            )
            raise ApplicationError(
                _("{}: the answer does not meet the question's constraint{}").format(
                    question.name, ": {}".format(message) if message else ""
                ),
                code="invalid_answer",
            )
        answer, _created = Answer.objects.get_or_create(submission=locked, question=question)
        if answer.prefill_source and stored != answer.prefilled and not reason:
            raise ApplicationError(
                _("{}: say why the pre-filled answer is changed.").format(question.name),
                code="reason_needed",
            )
        before = answer.value
        answer.value = stored
        answer.change_reason = reason if stored != answer.prefilled else ""
        _answer_kept(locked, answer, actor)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=answer,
            before={"value": before},
            after={"value": stored, "reason": answer.change_reason},
        )
    return answer


def missing_answers(submission: Submission) -> list[str]:
    """The names of the required questions asked (their relevance holds) without an answer."""
    stored = current_answers(submission)
    answers = {k: expression_value(v) for k, v in stored.items()}
    missing = []
    sections: dict[int, Question] = {}
    for q in submission.round.version.questions.order_by("position"):
        if q.kind == QuestionKind.SECTION:
            sections[q.pk] = q
        asked = holds(q.relevance, answers) and all(
            holds(s.relevance, answers) for s in _ancestors(q, sections)
        )
        if q.required and asked and q.kind in ANSWERED and stored.get(q.name) is None:
            missing.append(q.name)
    return missing


def _ancestors(question: Question, sections: dict[int, Question]) -> list[Question]:
    out = []
    parent = sections.get(question.section_id) if question.section_id else None
    while parent is not None:
        out.append(parent)
        parent = sections.get(parent.section_id) if parent.section_id else None
    return out


def submission_submit(*, actor: User, submission: Submission) -> Submission:
    """The reply submitted to the secretariat (then locked); refused while a required
    question asked is unanswered."""
    _focal_point(actor, submission)
    with transaction.atomic():
        locked = Submission.objects.select_for_update().get(pk=submission.pk)
        _open(locked)
        missing = missing_answers(locked)
        if missing:
            raise ApplicationError(
                _("Required questions are unanswered: {}.").format(", ".join(missing)),
                code="incomplete",
            )
        before = locked.status
        locked.status = SubmissionStatus.SUBMITTED
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at"])
        figures = _figures_enter(actor, locked)
        emit(events.REPLY_SUBMITTED, submission=locked)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            before={"status": before},
            after={"status": locked.status, "figures": figures},
        )
    return locked


def _submitted(actor: User, submission: Submission, *statuses: str) -> tuple[User, Submission]:
    author = round_owner(actor, submission.round)
    locked = Submission.objects.select_for_update().get(pk=submission.pk)
    if locked.status not in statuses:
        raise ApplicationError(
            _("The reply is {}: this cannot be done now.").format(
                locked.get_status_display().lower()
            ),
            code="invalid_state",
        )
    return author, locked


def _note(text: str, name: str) -> str:
    text = text.strip()
    if not text or len(text) > MAX_NOTE:
        raise ApplicationError(_("{}: 1 to {} characters.").format(name, MAX_NOTE), code="invalid")
    return text


def clarification_request(
    *, actor: User, submission: Submission, request: str, question: Question | None = None
) -> Clarification:
    """The secretariat asks about a submitted reply (one question, or the whole): the reply
    goes back to the State, open again."""
    text = _note(request, _("request"))
    if question is not None and question.version_id != submission.round.version_id:
        raise ApplicationError(
            _("{}: not a question of this round.").format(question.name), code="invalid"
        )
    with transaction.atomic():
        author, locked = _submitted(actor, submission, SubmissionStatus.SUBMITTED)
        clarification = Clarification.objects.create(
            submission=locked, question=question, request=text, requested_by=author
        )
        locked.status = SubmissionStatus.CLARIFICATION
        locked.save(update_fields=["status"])
        emit(
            events.REPLY_REVIEWED,
            submission=locked,
            action="clarification",
            text=text,
            question=question.name if question else None,
        )
        audit_record(
            actor=author,
            action=AuditAction.CREATE,
            obj=clarification,
            after={"submission": locked.pk, "question": question.name if question else None},
        )
    return clarification


def clarification_respond(
    *, actor: User, clarification: Clarification, response: str
) -> Clarification:
    """The State's response to a request (it then submits its reply again)."""
    _focal_point(actor, clarification.submission)
    text = _note(response, _("response"))
    with transaction.atomic():
        locked = Clarification.objects.select_for_update().get(pk=clarification.pk)
        if locked.submission.status != SubmissionStatus.CLARIFICATION:
            raise ApplicationError(
                _("No clarification is open on this reply."), code="invalid_state"
            )
        locked.response = text
        locked.responded_by = actor
        locked.responded_at = timezone.now()
        locked.save(update_fields=["response", "responded_by", "responded_at"])
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=locked, after={"responded": True})
    return locked


def submission_accept(*, actor: User, submission: Submission) -> Submission:
    """The secretariat accepts a submitted reply."""
    with transaction.atomic():
        author, locked = _submitted(actor, submission, SubmissionStatus.SUBMITTED)
        locked.status = SubmissionStatus.ACCEPTED
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["status", "accepted_at"])
        emit(events.REPLY_REVIEWED, submission=locked, action="accept", text="", question=None)
        audit_record(
            actor=author,
            action=AuditAction.UPDATE,
            obj=locked,
            before={"status": SubmissionStatus.SUBMITTED},
            after={"status": SubmissionStatus.ACCEPTED},
        )
    return locked


def submission_return(*, actor: User, submission: Submission, reason: str) -> Submission:
    """The secretariat sends a submitted or accepted reply back to its State, open again."""
    text = _note(reason, _("reason"))
    with transaction.atomic():
        author, locked = _submitted(
            actor, submission, SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED
        )
        before = locked.status
        locked.status = SubmissionStatus.IN_PROGRESS
        locked.accepted_at = None
        locked.save(update_fields=["status", "accepted_at"])
        emit(events.REPLY_REVIEWED, submission=locked, action="return", text=text, question=None)
        audit_record(
            actor=author,
            action=AuditAction.UPDATE,
            obj=locked,
            reason=text[:500],
            before={"status": before},
            after={"status": locked.status},
        )
    return locked
