"""Action plan endpoints under /api/v1/monitoring/plans: read by every logged-in user; loaded
from a YAML file, reported, approved and returned by those the services allow."""

# No `from __future__ import annotations` here: django-ninja reads `File[...]` parameter
# annotations at import time.

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Status, UploadedFile

from palermo.core.auth import AUTH, api_user
from palermo.core.errors import ApplicationError
from palermo.monitoring import selectors_plans as sel
from palermo.monitoring.countrylists import language_of
from palermo.monitoring.models import ReportedValue
from palermo.monitoring.plan_reports import plan_report_file
from palermo.monitoring.planfile import MAX_BYTES
from palermo.monitoring.progress import plan_progress
from palermo.monitoring.reports import MEDIA_TYPES, attachment
from palermo.monitoring.schemas import (
    DoneIn,
    PlanOut,
    PlanValueIn,
    PlanValueOut,
    ProgressOut,
    RoundReasonIn,
)
from palermo.monitoring.services import plans as svc
from palermo.registry.selectors import parse_as_of

router = Router(tags=["monitoring"])


def value_dict(rv: ReportedValue) -> dict[str, Any]:
    return {
        "id": rv.pk,
        "plan": rv.indicator.plan.key,
        "indicator": rv.indicator.number,
        "period_start": rv.period_start,
        "period_end": rv.period_end,
        "value": float(rv.value),
        "evidence": rv.evidence,
        "evidence_url": rv.evidence_url,
        "status": rv.status,
        "return_reason": rv.return_reason,
    }


@router.get("/plans", response=list[PlanOut], auth=AUTH)
def plans(request: HttpRequest, level: str = "", mechanism: str = "") -> list[dict[str, Any]]:
    """Action plans, regional first, by start; `level` (regional, national, agency) and
    `mechanism` (an acronym, such as COMMIT) narrow the list."""
    user = api_user(request)
    return [sel.plan_summary(p) for p in sel.plan_list(user=user, level=level, mechanism=mechanism)]


@router.post("/plans", response={201: list[PlanOut]}, auth=AUTH)
def plans_load(request: HttpRequest, file: File[UploadedFile]) -> Status[list[dict[str, Any]]]:
    """Load the plans of a YAML file (layout in the README), all or none; 400 naming where in
    the file the problem is."""
    user = api_user(request)
    if (file.size or 0) > MAX_BYTES:
        raise ApplicationError(
            _("The file is larger than {} MB.").format(MAX_BYTES // 1_000_000), code="invalid"
        )
    loaded = svc.plan_import(actor=user, text=file.read(), source_name=str(file.name or ""))
    return Status(201, [sel.plan_summary(p) for p in loaded])


@router.get("/plans/{key}", response=ProgressOut, auth=AUTH)
def plan(request: HttpRequest, key: str, as_of: str = "") -> dict[str, Any]:
    """The plan with where each indicator stands on `as_of` (YYYY-MM-DD, default today):
    per period its target, actual value (computed from the records, or the approved reported
    value; a regional indicator adds up its national ones), and status (met, on_track,
    off_track, missed, under_way, not_reported, not_due, no_target); late activities."""
    user = api_user(request)
    found = sel.plan_get(user=user, key=key)
    return sel.progress_dict(plan_progress(found, parse_as_of(as_of)))


@router.get("/plans/{key}/report", auth=AUTH)
def plan_report(
    request: HttpRequest,
    key: str,
    format: str = "pdf",  # noqa: A002 - the query parameter's name
    lang: str = "en",
    date_from: str = "",
    date_to: str = "",
) -> HttpResponse:
    """The plan's report for a period (`date_from`..`date_to`, YYYY-MM-DD; the plan's own by
    default) as `format` docx, pdf or html (a preview) in `lang` (en, fr, es, ru, zh, ar): a
    table of indicators per objective, each figure's source in a footnote, late activities."""
    user = api_user(request)
    found = sel.plan_get(user=user, key=key)
    if format not in MEDIA_TYPES:
        raise ApplicationError(_("format: docx, pdf or html (a preview)."), code="invalid")
    start = parse_as_of(date_from) if date_from else found.start
    end = parse_as_of(date_to) if date_to else found.end
    data = plan_report_file(found, start=start, end=end, fmt=format, language=lang)
    return attachment(data, name="{}-{}".format(found.key, language_of(lang)), fmt=format)


@router.put("/plans/{key}/indicators/{number}/values", response=PlanValueOut, auth=AUTH)
def value_put(request: HttpRequest, key: str, number: str, payload: PlanValueIn) -> dict[str, Any]:
    """Write a reported indicator's value for a period (a draft; a returned value is written
    again), with its evidence."""
    user = api_user(request)
    indicator = sel.indicator_get(sel.plan_get(user=user, key=key), number)
    rv = svc.value_save(
        actor=user,
        indicator=indicator,
        period_start=payload.period_start,
        period_end=payload.period_end,
        value=payload.value,
        evidence=payload.evidence,
        evidence_url=payload.evidence_url,
    )
    return value_dict(rv)


@router.post("/plans/{key}/values/{value_id}/submit", response=PlanValueOut, auth=AUTH)
def value_submit(request: HttpRequest, key: str, value_id: int) -> dict[str, Any]:
    user = api_user(request)
    rv = sel.reported_value_get(sel.plan_get(user=user, key=key), value_id)
    return value_dict(svc.value_submit(actor=user, value=rv))


@router.post("/plans/{key}/values/{value_id}/approve", response=PlanValueOut, auth=AUTH)
def value_approve(request: HttpRequest, key: str, value_id: int) -> dict[str, Any]:
    """The plan's keepers approve a submitted value (not who submitted it)."""
    user = api_user(request)
    rv = sel.reported_value_get(sel.plan_get(user=user, key=key), value_id)
    return value_dict(svc.value_decide(actor=user, value=rv, approve=True))


@router.post("/plans/{key}/values/{value_id}/return", response=PlanValueOut, auth=AUTH)
def value_return(
    request: HttpRequest, key: str, value_id: int, payload: RoundReasonIn
) -> dict[str, Any]:
    user = api_user(request)
    rv = sel.reported_value_get(sel.plan_get(user=user, key=key), value_id)
    return value_dict(svc.value_decide(actor=user, value=rv, approve=False, reason=payload.reason))


@router.post("/plans/{key}/activities/{number}/done", response=dict[str, Any], auth=AUTH)
def activity_done(request: HttpRequest, key: str, number: str, payload: DoneIn) -> dict[str, Any]:
    """Mark an activity done on a date (null: not done)."""
    user = api_user(request)
    found = sel.plan_get(user=user, key=key)
    activity = sel.activity_get(found, number)
    done = svc.activity_done(actor=user, activity=activity, on=payload.done_on)
    return {"number": done.number, "done_on": done.done_on}
