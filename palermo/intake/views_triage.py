"""The hotline's triage pages (issue 18), for its operators (the hotline organisation's case
workers): `/intake/` the queue, most urgent and soonest due first, with who handles what and
bulk actions; `/intake/new/` a call or message taken down; `/intake/<reference>/` one report:
its account (the read audited), the reporter's additions, the other reports of its situation,
and the steps: take, screen, escalate, consent, note, close."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from palermo.cases.models import IndicatorList
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.core.views import PalermoView, page_user
from palermo.intake import accounts, attachments, selectors, services, triage
from palermo.intake import choices as c
from palermo.intake import forms_triage as f
from palermo.intake.forms import report_values
from palermo.intake.models import Report

PAGE = 100


class TriagePage(PalermoView):
    forbidden_as_404 = True

    def allowed(self, user: User) -> bool:
        try:
            triage.operator(user)
        except ApplicationError:
            return False
        return True


class QueueView(TriagePage):
    template_name = "intake/queue.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = f.QueueFilter(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {"status": "open"}
        rows = selectors.queue(
            request.user,
            status=data.get("status", "open") if request.GET else "open",
            priority=data.get("priority") or "",
            situation=(data.get("situation") or "").strip().upper(),
        )
        now = timezone.now()
        shown = list(rows[:PAGE])
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "rows": shown,
                "count": rows.count(),
                "now": now,
                "outcomes": [(v, lbl) for v, lbl in c.Outcome.choices if v in triage.BULK_OUTCOMES],
            },
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        """A bulk action on the reports ticked."""
        user = page_user(request)
        references = request.POST.getlist("report")
        try:
            done = triage.reports_bulk(
                actor=user, references=references, action=request.POST.get("action", "")
            )
        except ApplicationError as exc:
            if exc.status in (403,):
                raise
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("{} reports done.").format(done))
        return redirect("intake_triage:queue")


class CallView(TriagePage):
    template_name = "intake/call.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": f.CallForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        user = page_user(request)
        form = f.CallForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                filed = services.report_file(
                    hotline=user.organisation.hotline,  # type: ignore[union-attr]
                    channel=data["channel"],
                    language=get_language() or "en",
                    **report_values(data, anonymous=False),
                    actor=user,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(
                    request,
                    _("Report {} filed. The caller's code: {}").format(
                        filed.report.reference, accounts.code_format(filed.code)
                    ),
                )
                return redirect("intake_triage:report", filed.report.reference)
        return render(request, self.template_name, {"form": form}, status=400)


def _indicator_choices(lists: list[IndicatorList]) -> list[tuple[str, Any]]:
    return [
        (str(lst.title), [(i.code, "{} ({})".format(i.text, i.get_strength_display()))
                          for i in lst.indicators.all()])
        for lst in lists
        if lst.indicators.all()
    ]  # fmt: skip


class ReportView(TriagePage):
    template_name = "intake/report.html"

    def get(self, request: HttpRequest, reference: str) -> HttpResponse:
        return self.page(request, selectors.report_get(request.user, reference))

    def page(
        self, request: HttpRequest, report: Report, forms: dict[str, Any] | None = None,
        status: int = 200,
    ) -> HttpResponse:  # fmt: skip
        lists = selectors.indicator_lists()
        screened = report.screening.get("codes", [])
        read = selectors.report_read(request.user, report)
        labels = {
            "name": _("Name"),
            "phone": _("Phone"),
            "email": _("Email"),
            "safe": _("When and how it is safe to contact them"),
        }
        context: dict[str, Any] = {
            "r": report,
            "read": read,
            "operators": selectors.operators(page_user(request)),
            "files": list(report.files.all()),
            "contact": [
                (labels.get(k, k), v) for k, v in read.account.contact.items() if v and k in labels
            ],
            "now": timezone.now(),
            "may_tell": triage.may_tell_law_enforcement(report),
            "screen_form": f.ScreenForm(
                initial={"indicators": screened, "child": report.child, "danger": report.danger},
                choices=_indicator_choices(lists),
            ),
            "close_form": f.CloseForm(),
            "escalate_form": f.EscalateForm(),
            "consent_form": f.ConsentForm(initial={"answer": report.consent_law_enforcement}),
            "note_form": f.NoteForm(),
            "case_url": reverse("cases:detail", args=[report.case_id]) if report.case_id else "",
        }
        context.update(forms or {})
        return render(request, self.template_name, context, status=status)

    def post(self, request: HttpRequest, reference: str) -> HttpResponse:
        user = page_user(request)
        report = selectors.report_get(user, reference)
        step = STEPS.get(request.POST.get("action", ""))
        bound: dict[str, Any] = {}
        try:
            if step is None:
                raise ApplicationError(_("Choose an action."), code="invalid")
            step(request, user, report, bound)
        except ApplicationError as exc:
            if exc.status == 403:  # noqa: PLR2004
                raise
            messages.error(request, exc.detail)
            return self.page(request, selectors.report_get(user, reference), bound, status=400)
        messages.success(request, _("Done."))
        return redirect("intake_triage:report", reference)


# --- the steps on a report's page: each checks its form, then calls its service -------------

Bound = dict[str, Any]


def _valid(form: Any, bound: Bound, name: str, message: str) -> dict[str, Any]:
    bound[name] = form
    if not form.is_valid():
        raise ApplicationError(message, code="invalid")
    return dict(form.cleaned_data)


def _take(request: HttpRequest, user: User, report: Report, bound: Bound) -> None:
    triage.report_take(actor=user, report=report)


def _release(request: HttpRequest, user: User, report: Report, bound: Bound) -> None:
    triage.report_release(actor=user, report=report)


def _screen(request: HttpRequest, user: User, report: Report, bound: Bound) -> None:
    lists = selectors.indicator_lists()
    form = f.ScreenForm(request.POST, choices=_indicator_choices(lists))
    data = _valid(form, bound, "screen_form", _("Check the screening."))
    codes = set(data["indicators"])
    chosen = next((lst for lst in lists if {i.code for i in lst.indicators.all()} >= codes), None)
    if chosen is None:
        raise ApplicationError(_("Choose indicators of one list."), code="invalid")
    triage.report_screen(
        actor=user, report=report, indicator_list=chosen, codes=codes,
        child=data["child"], danger=data["danger"],
    )  # fmt: skip


def _escalate(request: HttpRequest, user: User, report: Report, bound: Bound) -> None:
    data = _valid(
        f.EscalateForm(request.POST), bound, "escalate_form", _("Say why it is escalated.")
    )
    triage.report_escalate(actor=user, report=report, reason=data["reason"])


def _consent(request: HttpRequest, user: User, report: Report, bound: Bound) -> None:
    data = _valid(
        f.ConsentForm(request.POST), bound, "consent_form", _("Answer yes, no or I do not know.")
    )
    triage.consent_record(actor=user, report=report, answer=data["answer"])


def _note(request: HttpRequest, user: User, report: Report, bound: Bound) -> None:
    data = _valid(f.NoteForm(request.POST), bound, "note_form", _("Write the note."))
    triage.report_note(actor=user, report=report, text=data["text"])


def _assign(request: HttpRequest, user: User, report: Report, bound: Bound) -> None:
    chosen = next(
        (o for o in selectors.operators(user) if o.username == request.POST.get("to", "")), None
    )
    if chosen is None:
        raise ApplicationError(_("Assign it to an operator of this hotline."), code="invalid")
    triage.report_assign(actor=user, report=report, to=chosen)


def _close(request: HttpRequest, user: User, report: Report, bound: Bound) -> None:
    data = _valid(
        f.CloseForm(request.POST), bound, "close_form", _("Choose what the report became.")
    )
    triage.report_close(actor=user, report=report, outcome=data["outcome"], note=data["note"])


STEPS = {
    "take": _take,
    "release": _release,
    "screen": _screen,
    "escalate": _escalate,
    "consent": _consent,
    "note": _note,
    "assign": _assign,
    "close": _close,
}


class AttachmentView(TriagePage):
    """A file sent with a report, as a download (never shown as a page of this site); the read
    audited; a damaged or missing file answers 409 with the reason."""

    def get(self, request: HttpRequest, reference: str, position: int) -> HttpResponse:
        user = page_user(request)
        report = selectors.report_get(user, reference)
        try:
            attachment, content = selectors.attachment_read(user, report, position)
        except ApplicationError as exc:
            if exc.code.startswith("report_attachment_"):
                return HttpResponse(exc.detail, status=409, content_type="text/plain")
            raise
        response = HttpResponse(content, content_type=attachments.MEDIA[attachment.kind])
        response["Content-Disposition"] = 'attachment; filename="{}-{}.{}"'.format(
            report.reference, attachment.position, attachment.kind
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
