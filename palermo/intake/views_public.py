"""The public pages (issue 18): `/report/`, a report from anyone, without an account or
JavaScript, in the six languages, on a phone; `/report/follow-up/`, information added with the
report's code. Nothing identifying of an anonymous sender is kept (`abuse`: only a keyed hash
of the address, in an hourly count, apart from the reports)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from palermo.core.errors import ApplicationError
from palermo.core.lockout import client_ip
from palermo.intake import abuse, accounts, attachments, services, statistics
from palermo.intake import choices as c
from palermo.intake import forms as f


def _language() -> str:
    language = get_language() or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@method_decorator([never_cache, csrf_protect], name="dispatch")
class ReportView(View):
    template_name = "intake/report_form.html"

    def page(self, request: HttpRequest, form: f.ReportForm, status: int = 200) -> HttpResponse:
        hotline = services.public_hotline()
        challenge = abuse.challenge_new()  # a new one each time the form is shown
        return render(
            request,
            self.template_name,
            {"form": form, "hotline": hotline, "challenge": challenge},
            status=status,
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.page(request, f.ReportForm())
        except ApplicationError as exc:
            return render(request, "intake/closed.html", {"message": exc.detail}, status=404)

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            hotline = services.public_hotline()
        except ApplicationError as exc:
            return render(request, "intake/closed.html", {"message": exc.detail}, status=404)
        form = f.ReportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(request, form, 400)
        data = form.cleaned_data
        if data.get("website"):  # a bot: answered as if filed, nothing written
            return render(request, "intake/report_done.html", {"code": "", "hotline": hotline})
        try:
            # The defences first: the files (photos decoded and written again) cost far more.
            proven = abuse.challenge_check(data["challenge"], data.get("proof") or "")
            abuse.rate_check(client_ip(request), proven=proven)
            checked = attachments.check(
                [("", upload.read(attachments.MAX_BYTES + 1)) for upload in data.get("uploads", [])]
            )
            filed = services.report_file(
                hotline=hotline,
                channel=c.Channel.WEB,
                language=_language(),
                **f.report_values(data, anonymous=bool(data.get("stay_anonymous"))),
                files=checked,
            )
        except ApplicationError as exc:
            form.add_error("uploads" if exc.code == "invalid_file" else None, exc.detail)
            return self.page(request, form, exc.status if exc.status in (400, 429) else 400)
        return render(
            request,
            "intake/report_done.html",
            {
                "code": accounts.code_format(filed.code),
                "reference": filed.report.reference,
                "hotline": hotline,
                "urgent": filed.report.priority == c.Priority.URGENT,
            },
        )


@method_decorator([never_cache, csrf_protect], name="dispatch")
class FollowUpView(View):
    template_name = "intake/follow_up.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": f.FollowUpForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = f.FollowUpForm(request.POST)
        if form.is_valid():
            try:
                abuse.rate_check(client_ip(request), proven=False)
                services.report_add(code=form.cleaned_data["code"], text=form.cleaned_data["text"])
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
                return render(request, self.template_name, {"form": form}, status=exc.status)
            return render(request, self.template_name, {"form": f.FollowUpForm(), "added": True})
        return render(request, self.template_name, {"form": form}, status=400)


class StatisticsView(View):
    """Hotline statistics for everyone: reports per month by outcome and by channel, small
    counts withheld (the disclosure control)."""

    template_name = "intake/statistics.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = f.StatisticsForm(request.GET or None)
        year = form.cleaned_data.get("year") if form.is_valid() else None
        outcomes = dict(c.Outcome.choices)
        channels = dict(c.Channel.choices)
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "by_outcome": _rows(statistics.table("outcome", year=year), statistics.OUTCOMES),
                "by_channel": _rows(statistics.table("channel", year=year), statistics.CHANNELS),
                "outcome_heads": [
                    outcomes.get(col, _("Still open")) for col in statistics.OUTCOMES
                ],
                "channel_heads": [channels[col] for col in statistics.CHANNELS],
                "threshold": statistics.THRESHOLD,
            },
        )


def _rows(
    rows: list[statistics.Row], columns: tuple[str, ...]
) -> list[tuple[str, list[int | None], int | None]]:
    return [(r.month, [r.cells[col] for col in columns], r.total) for r in rows]
