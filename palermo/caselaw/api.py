"""The case-law API (/api/v1/caselaw/): search with facets, one decision, the keyword vocabulary
(published case law needs no login, as SHERLOC's does not); import and export of the documented
JSON, and publication, for registry editors and investigators/prosecutors."""

# No `from __future__ import annotations` here: django-ninja reads the annotations at import.

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from palermo.caselaw import choices as c
from palermo.caselaw import drafting, interchange, judgments, selectors, services, statistics
from palermo.caselaw.schemas import FacetValue, SearchOut
from palermo.core.auth import AUTH, api_user, request_user
from palermo.core.pagination import MAX_PAGE, MAX_PAGE_SIZE

router = Router(tags=["caselaw"])


class CaselawQuery(Schema):
    q: str = Field("", max_length=500, description="words, in any of the six UN languages")
    country: str = Field("", max_length=3, description="the court's or a route's ISO alpha-3")
    year_from: int | None = Field(None, ge=1800, le=2200)
    year_to: int | None = Field(None, ge=1800, le=2200)
    form: str = Field("", max_length=60, description="an HTCDS type of exploitation")
    outcome: str = Field("", max_length=20)
    legislation: int | None = Field(
        None, ge=1, le=2**31 - 1, description="the registry's legislation id"
    )
    keyword: str = Field("", max_length=60, description="a keyword's code")
    instance: str = Field("", max_length=30)
    sentence: str = Field("", max_length=10, description="custody range: 0-11, 12-59, 60-119, 120+")
    page: int = Field(1, ge=1, le=MAX_PAGE, description="page number, from 1")
    page_size: int = Field(
        selectors.PAGE, ge=1, le=MAX_PAGE_SIZE, description="decisions per page (at most 500)"
    )


class KeywordOut(Schema):
    code: str
    label: str
    labels: dict[str, str]
    vocabulary: str
    sherloc: list[str]


class CaselawFileIn(Schema):
    format: str = Field(description='"palermo-caselaw/1"')
    decisions: list[dict[str, Any]] = Field(
        description="Decisions as GET /decisions/{key} gives them (each checked in full)"
    )


class StatisticsQuery(Schema):
    country: str = Field("", max_length=3)
    year_from: int | None = Field(None, ge=1800, le=2200)
    year_to: int | None = Field(None, ge=1800, le=2200)


class StatisticsRowOut(Schema):
    country: str
    year: int
    cells: dict[str, int | None] = Field(
        description="defendants per outcome (convictions by custody months); null: withheld"
    )
    defendants: int | None
    convicted: int | None
    rate: float | None = Field(description="conviction rate; null where a count is withheld")


class CaselawImportOut(Schema):
    created: list[str]
    updated: list[str]


def _facets(results: selectors.Results) -> dict[str, list[FacetValue]]:
    return {
        name: [FacetValue(value=f.value, label=f.label, count=f.count) for f in values]
        for name, values in results.facets.items()
    }


@router.get("/decisions", response=SearchOut, auth=None)
def decisions(request: HttpRequest, query: Query[CaselawQuery]) -> dict[str, Any]:
    """Decisions matching the words and filters, a page of them (20 unless `page_size` says), with
    the facets of all of them; a page past the last is empty."""
    values = query.dict()
    page, size = values.pop("page"), values.pop("page_size")
    results = selectors.decisions_search(
        request_user(request), selectors.Filters(**values), page=page, size=size
    )
    return {
        "count": results.count,
        "items": [selectors.row(d) for d in results.decisions],
        "facets": _facets(results),
    }


@router.get("/decisions/{key}", response=dict[str, Any], auth=None)
def decision(request: HttpRequest, key: str) -> dict[str, Any]:
    """One decision in the documented JSON (`palermo-caselaw/1`)."""
    return interchange.decision_json(selectors.decision_get(request_user(request), key))


@router.get("/keywords", response=list[KeywordOut], auth=None)
def keywords(request: HttpRequest) -> list[dict[str, Any]]:
    """The keyword vocabulary, every version."""
    return selectors.keyword_rows()


@router.get("/statistics", response=list[StatisticsRowOut], auth=None)
def outcome_statistics(request: HttpRequest, query: Query[StatisticsQuery]) -> list[Any]:
    """Defendants of published decisions of national courts per country and year, by outcome
    and custody imposed; counts below 5, and what would reveal them, withheld."""
    return statistics.outcomes_table(**query.dict())


class JudgmentOut(Schema):
    id: uuid.UUID
    filename: str
    language: str
    content_type: str
    size: int
    sha256: str


@router.post("/decisions/{key}/files", response={201: JudgmentOut}, auth=AUTH)
def judgment_attach(
    request: HttpRequest, key: str, file: File[UploadedFile], language: Form[str] = ""
) -> Status[Any]:
    """Attach a judgment's file (PDF, DOCX, HTML or UTF-8 text, at most 20 MB; registry
    editors, investigators; audited)."""
    user = api_user(request)
    decision = selectors.decision_get(user, key)
    made = judgments.judgment_attach(
        actor=user,
        decision=decision,
        filename=file.name or "",
        language=language,
        content=file.read(),
    )
    return Status(201, made)


@router.get("/decisions/{key}/files/{file_id}", auth=None)
def judgment_file(request: HttpRequest, key: str, file_id: uuid.UUID) -> HttpResponse:
    """A judgment's file, as a download."""
    decision = selectors.decision_get(request_user(request), key)
    return judgments.download(judgments.judgment_get(decision, str(file_id)))


@router.get("/export", response=dict[str, Any], auth=None)
def export(request: HttpRequest) -> dict[str, Any]:
    """Every decision the caller may see, as a case-law file (drafts to those who write them)."""
    return interchange.export_file(selectors.export_rows(request_user(request)))


@router.post("/import", response=CaselawImportOut, auth=AUTH)
def import_file(request: HttpRequest, payload: CaselawFileIn) -> dict[str, Any]:
    """Import a case-law file (registry editors, investigators): checked whole, then written in
    one transaction; 400 naming every problem, nothing written."""
    report = services.decisions_import(actor=api_user(request), data=payload.dict())
    return {"created": report.created, "updated": report.updated}


class PublishIn(Schema):
    reason: str = Field(
        "", max_length=500, description="Needed for a draft flagged for re-identification risk"
    )


class CaselawDraftIn(Schema):
    case: str = Field(description="The case's id or reference")
    court: str = Field(min_length=1, max_length=300, description="The court's name")
    court_country: str | None = Field(None, max_length=3, description="ISO 3166-1 alpha-3")
    level: c.Instance = c.Instance.FIRST
    decided_on: dt.date
    case_number: str = Field(min_length=1, max_length=120)
    language: str = Field("en", min_length=2, max_length=8)


class DraftOut(Schema):
    key: str
    risk_flags: list[str]


@router.post("/decisions/{key}/publish", response=dict[str, Any], auth=AUTH)
def publish(request: HttpRequest, key: str, payload: PublishIn) -> dict[str, Any]:
    """Publish a draft (registry editors, investigators; audited); 400 `reidentification_risk`
    for a flagged draft without a reason."""
    user = api_user(request)
    decision = services.decision_publish(
        actor=user, decision=selectors.decision_get(user, key), reason=payload.reason
    )
    return interchange.decision_json(decision)


@router.post("/drafts", response={201: DraftOut}, auth=AUTH)
def draft(request: HttpRequest, payload: CaselawDraftIn) -> Status[dict[str, Any]]:
    """A draft decision from a case's proceedings with a verdict (investigators/prosecutors who
    may see the whole case), de-identified, its re-identification risks flagged."""
    court = drafting.Court(
        name=payload.court,
        country=payload.court_country or None,
        level=payload.level,
        decided_on=payload.decided_on,
        case_number=payload.case_number,
        language=payload.language,
    )
    made = drafting.draft_from_case(actor=api_user(request), case=payload.case, court=court)
    return Status(201, {"key": made.key, "risk_flags": made.risk_flags})
