"""Questionnaires and their versions.

A secretariat's analysts and registry editors (users of a regional mechanism or an international
organisation) write its questionnaires; a version is imported from an XLSForm as a draft, and
published when it is final (then it never changes). Each write is audited, in its transaction.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction, OrganisationKind, Role
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import User
from palermo.core.permissions import require_role
from palermo.monitoring.choices import ANSWERED, VersionStatus
from palermo.monitoring.models import Choice, Question, Questionnaire, QuestionnaireVersion
from palermo.monitoring.needs import need_check
from palermo.monitoring.prefill import prefill_check
from palermo.monitoring.versionplan import version_plan
from palermo.monitoring.xlsform import FormPlan, read_xlsform, write_xlsform
from palermo.statistics.models import Indicator

AUTHORS = (Role.ANALYST, Role.REGISTRY_EDITOR)
SECRETARIATS = (OrganisationKind.REGIONAL_MECHANISM, OrganisationKind.INTERNATIONAL)
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")


def secretariat_author(user: object) -> User:
    """The user, when they may write their secretariat's questionnaires; ForbiddenError
    otherwise (another role, or an organisation that is not a secretariat)."""
    author = require_role(user, *AUTHORS)  # type: ignore[arg-type]  # any user object: checked there
    if author.organisation is None or author.organisation.kind not in SECRETARIATS:
        raise ForbiddenError(
            _(
                "Questionnaires are written by a secretariat: a regional mechanism or an "
                "international organisation."
            )
        )
    return author


def _owned(actor: User, questionnaire: Questionnaire) -> None:
    if questionnaire.owner_id != actor.organisation_id:
        raise ForbiddenError(
            _("Only {}'s users change this questionnaire.").format(questionnaire.owner)
        )


def key_and_title(key: str, title: str, key_rule: str) -> tuple[str, str]:
    """A key (lower case, as a slug) and a title (spaces collapsed), checked; ApplicationError
    with `key_rule` or the title's rule otherwise."""
    key = key.strip().lower()
    if not KEY.match(key):
        raise ApplicationError(key_rule, code="invalid")
    title = " ".join(title.split())
    if not title or len(title) > 300:  # noqa: PLR2004 - the field's length
        raise ApplicationError(_("title: 1 to 300 characters."), code="invalid")
    return key, title


def questionnaire_create(*, actor: User, key: str, title: str) -> Questionnaire:
    """A new questionnaire of the actor's secretariat, without versions yet."""
    author = secretariat_author(actor)
    key, title = key_and_title(
        key,
        title,
        _("key: 2 to 80 lower-case letters, digits or '-', such as unodc-tip-2004."),
    )
    if Questionnaire.objects.filter(key=key).exists():
        raise ApplicationError(
            _("A questionnaire with the key {} exists already.").format(key), code="duplicate"
        )
    with transaction.atomic():
        questionnaire = Questionnaire(key=key, title=title, owner=author.organisation)
        questionnaire.full_clean()
        questionnaire.save()
        audit_record(
            actor=author,
            action=AuditAction.CREATE,
            obj=questionnaire,
            after={"key": key, "title": title, "owner": questionnaire.owner_id},
        )
    return questionnaire


def _indicators(plan: FormPlan) -> dict[str, Indicator]:
    codes = {q.indicator for q in plan.questions if q.indicator}
    found = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
    unknown = sorted(codes - set(found))
    if unknown:
        raise ApplicationError(
            _("palermo_indicator names no statistics indicator: {}").format(", ".join(unknown)),
            code="invalid_xlsform",
        )
    return found


def _questions_write(
    version: QuestionnaireVersion, plan: FormPlan, indicators: dict[str, Indicator]
) -> None:
    sections: dict[str, Question] = {}
    for position, q in enumerate(plan.questions, start=1):
        question = Question(
            version=version,
            section=sections.get(q.section) if q.section else None,
            position=position,
            name=q.name,
            kind=q.kind,
            label=q.label,
            hint=q.hint,
            relevance=q.relevance,
            constraint=q.constraint,
            constraint_message=q.constraint_message,
            required=q.required,
            choice_list=q.choice_list,
            indicator=indicators.get(q.indicator) if q.indicator else None,
            prefill=q.prefill,
            need=q.need,
        )
        question.full_clean(exclude=["version", "section", "indicator"])
        question.save()
        if q.kind == "section":
            sections[q.name] = question
    Choice.objects.bulk_create(
        Choice(version=version, list_name=c.list_name, name=c.name, label=c.label, position=i)
        for i, c in enumerate(plan.choices, start=1)
    )


def version_write(
    questionnaire: Questionnaire,
    plan: FormPlan,
    indicators: dict[str, Indicator],
    *,
    file_name: str,
    author: User | None,
) -> QuestionnaireVersion:
    """Write the form as the questionnaire's next version (a draft), its questions, sections and
    choices; inside the caller's transaction, which checked who may."""
    Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)  # one number at a time
    last = questionnaire.versions.aggregate(n=Max("number"))["n"] or 0
    version = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire,
        number=last + 1,
        title=plan.title[:300],
        form_id=plan.form_id[:80],
        languages=plan.languages,
        default_language=plan.default_language,
        source_name=file_name[:255],
        created_by=author,
    )
    _questions_write(version, plan, indicators)
    return version


def questionnaire_version_import(
    *, actor: User, questionnaire: Questionnaire, data: bytes, file_name: str
) -> QuestionnaireVersion:
    """A new draft version of the questionnaire from an XLSForm workbook: every question, section
    and choice, in one transaction; ApplicationError naming the problem, and nothing written,
    when the form is refused."""
    author = secretariat_author(actor)
    _owned(author, questionnaire)
    plan = read_xlsform(data, file_name)
    indicators = _indicators(plan)
    prefill_check(plan)
    need_check(plan)
    with transaction.atomic():
        version = version_write(questionnaire, plan, indicators, file_name=file_name, author=author)
        audit_record(
            actor=author,
            action=AuditAction.CREATE,
            obj=version,
            reason="XLSForm {}".format(file_name)[:500],
            after={
                "questionnaire": questionnaire.key,
                "number": version.number,
                "questions": len(plan.questions),
                "choices": len(plan.choices),
            },
        )
    return version


def version_draft_new(*, actor: User, questionnaire: Questionnaire) -> QuestionnaireVersion:
    """A new draft version, to write in the pages: a copy of the last version's questions, or
    an empty form when there is none."""
    author = secretariat_author(actor)
    _owned(author, questionnaire)
    last = questionnaire.versions.order_by("-number").first()
    if last is not None:
        plan = version_plan(last)
    else:
        language = (translation.get_language() or "en").split("-")[0]
        plan = FormPlan(
            title=questionnaire.title,
            form_id=questionnaire.key.replace("-", "_"),
            default_language=language,
            languages=[language],
            questions=[],
            choices=[],
            warnings=[],
        )
    indicators = {
        i.code: i for i in Indicator.objects.filter(code__in={q.indicator for q in plan.questions})
    }
    with transaction.atomic():
        version = version_write(questionnaire, plan, indicators, file_name="", author=author)
        audit_record(
            actor=author,
            action=AuditAction.CREATE,
            obj=version,
            after={
                "questionnaire": questionnaire.key,
                "number": version.number,
                "from": last.number if last else None,
            },
        )
    return version


def version_questions_set(
    *, actor: User, version: QuestionnaireVersion, plan: FormPlan
) -> QuestionnaireVersion:
    """A draft's questions replaced by the plan's, checked as an uploaded XLSForm is (pyxform:
    names, references, expressions, choices); ApplicationError naming the problem otherwise,
    and the draft unchanged."""
    author = secretariat_author(actor)
    _owned(author, version.questionnaire)
    if any(q.kind in ANSWERED for q in plan.questions):  # pyxform wants a question to check
        data = write_xlsform(plan, version=version.number, as_of=timezone.localdate())
        checked = read_xlsform(data, "{}.xlsx".format(version.questionnaire.key))
        indicators = _indicators(checked)
        prefill_check(checked)
        need_check(checked)
    else:
        checked, indicators = plan, {}
    with transaction.atomic():
        locked = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != VersionStatus.DRAFT:
            raise ApplicationError(
                _("Version {} is published: it does not change.").format(locked.number),
                code="invalid_state",
            )
        Question.objects.filter(version=locked).update(section=None)
        Question.objects.filter(version=locked).delete()
        Choice.objects.filter(version=locked).delete()
        locked.languages = checked.languages
        locked.save(update_fields=["languages"])
        _questions_write(locked, checked, indicators)
        audit_record(
            actor=author,
            action=AuditAction.UPDATE,
            obj=locked,
            after={"questions": len(checked.questions), "choices": len(checked.choices)},
        )
    return locked


def questionnaire_version_publish(
    *, actor: User, version: QuestionnaireVersion
) -> QuestionnaireVersion:
    """The draft version made final: it never changes again, and rounds can use it."""
    author = secretariat_author(actor)
    _owned(author, version.questionnaire)
    with transaction.atomic():
        locked = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != VersionStatus.DRAFT:
            raise ApplicationError(
                _("Version {} is published already.").format(locked.number), code="invalid_state"
            )
        if not locked.questions.filter(kind__in=ANSWERED).exists():
            raise ApplicationError(
                _("Version {} asks nothing yet: add a question first.").format(locked.number),
                code="invalid_state",
            )
        locked.status = VersionStatus.PUBLISHED
        locked.published_at = timezone.now()
        locked.save(update_fields=["status", "published_at"])
        audit_record(
            actor=author,
            action=AuditAction.UPDATE,
            obj=locked,
            before={"status": VersionStatus.DRAFT},
            after={"status": VersionStatus.PUBLISHED},
        )
    return locked
