"""The intake REST API (issue 18) under /api/v1/intake/: the published hotline statistics
(anyone); the triage queue, a report and a call taken down (the hotline's operators)."""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.
import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from palermo.core.auth import AUTH, api_user
from palermo.core.pagination import Pagination
from palermo.intake import accounts, selectors, services, statistics, sync, triage
from palermo.intake import choices as c

router = Router(tags=["intake"])


class HotlineStatisticsQuery(Schema):
    by: str = Field("outcome", pattern="^(outcome|channel)$", description="outcome or channel")
    year: int | None = Field(None, ge=1900, le=2200)


class HotlineStatisticsRow(Schema):
    month: str
    cells: dict[str, int | None] = Field(description="null: withheld (small count)")
    total: int | None


@router.get("/statistics", response=list[HotlineStatisticsRow], auth=None)
def hotline_statistics(request: HttpRequest, query: Query[HotlineStatisticsQuery]) -> list[Any]:
    """Reports per month by outcome or channel, through the disclosure control (counts below 5,
    and what would reveal them, withheld)."""
    return statistics.table(query.by, year=query.year)


class HotlineQueueQuery(Schema):
    status: str = Field("open", max_length=20, description="open (default), all, or a status")
    priority: str = Field("", max_length=10)
    situation: str = Field("", max_length=20)


class _ReportHeading(Schema):  # what the queue shows of a report, and its detail first
    reference: str
    channel: str
    received_at: dt.datetime
    due_at: dt.datetime
    status: str
    priority: str
    outcome: str
    country: str | None
    situation: str | None
    held_by: str | None


class HotlineReportRow(_ReportHeading):
    @staticmethod
    def resolve_country(obj: Any) -> str | None:
        return obj.country_id  # type: ignore[no-any-return]

    @staticmethod
    def resolve_situation(obj: Any) -> str | None:
        return obj.situation.reference if obj.situation else None

    @staticmethod
    def resolve_held_by(obj: Any) -> str | None:
        return obj.held_by.username if obj.held_by else None


@router.get("/reports", response=list[HotlineReportRow], auth=AUTH)
@paginate(Pagination)
def report_list(request: HttpRequest, query: Query[HotlineQueueQuery]) -> Any:
    """The hotline's queue (its operators), most urgent and soonest due first; no content."""
    return selectors.queue(
        api_user(request),
        status="" if query.status == "all" else query.status,
        priority=query.priority,
        situation=query.situation.upper(),
    )


class HotlineReportOut(_ReportHeading):
    reporter_role: str
    anonymous: bool
    child: str
    danger: bool
    forms: list[str]
    consent_law_enforcement: str
    what: str
    where: str
    employer: str
    people: str
    contact: dict[str, str]
    additions: list[str]
    same_situation: list[str]


@router.get("/reports/{reference}", response=HotlineReportOut, auth=AUTH)
def report_detail(request: HttpRequest, reference: str) -> dict[str, Any]:
    """One report with its account and contact, decrypted (the read audited)."""
    user = api_user(request)
    report = selectors.report_get(user, reference)
    read = selectors.report_read(user, report)
    return {
        **{f: getattr(report, f) for f in ("reference", "channel", "received_at", "due_at")},
        **{f: getattr(report, f) for f in ("status", "priority", "outcome")},
        "country": report.country_id,
        "situation": report.situation.reference if report.situation else None,
        "held_by": report.held_by.username if report.held_by else None,
        **{f: getattr(report, f) for f in ("reporter_role", "anonymous", "child", "danger")},
        "forms": report.forms,
        "consent_law_enforcement": report.consent_law_enforcement,
        **{f: getattr(read.account, f) for f in ("what", "where", "employer", "people")},
        "contact": read.account.contact,
        "additions": [a.text for a in read.additions],
        "same_situation": [o.reference for o in read.same_situation],
    }


class HotlineCallIn(Schema):
    channel: str = Field(description="phone, sms, email, chat, in_person, web")
    reporter_role: str
    what: str = Field(min_length=1, max_length=accounts.TEXT_MAX)
    where: str = Field("", max_length=accounts.TEXT_MAX)
    employer: str = Field("", max_length=accounts.TEXT_MAX)
    people: str = Field("", max_length=accounts.TEXT_MAX)
    country: str = Field("", max_length=3)
    child: str = c.Answer.UNKNOWN
    danger: bool = False
    forms: list[str] = []
    consent_law_enforcement: str = c.Answer.UNKNOWN
    contact: dict[str, str] = Field({}, description="name, phone, email, safe: none if anonymous")
    language: str = Field("en", max_length=16)


class HotlineCallOut(Schema):
    reference: str
    code: str = Field(description="the caller's code to add later: given once, never stored")
    situation: str | None


@router.post("/reports", response={201: HotlineCallOut}, auth=AUTH)
def report_create(request: HttpRequest, payload: HotlineCallIn) -> Status[dict[str, Any]]:
    """A call or message an operator took down."""
    user = api_user(request)
    triage.operator(user)
    allowed = {"name", "phone", "email", "safe"}
    filed = services.report_file(
        hotline=user.organisation.hotline,  # type: ignore[union-attr]
        account=accounts.Account(
            what=payload.what,
            where=payload.where,
            employer=payload.employer,
            people=payload.people,
            contact={k: str(v)[:500] for k, v in payload.contact.items() if k in allowed and v},
        ),
        reporter_role=payload.reporter_role,
        channel=payload.channel,
        language=payload.language,
        country=payload.country.upper(),
        child=payload.child,
        danger=payload.danger,
        forms=payload.forms,
        consent_law_enforcement=payload.consent_law_enforcement,
        actor=user,
    )
    return Status(
        201,
        {
            "reference": filed.report.reference,
            "code": accounts.code_format(filed.code),
            "situation": filed.report.situation.reference if filed.report.situation else None,
        },
    )


class OfflineEditIn(Schema):
    id: uuid.UUID = Field(description="the edit's ID, made on the device (sent again: same result)")
    kind: str = Field(description="case or person")
    record: str = Field(max_length=64, description="a case's id, or a person's pseudonym")
    field: str = Field(max_length=60, description="a field edited offline (see the README)")
    value: Any = Field(description="the new value")
    base: int = Field(ge=0, description="the field's version the device saw")


class SyncIn(Schema):
    device: str = Field(min_length=1, max_length=64, description="the device's name or ID")
    holds: list[str] = Field([], max_length=5000, description="the cases the device keeps")
    edits: list[OfflineEditIn] = Field([], max_length=5000)


class EditResultOut(Schema):
    id: str
    status: str = Field(description="applied, same, conflict (both values kept) or refused")
    version: int
    detail: str


class SyncOut(Schema):
    results: list[EditResultOut]
    records: dict[str, Any] = Field(
        description="per case: its offline fields and its persons', each with value and version"
    )
    purge: list[str] = Field(description="cases the device keeps that the user may no longer see")


@router.post("/sync", response=SyncOut, auth=AUTH)
def offline_sync(request: HttpRequest, payload: SyncIn) -> dict[str, Any]:
    """A device's offline edits, merged field by field (a field changed since the version the
    edit was based on: both values kept as a conflict on the case); the current records; the
    cases to delete from the device."""
    result = sync.sync(
        actor=api_user(request),
        device=payload.device,
        holds=payload.holds,
        edits=[sync.Edit(e.id, e.kind, e.record, e.field, e.value, e.base) for e in payload.edits],
    )
    return {
        "results": [o.__dict__ for o in result.results],
        "records": result.records,
        "purge": result.purge,
    }
