"""The statistics pages that read figures: the overview, a country's profile, one indicator
across countries, routes (from figures or case records), and the completeness board, each with
its chart and table downloads.

Every figure comes from a selector that is already limited to what the user may see
(`palermo.statistics.access`). Charts are Vega-Lite specs built by `charts.py` from the same
rows as the page's table; the browser draws them with the vendored vega-embed and the SVG/PNG
links render them with vl-convert, both with no network access.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _

from palermo.core.collation import collated
from palermo.core.errors import NotFoundError
from palermo.core.models import Country
from palermo.core.permissions import AnyUser
from palermo.core.pickers import country_names
from palermo.statistics import charts, derivation, interchange, selectors
from palermo.statistics.access import coordinator_country, reads_case_flows
from palermo.statistics.choices import ValueStatus
from palermo.statistics.forms import AcrossForm, CompletenessForm, RouteForm
from palermo.statistics.models import DIMENSIONS, TOTAL, UNKNOWN
from palermo.statistics.profiles import profile_layout
from palermo.statistics.selectors import ValueFilters
from palermo.statistics.templatetags.statistics_tags import point
from palermo.statistics.views.base import (
    StatisticsView,
    chart_response,
    downloads,
    table_response,
)

MAX_CHARTED_ROUTES = 40  # the largest routes are charted; the table lists them all
TOTALS = dict.fromkeys(DIMENSIONS, TOTAL)


class IndexView(StatisticsView):
    def get(self, request: HttpRequest) -> HttpResponse:
        visible = selectors.value_list(user=request.user)
        names = country_names()
        countries = collated(
            (
                (iso3, names.get(iso3, iso3))
                for iso3 in visible.values_list("country_id", flat=True).distinct().order_by()
            ),
            lambda row: row[1],
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


def _profile(user: AnyUser, iso3: str) -> tuple[Country, list[selectors.Series]]:
    country = Country.objects.filter(iso3=iso3.upper()).first()
    if country is None:
        raise NotFoundError(_("No country '{}'.").format(iso3))
    return country, selectors.country_profile(user=user, country=country.iso3)


class CountryProfileView(StatisticsView):
    def get(self, request: HttpRequest, iso3: str) -> HttpResponse:
        country, series = _profile(request.user, iso3)
        profile = profile_layout(series)
        entries = [
            {
                "n": n,
                "section": section,
                "spec": charts.trend_chart(section.series),
                "chart_id": "trend-{}".format(n),
            }
            for n, section in enumerate(profile.sections)
        ]
        return render(
            request,
            "statistics/country_profile.html",
            {
                "country": country,
                "entries": entries,
                "sources": profile.sources,
                "downloads": downloads("statistics:country_data", iso3=country.iso3),
            },
        )


class CountryChartView(StatisticsView):
    """The trend chart of the profile's n-th indicator, as SVG or PNG."""

    def get(self, request: HttpRequest, iso3: str, n: int, fmt: str) -> HttpResponse:
        country, series = _profile(request.user, iso3)
        sections = profile_layout(series).sections
        if n >= len(sections):
            raise Http404(_("No such chart."))
        name = "{}-{}".format(country.iso3, sections[n].indicator)
        return chart_response(charts.trend_chart(sections[n].series), fmt, name)


class CountryDataView(StatisticsView):
    def get(self, request: HttpRequest, iso3: str, fmt: str) -> HttpResponse:
        country, _series = _profile(request.user, iso3)
        values = selectors.value_list(user=request.user, filters=ValueFilters(country=country.iso3))
        return table_response(
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
        "spec": charts.across_chart(rows, indicator=_(indicator.name), period=period),
    }


class IndicatorAcrossView(StatisticsView):
    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        context = _across(request, code)
        query = request.GET.urlencode()
        context["query"] = "?" + query if query else ""
        context["downloads"] = downloads("statistics:indicator_data", query, code=code)
        status = 400 if context["form"].is_bound and context["form"].errors else 200
        return render(request, "statistics/indicator_across.html", context, status=status)


class IndicatorChartView(StatisticsView):
    def get(self, request: HttpRequest, code: str, fmt: str) -> HttpResponse:
        context = _across(request, code)
        name = "{}-{}".format(code, context["period"] or "none")
        return chart_response(context["spec"], fmt, name)


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
        return table_response(lambda: interchange.values_export(values, fmt), fmt, name)


# --- routes -----------------------------------------------------------------------------------


ROUTE_DEFAULTS = {"indicator": "victims_detected"}


def _route_query(request: HttpRequest, cases: bool) -> tuple[Any, str]:
    """The route filters asked for, with defaults for what a link leaves out (a link such as
    `?source=cases` alone is a complete question), and a note when case records were asked for
    by someone who may not read them (then the reported figures are shown)."""
    if not request.GET:
        return None, ""
    data = request.GET.copy()
    for name, value in ROUTE_DEFAULTS.items():
        if not data.get(name):
            data[name] = value
    note = ""
    if data.get("source") == "cases" and not cases:
        data["source"] = "figures"
        note = _(
            "Routes from case records are for national coordinators and analysts; these are "
            "the routes in the reported figures."
        )
    return data, note


def _routes(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    cases = reads_case_flows(user)
    data, note = _route_query(request, cases)
    form = RouteForm(data, cases=cases)
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
    names = {**country_names(), UNKNOWN: _("Unknown")}
    return {
        "form": form,
        "source_note": note,
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
                    "display": point(f),  # grouped as the reader's language writes numbers
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
        return chart_response(spec, fmt, "routes-{}".format(chart))


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
            names = country_names()
            for country in board["countries"]:
                cells = [board["cells"].get((country, p)) for p in board["periods"]]
                rows.append(
                    {"country": country, "name": names.get(country, country), "cells": cells}
                )
            rows = collated(rows, lambda r: r["name"])
        return render(
            request,
            "statistics/completeness.html",
            {"form": form, "board": board, "rows": rows, "statuses": ValueStatus},
            status=200 if form.is_valid() else 400,
        )
