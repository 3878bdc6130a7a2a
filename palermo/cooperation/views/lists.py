"""The request lists: inbox, outbox, the deadline board, and the statistics page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.cooperation import access, selectors
from palermo.cooperation import choices as c
from palermo.cooperation import forms as f
from palermo.cooperation.views.base import CooperationView
from palermo.core.models import User
from palermo.core.pagination import page_get
from palermo.core.views import page_user, render_htmx


class RequestListView(CooperationView):
    """Received (inbox) or sent (outbox) requests, filtered; htmx swaps only the results."""

    direction = c.Direction.INCOMING
    template_name = "cooperation/request_list.html"
    partial_name = "cooperation/_request_results.html"
    paginate_by = 25

    def get(self, request: HttpRequest) -> HttpResponse:
        form = f.RequestFilterForm(request.GET or None)
        filters = form.filters()
        today = timezone.localdate()
        qs = selectors.request_list(
            user=page_user(request), direction=self.direction, today=today, **filters
        )
        page = page_get(qs, request.GET.get("page"), self.paginate_by)
        inbox = self.direction == c.Direction.INCOMING
        context = {
            "form": form,
            "page": page,
            "today": today,
            "inbox": inbox,
            "title": _("Inbox: requests received") if inbox else _("Outbox: requests sent"),
            "list_url": reverse("cooperation:inbox" if inbox else "cooperation:outbox"),
            "filtered": any(filters.values()),
        }
        return render_htmx(request, self.template_name, self.partial_name, context)


class InboxView(RequestListView):
    direction = c.Direction.INCOMING


class OutboxView(RequestListView):
    direction = c.Direction.OUTGOING


class DeadlineBoardView(CooperationView):
    """Open requests overdue or due soon, on both sides: what we owe and what we wait for."""

    template_name = "cooperation/deadlines.html"
    groups = (
        ("overdue-ours", gettext_lazy("Overdue: the answer is ours"), True, "us"),
        ("overdue-theirs", gettext_lazy("Overdue: waiting for the other side"), True, "them"),
        ("soon-ours", gettext_lazy("Due soon: ours to answer"), False, "us"),
        ("soon-theirs", gettext_lazy("Due soon: waiting for the other side"), False, "them"),
    )

    def get(self, request: HttpRequest) -> HttpResponse:
        form = f.DeadlineForm(request.GET or None)
        days = 7
        if form.is_valid() and form.cleaned_data.get("days"):
            days = form.cleaned_data["days"]
        today = timezone.localdate()
        rows = selectors.request_deadlines(user=page_user(request), days=days, today=today)
        context = {
            "form": form,
            "days": days,
            "today": today,
            "groups": [
                (
                    key,
                    label,
                    late,
                    [
                        (d, abs(d.days))
                        for d in rows
                        if d.overdue == late and d.waiting_for == whose
                    ],
                )
                for key, label, late, whose in self.groups
            ],
        }
        return render(request, self.template_name, context)


class StatisticsView(CooperationView):
    """Aggregates only (never a single request): analysts may see this page too."""

    template_name = "cooperation/statistics.html"

    def allowed(self, user: User) -> bool:
        return access.can_see_statistics(user)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = f.StatisticsForm(request.GET or None)
        filters: dict[str, Any] = {}
        if form.is_bound and form.is_valid():
            filters = {k: v for k, v in form.cleaned_data.items() if v}
        user = page_user(request)
        stats = selectors.cooperation_statistics(user=user, **filters)
        types = dict(c.RequestType.choices)
        for row in stats["pairs"]:
            row["type_label"] = types.get(row["type"], row["type"])
        by_type = [
            (types.get(t, t), v["first_response"], v["completion"])
            for t, v in stats["response_times"]["by_type"].items()
        ]
        context = {
            "form": form,
            "stats": stats,
            "by_type": by_type,
            "works_on_requests": access.cooperation_user(user) is not None,
        }
        return render(request, self.template_name, context)
