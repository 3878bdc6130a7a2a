"""Monitoring pages under /monitoring/: a secretariat's questionnaires, their versions (XLSForm
upload and download, a preview in the reader's language, publication)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import User
from palermo.core.views import FormServiceView, PalermoView, page_user
from palermo.monitoring import selectors, services
from palermo.monitoring.choices import QuestionKind, VersionStatus
from palermo.monitoring.forms import (
    QuestionForm,
    QuestionnaireForm,
    XLSFormUploadForm,
    sections_of,
)
from palermo.monitoring.models import Questionnaire, QuestionnaireVersion
from palermo.monitoring.versionplan import version_plan
from palermo.monitoring.xlsform import ChoicePlan, QuestionPlan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_author(user: User, questionnaire: Questionnaire | None = None) -> bool:
    try:
        services.secretariat_author(user)
    except ForbiddenError:
        return False
    return questionnaire is None or questionnaire.owner_id == user.organisation_id


class MonitoringView(PalermoView):
    """A monitoring page: logged-in users; what they may not see answers 404."""

    forbidden_as_404 = True


class QuestionnaireListView(MonitoringView):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = page_user(request)
        rows = [
            (q, list(selectors.version_list(user=user, questionnaire=q)))
            for q in selectors.questionnaire_list(user=user)
        ]
        return render(
            request,
            "monitoring/questionnaire_list.html",
            {"rows": rows, "can_author": is_author(user)},
        )


class QuestionnaireNewView(FormServiceView):
    form_class = QuestionnaireForm
    template_name = "monitoring/form.html"
    title = gettext_lazy("New questionnaire")
    intro = gettext_lazy(
        "A questionnaire of your secretariat, sent to States in rounds. Its questions come in "
        "versions: upload an XLSForm next."
    )
    submit_label = gettext_lazy("Create")
    invalid_status = 400

    def allowed(self, user: User) -> bool:
        return is_author(user)

    def perform(self, form: QuestionnaireForm) -> Questionnaire:
        return services.questionnaire_create(
            actor=page_user(self.request),
            key=form.cleaned_data["key"],
            title=form.cleaned_data["title"],
        )

    def get_success_url(self, obj: Questionnaire) -> str:
        return reverse("monitoring:questionnaire", args=[obj.key])

    def get_success_message(self, obj: Questionnaire) -> str:
        return _("Questionnaire {} created.").format(obj.key)


class QuestionnaireView(MonitoringView):
    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        user = page_user(request)
        questionnaire = selectors.questionnaire_get(user=user, key=key)
        return render(
            request,
            "monitoring/questionnaire.html",
            {
                "questionnaire": questionnaire,
                "versions": selectors.version_list(user=user, questionnaire=questionnaire),
                "can_author": is_author(user, questionnaire),
                "upload": XLSFormUploadForm(),
                "draft": VersionStatus.DRAFT,
            },
        )


class VersionUploadView(FormServiceView):
    form_class = XLSFormUploadForm
    template_name = "monitoring/form.html"
    title = gettext_lazy("Upload an XLSForm")
    submit_label = gettext_lazy("Upload")
    invalid_status = 400
    forbidden_as_404 = True

    def resolve(self, **kwargs: Any) -> None:
        user = page_user(self.request)
        self.questionnaire = selectors.questionnaire_get(user=user, key=kwargs["key"])
        if not is_author(user, self.questionnaire):
            raise ForbiddenError()

    def get_context_data(self, form: Any) -> dict[str, Any]:
        context = super().get_context_data(form)
        context["questionnaire"] = self.questionnaire
        context["multipart"] = True
        return context

    def perform(self, form: XLSFormUploadForm) -> QuestionnaireVersion:
        upload = form.cleaned_data["file"]
        return services.questionnaire_version_import(
            actor=page_user(self.request),
            questionnaire=self.questionnaire,
            data=upload.read(),
            file_name=str(upload.name),
        )

    def get_success_url(self, obj: QuestionnaireVersion) -> str:
        return reverse("monitoring:version", args=[obj.questionnaire.key, obj.number])

    def get_success_message(self, obj: QuestionnaireVersion) -> str:
        return _("Version {} (draft) created from the XLSForm.").format(obj.number)


def text_in(texts: dict[str, str], language: str, default: str) -> str:
    return texts.get(language) or texts.get(default) or next(iter(texts.values()), "")


class VersionView(MonitoringView):
    def get(self, request: HttpRequest, key: str, number: int) -> HttpResponse:
        user = page_user(request)
        questionnaire = selectors.questionnaire_get(user=user, key=key)
        version = selectors.version_get(user=user, questionnaire=questionnaire, number=number)
        plan = version_plan(version)
        language = (translation.get_language() or "en").split("-")[0]
        default = version.default_language
        choices: dict[str, list[ChoicePlan]] = {}
        for c in plan.choices:
            choices.setdefault(c.list_name, []).append(c)

        def shown(q: QuestionPlan) -> dict[str, Any]:
            return {
                "q": q,
                "kind": QuestionKind(q.kind).label,
                "label": text_in(q.label, language, default),
                "hint": text_in(q.hint, language, default),
                "message": text_in(q.constraint_message, language, default),
                "choices": [
                    text_in(c.label, language, default) or c.name
                    for c in choices.get(q.choice_list, [])
                ],
                "children": [],
            }

        # Sections hold the questions that follow them (sections in sections too).
        top: list[dict[str, Any]] = []
        by_name: dict[str, dict[str, Any]] = {}
        for q in plan.questions:
            item = shown(q)
            by_name[q.name] = item
            parent = by_name.get(q.section) if q.section else None
            (parent["children"] if parent is not None else top).append(item)

        return render(
            request,
            "monitoring/version.html",
            {
                "questionnaire": questionnaire,
                "version": version,
                "questions": top,
                "can_publish": is_author(user, questionnaire)
                and version.status == VersionStatus.DRAFT,
                "question_form": _question_form(version)
                if is_author(user, questionnaire) and version.status == VersionStatus.DRAFT
                else None,
                "section": QuestionKind.SECTION,
                "note": QuestionKind.NOTE,
            },
        )


def _question_form(version: QuestionnaireVersion) -> QuestionForm:
    return QuestionForm(sections=sections_of(version))


class VersionXLSFormView(MonitoringView):
    def get(self, request: HttpRequest, key: str, number: int) -> HttpResponse:
        user = page_user(request)
        questionnaire = selectors.questionnaire_get(user=user, key=key)
        version = selectors.version_get(user=user, questionnaire=questionnaire, number=number)
        response = HttpResponse(selectors.version_xlsform(version), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="{}-v{}.xlsx"'.format(key, number)
        return response


class VersionPublishView(MonitoringView):
    def post(self, request: HttpRequest, key: str, number: int) -> HttpResponse:
        user = page_user(request)
        questionnaire = selectors.questionnaire_get(user=user, key=key)
        version = selectors.version_get(user=user, questionnaire=questionnaire, number=number)
        try:
            services.questionnaire_version_publish(actor=user, version=version)
        except ApplicationError as exc:
            if exc.status == 403:  # noqa: PLR2004 - not the secretariat's: no such action for them
                raise
            messages.error(request, exc.detail)
        else:
            messages.success(
                request, _("Version {} published: it no longer changes.").format(number)
            )
        return redirect("monitoring:version", key, number)
