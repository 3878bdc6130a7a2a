"""The statistics API under /api/v1/statistics/.

Reads of definitions, public figures and publications need no login; everything else is for
the roles `palermo.statistics.access` describes. Figures a user may not see are left out of
lists and answer 404. Bad cells answer 400 with `{"detail", "code", "errors": [{"cell",
"message", "severity"}]}`.
"""

# No `from __future__ import annotations` here: django-ninja reads `Query[...]`, `File[...]` and
# `Form[...]` parameter annotations at import time.

import tempfile
from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from palermo.core.auth import AUTH, api_user, request_user
from palermo.core.errors import ApplicationError
from palermo.core.pagination import Pagination
from palermo.statistics import (
    breakdowns,
    derivation,
    interchange,
    publishing,
    selectors,
    services,
)
from palermo.statistics.access import value_get
from palermo.statistics.models import (
    DIMENSIONS,
    DataSet,
    Indicator,
    Publication,
    Value,
)
from palermo.statistics.schemas import (
    BudgetOut,
    CellErrorsOut,
    CheckOut,
    CompletenessOut,
    CountOut,
    DataSetDetailOut,
    DataSetOut,
    DerivationIn,
    DerivationOut,
    DimensionOut,
    DPReleaseIn,
    FlowOut,
    ImportOut,
    PublicationDetailOut,
    PublicationIn,
    PublicationOut,
    ReasonIn,
    ScopeIn,
    StatisticsIndicatorOut,
    TraceOut,
    ValueCommentIn,
    ValueOut,
    ValuesIn,
    ValuesReturnIn,
)

router = Router(tags=["statistics"])
FILE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "sdmx-csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _file(content: bytes, name: str, fmt: str) -> HttpResponse:
    if fmt not in FILE_TYPES:
        raise ApplicationError(_("Unknown format '{}' (csv, xlsx, sdmx-csv).").format(fmt))
    response = HttpResponse(content, content_type=FILE_TYPES[fmt])
    extension = "xlsx" if fmt == "xlsx" else "csv"
    response["Content-Disposition"] = 'attachment; filename="{}.{}"'.format(name, extension)
    response["Cache-Control"] = "private, no-store"
    return response


def _cell_errors(exc: services.CellErrors) -> Status[dict[str, Any]]:
    return Status(400, {"detail": exc.detail, "code": exc.code, "errors": exc.errors})


# --- definitions ------------------------------------------------------------------------------


def _dataset_dict(ds: DataSet) -> dict[str, Any]:
    return {
        "code": ds.code,
        "version": ds.version,
        "name": ds.name,
        "description": ds.description,
        "period_type": ds.period_type,
        "indicators": [i.code for i in ds.indicators.all()],
        "rules": [r.code for r in ds.rules.all()],
        "privacy_budget": ds.privacy_budget,
        "suppression_threshold": ds.suppression_threshold,
    }


@router.get("/datasets", response=list[DataSetOut], auth=None)
def datasets(request: HttpRequest) -> list[dict[str, Any]]:
    return [_dataset_dict(ds) for ds in selectors.dataset_list()]


@router.get("/datasets/{code}", response=DataSetDetailOut, auth=None)
def dataset(request: HttpRequest, code: str) -> dict[str, Any]:
    ds = selectors.dataset_get(code)
    return {
        **_dataset_dict(ds),
        "indicator_definitions": list(ds.indicators.order_by("position")),
        "rule_definitions": list(ds.rules.all()),
    }


class TemplateQuery(Schema):
    country: str
    period: str
    format: str = "csv"


@router.get("/datasets/{code}/template", auth=AUTH)
def template(request: HttpRequest, code: str, q: Query[TemplateQuery]) -> HttpResponse:
    """The data set's entry template for a country and period (its national coordinator)."""
    if q.format not in ("csv", "xlsx"):
        raise ApplicationError(_("The template is CSV or XLSX."))
    content = interchange.template_file(
        user=api_user(request), dataset=code, country=q.country, period=q.period, fmt=q.format
    )
    return _file(content, "{}-{}-{}".format(code, q.country.upper(), q.period), q.format)


@router.get("/indicators", response=list[StatisticsIndicatorOut], auth=None)
def indicators(request: HttpRequest) -> QuerySet[Indicator]:
    return selectors.indicator_list()


@router.get("/dimensions", response=list[DimensionOut], auth=None)
def dimensions(request: HttpRequest) -> list[Any]:
    return list(selectors.dimension_list())


# --- figures ----------------------------------------------------------------------------------


class ValueQuery(Schema):
    country: str = ""
    indicator: str = ""
    dataset: str = ""
    period: str = ""
    year_from: int | None = None
    year_to: int | None = None
    status: str = ""
    origin: str = ""
    masked: bool | None = None
    public: bool | None = None
    sex: str = ""
    age_group: str = ""
    exploitation: str = ""
    citizenship: str = ""
    country_of_exploitation: str = ""
    country_of_repatriation: str = ""

    def filters(self) -> selectors.ValueFilters:
        return selectors.ValueFilters(
            country=self.country,
            indicator=self.indicator,
            dataset=self.dataset,
            period=self.period,
            year_from=self.year_from,
            year_to=self.year_to,
            status=self.status,
            origin=self.origin,
            masked=self.masked,
            public=self.public,
            dims={d: getattr(self, d) for d in DIMENSIONS if getattr(self, d)},
        )


def _value_dict(v: Value) -> dict[str, Any]:
    return {
        "id": v.pk,
        "dataset": v.dataset.code,
        "indicator": v.indicator.code,
        "country": v.country_id,
        "period": v.period,
        **{d: getattr(v, d) for d in DIMENSIONS},
        "label": v.label,
        "value": None if v.masked else v.value,
        "value_text": v.value_text,
        "masked": v.masked,
        "qualifier": v.qualifier,
        "suspect": v.suspect,
        "status": v.status,
        "origin": v.origin,
        "public": v.public,
        "source": str(v.source) if v.source is not None else None,
        "source_ref": v.source_ref,
        "notes": v.notes,
        "comment": v.comment,
    }


@router.get("/values", response=list[ValueOut], auth=None)
@paginate(Pagination)
def values(request: HttpRequest, q: Query[ValueQuery]) -> list[dict[str, Any]]:
    """Figures the caller may see (public ones without login), filtered by every
    disaggregation: `?country=ISO3&indicator=victims_detected&period=2019&sex=F`."""
    qs = selectors.value_list(user=request_user(request), filters=q.filters())
    return [_value_dict(v) for v in qs]


class ExportQuery(ValueQuery):
    format: str = "csv"


@router.get("/values/export", auth=None)
def values_export(request: HttpRequest, q: Query[ExportQuery]) -> HttpResponse:
    """The same figures as a file: CSV, XLSX or SDMX-CSV."""
    qs = selectors.value_list(user=request_user(request), filters=q.filters())
    return _file(interchange.values_export(qs, q.format), "figures", q.format)


@router.get("/values/{int:value_id}", response=ValueOut, auth=None)
def value(request: HttpRequest, value_id: int) -> dict[str, Any]:
    return _value_dict(value_get(request_user(request), value_id))


@router.post("/values", response={200: list[ValueOut], 400: CellErrorsOut}, auth=AUTH)
def values_enter(request: HttpRequest, payload: ValuesIn) -> Any:
    """Enter or change draft figures (national coordinator of the country). A null or empty
    value removes the draft figure of that cell. `remainders`: partial breakdowns whose
    "not stated / other" cell (code _R) is computed as the total minus the parts given."""
    try:
        written = breakdowns.values_enter_with_remainders(
            actor=api_user(request),
            dataset=payload.dataset,
            country=payload.country,
            period=payload.period,
            cells=[services.CellInput(**c.dict()) for c in payload.cells],
            remainders=[breakdowns.RemainderRequest(**r.dict()) for r in payload.remainders],
        )
    except services.CellErrors as exc:
        return _cell_errors(exc)
    return [_value_dict(v) for v in written]


def _check_dict(report: services.CheckReport) -> dict[str, Any]:
    return {
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "unexplained": len(report.unexplained),
        "issues": [
            {
                "cell": i.cell,
                "value_id": i.value.pk,
                "rule": i.rule.code,
                "severity": i.severity,
                "message": i.message,
                "commented": bool(i.value.comment.strip()),
            }
            for i in report.issues
        ],
    }


@router.post("/values/check", response=CheckOut, auth=AUTH)
def values_check(request: HttpRequest, payload: ScopeIn) -> dict[str, Any]:
    """Run the validation rules; the issues are kept for the entry form."""
    return _check_dict(services.values_check(actor=api_user(request), **payload.dict()))


@router.post("/values/submit", response={200: CheckOut, 400: CellErrorsOut}, auth=AUTH)
def values_submit(request: HttpRequest, payload: ScopeIn) -> Any:
    try:
        return _check_dict(services.values_submit(actor=api_user(request), **payload.dict()))
    except services.CellErrors as exc:
        return _cell_errors(exc)


@router.post("/values/validate", response={200: CountOut, 400: CellErrorsOut}, auth=AUTH)
def values_validate(request: HttpRequest, payload: ScopeIn) -> Any:
    try:
        return {"figures": services.values_validate(actor=api_user(request), **payload.dict())}
    except services.CellErrors as exc:
        return _cell_errors(exc)


@router.post("/values/return", response=CountOut, auth=AUTH)
def values_return(request: HttpRequest, payload: ValuesReturnIn) -> dict[str, int]:
    return {"figures": services.values_return(actor=api_user(request), **payload.dict())}


@router.post("/values/{int:value_id}/comment", response=ValueOut, auth=AUTH)
def value_comment(request: HttpRequest, value_id: int, payload: ValueCommentIn) -> dict[str, Any]:
    """Explain a figure (a warning needs a comment before submission)."""
    user = api_user(request)
    figure = value_get(user, value_id)
    return _value_dict(services.value_explain(actor=user, value=figure, comment=payload.comment))


@router.post("/values/{int:value_id}/trace", response=TraceOut, auth=AUTH)
def value_trace(request: HttpRequest, value_id: int, payload: ReasonIn) -> dict[str, Any]:
    """The pseudonymous persons (or the requests) a derived figure counts (the country's
    coordinator; audited)."""
    user = api_user(request)
    trace = derivation.derivation_trace(
        actor=user, figure=value_get(user, value_id), reason=payload.reason
    )
    return {
        "value_id": value_id,
        "value": trace.figure.value,
        "pseudonyms": trace.pseudonyms,
        "cases": [
            {"pseudonym": p.pseudonym, "case_reference": p.case_reference}
            for p in derivation.traced_persons(user, trace.pseudonyms)
        ],
        "requests": trace.requests,
        "changed_since_derived": trace.changed,
    }


@router.post("/upload", response={200: ImportOut, 400: CellErrorsOut}, auth=AUTH)
def upload(request: HttpRequest, file: File[UploadedFile], format: Form[str] = "csv") -> Any:
    """Upload a filled-in data-set template (CSV or XLSX) as the country's drafts."""
    if format not in ("csv", "xlsx"):
        raise ApplicationError(_("Upload a data-set template as csv or xlsx."))
    name = Path(file.name or "upload").name
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        with path.open("wb") as handle:
            for chunk in file.chunks():
                handle.write(chunk)
        result = interchange.data_import_run(actor=api_user(request), path=path, fmt=format)
    return {"figures": result.figures, "rows": result.rows, "notes": result.notes}


@router.post("/derivations", response={201: DerivationOut}, auth=AUTH)
def derive(request: HttpRequest, payload: DerivationIn) -> Status[dict[str, Any]]:
    """Compute the country's figures for the period from its case records, as drafts."""
    d = derivation.derivation_run(actor=api_user(request), **payload.dict())
    return Status(
        201,
        {
            "id": d.pk,
            "dataset": payload.dataset,
            "country": d.country_id,
            "period": d.period,
            "persons": d.persons,
            "figures": d.values,
        },
    )


# --- publications -----------------------------------------------------------------------------


def _publication_dict(p: Publication, *, cells: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "key": p.key,
        "version": p.version,
        "title": p.title,
        "dataset": p.dataset.code,
        "indicator": p.indicator.code,
        "country": p.country_id,
        "period": p.period,
        "dimensions": p.dimensions,
        "method": p.method,
        "parameters": p.parameters,
        "information_loss": p.information_loss,
        "basis": p.basis,
        "digest": p.digest,
        "created_at": p.created_at.isoformat(),
    }
    if cells:
        out["cells"] = p.cells
    return out


@router.get("/publications", response=list[PublicationOut], auth=None)
@paginate(Pagination)
def publications(
    request: HttpRequest, dataset: str = "", indicator: str = "", country: str = ""
) -> list[dict[str, Any]]:
    qs = selectors.publication_list(dataset=dataset, indicator=indicator, country=country)
    return [_publication_dict(p) for p in qs]


# Registered before /publications/{key}, so that "dp" is not read as a key.
@router.post("/publications/dp", response={201: PublicationDetailOut}, auth=AUTH)
def publication_dp(request: HttpRequest, payload: DPReleaseIn) -> Status[dict[str, Any]]:
    """Release a differentially private table of case records against the privacy budget."""
    pub = publishing.publication_release_dp(actor=api_user(request), **payload.dict())
    return Status(201, _publication_dict(pub, cells=True))


@router.get("/publications/{key}", response=PublicationDetailOut, auth=None)
def publication(request: HttpRequest, key: str, version: int | None = None) -> dict[str, Any]:
    return _publication_dict(selectors.publication_get(key=key, version=version), cells=True)


@router.get("/publications/{key}/export", auth=None)
def publication_export(
    request: HttpRequest, key: str, version: int | None = None, format: str = "csv"
) -> HttpResponse:
    pub = selectors.publication_get(key=key, version=version)
    name = "{}-v{}".format(pub.key, pub.version)
    return _file(interchange.publication_export(pub, format), name, format)


@router.post("/publications", response={201: PublicationDetailOut}, auth=AUTH)
def publication_create(request: HttpRequest, payload: PublicationIn) -> Status[dict[str, Any]]:
    """Publish figures with small-cell and secondary suppression (a country's coordinator: its
    validated figures; an analyst: figures the countries released for publication)."""
    pub = publishing.publication_create(actor=api_user(request), **payload.dict())
    return Status(201, _publication_dict(pub, cells=True))


@router.get("/budget", response=BudgetOut, auth=AUTH)
def budget(request: HttpRequest, dataset: str, country: str) -> dict[str, Any]:
    """The privacy-budget ledger of a data set for a country (its coordinator)."""
    ledger = publishing.privacy_budget_ledger(
        actor=api_user(request), dataset=dataset, country=country
    )
    return {
        "dataset": ledger.dataset.code,
        "country": ledger.country,
        "budget": ledger.budget,
        "spent": ledger.spent,
        "left": ledger.left,
        "releases": [
            {
                "publication": s.publication.key,
                "version": s.publication.version,
                "epsilon": s.epsilon,
                "spent_at": s.spent_at.isoformat(),
            }
            for s in ledger.spends
        ],
    }


# --- flows and completeness -------------------------------------------------------------------


@router.get("/flows", response=list[FlowOut], auth=None)
def flows(
    request: HttpRequest,
    source: str = "values",
    indicator: str = "victims_detected",
    dataset: str = "",
    country: str = "",
    year_from: int | None = None,
    year_to: int | None = None,
) -> list[dict[str, Any]]:
    """Origin -> transit -> destination. `source=values`: from the figures the caller may see
    (citizenship -> country of exploitation or reporting country). `source=cases`: from case
    movements (coordinators: their country; analysts: small flows suppressed)."""
    user = request_user(request)
    if source == "cases":
        return [
            {
                "origin": f.origin,
                "transit": f.transit,
                "destination": f.destination,
                "count": f.count,
                "display": f.display,
            }
            for f in derivation.route_flows_from_cases(
                user=user, year_from=year_from, year_to=year_to
            )
        ]
    if source != "values":
        raise ApplicationError(_("source is values or cases."))
    return [
        {
            "origin": f.origin,
            "transit": f.transit,
            "destination": f.destination,
            "count": f.count,
            "display": f.display,
        }
        for f in selectors.route_flows_from_values(
            user=user,
            indicator=indicator,
            dataset=dataset,
            country=country,
            year_from=year_from,
            year_to=year_to,
        )
    ]


@router.get("/completeness", response=CompletenessOut, auth=None)
def completeness(request: HttpRequest, dataset: str = "tip-annual") -> dict[str, Any]:
    """Who has reported what for which period (counts and status, never the figures)."""
    board = selectors.completeness_board(dataset=dataset)
    return {
        "dataset": board["dataset"].code,
        "indicators": board["indicators"],
        "countries": board["countries"],
        "periods": board["periods"],
        "cells": [
            {
                "country": c.country,
                "period": c.period,
                "figures": c.figures,
                "indicators": c.indicators,
                "status": c.status,
            }
            for c in board["cells"].values()
        ],
    }
