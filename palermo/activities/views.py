"""The clearing house's pages (issue 17), public as IATI data is:

- `/activities/`: each activity once with its reports (the same training reported by its donor,
  its implementer and its host State is one), filtered by country, kind and year; the IATI file
  of what is shown; for the clearing house's staff and national coordinators, an IATI file to
  import;
- `/activities/<IATI identifier>/`: one report, its training and audience;
  `.../training/` to record them;
- `/activities/supply/`: supply against need, map and table, and a need to record.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from palermo.activities import forms as f
from palermo.activities import selectors, services, supply, supply_map
from palermo.activities.models import Kind, OrgRole, Profession, Status
from palermo.activities.themes import theme_label
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.core.pickers import country_names
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
        audience = list(activity.audience.select_related("country"))
        names = country_names({g.country_id for g in audience})
        for g in audience:
            g.country_name = names.get(g.country_id, g.country_id)  # type: ignore[attr-defined]
        return render(
            request,
            self.template_name,
            {
                "a": activity,
                "row": selectors.row(activity),
                "status": dict(Status.choices).get(activity.status, activity.status),
                "kind": dict(Kind.choices).get(activity.kind, ""),
                "others": others,
                "themes": [theme_label(t) for t in activity.themes],
                "countries": sorted(
                    country_names(c.country_id for c in activity.countries.all()).values()
                ),
                "training": getattr(activity, "training", None),
                "audience": audience,
                "may_record": _importer(request.user),
            },
        )


class SupplyView(ActivitiesPage):
    """Supply against need: a map and a table of the activities by country x theme x
    profession next to the needs States stated; gaps and overlaps first. The clearing house's
    staff and national coordinators record a need stated elsewhere than in a reply."""

    template_name = "activities/supply.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page(request, f.NeedForm() if _importer(request.user) else None)

    def page(
        self, request: HttpRequest, need_form: f.NeedForm | None, status: int = 200
    ) -> HttpResponse:
        form = f.SupplyFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        cells = supply.table(
            user=request.user,
            country=data.get("country") or "",
            year=data.get("year"),
            theme=data.get("theme") or "",
            profession=data.get("profession") or "",
        )
        professions = dict(Profession.choices)
        per_country = supply.by_country(cells)
        names = country_names(per_country)
        map_rows = supply_map.rows(per_country, names)
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "cells": [
                    (
                        c,
                        names.get(c.country, c.country),
                        theme_label(c.theme),
                        professions.get(c.profession, _("any profession")),
                    )
                    for c in cells
                ],
                "gaps": sum(1 for c in cells if c.state == "gap"),
                "overlaps": sum(1 for c in cells if c.state == "overlap"),
                "map": supply_map.spec(map_rows, boundaries_url=static(supply_map.BOUNDARIES))
                if map_rows
                else None,
                "unmapped": supply_map.unmapped(map_rows),
                "need_form": need_form,
            },
            status=status,
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        """Record a need a State stated."""
        user = page_user(request)
        services.importer_required(user)
        form = f.NeedForm(request.POST)
        if form.is_valid():
            try:
                services.need_record(actor=user, **form.cleaned_data)
            except ApplicationError as exc:
                if exc.status in (403, 404):
                    raise
                form.add_error(None, exc.detail)
            else:
                messages.success(request, _("The need is recorded."))
                return redirect("activities:supply")
        return self.page(request, form, 400)


class TrainingView(ActivitiesPage):
    """What a training was and whom it reached: joint or not, curriculum, results, and its
    audience by profession and country, participants by sex (the clearing house's staff and
    national coordinators)."""

    template_name = "activities/training.html"
    login_required = True

    def get(self, request: HttpRequest, identifier: str) -> HttpResponse:
        services.importer_required(page_user(request))
        activity = selectors.activity_get(identifier)
        training = getattr(activity, "training", None)
        form = f.TrainingForm(
            initial={
                "joint": training.joint if training else False,
                "curriculum": training.curriculum if training else "",
                "results": training.results if training else "",
            }
        )
        audience = f.AudienceFormSet(
            initial=[
                {
                    "profession": a.profession,
                    "country": a.country_id,
                    "women": a.women,
                    "men": a.men,
                    "other": a.other,
                }
                for a in activity.audience.all()
            ]
        )
        return self.page(request, activity, form, audience)

    def page(
        self,
        request: HttpRequest,
        activity: Any,
        form: f.TrainingForm,
        audience: Any,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {"a": activity, "row": selectors.row(activity), "form": form, "audience": audience},
            status=status,
        )

    def post(self, request: HttpRequest, identifier: str) -> HttpResponse:
        user = page_user(request)
        services.importer_required(user)
        activity = selectors.activity_get(identifier)
        form = f.TrainingForm(request.POST)
        audience = f.AudienceFormSet(request.POST)
        if form.is_valid() and audience.is_valid():
            groups = [
                {
                    "profession": row["profession"],
                    "country": row["country"],
                    "women": row.get("women") or 0,
                    "men": row.get("men") or 0,
                    "other": row.get("other") or 0,
                }
                for row in audience.cleaned_data
                if row and row.get("profession")
            ]
            try:
                services.training_record(
                    actor=user, activity=activity, audience=groups, **form.cleaned_data
                )
            except ApplicationError as exc:
                if exc.status in (403, 404):
                    raise
                form.add_error(None, exc.detail)
            else:
                messages.success(request, _("The training is recorded."))
                return redirect("activities:detail", identifier=activity.iati_identifier)
        return self.page(request, activity, form, audience, 400)
