"""The 2004 UNODC survey as demo data (`data/survey_2005.yaml`): its questionnaire (built as an
XLSForm and imported as any other), the round sent to the States that replied, their answers
(the report's own statements about them), the codebook of the report's themes, the coding of
every answer, and the outline of E/CN.15/2005/7, whose footnote lists it reproduces.

Loaded once by the secretariat's analyst (`palermo monitoring demo-2005 --as analyst`; `make
run` does it); a second load changes nothing. The replies are written as accepted in one
transaction, with one audit entry: they are the report's, not a State's work on this node.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.models import User
from palermo.monitoring import audit_kinds, services
from palermo.monitoring.choices import QuestionKind, SubmissionStatus
from palermo.monitoring.models import Answer, Plan, Questionnaire, Round, Submission
from palermo.monitoring.planfile import read_plans
from palermo.monitoring.services.plans import plan_import
from palermo.monitoring.xlsform import FormPlan, QuestionPlan, write_xlsform

DATA = Path(__file__).resolve().parent / "data" / "survey_2005.yaml"


@lru_cache(maxsize=1)
def survey_2005() -> dict[str, Any]:
    with DATA.open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.load(f, Loader=yaml.CSafeLoader)  # noqa: S506 - the safe loader
    return loaded


def _form(data: dict[str, Any]) -> bytes:
    questions = [
        QuestionPlan(name=q["name"], kind=QuestionKind.TEXT, section=None, label={"en": q["label"]})
        for q in data["questionnaire"]["questions"]
    ]
    plan = FormPlan(
        title=data["questionnaire"]["title"],
        form_id=data["questionnaire"]["key"].replace("-", "_"),
        default_language="en",
        languages=["en"],
        questions=questions,
        choices=[],
        warnings=[],
    )
    return write_xlsform(plan, version=1, as_of=dt.date(2004, 9, 16))


def demo_2005_load(*, actor: User) -> Round:
    """The survey round, loaded (or the one loaded before)."""
    data = survey_2005()
    found = Round.objects.filter(key=data["round"]["key"]).first()
    if found is not None:
        return found
    services.secretariat_author(actor)
    with transaction.atomic():
        questionnaire = Questionnaire.objects.filter(key=data["questionnaire"]["key"]).first()
        if questionnaire is None:
            questionnaire = services.questionnaire_create(
                actor=actor, key=data["questionnaire"]["key"], title=data["questionnaire"]["title"]
            )
        version = services.questionnaire_version_import(
            actor=actor, questionnaire=questionnaire, data=_form(data), file_name="survey_2005.xlsx"
        )
        version = services.questionnaire_version_publish(actor=actor, version=version)
        spec = data["round"]
        round_ = services.round_create(
            actor=actor,
            version=version,
            mechanism=None,
            countries=spec["respondents"],
            key=spec["key"],
            title=spec["title"],
            as_of=spec["as_of"],
            deadline=spec["deadline"],
        )
        round_ = services.round_send(actor=actor, round_=round_)
        _replies(actor, round_, data)
        book = services.codebook_create(
            actor=actor,
            questionnaire=questionnaire,
            codes=[
                {"key": t["key"], "label": t["label"], "question": t["question"]}
                for t in data["themes"]
            ],
        )
        codes = {c.key: c for c in book.codes.all()}
        answers = {
            (a.submission.country_id, a.question.name): a
            for a in Answer.objects.filter(submission__round=round_).select_related(
                "submission", "question"
            )
        }
        for theme in data["themes"]:
            for country in theme["states"]:
                services.coding_add_passage(
                    actor=actor,
                    answer=answers[(country, theme["question"])],
                    code=codes[theme["key"]],
                    passage=theme["passage"],
                )
        services.report_outline_set(actor=actor, round_=round_, outline=data["report"])
    return Round.objects.get(pk=round_.pk)


def _replies(actor: User, round_: Round, data: dict[str, Any]) -> None:
    """Every respondent's answers: the report's statements about it, by question; accepted."""
    questions = {q.name: q for q in round_.version.questions.all()}
    texts: dict[tuple[str, str], list[str]] = {}
    for theme in data["themes"]:
        for country in theme["states"]:
            texts.setdefault((country, theme["question"]), []).append(theme["passage"])
    submissions = {s.country_id: s for s in round_.submissions.all()}
    Answer.objects.bulk_create(
        Answer(
            submission=submissions[country],
            question=questions[name],
            value=" ".join(passages),
            updated_by=actor,
        )
        for (country, name), passages in sorted(texts.items())
    )
    now = timezone.now()
    Submission.objects.filter(round=round_).update(
        status=SubmissionStatus.ACCEPTED, submitted_at=now, accepted_at=now
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        kind=audit_kinds.SUBMISSION,
        object_id=round_.key,
        reason="demo data: the replies as E/CN.15/2005/7 reports them",
        after={"states": sorted(submissions), "answers": len(texts)},
    )


PLANS = Path(__file__).resolve().parent / "data" / "plans_seed.yaml"


def demo_plans_load(*, actor: User) -> list[Plan]:
    """The action plans the seed documents describe (`data/plans_seed.yaml`, with their
    sources), kept by the actor's secretariat; none when they were loaded before."""
    text = PLANS.read_text(encoding="utf-8")
    keys = [s.key for s in read_plans(text)]
    if Plan.objects.filter(key__in=keys).exists():
        return []
    return plan_import(actor=actor, text=text, source_name=PLANS.name)
