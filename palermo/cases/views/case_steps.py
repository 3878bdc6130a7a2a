"""Steps on a case: open, edit, close, reopen, comment, record proceedings, add a person."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.cases import access as acl
from palermo.cases import choices as c
from palermo.cases import forms as f
from palermo.cases import services
from palermo.cases.models import Case, Person
from palermo.cases.views.base import CaseStepView, CasesView
from palermo.core.errors import ForbiddenError
from palermo.core.views import FormServiceView, page_user


class CaseOpenView(CasesView, FormServiceView):
    """Open a case held by the user's organisation (case workers and investigators)."""

    form_class = f.CaseOpenForm
    template_name = "cases/step.html"
    title = gettext_lazy("Open a case")
    intro = gettext_lazy(
        "The case is held by your organisation. Add the persons in it on the next page."
    )
    submit_label = gettext_lazy("Open the case")

    def resolve(self, **kwargs: Any) -> None:
        if not acl.may_open_cases(self.request.user):
            raise ForbiddenError(_("Only case workers and investigators open cases."))

    def get_context_data(self, form: forms.Form) -> dict[str, Any]:
        return super().get_context_data(form) | {"cancel_url": reverse("cases:list")}

    def perform(self, form: f.CaseOpenForm) -> Case:
        d = form.cleaned_data
        return services.case_open(
            actor=page_user(self.request),
            opened_on=d["opened_on"],
            title=d["title"],
            country=d["country"] or None,
            referring_organisation=d["referring_organisation"],
            incoming_referral_date=d["incoming_referral_date"],
            reason_for_incoming_referral=d["reason_for_incoming_referral"],
            incoming_referral_details=d["incoming_referral_details"],
        )

    def get_success_url(self, obj: Any) -> str:
        return reverse("cases:detail", args=[obj.pk])

    def get_success_message(self, obj: Any) -> str:
        return _("Case {} opened.").format(obj.reference)


class CaseEditView(CaseStepView):
    form_class = f.CaseEditForm
    title = gettext_lazy("Edit the case details")

    def get_initial(self) -> dict[str, Any]:
        return {name: getattr(self.case, name) for name in services.CASE_FIELDS}

    def perform(self, form: f.CaseEditForm) -> Case:
        return services.case_update(actor=self.actor, case=self.case, **form.cleaned_data)


class CaseCloseView(CaseStepView):
    form_class = f.CaseCloseForm
    title = gettext_lazy("Close the case")
    intro = gettext_lazy(
        "A closed case is anonymised when the retention period of its country has passed."
    )
    submit_label = gettext_lazy("Close the case")

    def perform(self, form: f.CaseCloseForm) -> Case:
        d = form.cleaned_data
        return services.case_close(
            actor=self.actor,
            case=self.case,
            reason=d["reason"],
            closed_on=d["closed_on"],
            referred=d["referred"],
        )

    def get_success_message(self, obj: Any) -> str:
        return _("Case {} closed.").format(obj.reference)


class CaseReopenView(CaseStepView):
    form_class = f.ConfirmForm
    title = gettext_lazy("Reopen the case")
    intro = gettext_lazy("The case goes back to follow-up.")
    submit_label = gettext_lazy("Reopen the case")

    def perform(self, form: f.ConfirmForm) -> Case:
        return services.case_reopen(actor=self.actor, case=self.case)

    def get_success_message(self, obj: Any) -> str:
        return _("Case {} reopened.").format(obj.reference)


class CommentView(CaseStepView):
    form_class = f.CommentForm
    title = gettext_lazy("Add a comment")
    submit_label = gettext_lazy("Add the comment")

    def perform(self, form: f.CommentForm) -> Any:
        return services.comment_add(
            actor=self.actor, case=self.case, text=form.cleaned_data["text"]
        )

    def get_success_url(self, obj: Any) -> str:
        return reverse("cases:detail", args=[self.case.pk]) + "#comments"


class ProceedingView(CaseStepView):
    form_class = f.ProceedingForm
    title = gettext_lazy("Record criminal proceedings")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"suspects": self.case.persons.filter(role=c.PersonRole.SUSPECT)}

    def perform(self, form: f.ProceedingForm) -> Any:
        d = form.cleaned_data
        return services.proceeding_record(
            actor=self.actor,
            case=self.case,
            stage=d["stage"],
            started_on=d["started_on"],
            suspect=d["suspect"],
            **form.details(),
        )


class PersonAddView(CaseStepView):
    form_class = f.PersonForm
    title = gettext_lazy("Add a person")
    submit_label = gettext_lazy("Add the person")

    def get_initial(self) -> dict[str, Any]:
        return {"role": c.PersonRole.PRESUMED_VICTIM}

    def perform(self, form: f.PersonForm) -> Person:
        return services.person_add(
            actor=self.actor,
            case=self.case,
            role=form.cleaned_data["role"],
            identity=form.identity(),
            **form.facts(),
        )

    def get_success_url(self, obj: Any) -> str:
        return reverse("cases:person", args=[obj.pseudonym])

    def get_success_message(self, obj: Any) -> str:
        return _("{} added to the case.").format(obj.pseudonym)
