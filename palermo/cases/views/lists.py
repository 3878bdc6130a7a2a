"""Lists of case work: the case list (search and filters, htmx), the deadline board, and the
referral inbox with the answers to a referral."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cases import access as acl
from palermo.cases import choices as c
from palermo.cases import forms as f
from palermo.cases import selectors, services
from palermo.cases.models import Referral
from palermo.cases.views.base import CasesView, scope_labels
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import User
from palermo.core.pagination import page_get
from palermo.core.views import page_user, render_htmx, safe_next


class CaseListView(CasesView):
    """Cases the user may see, searched and filtered; htmx swaps only the results."""

    template_name = "cases/case_list.html"
    partial_name = "cases/_case_results.html"
    paginate_by = 25

    def get(self, request: HttpRequest) -> HttpResponse:
        context = case_list_context(request, self.paginate_by)
        return render_htmx(request, self.template_name, self.partial_name, context)


def case_list_context(request: HttpRequest, per_page: int) -> dict[str, Any]:
    user = page_user(request)
    form = f.CaseFilterForm(request.GET or None)
    filters = form.filters()
    cases = selectors.case_list(user=user, **filters)
    page = page_get(cases, request.GET.get("page"), per_page)
    return {
        "form": form,
        "page": page,
        "rows": [(case, acl.sees_title(user, case)) for case in page.object_list],
        "can_open": acl.may_open_cases(user),
        "filtered": any(v not in ("", None) for v in filters.values()),
        "name_form": f.NameSearchForm(),
        "name_hits": None,
    }


class PersonNameSearchView(CasesView):
    """POST a name, get the persons whose names match (services.person_name_search: the blind
    index, within what the user may see; a search that finds someone is audited). Each hit opens
    with an audited identity read."""

    http_method_names = ["post"]  # noqa: RUF012 - as View declares it
    template_name = "cases/case_list.html"
    partial_name = "cases/_name_hits.html"

    def allowed(self, user: User) -> bool:
        return acl.may_open_cases(user)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = page_user(request)
        context = case_list_context(request, CaseListView.paginate_by)
        form = f.NameSearchForm(request.POST)
        context["name_form"] = form
        if form.is_valid():
            try:
                context["name_hits"] = services.person_name_search(
                    actor=user, text=form.cleaned_data["name"]
                )
            except ApplicationError as exc:
                form.add_error("name", exc.detail)
        context["open_reason"] = _("Opened from a search by name")
        return render_htmx(request, self.template_name, self.partial_name, context)


class DeadlineBoardView(CasesView):
    """What ends or is overdue in the coming days for the user's organisation."""

    template_name = "cases/deadlines.html"
    horizons = (7, 14, 30)

    def get(self, request: HttpRequest) -> HttpResponse:
        user = page_user(request)
        try:
            days = int(request.GET.get("days", "7"))
        except ValueError:
            days = 7
        if days not in self.horizons:
            days = 7
        today = timezone.localdate()
        board = selectors.deadline_board(user=user, days=days, today=today)
        rows = [(d, (d.day - today).days) for d in board]
        context = {
            "organisation": user.organisation,
            "days": days,
            "horizons": self.horizons,
            "today": today,
            "horizon": today + dt.timedelta(days=days),
            "overdue": [(d, -n) for d, n in rows if d.overdue],
            "upcoming": [(d, n) for d, n in rows if not d.overdue],
        }
        return render(request, self.template_name, context)


def referral_action_labels() -> dict[str, str]:
    return {
        "accept": _("Accept"),
        "decline": _("Decline"),
        "deliver": _("Service delivered"),
        "close": _("Close"),
    }


def _referral_item(user: User, referral: Referral) -> dict[str, Any]:
    """A referral as the receiving organisation sees it: what it shares and nothing else."""
    labels = referral_action_labels()
    return {
        "referral": referral,
        # Declined or closed: the receiving organisation sees only status and dates.
        "stub": selectors.referral_stub_only(user, referral),
        "scopes": scope_labels(referral.scopes),
        "open": referral.share.revoked_at is None,
        "actions": [(a, labels[a]) for a in acl.referral_actions(user, referral)],
    }


class ReferralInboxView(CasesView):
    """Referrals addressed to the user's organisation, with their answers."""

    template_name = "cases/inbox.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        user = page_user(request)
        status = request.GET.get("status", "")
        if status not in c.ReferralStatus.values:
            status = ""
        referrals = selectors.referral_inbox(user=user, status=status).select_related("share")
        context = {
            "items": [_referral_item(user, r) for r in referrals],
            "status": status,
            "statuses": c.ReferralStatus.choices,
            "organisation": user.organisation,
        }
        return render(request, self.template_name, context)


class ReferralSentView(CasesView):
    """Referrals the user's organisation sent: to whom, for what, where each stands, and by when
    the receiver should answer (overdue ones marked)."""

    template_name = "cases/referrals_sent.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        user = page_user(request)
        status = request.GET.get("status", "")
        if status not in c.ReferralStatus.values:
            status = ""
        today = timezone.localdate()
        page = page_get(
            selectors.referral_outbox(user=user, status=status), request.GET.get("page"), 50
        )
        rows = []
        for r in page.object_list:
            due = selectors.referral_answer_due(r)
            rows.append(
                {
                    "referral": r,
                    "scopes": scope_labels(r.scopes),
                    "due": due,
                    "overdue": due is not None and due < today,
                    "closable": "close" in acl.referral_actions(user, r),
                }
            )
        context = {
            "rows": rows,
            "page": page,
            "status": status,
            "statuses": c.ReferralStatus.choices,
            "organisation": user.organisation,
        }
        return render(request, self.template_name, context)


class ReferralActionView(CasesView):
    """Accept, decline or deliver (receiving organisation); close (either side). An htmx request
    gets the referral back with the answer or the error; a form post goes back with a message."""

    http_method_names = ["post"]  # noqa: RUF012 - as View declares it

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        user = page_user(request)
        if action not in c.REFERRAL_TRANSITIONS:
            raise NotFoundError(_("No such action."))
        referral = selectors.referral_inbox(user=user).select_related("share").filter(pk=pk).first()
        if referral is None and action == "close":
            referral = (
                selectors.referral_outbox(user=user).select_related("share").filter(pk=pk).first()
            )
        if referral is None:
            raise NotFoundError(_("No such referral."))
        form = f.ReferralActionForm(request.POST)
        error = ""
        if not form.is_valid():
            error = _("The note is too long.")
        else:
            try:
                services.referral_transition(
                    actor=user, referral=referral, action=action, note=form.cleaned_data["note"]
                )
            except ApplicationError as exc:
                if exc.status in (403, 404):  # not theirs to answer: as the base view says
                    raise
                error = exc.detail
        referral.refresh_from_db()
        if getattr(request, "htmx", None):
            item = _referral_item(user, referral)
            return render(request, "cases/_referral.html", {"item": item, "error": error})
        if error:
            messages.error(request, error)
        else:
            messages.success(
                request,
                _("Referral {}: {}.").format(
                    referral.person.pseudonym, referral.get_status_display()
                ),
            )
        return redirect(safe_next(request, reverse("cases:inbox")))
