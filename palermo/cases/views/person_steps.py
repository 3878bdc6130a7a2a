"""Steps on a person: facts, identifying data, consent, screening, formal identification,
movements, referrals."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.cases import choices as c
from palermo.cases import forms as f
from palermo.cases import selectors, services
from palermo.cases.models import IndicatorList, Person
from palermo.cases.views.base import ObjectStepView, PersonStepView
from palermo.core.errors import ApplicationError, NotFoundError


class PersonFactsView(PersonStepView):
    form_class = f.PersonFactsForm
    title = gettext_lazy("Edit the case facts")

    def get_initial(self) -> dict[str, Any]:
        return f.PersonFactsForm.initial_for(self.p)

    def perform(self, form: f.PersonFactsForm) -> Person:
        return services.person_update(actor=self.actor, person=self.p, **form.facts())


class IdentityEditView(PersonStepView):
    form_class = f.IdentityEditForm
    title = gettext_lazy("Correct the identifying data")
    intro = f.IdentityFields.IDENTITY_NOTE
    submit_label = gettext_lazy("Save the identifying data")

    def perform(self, form: f.IdentityEditForm) -> Person:
        identity = form.identity()
        if not identity:
            raise ApplicationError(_("Fill in at least one field: empty fields stay as they are."))
        return services.person_identity_set(actor=self.actor, person=self.p, identity=identity)

    def get_context_data(self, form: forms.Form | None) -> dict[str, Any]:
        return super().get_context_data(form) | {
            "intro": "{} {}".format(self.intro, _("Fields left empty keep what is stored."))
        }


class ConsentView(PersonStepView):
    form_class = f.ConsentForm
    title = gettext_lazy("Record consent")

    def perform(self, form: f.ConsentForm) -> Any:
        d = form.cleaned_data
        return services.consent_record(
            actor=self.actor,
            person=self.p,
            purpose=d["purpose"],
            given_on=d["given_on"],
            notes=d["notes"],
        )


class ConsentWithdrawView(ObjectStepView):
    form_class = f.ConsentWithdrawForm
    related = "consents"
    title = gettext_lazy("Withdraw consent")
    submit_label = gettext_lazy("Withdraw consent")

    def perform(self, form: f.ConsentWithdrawForm) -> Any:
        return services.consent_withdraw(
            actor=self.actor,
            consent=self.obj,
            withdrawn_on=form.cleaned_data["withdrawn_on"],
        )


class ScreeningView(PersonStepView):
    """Screen against an indicator list: pick the list, tick what was observed."""

    form_class = f.ScreeningForm
    title = gettext_lazy("Screen against indicators")
    template_name = "cases/screening_form.html"
    submit_label = gettext_lazy("Save the screening")
    indicator_list: IndicatorList | None = None

    def resolve(self, **kwargs: Any) -> None:
        super().resolve(**kwargs)
        self.lists = list(IndicatorList.objects.filter(active=True))
        chosen = self.request.POST.get("indicator_list") or self.request.GET.get("list") or ""
        picked = next((lst for lst in self.lists if str(lst.pk) == chosen), None)
        self.indicator_list = picked or selectors.indicator_list_for(self.p, self.lists)
        if self.indicator_list is None and self.request.method == "POST":
            raise NotFoundError(_("No indicator list is loaded."))

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"indicator_list": self.indicator_list}

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self.resolve(**kwargs)
        form = self.make_form() if self.indicator_list is not None else None
        return render(request, self.template_name, self.get_context_data(form))

    def get_context_data(self, form: forms.Form | None) -> dict[str, Any]:
        return super().get_context_data(form) | {
            "lists": self.lists,
            "indicator_list": self.indicator_list,
        }

    def perform(self, form: f.ScreeningForm) -> Any:
        assert self.indicator_list is not None  # noqa: S101 - resolve() refuses a POST without one
        d = form.cleaned_data
        return services.screening_record(
            actor=self.actor,
            person=self.p,
            indicator_list=self.indicator_list,
            indicators=d["indicators"],
            screened_on=d["screened_on"],
            notes=d["notes"],
        )

    def get_success_url(self, obj: Any) -> str:
        return reverse("cases:screening", args=[self.p.pseudonym, obj.pk])

    def get_success_message(self, obj: Any) -> str:
        return _("Screening saved: {}.").format(obj.get_outcome_display())


class IdentificationView(PersonStepView):
    form_class = f.IdentificationForm
    title = gettext_lazy("Formal identification")
    intro = gettext_lazy("The decision of a competent authority on the person's status.")

    def get_initial(self) -> dict[str, Any]:
        return {"decision": c.IdentificationDecision.IDENTIFIED}

    def perform(self, form: f.IdentificationForm) -> Any:
        d = form.cleaned_data
        return services.identification_record(
            actor=self.actor,
            person=self.p,
            authority=d["authority"],
            decision=d["decision"],
            decision_org_type=d["decision_org_type"],
            reasoning=d["reasoning"],
            decided_on=d["decided_on"],
        )


class MovementView(PersonStepView):
    form_class = f.MovementForm
    title = gettext_lazy("Add a movement")
    intro = gettext_lazy("Where and when the person was recruited, moved through or exploited.")

    def perform(self, form: f.MovementForm) -> Any:
        d = form.cleaned_data
        return services.movement_add(
            actor=self.actor,
            person=self.p,
            event_type=d["event_type"],
            country=d["country"],
            date=d["date"],
            end_date=d["end_date"],
            city=d["city"],
            state=d["state"],
            description=d["description"],
        )


class ReferralView(PersonStepView):
    form_class = f.ReferralForm
    title = gettext_lazy("Refer to a service provider")
    submit_label = gettext_lazy("Send the referral")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"sender": self.case.organisation}

    def perform(self, form: f.ReferralForm) -> Any:
        d = form.cleaned_data
        return services.referral_send(
            actor=self.actor,
            person=self.p,
            to_organisation=d["to_organisation"],
            service=d["service"],
            scopes=d["scopes"],
            details=d["details"],
            reason=d["reason"],
            sent_on=d["sent_on"],
        )

    def get_success_message(self, obj: Any) -> str:
        return _("Referral sent to {}.").format(obj.to_organisation.name)
