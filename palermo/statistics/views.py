"""Statistics pages: thin views over the statistics selectors, services and exporters.

Every figure on a page comes from a selector that is already limited to what the user may see
(`palermo.statistics.access`): analysts and anonymous readers see public figures and
publications only; a national coordinator also sees their own country's figures. Charts are
Vega-Lite specs built by `charts.py` from the same rows as the page's table; the browser draws
them with the vendored vega-embed and the SVG/PNG links render them with vl-convert, both with
no network access. A page about something the user may not see answers 404.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views import View

from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import Country, User
from palermo.statistics import (
    charts,
    derivation,
    interchange,
    publishing,
    selectors,
    services,
)
from palermo.statistics.access import active_user, coordinator_country, is_analyst
from palermo.statistics.choices import PublicationMethod, Severity, ValueStatus
from palermo.statistics.forms import (
    AcrossForm,
    CompletenessForm,
    DPReleaseForm,
    EntryScopeForm,
    PublishForm,
    RegionalPublishForm,
    ReturnForm,
    RouteForm,
    UploadForm,
)
from palermo.statistics.models import DIMENSIONS, TOTAL, UNKNOWN, Publication
from palermo.statistics.selectors import GridBlock, GridCell, ValueFilters

MAX_CHARTED_ROUTES = 40  # the largest routes are charted; the table lists them all
CHART_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
TABLE_TYPES = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "sdmx-csv": ("text/csv; charset=utf-8", "csv"),
}
TOTALS = dict.fromkeys(DIMENSIONS, TOTAL)


def _private(response: HttpResponseBase) -> HttpResponseBase:
    """Pages that may hold a country's unpublished figures are never cached."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = 'attachment; filename="{}"'.format(filename)
    return response


def _chart_response(spec: charts.Spec, fmt: str, filename: str) -> HttpResponse:
    if fmt not in CHART_TYPES:
        raise Http404(_("Charts are exported as SVG or PNG."))
    try:
        content = charts.render(spec, fmt)
    except charts.ChartError as exc:
        raise Http404(str(exc)) from exc
    return _download(content, CHART_TYPES[fmt], "{}.{}".format(filename, fmt))


def _table_response(content: Callable[[], bytes], fmt: str, filename: str) -> HttpResponse:
    if fmt not in TABLE_TYPES:
        raise Http404(_("Tables are exported as CSV, XLSX or SDMX-CSV."))
    content_type, suffix = TABLE_TYPES[fmt]
    name = "{}{}.{}".format(filename, "-sdmx" if fmt == "sdmx-csv" else "", suffix)
    return _download(content(), content_type, name)


def _downloads(name: str, query: str = "", **kwargs: Any) -> list[tuple[str, str]]:
    """(label, URL) of a table's CSV, XLSX and SDMX-CSV downloads."""
    suffix = "?" + query if query else ""
    labels = {"csv": "CSV", "xlsx": "XLSX", "sdmx-csv": "SDMX-CSV"}
    return [
        (label, reverse(name, kwargs={**kwargs, "fmt": fmt}) + suffix)
        for fmt, label in labels.items()
    ]


def _names() -> dict[str, str]:
    return dict(Country.objects.values_list("iso3", "name"))


class StatisticsView(View):
    """Base of the statistics pages: domain errors become 404 (never 403: what you may not see
    does not exist for you); `login_required` pages send the anonymous to the login page."""

    login_required = False

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if self.login_required and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            response = super().dispatch(request, *args, **kwargs)
        except (NotFoundError, ForbiddenError) as exc:
            raise Http404(exc.detail) from exc
        except ApplicationError as exc:  # e.g. a period in the URL that is not one
            raise Http404(exc.detail) from exc
        if request.user.is_authenticated:
            _private(response)
        return response


# --- overview ---------------------------------------------------------------------------------


class IndexView(StatisticsView):
    def get(self, request: HttpRequest) -> HttpResponse:
        visible = selectors.value_list(user=request.user)
        countries = (
            visible.order_by("country__name").values_list("country_id", "country__name").distinct()
        )
        indicators = selectors.indicator_list().filter(
            pk__in=visible.values("indicator_id").distinct()
        )
        context = {
            "countries": list(countries),
            "indicators": indicators,
            "datasets": selectors.dataset_list(),
            "publications": selectors.publication_list(user=request.user)[:10],
            "own_country": coordinator_country(request.user),
        }
        return render(request, "statistics/index.html", context)


# --- country profile --------------------------------------------------------------------------


def _profile(user: Any, iso3: str) -> tuple[Country, list[selectors.Series]]:
    country = Country.objects.filter(iso3=iso3.upper()).first()
    if country is None:
        raise NotFoundError("No country '{}'.".format(iso3))
    return country, selectors.country_profile(user=user, country=country.iso3)


class CountryProfileView(StatisticsView):
    def get(self, request: HttpRequest, iso3: str) -> HttpResponse:
        country, series = _profile(request.user, iso3)
        entries = [
            {
                "n": n,
                "series": s,
                "spec": charts.trend_chart(s),
                "chart_id": "trend-{}".format(n),
                "annual": all(len(p.period) == 4 for p in s.points),
            }
            for n, s in enumerate(series)
        ]
        return render(
            request,
            "statistics/country_profile.html",
            {
                "country": country,
                "entries": entries,
                "downloads": _downloads("statistics:country_data", iso3=country.iso3),
            },
        )


class CountryChartView(StatisticsView):
    def get(self, request: HttpRequest, iso3: str, n: int, fmt: str) -> HttpResponse:
        country, series = _profile(request.user, iso3)
        if n >= len(series):
            raise Http404(_("No such chart."))
        name = "{}-{}".format(country.iso3, series[n].indicator)
        return _chart_response(charts.trend_chart(series[n]), fmt, name)


class CountryDataView(StatisticsView):
    def get(self, request: HttpRequest, iso3: str, fmt: str) -> HttpResponse:
        country, _series = _profile(request.user, iso3)
        values = selectors.value_list(user=request.user, filters=ValueFilters(country=country.iso3))
        return _table_response(
            lambda: interchange.values_export(values, fmt), fmt, "{}-figures".format(country.iso3)
        )


# --- indicator across countries ---------------------------------------------------------------


def _across(request: HttpRequest, code: str) -> dict[str, Any]:
    indicator = selectors.indicator_get(code)
    visible = selectors.value_list(
        user=request.user, filters=ValueFilters(indicator=indicator.code)
    ).filter(**TOTALS, label="")
    periods = sorted(set(visible.values_list("period", flat=True)), key=lambda p: (-int(p[:4]), p))
    form = AcrossForm(request.GET or None, periods=periods)
    period = periods[0] if periods else ""
    dataset = ""
    if form.is_bound and form.is_valid():
        period = form.cleaned_data["period"] or period
        dataset = form.cleaned_data["dataset"]
    rows = (
        selectors.indicator_across_countries(
            user=request.user, indicator=indicator.code, period=period, dataset=dataset
        )
        if period
        else []
    )
    return {
        "indicator": indicator,
        "form": form,
        "period": period,
        "dataset": dataset,
        "rows": rows,
        "spec": charts.across_chart(rows, indicator=indicator.name, period=period),
    }


class IndicatorAcrossView(StatisticsView):
    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        context = _across(request, code)
        query = request.GET.urlencode()
        context["query"] = "?" + query if query else ""
        context["downloads"] = _downloads("statistics:indicator_data", query, code=code)
        status = 400 if context["form"].is_bound and context["form"].errors else 200
        return render(request, "statistics/indicator_across.html", context, status=status)


class IndicatorChartView(StatisticsView):
    def get(self, request: HttpRequest, code: str, fmt: str) -> HttpResponse:
        context = _across(request, code)
        name = "{}-{}".format(code, context["period"] or "none")
        return _chart_response(context["spec"], fmt, name)


class IndicatorDataView(StatisticsView):
    def get(self, request: HttpRequest, code: str, fmt: str) -> HttpResponse:
        context = _across(request, code)
        values = selectors.value_list(
            user=request.user,
            filters=ValueFilters(
                indicator=code, period=context["period"] or "-", dataset=context["dataset"]
            ),
        ).filter(**TOTALS, label="")
        name = "{}-{}".format(code, context["period"] or "none")
        return _table_response(lambda: interchange.values_export(values, fmt), fmt, name)


# --- routes -----------------------------------------------------------------------------------


def _routes(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    cases = coordinator_country(user) is not None or is_analyst(user)
    form = RouteForm(request.GET or None, cases=cases)
    params: dict[str, Any] = {"indicator": "victims_detected"}
    source = "figures"
    if form.is_bound and form.is_valid():
        source = form.cleaned_data["source"] or "figures"
        params = {
            "indicator": form.cleaned_data["indicator"],
            "year_from": form.cleaned_data["year_from"],
            "year_to": form.cleaned_data["year_to"],
            "dataset": form.cleaned_data["dataset"],
        }
    flows: list[selectors.Flow] = []
    if form.errors:
        flows = []
    elif source == "cases":
        flows = [
            selectors.Flow(f.origin, f.transit, f.destination, f.count, f.display)
            for f in derivation.route_flows_from_cases(
                user=user, year_from=params.get("year_from"), year_to=params.get("year_to")
            )
        ]
    else:
        flows = selectors.route_flows_from_values(user=user, **params)
    names = {**_names(), UNKNOWN: _("Unknown")}
    return {
        "form": form,
        "source": source,
        "flows": flows,
        "charted": flows[:MAX_CHARTED_ROUTES],
        "names": names,
        "unmapped": [(c, names.get(c, c)) for c in charts.unmapped(flows[:MAX_CHARTED_ROUTES])],
        "indicator": selectors.indicator_get(params["indicator"]),
    }


class RoutesView(StatisticsView):
    def get(self, request: HttpRequest) -> HttpResponse:
        context = _routes(request)
        flows, names = context["flows"], context["names"]
        context.update(
            rows=[
                {
                    "origin": names.get(f.origin, f.origin),
                    "transit": names.get(f.transit, f.transit) if f.transit else "",
                    "destination": names.get(f.destination, f.destination),
                    "display": f.display,
                }
                for f in flows
            ],
            map_spec=charts.flow_map(
                context["charted"], names=names, boundaries_url=static(charts.WORLD_ATLAS_STATIC)
            ),
            sankey_spec=charts.sankey_chart(context["charted"], names=names),
            max_charted=MAX_CHARTED_ROUTES,
            query="?" + request.GET.urlencode() if request.GET else "",
        )
        status = 400 if context["form"].errors else 200
        return render(request, "statistics/routes.html", context, status=status)


class RouteChartView(StatisticsView):
    def get(self, request: HttpRequest, chart: str, fmt: str) -> HttpResponse:
        context = _routes(request)
        if chart == "map":
            spec = charts.flow_map(context["charted"], names=context["names"])
        elif chart == "sankey":
            spec = charts.sankey_chart(context["charted"], names=context["names"])
        else:
            raise Http404(_("No such chart."))
        return _chart_response(spec, fmt, "routes-{}".format(chart))


# --- completeness -----------------------------------------------------------------------------


class CompletenessView(StatisticsView):
    """Who has reported what for which period: counts and statuses, never the figures."""

    login_required = True

    def get(self, request: HttpRequest) -> HttpResponse:
        form = CompletenessForm(request.GET or {"dataset": "tip-annual"})
        board: dict[str, Any] | None = None
        if form.is_valid():
            board = selectors.completeness_board(dataset=form.cleaned_data["dataset"])
        rows = []
        if board is not None:
            names = _names()
            for country in board["countries"]:
                cells = [board["cells"].get((country, p)) for p in board["periods"]]
                rows.append(
                    {"country": country, "name": names.get(country, country), "cells": cells}
                )
            rows.sort(key=lambda r: r["name"])
        return render(
            request,
            "statistics/completeness.html",
            {"form": form, "board": board, "rows": rows, "statuses": ValueStatus},
            status=200 if form.is_valid() else 400,
        )


# --- entry ------------------------------------------------------------------------------------


def _coordinator(request: HttpRequest, refusal: str = "") -> tuple[User, str]:
    """The national coordinator and their country; 404 with `refusal` for anyone else."""
    user = active_user(request.user)
    country = coordinator_country(user)
    if user is None or country is None:
        raise Http404(refusal or _("Only national coordinators enter figures."))
    return user, country


class EntryStartView(StatisticsView):
    login_required = True

    def get(self, request: HttpRequest) -> HttpResponse:
        _user, country = _coordinator(request)
        form = EntryScopeForm(initial={"dataset": "tip-annual"})
        return self._page(request, form, country)

    def post(self, request: HttpRequest) -> HttpResponse:
        _user, country = _coordinator(request)
        form = EntryScopeForm(request.POST)
        if form.is_valid():
            try:
                services.scope_get(
                    dataset=form.cleaned_data["dataset"],
                    country=country,
                    period=form.cleaned_data["period"],
                )
            except ApplicationError as exc:
                form.add_error("period", exc.detail)
            else:
                return redirect(
                    "statistics:entry_grid",
                    dataset=form.cleaned_data["dataset"],
                    iso3=country,
                    period=form.cleaned_data["period"],
                )
        return self._page(request, form, country, status=400)

    def _page(
        self, request: HttpRequest, form: EntryScopeForm, country: str, status: int = 200
    ) -> HttpResponse:
        board = selectors.completeness_board(dataset="tip-annual")
        own = sorted(
            (cell for key, cell in board["cells"].items() if key[0] == country),
            key=lambda c: c.period,
            reverse=True,
        )
        return render(
            request,
            "statistics/entry_start.html",
            {"form": form, "country": Country.objects.get(iso3=country), "own": own},
            status=status,
        )


def _tables(blocks: list[GridBlock]) -> list[tuple[str, str]]:
    """The breakdowns that can be published as tables: (indicator|dims, label)."""
    names = {d.code: d.name for d in selectors.dimension_list()}
    return [
        (
            "{}|{}".format(b.indicator.code, ",".join(b.dimensions)),
            "{}, {} {}".format(
                b.indicator.name,
                _("by"),
                " × ".join(str(names.get(d, d)).lower() for d in b.dimensions),
            ),
        )
        for b in blocks
        if b.dimensions
    ]


def _value_text(cell: GridCell) -> str:
    return cell.value.value_text if cell.value is not None else ""


def _comment(cell: GridCell) -> str:
    return cell.value.comment if cell.value is not None else ""


def _added_cells(request: HttpRequest, blocks: list[GridBlock]) -> list[services.CellInput]:
    """Rows added for a country breakdown (e.g. victims of one more citizenship)."""
    added = []
    for block in blocks:
        for dim in block.dimensions:
            name = "add:{}:{}".format(block.indicator.code, dim)
            code = request.POST.get(name, "").strip().upper()
            value = request.POST.get(name + ":value", "").strip()
            if code and value:
                added.append(
                    services.CellInput(
                        cell="{}:{}={}".format(block.indicator.code, dim, code), value=value
                    )
                )
    return added


def _changed_cells(request: HttpRequest, blocks: list[GridBlock]) -> list[services.CellInput]:
    """The cells whose figure or comment differs from what is stored (only those are sent, so
    that figures already submitted are not touched)."""
    changed = []
    for block in blocks:
        for cell in block.cells:
            posted = request.POST.get("v:" + cell.cell)
            comment = request.POST.get("c:" + cell.cell)
            if posted is None and comment is None:
                continue
            value = (posted if posted is not None else _value_text(cell)).strip()
            new_comment = (comment if comment is not None else _comment(cell)).strip()
            if value != _value_text(cell) or new_comment != _comment(cell):
                changed.append(
                    services.CellInput(cell=cell.cell, value=value or None, comment=new_comment)
                )
    return changed + _added_cells(request, blocks)


class EntryGridView(StatisticsView):
    """The entry form of one country, data set and period, with cell-level messages."""

    login_required = True
    template_name = "statistics/entry_grid.html"

    def _blocks(self, request: HttpRequest, dataset: str, iso3: str, period: str) -> Any:
        return selectors.entry_grid(user=request.user, dataset=dataset, country=iso3, period=period)

    def get(self, request: HttpRequest, dataset: str, iso3: str, period: str) -> HttpResponse:
        _coordinator(request)
        blocks = self._blocks(request, dataset, iso3, period)
        return self._page(request, blocks, dataset, iso3, period)

    def post(self, request: HttpRequest, dataset: str, iso3: str, period: str) -> HttpResponse:
        user, _country = _coordinator(request)
        blocks = self._blocks(request, dataset, iso3, period)
        action = request.POST.get("action", "save")
        scope: dict[str, Any] = {
            "actor": user,
            "dataset": dataset,
            "country": iso3,
            "period": period,
        }
        errors: dict[str, list[str]] = {}
        summary = ""
        return_form = ReturnForm(request.POST if action == "return" else None)
        publish_form = PublishForm(
            request.POST if action == "publish" else None, tables=_tables(blocks)
        )
        target = request.path
        try:
            if action == "publish":
                target = self._publish(request, scope, publish_form)
            elif action == "return":
                if not return_form.is_valid():
                    raise ApplicationError(_("Give a reason for returning the figures."))
                n = services.values_return(**scope, reason=return_form.cleaned_data["reason"])
                messages.success(request, _("{} figures returned to draft.").format(n))
            elif action == "validate":
                n = services.values_validate(**scope)
                messages.success(request, _("{} figures validated.").format(n))
            else:
                self._enter(request, scope, blocks, action)
        except services.CellErrors as exc:
            summary = exc.detail
            for error in exc.errors:
                errors.setdefault(error["cell"], []).append(error["message"])
        except ApplicationError as exc:
            summary = exc.detail
        if not summary:
            return redirect(target)
        keep = action in ("save", "check")  # input errors: keep what was typed
        return self._page(
            request,
            self._blocks(request, dataset, iso3, period),
            dataset,
            iso3,
            period,
            errors=errors,
            summary=summary,
            posted=request.POST if keep else None,
            return_form=return_form,
            publish_form=publish_form,
            status=400,
        )

    def _enter(
        self, request: HttpRequest, scope: dict[str, Any], blocks: list[GridBlock], action: str
    ) -> None:
        """Save the changed cells; then check or submit if asked."""
        cells = _changed_cells(request, blocks)
        if cells:
            services.values_enter(**scope, cells=cells)
        if action == "check":
            report = services.values_check(**scope)
            messages.info(
                request,
                _("Checked: {} error(s), {} warning(s).").format(
                    len(report.errors), len(report.warnings)
                ),
            )
        elif action == "submit":
            services.values_submit(**scope)
            messages.success(request, _("The figures were submitted."))
        else:
            messages.success(request, _("{} cell(s) saved.").format(len(cells)))

    def _publish(self, request: HttpRequest, scope: dict[str, Any], form: PublishForm) -> str:
        """Publish a breakdown of the validated figures; the URL of the publication."""
        if not form.is_valid():
            raise ApplicationError(_("Choose a table to publish."))
        publication = publishing.publication_create(
            actor=scope["actor"],
            dataset=scope["dataset"],
            indicator=form.indicator,
            period=scope["period"],
            dimensions=form.dimensions,
            countries=[scope["country"]],
            threshold=form.cleaned_data["threshold"],
        )
        messages.success(request, _("Published: {}.").format(publication.title))
        return reverse(
            "statistics:publication_version", args=[publication.key, publication.version]
        )

    def _page(
        self,
        request: HttpRequest,
        blocks: list[GridBlock],
        dataset: str,
        iso3: str,
        period: str,
        *,
        errors: dict[str, list[str]] | None = None,
        summary: str = "",
        posted: Any = None,
        return_form: ReturnForm | None = None,
        publish_form: PublishForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        errors = errors or {}
        statuses: set[str] = set()
        counter = 0
        sections = []
        dim_names = {d.code: d.name for d in selectors.dimension_list()}
        for block in blocks:
            rows = []
            for cell in block.cells:
                counter += 1
                if cell.value is not None:
                    statuses.add(cell.value.status)
                stored_errors = [i.message for i in cell.errors]
                warnings = [i.message for i in cell.warnings]
                # Messages of the last service call that the stored issues do not already say
                # (input errors; a warning without a comment is shown as the warning).
                cell_errors = [
                    e
                    for e in errors.get(cell.cell, [])
                    if e not in stored_errors and not any(e.startswith(w) for w in warnings)
                ]
                value = posted.get("v:" + cell.cell, _value_text(cell)) if posted else None
                rows.append(
                    {
                        "id": "cell-{}".format(counter),
                        "cell": cell.cell,
                        "label": ", ".join(cell.labels.values()) or _("Total"),
                        "value": _value_text(cell) if value is None else value,
                        "status": cell.value.get_status_display() if cell.value else "",
                        "editable": cell.value is None or cell.value.status == ValueStatus.DRAFT,
                        "errors": stored_errors + cell_errors,
                        "warnings": warnings,
                        "comment": (posted.get("c:" + cell.cell) if posted else None)
                        or _comment(cell),
                        "needs_comment": bool(warnings),
                    }
                )
            country_dims = [d for d in block.dimensions if d in ("citizenship",) or "country" in d]
            sections.append(
                {
                    "block": block,
                    "rows": rows,
                    "add": country_dims,
                    "by": " × ".join(str(dim_names.get(d, d)) for d in block.dimensions),
                }
            )
        all_rows = [r for s in sections for r in cast(list[dict[str, Any]], s["rows"])]
        n_errors = sum(len(r["errors"]) for r in all_rows)
        n_warnings = sum(1 for r in all_rows if r["warnings"] and not r["comment"])
        base = reverse("statistics:entry_grid", args=[dataset, iso3, period])
        context = {
            "dataset": selectors.dataset_get(dataset),
            "country": Country.objects.get(iso3=iso3.upper()),
            "period": period,
            "sections": sections,
            "summary": summary,
            "n_errors": n_errors,
            "n_warnings": n_warnings,
            "statuses": sorted(statuses, key=selectors.STATUS_ORDER.index),
            "has_draft": ValueStatus.DRAFT in statuses,
            "has_submitted": ValueStatus.SUBMITTED in statuses,
            "can_return": bool({ValueStatus.SUBMITTED, ValueStatus.VALIDATED} & statuses),
            "upload_form": UploadForm(),
            "return_form": return_form or ReturnForm(),
            "publish_form": publish_form or PublishForm(tables=_tables(blocks)),
            "can_publish": bool({ValueStatus.VALIDATED, ValueStatus.PUBLISHED} & statuses),
            "template_csv": base + "template.csv",
            "template_xlsx": base + "template.xlsx",
            "severity": Severity,
        }
        return render(request, self.template_name, context, status=status)


class EntryTemplateView(StatisticsView):
    login_required = True

    def get(
        self, request: HttpRequest, dataset: str, iso3: str, period: str, fmt: str
    ) -> HttpResponse:
        _coordinator(request)
        if fmt not in ("csv", "xlsx"):
            raise Http404(_("Templates are CSV or XLSX."))
        content = interchange.template_file(
            user=request.user, dataset=dataset, country=iso3, period=period, fmt=fmt
        )
        content_type = TABLE_TYPES[fmt][0]
        name = "{}-{}-{}.{}".format(dataset, iso3.upper(), period, fmt)
        return _download(content, content_type, name)


class EntryUploadView(StatisticsView):
    login_required = True

    def post(self, request: HttpRequest, dataset: str, iso3: str, period: str) -> HttpResponse:
        user, _country = _coordinator(request)
        selectors.entry_grid(user=user, dataset=dataset, country=iso3, period=period)
        form = UploadForm(request.POST, request.FILES)
        back = reverse("statistics:entry_grid", args=[dataset, iso3, period])
        if not form.is_valid():
            for error in form.errors.get("file", []):
                messages.error(request, str(error))
            return redirect(back)
        upload = form.cleaned_data["file"]
        suffix = "." + form.format
        with tempfile.TemporaryDirectory() as folder:
            # The importer reads a path; the user's file name is not used for it.
            path = Path(folder) / ("upload" + suffix)
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                result = interchange.data_import_run(actor=user, path=path, fmt=form.format)
            except ApplicationError as exc:
                messages.error(
                    request,
                    _("Nothing was imported: {}").format(
                        exc.detail.replace(path.name, upload.name)
                    ),
                )
                return redirect(back)
        messages.success(request, _("{} figures read from {}.").format(result.figures, upload.name))
        return redirect(back)


# --- publications -----------------------------------------------------------------------------


class PublicationListView(StatisticsView):
    def get(self, request: HttpRequest) -> HttpResponse:
        publications = selectors.publication_list(
            user=request.user,
            dataset=request.GET.get("dataset", ""),
            country=request.GET.get("country", ""),
        )
        return render(request, "statistics/publication_list.html", {"publications": publications})


class PublicationNewView(StatisticsView):
    """Analysts publish tables of several countries' validated figures (with suppression)."""

    login_required = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not is_analyst(request.user):
            raise Http404(_("Only analysts publish tables of several countries."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = RegionalPublishForm(initial={"dataset": "tip-annual"})
        return render(request, "statistics/publication_new.html", {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = RegionalPublishForm(request.POST)
        if form.is_valid():
            try:
                publication = publishing.publication_create(
                    actor=request.user,
                    dataset=form.cleaned_data["dataset"],
                    indicator=form.indicator,
                    period=form.cleaned_data["period"],
                    dimensions=form.dimensions,
                    countries=form.cleaned_data["countries"],
                    threshold=form.cleaned_data["threshold"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, _("Published: {}.").format(publication.title))
                return redirect(
                    "statistics:publication_version", publication.key, publication.version
                )
        return render(request, "statistics/publication_new.html", {"form": form}, status=400)


def _release_coordinator(request: HttpRequest) -> tuple[User, str]:
    return _coordinator(
        request, str(_("Only national coordinators release tables of their case records."))
    )


class PublicationReleaseView(StatisticsView):
    """A national coordinator releases a differentially private table of the country's case
    records; the data set's privacy budget for the country is shown beside the form, and a
    release that would exceed it is refused with nothing written (by the service)."""

    login_required = True
    template_name = "statistics/publication_release.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        user, country = _release_coordinator(request)
        form = DPReleaseForm(initial={"dataset": "tip-annual", "max_contributions": 1})
        return self._page(request, form, user, country, "tip-annual")

    def post(self, request: HttpRequest) -> HttpResponse:
        user, country = _release_coordinator(request)
        form = DPReleaseForm(request.POST)
        if form.is_valid():
            try:
                publication = publishing.publication_release_dp(
                    actor=user, country=country, **form.cleaned_data
                )
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(
                    request,
                    _("Released: {}. Epsilon {} spent; {:.4g} left.").format(
                        publication.title,
                        publication.parameters["epsilon"],
                        publication.parameters["budget_left"],
                    ),
                )
                return redirect(
                    "statistics:publication_version", publication.key, publication.version
                )
        dataset = str(request.POST.get("dataset", ""))
        return self._page(request, form, user, country, dataset, status=400)

    def _page(
        self,
        request: HttpRequest,
        form: DPReleaseForm,
        user: User,
        country: str,
        dataset: str,
        status: int = 200,
    ) -> HttpResponse:
        try:
            ledger = publishing.privacy_budget_ledger(actor=user, dataset=dataset, country=country)
        except NotFoundError:  # no data set chosen (or not one): no budget to show
            ledger = None
        context = {"form": form, "ledger": ledger, "country": Country.objects.get(iso3=country)}
        return render(request, self.template_name, context, status=status)


class PublicationBudgetView(StatisticsView):
    """htmx: the privacy budget of the coordinator's country for the data set chosen."""

    login_required = True

    def get(self, request: HttpRequest) -> HttpResponse:
        user, country = _release_coordinator(request)
        ledger = publishing.privacy_budget_ledger(
            actor=user, dataset=request.GET.get("dataset", ""), country=country
        )
        return render(
            request,
            "statistics/_budget.html",
            {"ledger": ledger, "country": Country.objects.get(iso3=country)},
        )


def _publication(key: str, version: int | None) -> Publication:
    return selectors.publication_get(key=key, version=version)


class PublicationDetailView(StatisticsView):
    def get(self, request: HttpRequest, key: str, version: int | None = None) -> HttpResponse:
        publication = _publication(key, version)
        cells = selectors.publication_table(publication)
        versions = selectors.publication_list(user=request.user).filter(key=key)
        suppressed = sum(1 for c in cells if c.value is None)
        dp = publication.method == PublicationMethod.DIFFERENTIAL_PRIVACY
        ledger = None
        country = publication.country_id
        if dp and country and coordinator_country(request.user) == country:
            # The budget ledger is the country's coordinator's (as in the API).
            ledger = publishing.privacy_budget_ledger(
                actor=request.user, dataset=publication.dataset.code, country=country
            )
        return render(
            request,
            "statistics/publication_detail.html",
            {
                "publication": publication,
                "cells": cells,
                "dimensions": [d.replace("_", " ") for d in publication.dimensions],
                "versions": versions,
                "suppressed": suppressed,
                "dp": dp,
                "ledger": ledger,
                "country": publication.country,
                "parameters": sorted(publication.parameters.items()),
                "downloads": _downloads(
                    "statistics:publication_data",
                    key=publication.key,
                    version=publication.version,
                ),
            },
        )


class PublicationDataView(StatisticsView):
    def get(self, request: HttpRequest, key: str, version: int, fmt: str) -> HttpResponse:
        publication = _publication(key, version)
        name = "{}-v{}".format(publication.key, publication.version)
        return _table_response(lambda: interchange.publication_export(publication, fmt), fmt, name)
