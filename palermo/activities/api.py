"""The clearing house API (/api/v1/activities/): activities (public, as IATI data is), IATI
2.03 import (the clearing house's staff, national coordinators) and export."""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, UploadedFile
from ninja.pagination import paginate

from palermo.activities import iati, selectors, services
from palermo.core.auth import AUTH, api_user
from palermo.core.pagination import Pagination

router = Router(tags=["activities"])


class ActivityQuery(Schema):
    country: str = Field("", max_length=3, description="ISO 3166-1 alpha-3")
    kind: str = Field("", max_length=30)
    year: int | None = Field(None, ge=1900, le=2200, description="under way that year")


class OrgOut(Schema):
    role: str = Field(
        description="IATI OrganisationRole: 1 funding, 2 accountable, 3 extending, 4 implementing"
    )
    ref: str
    name: str


class ActivityOut(Schema):
    iati_identifier: str
    title: str
    reporting_org: str
    kind: str
    status: str
    start: dt.date | None
    end: dt.date | None
    countries: list[str]
    organisations: list[OrgOut]
    themes: list[str]


class ReportOut(Schema):
    iati_identifier: str
    reporting_org: str


class GroupOut(ActivityOut):
    reports: list[ReportOut] = Field(
        description="the reports of this one activity (donor, implementer, host State ...)"
    )


class ImportOut(Schema):
    created: int
    updated: int
    grouped: int = Field(description="activities reported several times, after the import")


@router.get("/", response=list[GroupOut], auth=None)
@paginate(Pagination)
def activity_list(request: HttpRequest, query: Query[ActivityQuery]) -> list[dict[str, Any]]:
    """Activities, each once with its reports (the same activity reported by its donor, its
    implementer and its host State is one), filtered by recipient country, kind and year."""
    rows = selectors.activities(**query.dict())
    return [selectors.group_row(reports) for reports in selectors.grouped(rows)]


@router.get("/iati", auth=None)
def iati_export(request: HttpRequest, query: Query[ActivityQuery]) -> HttpResponse:
    """The activities as an IATI 2.03 activity file (validated against the standard's schema);
    404 when none matches (an IATI file holds one activity at least)."""
    content = iati.write(selectors.exported(**query.dict()), timezone.now())
    response = HttpResponse(content, content_type="application/xml")
    response["Content-Disposition"] = 'attachment; filename="activities.xml"'
    return response


@router.post("/iati", response={200: ImportOut}, auth=AUTH)
def iati_import(request: HttpRequest, file: File[UploadedFile]) -> dict[str, int]:
    """Import an IATI activity file: checked whole, then written in one transaction; 400
    naming every problem, nothing written."""
    report = services.activities_import(
        actor=api_user(request), content=file.read(), source=file.name or "upload.xml"
    )
    return {"created": report.created, "updated": report.updated, "grouped": report.grouped}


@router.get("/{identifier}", response=ActivityOut, auth=None)
def activity_detail(request: HttpRequest, identifier: str) -> dict[str, Any]:
    """One report, by its IATI identifier."""
    return selectors.row(selectors.activity_get(identifier))
