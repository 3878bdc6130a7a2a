"""Writing a draft version in Palermo's pages, question by question: the form's plan with a
question added (at the end of the form or of a section) or removed. The services check the
result as an uploaded XLSForm is checked (pyxform), so a question written here can do no more
and no less than one written in Excel."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError
from palermo.monitoring.choices import QuestionKind
from palermo.monitoring.xlsform import ChoicePlan, FormPlan, QuestionPlan

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
WITH_CHOICES = frozenset({QuestionKind.SELECT_ONE, QuestionKind.SELECT_MULTIPLE})


@dataclass(frozen=True)
class NewQuestion:
    """A question as the page's form gives it; `choices`: one per line, `name = label`."""

    kind: str
    name: str
    label: str
    hint: str = ""
    required: bool = False
    relevance: str = ""
    constraint: str = ""
    choices: str = ""
    section: str = ""


def _refused(name: str, reason: str) -> ApplicationError:
    return ApplicationError("{}: {}".format(name or "?", reason), code="invalid_question")


def _choices(question: NewQuestion, language: str) -> list[ChoicePlan]:
    found: list[ChoicePlan] = []
    for line in question.choices.splitlines():
        if not line.strip():
            continue
        name, sep, label = line.partition("=")
        name = name.strip()
        if not sep or not NAME.match(name) or not label.strip():
            raise _refused(
                question.name, _("a choice is written name = label: {}").format(line.strip()[:60])
            )
        found.append(ChoicePlan(question.name, name, {language: label.strip()}))
    if not found:
        raise _refused(question.name, _("give its choices, one per line: name = label"))
    if len({c.name for c in found}) != len(found):
        raise _refused(question.name, _("two choices have the same name"))
    return found


def with_question(plan: FormPlan, question: NewQuestion) -> FormPlan:
    """The plan with the question added at the end of its section (or of the form)."""
    name = question.name.strip()
    if not NAME.match(name):
        raise _refused(name, _("a name is letters, digits and '_', starting with a letter"))
    if any(q.name == name for q in plan.questions):
        raise _refused(name, _("the form has a question of that name already"))
    if question.kind not in QuestionKind.values:
        raise _refused(name, _("choose what the question asks for"))
    if not question.label.strip() and question.kind != QuestionKind.SECTION:
        raise _refused(name, _("write the question"))
    sections = {q.name for q in plan.questions if q.kind == QuestionKind.SECTION}
    section = question.section.strip() or None
    if section is not None and section not in sections:
        raise _refused(name, _("no section {}").format(section))
    language = plan.default_language
    new = QuestionPlan(
        name=name,
        kind=question.kind,
        section=section,
        label={language: question.label.strip()} if question.label.strip() else {},
        hint={language: question.hint.strip()} if question.hint.strip() else {},
        relevance=question.relevance.strip(),
        constraint=question.constraint.strip(),
        required=question.required
        and question.kind not in (QuestionKind.SECTION, QuestionKind.NOTE),
        choice_list=name if question.kind in WITH_CHOICES else "",
    )
    choices = list(plan.choices)
    if question.kind in WITH_CHOICES:
        choices += _choices(replace(question, name=name), language)
    questions = list(plan.questions)
    at = len(questions)
    if section is not None:  # after the section's last question (its descendants included)
        inside = {section}
        for n, q in enumerate(questions):
            if q.name == section:
                at = n + 1
            elif q.section in inside:
                at = n + 1
                if q.kind == QuestionKind.SECTION:
                    inside.add(q.name)
    questions.insert(at, new)
    languages = plan.languages or [language]
    return replace(plan, questions=questions, choices=choices, languages=languages)


def without_question(plan: FormPlan, name: str) -> FormPlan:
    """The plan without the question (a section only once it is empty), nor its own choices."""
    found = next((q for q in plan.questions if q.name == name), None)
    if found is None:
        raise _refused(name, _("no such question"))
    if found.kind == QuestionKind.SECTION and any(q.section == name for q in plan.questions):
        raise _refused(name, _("remove the section's questions first"))
    used = {q.choice_list for q in plan.questions if q.name != name}
    return replace(
        plan,
        questions=[q for q in plan.questions if q.name != name],
        choices=[
            c for c in plan.choices if c.list_name in used or c.list_name != found.choice_list
        ],
    )
