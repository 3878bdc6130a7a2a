"""Coding narrative answers: a secretariat's codebook of themes, coders tagging passages of the
States' answers with them, and decisions where two coders disagree.

Coders are the secretariat's analysts and registry editors; they code the text answers of
submitted or accepted replies. A tag keeps its passage (the characters start to end of the
answer) as the evidence of every count it enters. Each write is audited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import User
from palermo.monitoring.choices import QuestionKind, SubmissionStatus
from palermo.monitoring.models import Answer, Code, Codebook, Coding, CodingDecision, Questionnaire
from palermo.monitoring.services.questionnaires import secretariat_author

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
CODED_STATUSES = frozenset({SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED})


def _owner(actor: User, questionnaire: Questionnaire) -> User:
    author = secretariat_author(actor)
    if questionnaire.owner_id != author.organisation_id:
        raise ForbiddenError(_("Only {}'s users code its replies.").format(questionnaire.owner))
    return author


def codebook_create(
    *, actor: User, questionnaire: Questionnaire, codes: Iterable[Mapping[str, Any]]
) -> Codebook:
    """A new version of the questionnaire's codebook: each code a `key`, a `label` (by
    language code, or a text in English), optionally the `question` (by name) it is for and a
    `description`. ApplicationError naming the first wrong code; nothing written then."""
    author = _owner(actor, questionnaire)
    names = set(
        questionnaire.versions.values_list("questions__name", flat=True).exclude(
            questions__name=None
        )
    )
    rows = []
    seen: set[str] = set()
    for n, item in enumerate(codes, start=1):
        key = str(item.get("key", "")).strip().lower()
        if not _KEY.match(key):
            raise ApplicationError(
                _("code {}: key: 1 to 80 lower-case letters, digits, '-' or '_'.").format(n),
                code="invalid",
            )
        if key in seen:
            raise ApplicationError(
                _("code {}: the key {} is given twice.").format(n, key), code="invalid"
            )
        seen.add(key)
        label = item.get("label")
        labels = {"en": str(label)} if isinstance(label, str) else dict(label or {})
        labels = {str(k): " ".join(str(v).split()) for k, v in labels.items() if str(v).strip()}
        if not labels:
            raise ApplicationError(_("code {}: {} has no label.").format(n, key), code="invalid")
        question = str(item.get("question", "") or "").strip()
        if question and question not in names:
            raise ApplicationError(
                _("code {}: {} is not a question of {}.").format(n, question, questionnaire.key),
                code="invalid",
            )
        description = str(item.get("description", "") or "").strip()[:2000]
        rows.append((key, labels, question, description))
    if not rows:
        raise ApplicationError(_("A codebook needs at least one code."), code="invalid")
    with transaction.atomic():
        Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
        last = questionnaire.codebooks.aggregate(n=Max("version"))["n"] or 0
        codebook = Codebook.objects.create(
            questionnaire=questionnaire, version=last + 1, created_by=author
        )
        Code.objects.bulk_create(
            Code(codebook=codebook, key=k, label=lab, question=q, description=d)
            for k, lab, q, d in rows
        )
        audit_record(
            actor=author,
            action=AuditAction.CREATE,
            obj=codebook,
            after={
                "questionnaire": questionnaire.key,
                "version": codebook.version,
                "codes": [r[0] for r in rows],
            },
        )
    return codebook


def _codable(answer: Answer, code: Code) -> None:
    questionnaire = code.codebook.questionnaire
    round_ = answer.submission.round
    if round_.version.questionnaire_id != questionnaire.pk:
        raise ApplicationError(
            _("The answer is not to a round of {}.").format(questionnaire.key), code="invalid"
        )
    if answer.question.kind != QuestionKind.TEXT or not isinstance(answer.value, str):
        raise ApplicationError(
            _("{}: only narrative answers are coded.").format(answer.question.name), code="invalid"
        )
    if code.question and code.question != answer.question.name:
        raise ApplicationError(
            _("The code {} is for the question {}, not {}.").format(
                code.key, code.question, answer.question.name
            ),
            code="invalid",
        )
    if answer.submission.status not in CODED_STATUSES:
        raise ApplicationError(
            _("Only submitted or accepted replies are coded."), code="invalid_state"
        )


def coding_add(*, actor: User, answer: Answer, code: Code, start: int, end: int) -> Coding:
    """A coder tags the passage of `answer` from character `start` to `end` with `code`."""
    author = _owner(actor, code.codebook.questionnaire)
    _codable(answer, code)
    text = str(answer.value)
    if not 0 <= start < end <= len(text):
        raise ApplicationError(
            _("The passage is characters {} to {}, within the answer's {}.").format(
                start, end, len(text)
            ),
            code="invalid",
        )
    with transaction.atomic():
        coding = Coding.objects.create(
            answer=answer, code=code, coder=author, start=start, end=end, passage=text[start:end]
        )
        audit_record(
            actor=author,
            action=AuditAction.CREATE,
            obj=coding,
            after={"answer": answer.pk, "code": code.key, "start": start, "end": end},
        )
    return coding


def coding_add_passage(*, actor: User, answer: Answer, code: Code, passage: str) -> Coding:
    """The same, with the passage given as its text (its first occurrence in the answer)."""
    _codable(answer, code)
    text = str(answer.value)
    needle = passage.strip()
    at = text.find(needle) if needle else -1
    if at < 0:
        raise ApplicationError(_("The passage is not in the answer."), code="invalid")
    return coding_add(actor=actor, answer=answer, code=code, start=at, end=at + len(needle))


def coding_remove(*, actor: User, coding: Coding) -> None:
    """A coder takes back one of their own tags."""
    author = _owner(actor, coding.code.codebook.questionnaire)
    if coding.coder_id != author.pk:
        raise ForbiddenError(_("A coder removes only their own tags."))
    with transaction.atomic():
        audit_record(
            actor=author,
            action=AuditAction.DELETE,
            obj=coding,
            before={"answer": coding.answer_id, "code": coding.code.key},
        )
        coding.delete()


def coding_decide(
    *, actor: User, answer: Answer, code: Code, applies: bool, reason: str
) -> CodingDecision:
    """Where coders disagree on whether an answer carries a theme: the decision, and why."""
    author = _owner(actor, code.codebook.questionnaire)
    _codable(answer, code)
    text = " ".join(reason.split())
    if not text or len(text) > 500:  # noqa: PLR2004 - the field's length
        raise ApplicationError(_("reason: 1 to 500 characters."), code="invalid")
    with transaction.atomic():
        decision, _created = CodingDecision.objects.update_or_create(
            answer=answer,
            code=code,
            defaults={"applies": applies, "decided_by": author, "reason": text},
        )
        audit_record(
            actor=author,
            action=AuditAction.UPDATE,
            obj=decision,
            after={"answer": answer.pk, "code": code.key, "applies": applies, "reason": text},
        )
    return decision
