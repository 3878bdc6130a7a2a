"""Writing a draft version in the pages: a new draft (a copy of the last version, or empty),
questions added at the end of the form or of a section, checked as an uploaded XLSForm is,
removed; a draft that asks nothing is not published."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.monitoring import services
from palermo.monitoring.authoring import NewQuestion, with_question, without_question
from palermo.monitoring.versionplan import version_plan

pytestmark = pytest.mark.django_db


def test_a_draft_written_question_by_question(secretariat: User) -> None:
    q = services.questionnaire_create(actor=secretariat, key="written", title="Written here")
    draft = services.version_draft_new(actor=secretariat, questionnaire=q)
    assert (draft.number, draft.questions.count()) == (1, 0)
    with pytest.raises(ApplicationError, match="asks nothing yet"):
        services.questionnaire_version_publish(actor=secretariat, version=draft)
    steps = [
        NewQuestion(kind="section", name="legal", label="Legislation"),
        NewQuestion(kind="yes_no", name="has_law", label="A law?", required=True, section="legal"),
        NewQuestion(kind="integer", name="victims", label="Victims", constraint=". >= 0"),
        NewQuestion(kind="text", name="law", label="Its title", relevance="${has_law} = 'yes'",
                    section="legal"),
        NewQuestion(kind="select_one", name="lead", label="Lead agency",
                    choices="police = Police\njustice = Ministry of Justice"),
    ]  # fmt: skip
    for step in steps:
        draft = services.version_questions_set(
            actor=secretariat, version=draft, plan=with_question(version_plan(draft), step)
        )
    plan = version_plan(draft)
    assert [(x.name, x.section) for x in plan.questions] == [
        ("legal", None), ("has_law", "legal"), ("law", "legal"), ("victims", None), ("lead", None)
    ]  # fmt: skip
    assert [(c.list_name, c.name) for c in plan.choices if c.list_name == "lead"] == [
        ("lead", "police"),
        ("lead", "justice"),
    ]
    for wrong, problem in [
        (NewQuestion(kind="text", name="law", label="Again"), "a question of that name already"),
        (NewQuestion(kind="text", name="2bad", label="x"), "a name is letters"),
        (NewQuestion(kind="select_one", name="pick", label="x"), "give its choices"),
        (NewQuestion(kind="text", name="why", label="x", relevance="${nothing} = 'yes'"),
         "nothing"),
        (NewQuestion(kind="text", name="where", label="x", section="nope"), "no section nope"),
    ]:  # fmt: skip
        with pytest.raises(ApplicationError, match=problem):
            services.version_questions_set(
                actor=secretariat, version=draft, plan=with_question(version_plan(draft), wrong)
            )
    assert draft.questions.count() == 5  # unchanged by the refusals
    with pytest.raises(ApplicationError, match="remove the section's questions first"):
        without_question(version_plan(draft), "legal")
    draft = services.version_questions_set(
        actor=secretariat, version=draft, plan=without_question(version_plan(draft), "lead")
    )
    assert not draft.choices.filter(list_name="lead").exists()
    services.questionnaire_version_publish(actor=secretariat, version=draft)
    second = services.version_draft_new(actor=secretariat, questionnaire=q)
    assert [x.name for x in version_plan(second).questions] == [
        "legal",
        "has_law",
        "law",
        "victims",
    ]
    draft.refresh_from_db()
    with pytest.raises(ApplicationError, match="published"):
        services.version_questions_set(
            actor=secretariat, version=draft, plan=without_question(version_plan(draft), "victims")
        )


def test_the_pages(client: Client, secretariat: User) -> None:
    q = services.questionnaire_create(actor=secretariat, key="paged", title="Paged")
    client.force_login(secretariat)
    made = client.post(reverse("monitoring:version_draft", args=[q.key]))
    assert made["Location"] == reverse("monitoring:version", args=[q.key, 1])
    edit = reverse("monitoring:version_edit", args=[q.key, 1])
    client.post(edit, {"action": "add", "kind": "text", "name": "why", "label": "Why?"})
    bad = client.post(
        edit, {"action": "add", "kind": "text", "name": "why", "label": "Again"}, follow=True
    )
    assert "why: the form has a question of that name already" in bad.content.decode()
    page = client.get(reverse("monitoring:version", args=[q.key, 1])).content.decode()
    assert "Why?" in page and 'id="add-question"' in page and "Remove why" in page
    client.post(edit, {"action": "remove", "question": "why"})
    assert not q.versions.get().questions.exists()
