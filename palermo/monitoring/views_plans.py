"""Action plan pages under /monitoring/plans/: the plans (regional, the national plans that
implement them, agencies' work plans), a plan's progress on a date, loading plans from a YAML
file, reporting an indicator's value with its evidence, and the keepers' approval."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import User
from palermo.core.permissions import has_role
from palermo.core.views import FormServiceView, page_user
from palermo.monitoring import selectors_plans as sel
from palermo.monitoring.choices import IndicatorKind, Progress, ValueStatus
from palermo.monitoring.countrylists import LANGUAGES, language_of
from palermo.monitoring.models import Plan, ReportedValue
from palermo.monitoring.plan_reports import plan_report_file
from palermo.monitoring.planfile import MAX_BYTES
from palermo.monitoring.progress import plan_progress
from palermo.monitoring.reports import MEDIA_TYPES, attachment
from palermo.monitoring.services import plans as svc
from palermo.monitoring.views import MonitoringView
from palermo.registry.selectors import parse_as_of


class PlanUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Plans (YAML)"),
        help_text=gettext_lazy(
            "A YAML file of one plan or more: objectives, activities, indicators with their "
            "targets (the layout is in the README). All its plans are loaded, or none."
        ),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than {} MB.").format(MAX_BYTES // 1_000_000)
            )
        return upload


class ValueForm(forms.Form):
    period_start = forms.DateField(
        label=gettext_lazy("Period from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=gettext_lazy("Period to"), widget=forms.DateInput(attrs={"type": "date"})
    )
    value = forms.DecimalField(label=gettext_lazy("Value"), max_digits=14, decimal_places=2)
    evidence = forms.CharField(
        label=gettext_lazy("Evidence"),
        max_length=svc.MAX_EVIDENCE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("What shows the value: a report, a decree, a list of trainings ..."),
    )
    evidence_url = forms.URLField(
        label=gettext_lazy("Link to the evidence"), required=False, max_length=500
    )


def can_load(user: User) -> bool:
    return has_role(user, *svc.KEEPERS)


class PlanListView(MonitoringView):
    def get(self, request: HttpRequest) -> HttpResponse:
        user = page_user(request)
        return render(
            request,
            "monitoring/plan_list.html",
            {"plans": sel.plan_list(user=user), "can_load": can_load(user)},
        )


class PlanUploadView(FormServiceView):
    form_class = PlanUploadForm
    template_name = "monitoring/plan_form.html"
    title = gettext_lazy("Load plans")
    intro = gettext_lazy(
        "Your organisation keeps the plans it loads: a secretariat its regional plans, a "
        "national coordination body its country's plan."
    )
    submit_label = gettext_lazy("Load")
    invalid_status = 400

    def allowed(self, user: User) -> bool:
        return can_load(user)

    def get_context_data(self, form: Any) -> dict[str, Any]:
        return {**super().get_context_data(form), "multipart": True}

    def perform(self, form: PlanUploadForm) -> list[Plan]:
        upload = form.cleaned_data["file"]
        return svc.plan_import(
            actor=page_user(self.request), text=upload.read(), source_name=str(upload.name)
        )

    def get_success_url(self, obj: list[Plan]) -> str:
        return reverse("monitoring:plan", args=[obj[0].key])

    def get_success_message(self, obj: list[Plan]) -> str:
        return _("{} plans loaded: {}.").format(len(obj), ", ".join(p.key for p in obj))


class PlanView(MonitoringView):
    """A plan on a date: every objective, activity and indicator, each period's target and
    actual value and where it stands; late activities and off-track indicators first."""

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        user = page_user(request)
        plan = sel.plan_get(user=user, key=key)
        error = ""
        try:
            as_of = parse_as_of(request.GET.get("as_of", ""))
        except ApplicationError as exc:
            error, as_of = exc.detail, parse_as_of("")
        progress = plan_progress(plan, as_of)
        keeper = svc.is_keeper(user, plan)
        return render(
            request,
            "monitoring/plan.html",
            {
                "plan": plan,
                "progress": progress,
                "as_of_error": error,
                "keeper": keeper,
                "reporter": svc.can_report(user, plan),
                "waiting": sel.values_waiting(plan) if keeper else [],
                "children": plan.children.order_by("key"),
                "counts": [(Progress(k).label, k, n) for k, n in sorted(progress.counts.items())],
                "reported_kind": IndicatorKind.REPORTED,
                "report_languages": LANGUAGES,
            },
        )

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        """A keeper marks an activity done, approves or returns a value; a reporter submits."""
        user = page_user(request)
        plan = sel.plan_get(user=user, key=key)
        action = request.POST.get("action", "")
        try:
            if action == "done":
                number = request.POST.get("activity", "")
                activity = sel.activity_get(plan, number)
                on = (
                    parse_as_of(request.POST.get("done_on", ""))
                    if request.POST.get("done_on")
                    else None
                )
                svc.activity_done(actor=user, activity=activity, on=on)
                messages.success(request, _("Activity {} updated.").format(number))
            elif action in ("submit", "approve", "return"):
                rv = sel.reported_value_get(plan, _int(request.POST.get("value", "")))
                _decide(user, rv, action, request.POST.get("reason", ""))
                done = {
                    "submit": _("The value of indicator {} is submitted for approval."),
                    "approve": _("The value of indicator {} is approved."),
                    "return": _("The value of indicator {} is returned with your reason."),
                }
                messages.success(request, done[action].format(rv.indicator.number))
            else:
                raise ApplicationError(_("Nothing to do."))
        except ApplicationError as exc:
            if exc.status == 403:  # noqa: PLR2004 - not theirs to do
                raise
            messages.error(request, exc.detail)
        back = request.POST.get("back", "")
        return redirect(
            back
            if back.startswith("/monitoring/plans/")
            else reverse("monitoring:plan", args=[key])
        )


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ApplicationError(_("No such value.")) from None


def _decide(user: User, rv: ReportedValue, action: str, reason: str) -> None:
    if action == "submit":
        svc.value_submit(actor=user, value=rv)
    else:
        svc.value_decide(actor=user, value=rv, approve=action == "approve", reason=reason)


class PlanReportView(MonitoringView):
    """The plan's report for a period (`from`, `to`; the plan's own by default) as DOCX or PDF,
    in a UN language."""

    def get(self, request: HttpRequest, key: str, fmt: str) -> HttpResponse:
        user = page_user(request)
        plan = sel.plan_get(user=user, key=key)
        if fmt not in MEDIA_TYPES:
            raise NotFoundError(_("No such report."))
        language = language_of(request.GET.get("lang") or "en")
        try:
            start = parse_as_of(request.GET.get("from") or plan.start)
            end = parse_as_of(request.GET.get("to") or plan.end)
            data = plan_report_file(plan, start=start, end=end, fmt=fmt, language=language)
        except ApplicationError as exc:
            messages.error(request, exc.detail)
            return redirect("monitoring:plan", key)
        return attachment(data, name="{}-{}".format(key, language), fmt=fmt)


class ValueReportView(FormServiceView):
    """A reported indicator's values, period by period, and the form to write one."""

    form_class = ValueForm
    template_name = "monitoring/plan_value.html"
    submit_label = gettext_lazy("Save as draft")
    invalid_status = 400
    forbidden_as_404 = True

    def resolve(self, **kwargs: Any) -> None:
        user = page_user(self.request)
        self.plan = sel.plan_get(user=user, key=kwargs["key"])
        self.indicator = sel.indicator_get(self.plan, kwargs["number"])
        self.title = _("Indicator {}: {}").format(self.indicator.number, self.indicator.title)

    def get_initial(self) -> dict[str, Any]:
        target = self.indicator.targets.order_by("period_end").first()
        if target is None:
            return {}
        return {"period_start": target.period_start, "period_end": target.period_end}

    def get_context_data(self, form: Any) -> dict[str, Any]:
        user = page_user(self.request)
        return {
            **super().get_context_data(form),
            "plan": self.plan,
            "indicator": self.indicator,
            "values": self.indicator.values.select_related("submitted_by", "decided_by"),
            "targets": self.indicator.targets.all(),
            "can_write": svc.can_report(user, self.plan),
            "keeper": svc.is_keeper(user, self.plan),
            "editable": (ValueStatus.DRAFT, ValueStatus.RETURNED),
        }

    def perform(self, form: ValueForm) -> ReportedValue:
        data = form.cleaned_data
        return svc.value_save(
            actor=page_user(self.request),
            indicator=self.indicator,
            period_start=data["period_start"],
            period_end=data["period_end"],
            value=Decimal(data["value"]),
            evidence=data["evidence"],
            evidence_url=data["evidence_url"] or "",
        )

    def get_success_url(self, obj: ReportedValue) -> str:
        return reverse("monitoring:plan_value", args=[self.plan.key, self.indicator.number])

    def get_success_message(self, obj: ReportedValue) -> str:
        return _("Value saved as a draft: submit it for approval when it is ready.")
