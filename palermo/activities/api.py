"""The clearing house API (/api/v1/activities/): activities (public, as IATI data is), IATI
2.03 import (the clearing house's staff, national coordinators) and export."""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from palermo.activities import iati, selectors, services, supply
from palermo.core.auth import AUTH, api_user, request_user
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


class IatiImportOut(Schema):
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


@router.post("/iati", response={200: IatiImportOut}, auth=AUTH)
def iati_import(request: HttpRequest, file: File[UploadedFile]) -> dict[str, int]:
    """Import an IATI activity file: checked whole, then written in one transaction; 400
    naming every problem, nothing written."""
    report = services.activities_import(
        actor=api_user(request), content=file.read(), source=file.name or "upload.xml"
    )
    return {"created": report.created, "updated": report.updated, "grouped": report.grouped}


class SupplyQuery(Schema):
    country: str = Field("", max_length=3, description="ISO 3166-1 alpha-3")
    year: int | None = Field(None, ge=1900, le=2200)
    theme: str = Field("", max_length=60, description="a theme's code (GET /themes)")
    profession: str = Field("", max_length=30, description="a profession's code")


class SupplyCountryOut(Schema):
    country: str
    state: str = Field(description="its worst cell: gap, overlap, answered or not stated")
    gaps: int
    overlaps: int
    answered: int
    activities: int = Field(description="activities in the country, each counted once")


class StatedNeedOut(Schema):
    country: str
    theme: str
    profession: str = Field(description="empty: any profession")
    year: int
    source: str = Field(description="the document, or the round and question of a reply")


class SupplyOut(Schema):
    country: str
    theme: str
    profession: str = Field(description="empty: any profession (or the audience not recorded)")
    activities: int = Field(description="activities, each counted once whatever its reports")
    funders: list[str]
    needs: list[str] = Field(description="the sources of the needs stated")
    state: str = Field(description="gap, overlap, answered or not stated")


class NeedIn(Schema):
    country: str = Field(max_length=3)
    theme: str = Field(max_length=60)
    profession: str = Field("", max_length=30)
    year: int = Field(ge=1900, le=2200)
    source: str = Field(max_length=300)


class AudienceIn(Schema):
    profession: str = Field(max_length=30)
    country: str = Field(max_length=3)
    women: int = Field(0, ge=0, le=1_000_000)
    men: int = Field(0, ge=0, le=1_000_000)
    other: int = Field(0, ge=0, le=1_000_000)


class TrainingIn(Schema):
    joint: bool = False
    curriculum: str = Field("", max_length=20_000)
    results: str = Field("", max_length=20_000)
    audience: list[AudienceIn] = []


@router.get("/supply", response=list[SupplyOut], auth=None)
def supply_table(request: HttpRequest, query: Query[SupplyQuery]) -> list[dict[str, Any]]:
    """Activities by country x theme x profession next to the needs States stated: gaps first,
    then overlaps."""
    return supply.rows(_cells(request, query))


def _cells(request: HttpRequest, query: SupplyQuery) -> list[supply.Cell]:
    return supply.table(
        user=request_user(request),
        country=query.country.upper(),
        year=query.year,
        theme=query.theme,
        profession=query.profession,
    )


@router.get("/supply/countries", response=list[SupplyCountryOut], auth=None)
def supply_countries(request: HttpRequest, query: Query[SupplyQuery]) -> list[dict[str, Any]]:
    """Supply against need per country (what the map shows): the worst of its cells and how
    many of each."""
    per_country = supply.by_country(_cells(request, query))
    return [
        {
            "country": code,
            "state": next((s for s in ("gap", "overlap", "answered") if row[s]), "not stated"),
            "gaps": row["gap"],
            "overlaps": row["overlap"],
            "answered": row["answered"],
            "activities": row["activities"],
        }
        for code, row in sorted(per_country.items())
    ]


@router.get("/needs", response=list[StatedNeedOut], auth=None)
def needs_list(request: HttpRequest, query: Query[SupplyQuery]) -> list[Any]:
    """The needs States stated: recorded here, and in their accepted questionnaire replies the
    caller may read."""
    found = supply.needs(user=request_user(request), country=query.country.upper(), year=query.year)
    return [
        n
        for n in found
        if (not query.theme or n.theme == query.theme)
        and (not query.profession or n.profession in (query.profession, ""))
    ]


@router.post("/needs", response={201: dict[str, Any]}, auth=AUTH)
def need_add(request: HttpRequest, payload: NeedIn) -> Status[dict[str, Any]]:
    """Record a need a State stated (the clearing house's staff, national coordinators)."""
    need = services.need_record(actor=api_user(request), **payload.dict())
    return Status(201, {"id": need.pk})


@router.put("/{identifier}/training", response=dict[str, Any], auth=AUTH)
def training_set(request: HttpRequest, identifier: str, payload: TrainingIn) -> dict[str, Any]:
    """What a training was and whom it reached (its audience replaced whole)."""
    data = payload.dict()
    services.training_record(
        actor=api_user(request), activity=selectors.activity_get(identifier), **data
    )
    return {"iati_identifier": identifier, "audience": len(data["audience"])}


@router.get("/{identifier}", response=ActivityOut, auth=None)
def activity_detail(request: HttpRequest, identifier: str) -> dict[str, Any]:
    """One report, by its IATI identifier."""
    return selectors.row(selectors.activity_get(identifier))
