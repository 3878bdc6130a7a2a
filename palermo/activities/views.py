"""The clearing house's pages (issue 17), public as IATI data is:

- `/activities/`: each activity once with its reports (the same training reported by its donor,
  its implementer and its host State is one), filtered by country, kind and year; the IATI file
  of what is shown; for the clearing house's staff and national coordinators, an IATI file to
  import;
- `/activities/<IATI identifier>/`: one report.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from palermo.activities import forms as f
from palermo.activities import selectors, services, supply
from palermo.activities.models import Kind, OrgRole, Profession, Status
from palermo.activities.themes import theme_label
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.core.views import PalermoView, page_user

PAGE = 50


class ActivitiesPage(PalermoView):
    login_required = False
    errors_as_404 = True
    private_if_user = True


def _importer(user: Any) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.role in services.IMPORT_ROLES


def _names(reports: list[Any], role: str) -> list[str]:
    """The organisations of a role in an activity's reports, each once."""
    return sorted({o.name or o.ref for a in reports for o in a.orgs.all() if o.role == role})


class ActivityListView(ActivitiesPage):
    template_name = "activities/list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(request, f.ImportForm())

    def page(self, request: HttpRequest, upload: f.ImportForm, status: int = 200) -> HttpResponse:
        form = f.FilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        country, kind, year = data.get("country") or "", data.get("kind") or "", data.get("year")
        filters = {"country": country, "kind": kind, "year": year}
        groups = selectors.grouped(selectors.activities(country=country, kind=kind, year=year))
        try:
            page = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            page = 1
        shown = groups[(page - 1) * PAGE : page * PAGE]
        kinds = dict(Kind.choices)
        rows = [
            {
                "row": selectors.group_row(reports),
                "kind": kinds.get(next((a.kind for a in reports if a.kind), ""), ""),
                "funding": sorted(
                    {
                        o.name or o.ref
                        for a in reports
                        for o in a.orgs.all()
                        if o.role == OrgRole.FUNDING
                    }
                ),
                "implementing": sorted(
                    {
                        o.name or o.ref
                        for a in reports
                        for o in a.orgs.all()
                        if o.role == OrgRole.IMPLEMENTING
                    }
                ),
            }
            for reports in shown
        ]
        export = "?" + urlencode({k: v for k, v in filters.items() if v})
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "rows": rows,
                "count": len(groups),
                "reports": sum(len(g) for g in groups),
                "page": page,
                "has_next": page * PAGE < len(groups),
                "export_query": export if export != "?" else "",
                "may_import": _importer(request.user),
                "upload": upload,
            },
            status=status,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        """Import an IATI file (the clearing house's staff, national coordinators)."""
        user = page_user(request)
        upload = f.ImportForm(request.POST, request.FILES)
        if upload.is_valid():
            file = upload.cleaned_data["file"]
            try:
                report = services.activities_import(
                    actor=user, content=file.read(), source=file.name
                )
            except ApplicationError as exc:
                if exc.status in (403, 404):
                    raise
                upload.add_error("file", exc.detail)
            else:
                messages.success(
                    request,
                    _("{} activities added, {} replaced; {} reported several times.").format(
                        report.created, report.updated, report.grouped
                    ),
                )
                return redirect("activities:list")
        return self.page(request, upload, 400)


class ActivityDetailView(ActivitiesPage):
    template_name = "activities/detail.html"

    def get(self, request: HttpRequest, identifier: str) -> HttpResponse:
        activity = selectors.activity_get(identifier)
        others = (
            [a for a in selectors.activities().filter(group=activity.group) if a.pk != activity.pk]
            if activity.group
            else []
        )
        return render(
            request,
            self.template_name,
            {
                "a": activity,
                "row": selectors.row(activity),
                "status": dict(Status.choices).get(activity.status, activity.status),
                "kind": dict(Kind.choices).get(activity.kind, ""),
                "others": others,
            },
        )


class SupplyView(ActivitiesPage):
    """Supply against need: the activities by country x theme x profession next to the needs
    States stated; gaps and overlaps first."""

    template_name = "activities/supply.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = f.FilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        cells = supply.table(country=data.get("country") or "", year=data.get("year"))
        professions = dict(Profession.choices)
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "cells": [
                    (c, theme_label(c.theme), professions.get(c.profession, _("any profession")))
                    for c in cells
                ],
                "gaps": sum(1 for c in cells if c.state == "gap"),
                "overlaps": sum(1 for c in cells if c.state == "overlap"),
            },
        )
