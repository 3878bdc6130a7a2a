"""Conflicts of offline edits on a case (issue 18): when two people changed the same field
offline, both values are kept; this page shows them to whoever may change the case, who keeps
one. The case's page links here (`cases.notices`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from palermo.cases.access import CaseAccess, case_get
from palermo.cases.models import Case, Person
from palermo.cases.notices import Notice
from palermo.core.errors import ApplicationError
from palermo.core.views import PalermoView, page_user
from palermo.intake import sync
from palermo.intake.models import Conflict


def _label(kind: str, name: str) -> str:
    model = Case if kind == "case" else Person
    found = model._meta.get_field(name)
    return str(getattr(found, "verbose_name", name))


def conflict_notices(access: CaseAccess) -> list[Notice]:
    """The case page's notice of its open conflicts, to those who may decide them."""
    if not access.can_edit:
        return []
    case = access.case
    count = Conflict.objects.filter(case=case, resolved_at__isnull=True).count()
    if not count:
        return []
    text = ngettext(
        "%(n)s field was changed offline by two people: both values are kept until someone "
        "decides.",
        "%(n)s fields were changed offline by two people: both values are kept until someone "
        "decides.",
        count,
    ) % {"n": count}
    return [Notice(text, reverse("intake_triage:conflicts", args=[case.pk]))]


class ConflictsView(PalermoView):
    forbidden_as_404 = True
    template_name = "intake/conflicts.html"

    def get(self, request: HttpRequest, case_id: str) -> HttpResponse:
        case, access = case_get(page_user(request), case_id)
        rows: list[Any] = [
            (c, _label(c.kind, c.field)) for c in sync.conflicts_of(page_user(request), case)
        ]
        return render(
            request,
            self.template_name,
            {"case": case, "rows": rows, "may_decide": access.can_edit},
        )

    def post(self, request: HttpRequest, case_id: str) -> HttpResponse:
        user = page_user(request)
        case, _access = case_get(user, case_id)
        conflict = Conflict.objects.filter(case=case, pk=request.POST.get("conflict", "")).first()
        if conflict is None:
            messages.error(request, _("No such conflict."))
        else:
            try:
                sync.conflict_resolve(
                    actor=user, conflict=conflict, keep=request.POST.get("keep", "")
                )
            except ApplicationError as exc:
                if exc.status in (403, 404):
                    raise
                messages.error(request, exc.detail)
            else:
                messages.success(request, _("Decided."))
        return redirect("intake_triage:conflicts", case_id)
