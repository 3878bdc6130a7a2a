"""A stored questionnaire version as the plan of its form (what an XLSForm holds)."""

from __future__ import annotations

from palermo.monitoring.models import QuestionnaireVersion
from palermo.monitoring.xlsform import ChoicePlan, FormPlan, QuestionPlan


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
            prefill=q.prefill,
            need=q.need,
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
