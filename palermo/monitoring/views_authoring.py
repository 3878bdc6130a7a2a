"""Writing a questionnaire's draft version in the pages: a new draft (a copy of the last
version, or empty), a question added (at the end of the form or of a section) or removed;
each change is checked as an uploaded XLSForm is."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.views import page_user
from palermo.monitoring import selectors, services
from palermo.monitoring.authoring import NewQuestion, with_question, without_question
from palermo.monitoring.choices import VersionStatus
from palermo.monitoring.forms import QuestionForm, sections_of
from palermo.monitoring.versionplan import version_plan
from palermo.monitoring.views import MonitoringView, is_author


class VersionDraftView(MonitoringView):
    """POST: a new draft version to write in the pages."""

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        user = page_user(request)
        questionnaire = selectors.questionnaire_get(user=user, key=key)
        draft = services.version_draft_new(actor=user, questionnaire=questionnaire)
        messages.success(request, _("Version {} (draft) created.").format(draft.number))
        return redirect("monitoring:version", key, draft.number)


class VersionEditView(MonitoringView):
    """POST: add a question to a draft (`action=add`) or remove one (`action=remove`)."""

    def post(self, request: HttpRequest, key: str, number: int) -> HttpResponse:
        user = page_user(request)
        questionnaire = selectors.questionnaire_get(user=user, key=key)
        version = selectors.version_get(user=user, questionnaire=questionnaire, number=number)
        if not is_author(user, questionnaire) or version.status != VersionStatus.DRAFT:
            raise ForbiddenError(_("Only a draft of your secretariat is written here."))
        plan = version_plan(version)
        try:
            if request.POST.get("action") == "remove":
                name = request.POST.get("question", "")
                services.version_questions_set(
                    actor=user, version=version, plan=without_question(plan, name)
                )
                messages.success(request, _("{}: removed.").format(name))
            else:
                form = QuestionForm(request.POST, sections=sections_of(version))
                if not form.is_valid():
                    raise ApplicationError(
                        "; ".join(
                            "{}: {}".format(form.fields[f].label, " ".join(str(m) for m in e))
                            for f, e in form.errors.items()
                        ),
                        code="invalid",
                    )
                added = NewQuestion(**form.cleaned_data)
                services.version_questions_set(
                    actor=user, version=version, plan=with_question(plan, added)
                )
                messages.success(request, _("{}: added.").format(added.name))
        except ApplicationError as exc:
            if exc.status in (403, 404):  # noqa: PLR2004 - not theirs
                raise
            messages.error(request, exc.detail)
        return redirect("monitoring:version", key, number)
