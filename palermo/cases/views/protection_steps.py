"""Steps on a person's protection: measures, a child's guardian and best-interest
determination, return, follow-up visits, support plans."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.cases import forms as f
from palermo.cases import services
from palermo.cases.dates import day_text
from palermo.cases.views.base import ObjectStepView, PersonStepView


class MeasureGrantView(PersonStepView):
    form_class = f.MeasureGrantForm
    title = gettext_lazy("Grant a protection measure")

    def get_context_data(self, form: forms.Form | None) -> dict[str, Any]:
        minimum = services.reflection_days_min(self.case.country)
        intro = _(
            "A reflection and recovery period lasts at least {} days in {}. Residence permits "
            "are temporary and renewable."
        ).format(minimum, self.case.country.name)
        return super().get_context_data(form) | {"intro": intro}

    def perform(self, form: f.MeasureGrantForm) -> Any:
        d = form.cleaned_data
        return services.measure_grant(
            actor=self.actor,
            person=self.p,
            kind=d["kind"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            linked_to_cooperation=d["linked_to_cooperation"],
            decided_by=d["decided_by"],
            reference=d["reference"],
            notes=d["notes"],
        )

    def get_success_message(self, obj: Any) -> str:
        if obj.ends_on:
            return _("{} granted until {}.").format(obj.get_kind_display(), day_text(obj.ends_on))
        return _("{} granted.").format(obj.get_kind_display())


class MeasureRenewView(ObjectStepView):
    form_class = f.MeasureRenewForm
    related = "measures"
    title = gettext_lazy("Renew the measure")

    def perform(self, form: f.MeasureRenewForm) -> Any:
        d = form.cleaned_data
        return services.measure_renew(
            actor=self.actor,
            measure=self.obj,
            ends_on=d["ends_on"],
            reference=d["reference"],
        )


class MeasureEndView(ObjectStepView):
    form_class = f.MeasureEndForm
    related = "measures"
    title = gettext_lazy("End the measure")
    submit_label = gettext_lazy("End the measure")

    def perform(self, form: f.MeasureEndForm) -> Any:
        d = form.cleaned_data
        return services.measure_end(
            actor=self.actor, measure=self.obj, revoke=d["revoke"], notes=d["notes"]
        )


class GuardianView(PersonStepView):
    form_class = f.GuardianForm
    title = gettext_lazy("Appoint a guardian")
    intro = gettext_lazy(
        "A child, or a victim whose age is unknown or uncertain (presumed a child), needs a "
        "guardian."
    )

    def perform(self, form: f.GuardianForm) -> Any:
        d = form.cleaned_data
        return services.guardian_appoint(
            actor=self.actor,
            person=self.p,
            appointed_on=d["appointed_on"],
            name=d["name"],
            organisation=d["organisation"],
        )


class BestInterestView(PersonStepView):
    form_class = f.BestInterestForm
    title = gettext_lazy("Best-interest determination")
    intro = gettext_lazy(
        "No return of a child can be decided without a determination that return is in the "
        "child's best interest."
    )

    def get_initial(self) -> dict[str, Any]:
        return {"decided_by": self.case.organisation_id}

    def perform(self, form: f.BestInterestForm) -> Any:
        d = form.cleaned_data
        return services.best_interest_record(
            actor=self.actor,
            person=self.p,
            decided_on=d["decided_on"],
            return_in_best_interest=d["return_in_best_interest"],
            reasoning=d["reasoning"],
            decided_by=d["decided_by"],
        )


class ReturnPlanView(PersonStepView):
    form_class = f.ReturnPlanForm
    title = gettext_lazy("Plan a return")

    def perform(self, form: f.ReturnPlanForm) -> Any:
        d = form.cleaned_data
        authority = d["receiving_authority"]
        return services.return_plan(
            actor=self.actor,
            person=self.p,
            destination=d["destination"],
            risk_level=d["risk_level"],
            risk_assessment=d["risk_assessment"],
            voluntary_consent=d["voluntary_consent"],
            consent_on=d["consent_on"],
            travel_documents=d["travel_documents"],
            receiving_authority_id=authority.pk if authority else None,
            planned_for=d["planned_for"],
        )


class ReturnDecideView(ObjectStepView):
    form_class = f.ReturnDecideForm
    related = "returns"
    title = gettext_lazy("Decide the return")
    submit_label = gettext_lazy("Decide the return")

    def get_context_data(self, form: forms.Form | None) -> dict[str, Any]:
        ret = self.obj
        intro = _("Return to {}: {} risk.").format(
            ret.destination.name, ret.get_risk_level_display()
        )
        if self.p.is_child:
            intro += " " + _(
                "For a child this needs an appointed guardian and a best-interest determination "
                "that found return in the child's interest."
            )
        return super().get_context_data(form) | {"intro": intro}

    def perform(self, form: f.ReturnDecideForm) -> Any:
        return services.return_decide(
            actor=self.actor, ret=self.obj, decided_on=form.cleaned_data["decided_on"]
        )


class ReturnCompleteView(ObjectStepView):
    form_class = f.ReturnCompleteForm
    related = "returns"
    title = gettext_lazy("Record the return")

    def perform(self, form: f.ReturnCompleteForm) -> Any:
        return services.return_complete(
            actor=self.actor, ret=self.obj, return_date=form.cleaned_data["return_date"]
        )


class FollowUpPlanView(PersonStepView):
    form_class = f.FollowUpPlanForm
    title = gettext_lazy("Plan a follow-up visit")

    def perform(self, form: f.FollowUpPlanForm) -> Any:
        return services.follow_up_plan(
            actor=self.actor, person=self.p, planned_on=form.cleaned_data["planned_on"]
        )


class FollowUpRecordView(ObjectStepView):
    form_class = f.FollowUpRecordForm
    related = "follow_ups"
    title = gettext_lazy("Record a follow-up visit")

    def perform(self, form: f.FollowUpRecordForm) -> Any:
        d = form.cleaned_data
        return services.follow_up_record(
            actor=self.actor,
            visit=self.obj,
            done_on=d["done_on"],
            outcome=d["outcome"],
            retrafficked=d["retrafficked"],
        )


class SupportPlanView(PersonStepView):
    form_class = f.SupportPlanForm
    title = gettext_lazy("Add a support plan")

    def perform(self, form: f.SupportPlanForm) -> Any:
        d = form.cleaned_data
        return services.support_plan_add(
            actor=self.actor,
            person=self.p,
            plan_type=d["plan_type"],
            objectives=d["objectives"],
            action_plan=d["action_plan"],
            planned_end=d["planned_end"],
        )
