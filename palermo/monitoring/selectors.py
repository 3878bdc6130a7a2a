"""Reads of the monitoring app, limited to what the user may see.

Questionnaires hold no personal data. A logged-in user sees every questionnaire that has a
published version, and their own secretariat's drafts too; a draft version is seen only by the
secretariat that writes it.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.core.errors import ForbiddenError, NotFoundError
from palermo.core.models import User
from palermo.core.permissions import active_user
from palermo.monitoring.choices import VersionStatus
from palermo.monitoring.models import Questionnaire, QuestionnaireVersion
from palermo.monitoring.xlsform import ChoicePlan, FormPlan, QuestionPlan, write_xlsform


def _reader(user: object) -> User:
    reader = active_user(user)  # type: ignore[arg-type]  # any user object: checked there
    if reader is None:
        raise ForbiddenError(_("Log in to do this."), code="not_authenticated")
    return reader


def questionnaire_list(*, user: object) -> QuerySet[Questionnaire]:
    """The questionnaires the user may see, by key."""
    reader = _reader(user)
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
    reader = _reader(user)
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


def version_plan(version: QuestionnaireVersion) -> FormPlan:
    """A version as the plan of its form: its questions in order and its choices."""
    questions = [
        QuestionPlan(
            name=q.name,
            kind=q.kind,
            section=q.section.name if q.section is not None else None,
            label=q.label,
            hint=q.hint,
            relevance=q.relevance,
            constraint=q.constraint,
            constraint_message=q.constraint_message,
            required=q.required,
            choice_list=q.choice_list,
            indicator=q.indicator.code if q.indicator is not None else "",
        )
        for q in version.questions.select_related("section", "indicator").order_by("position")
    ]
    choices = [
        ChoicePlan(c.list_name, c.name, c.label) for c in version.choices.order_by("position")
    ]
    return FormPlan(
        title=version.title,
        form_id=version.form_id,
        default_language=version.default_language,
        languages=list(version.languages),
        questions=questions,
        choices=choices,
        warnings=[],
    )


def version_xlsform(version: QuestionnaireVersion, *, as_of: dt.date | None = None) -> bytes:
    """The version as an XLSForm workbook (countries named as on `as_of`, default today)."""
    return write_xlsform(
        version_plan(version), version=version.number, as_of=as_of or timezone.localdate()
    )
