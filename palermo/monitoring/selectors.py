"""Reads of the monitoring app, limited to what the user may see.

Questionnaires hold no personal data. A logged-in user sees every questionnaire that has a
published version, and their own secretariat's drafts too; a draft version is seen only by the
secretariat that writes it. A round is seen by its secretariat and by the national
coordinators of the States it was sent to; a State's reply by the secretariat and that State's
national coordinators only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cooperation import files
from palermo.core.choices import Role
from palermo.core.errors import ForbiddenError, NotFoundError
from palermo.core.models import User
from palermo.core.permissions import active_user
from palermo.monitoring.choices import ANSWERED, OPEN_STATUSES, SubmissionStatus, VersionStatus
from palermo.monitoring.models import (
    Answer,
    Codebook,
    Questionnaire,
    QuestionnaireVersion,
    ReportComment,
    Round,
    Submission,
)
from palermo.monitoring.services.report_comments import commenting_state
from palermo.monitoring.services.rounds import delegated_sections, is_focal_point
from palermo.monitoring.versionplan import version_plan
from palermo.monitoring.xlsform import write_xlsform


def logged_in(user: object) -> User:
    reader = active_user(user)  # type: ignore[arg-type]  # any user object: checked there
    if reader is None:
        raise ForbiddenError(_("Log in to do this."), code="not_authenticated")
    return reader


def questionnaire_list(*, user: object) -> QuerySet[Questionnaire]:
    """The questionnaires the user may see, by key."""
    reader = logged_in(user)
    visible = Q(versions__status=VersionStatus.PUBLISHED)
    if reader.organisation_id is not None:
        visible |= Q(owner_id=reader.organisation_id)
    return Questionnaire.objects.filter(visible).distinct().select_related("owner").order_by("key")


def questionnaire_get(*, user: object, key: str) -> Questionnaire:
    found = questionnaire_list(user=user).filter(key=key).first()
    if found is None:
        raise NotFoundError(_("No questionnaire {}.").format(key), code="unknown_questionnaire")
    return found


def version_list(*, user: object, questionnaire: Questionnaire) -> QuerySet[QuestionnaireVersion]:
    """The versions of a questionnaire the user may see (drafts: its secretariat's users)."""
    reader = logged_in(user)
    versions = questionnaire.versions.all()
    if reader.organisation_id != questionnaire.owner_id:
        versions = versions.filter(status=VersionStatus.PUBLISHED)
    return versions.order_by("number")


def version_get(*, user: object, questionnaire: Questionnaire, number: int) -> QuestionnaireVersion:
    found = version_list(user=user, questionnaire=questionnaire).filter(number=number).first()
    if found is None:
        raise NotFoundError(
            _("{} has no version {}.").format(questionnaire.key, number), code="unknown_version"
        )
    return found


def version_xlsform(version: QuestionnaireVersion, *, as_of: dt.date | None = None) -> bytes:
    """The version as an XLSForm workbook (countries named as on `as_of`, default today)."""
    return write_xlsform(
        version_plan(version), version=version.number, as_of=as_of or timezone.localdate()
    )


# --- rounds ----------------------------------------------------------------------------------


def _is_secretariat_of(user: User, round_: Round) -> bool:
    return user.organisation_id is not None and (
        round_.version.questionnaire.owner_id == user.organisation_id
    )


def round_list(*, user: object) -> QuerySet[Round]:
    """The rounds the user may see: their secretariat's, and those sent to their State."""
    reader = logged_in(user)
    visible = Q(version__questionnaire__owner_id=reader.organisation_id)
    country = reader.organisation.country_id if reader.organisation is not None else None
    if country is not None and reader.role == Role.NATIONAL_COORDINATOR:
        visible |= Q(submissions__country_id=country)
    if reader.organisation_id is not None and reader.role != Role.ADMINISTRATOR:
        visible |= Q(submissions__delegations__organisation_id=reader.organisation_id)
    return (
        Round.objects.filter(visible)
        .distinct()
        .select_related("version__questionnaire", "mechanism")
        .order_by("-as_of", "key")
    )


def round_get(*, user: object, key: str) -> Round:
    found = round_list(user=user).filter(key=key).first()
    if found is None:
        raise NotFoundError(_("No round {}.").format(key), code="unknown_round")
    return found


def submission_get(*, user: object, round_: Round, country: str) -> Submission:
    """A State's reply to a round: for the round's secretariat, the State's focal points and
    the agencies a section of it was delegated to."""
    reader = logged_in(user)
    found = (
        round_.submissions.select_related("round__version__questionnaire", "country")
        .filter(country_id=country.strip().upper())
        .first()
    )
    if found is None or not (
        _is_secretariat_of(reader, round_)
        or is_focal_point(reader, found)
        or delegated_sections(reader, found)
    ):
        raise NotFoundError(
            _("{} has no reply from {}.").format(round_.key, country), code="unknown_submission"
        )
    return found


@dataclass(frozen=True)
class BoardRow:
    """One State on a round's board."""

    country: str
    status: str
    status_label: str
    answered: int
    questions: int
    late: bool
    open_clarifications: int
    submitted_at: dt.datetime | None
    node: str = ""  # the State's own node, where it answers (none: on this node)


def round_board(*, user: object, round_: Round, today: dt.date | None = None) -> list[BoardRow]:
    """Where each State stands in a round (the secretariat's view): answers given out of the
    questions, late when not submitted by the deadline, clarifications not yet responded to."""
    reader = logged_in(user)
    if not _is_secretariat_of(reader, round_):
        raise NotFoundError(_("No round {}.").format(round_.key), code="unknown_round")
    day = today or timezone.localdate()
    total = round_.version.questions.filter(kind__in=ANSWERED).count()
    rows = []
    submissions = (
        round_.submissions.annotate(
            answered=Count("answers", filter=Q(answers__value__isnull=False), distinct=True),
            waiting=Count(
                "clarifications", filter=Q(clarifications__responded_at__isnull=True), distinct=True
            ),
        )
        .select_related("node")
        .order_by("country_id")
    )
    for s in submissions:
        rows.append(
            BoardRow(
                country=s.country_id,
                status=s.status,
                status_label=str(SubmissionStatus(s.status).label),
                answered=s.answered,
                questions=total,
                late=day > round_.deadline and s.status in OPEN_STATUSES,
                open_clarifications=s.waiting if s.status == SubmissionStatus.CLARIFICATION else 0,
                submitted_at=s.submitted_at,
                node=s.node.name if s.node is not None else "",
            )
        )
    return rows


# --- coding -----------------------------------------------------------------------------------


def codebook_get(*, user: object, questionnaire: Questionnaire, version: int = 0) -> Codebook:
    """A codebook of the questionnaire (its last version by default): its secretariat's only."""
    reader = logged_in(user)
    books = questionnaire.codebooks.order_by("-version")
    if reader.organisation_id != questionnaire.owner_id:
        books = books.none()
    found = books.filter(version=version).first() if version else books.first()
    if found is None:
        raise NotFoundError(
            _("{} has no codebook{}.").format(
                questionnaire.key, " v{}".format(version) if version else ""
            ),
            code="unknown_codebook",
        )
    return found


def coded_answer(*, round_: Round, country: str, question: str) -> Answer:
    """A State's answer to one question of a round (for coding)."""
    found = (
        Answer.objects.filter(
            submission__round=round_,
            submission__country_id=country.strip().upper(),
            question__name=question,
        )
        .select_related("question", "submission__round__version")
        .first()
    )
    if found is None:
        raise NotFoundError(
            _("{} has no answer of {} to {}.").format(round_.key, country, question),
            code="unknown_answer",
        )
    return found


def report_readable(*, user: object, round_: Round) -> bool:
    """The round's report is read by its secretariat, and by the States it was shared with
    (their replies accepted) once the draft is shared."""
    reader = logged_in(user)
    if _is_secretariat_of(reader, round_):
        return True
    return round_.draft_shared_at is not None and commenting_state(reader, round_) is not None


def report_comments(*, user: object, round_: Round) -> QuerySet[ReportComment]:
    """The States' comments on the draft: all of them for the secretariat, a State's own for
    its national coordinators."""
    reader = logged_in(user)
    qs = round_.report_comments.select_related("created_by", "responded_by").order_by(
        "country_id", "created_at", "pk"
    )
    if _is_secretariat_of(reader, round_):
        return qs
    return qs.filter(country_id=commenting_state(reader, round_) or "")


def answer_file(*, user: object, submission: Submission, name: str) -> tuple[dict[str, Any], bytes]:
    """A file answer of a reply the user may read (see `submission_get`): what the answer keeps
    of it, and its content, checked against its SHA-256."""
    answer = submission.answers.select_related("question").filter(question__name=name).first()
    value = answer.value if answer is not None else None
    if not isinstance(value, dict) or "stored" not in value:
        raise NotFoundError(_("{}: no file.").format(name), code="no_file")
    return value, files.load(str(value["stored"]), str(value["sha256"]))


def report_outline(*, user: object, round_: Round) -> dict[str, Any]:
    """The round's report outline as `services.report_outline_set` takes it (its secretariat's
    only): written back, it sets the same outline."""
    reader = logged_in(user)
    if not _is_secretariat_of(reader, round_):
        raise NotFoundError(_("No round {}.").format(round_.key), code="unknown_round")
    round_ = Round.objects.select_related("report_codebook").get(pk=round_.pk)  # as stored now
    parts: list[dict[str, Any]] = []
    for part in round_.report_parts.order_by("position"):
        if part.kind == "theme":
            notes = list(part.notes)
            parts.append(
                {"theme": notes[0]["theme"] if notes else "", "text": part.text, "notes": notes}
            )
        elif part.kind in ("chart", "table"):
            parts.append({part.kind: part.chart, "text": part.text})
        else:
            parts.append({part.kind: part.text})
    outline: dict[str, Any] = {
        "symbol": round_.report_symbol,
        "date": round_.report_date.isoformat() if round_.report_date else None,
        "title": round_.report_title,
        "codebook": round_.report_codebook.version if round_.report_codebook else None,
        "parts": parts,
    }
    return {k: v for k, v in outline.items() if v not in (None, "", {})}
