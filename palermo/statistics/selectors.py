"""Reads of the statistics app, always limited to what the user may see (see access.py).

Built for the pages and the API: lists of figures with every filter, a country's trends, one
indicator across countries, route flows, the completeness board, the entry grid with its
cell-level issues, and publications.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Min, QuerySet
from django.utils.translation import gettext as _

from palermo.core.errors import NotFoundError
from palermo.core.models import Country
from palermo.core.permissions import AnyUser
from palermo.core.pickers import country_names
from palermo.statistics.access import require_coordinator, value_queryset
from palermo.statistics.choices import Severity, ValueStatus
from palermo.statistics.models import (
    DIMENSIONS,
    TOTAL,
    DataSet,
    Dimension,
    Indicator,
    Publication,
    ValidationIssue,
    Value,
)
from palermo.statistics.periods import PERIOD_KINDS, period_kind
from palermo.statistics.services import scope_get
from palermo.statistics.validation import Key, cell_id

STATUS_ORDER = [s.value for s in ValueStatus]


# --- definitions ------------------------------------------------------------------------------


def dataset_list() -> QuerySet[DataSet]:
    return DataSet.objects.prefetch_related("indicators", "rules").order_by("code")


def dataset_get(code: str) -> DataSet:
    dataset = dataset_list().filter(code=code).first()
    if dataset is None:
        raise NotFoundError(_("No data set '{}'.").format(code))
    return dataset


def indicator_list() -> QuerySet[Indicator]:
    return Indicator.objects.prefetch_related("sources__document").order_by("position", "code")


def indicator_get(code: str) -> Indicator:
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise NotFoundError(_("No indicator '{}'.").format(code))
    return indicator


def dimension_list() -> QuerySet[Dimension]:
    return Dimension.objects.order_by("position")


def code_labels() -> dict[str, dict[str, str]]:
    """Labels of the codes of every dimension in the reader's language (`_T` is "Total";
    countries by name)."""
    labels: dict[str, dict[str, str]] = {}
    names = country_names()
    for d in dimension_list():
        own = {code: _(label) for code, label in d.code_labels().items()}
        labels[d.code] = {TOTAL: _("Total"), **own}
        if d.countries:
            labels[d.code] = {**names, **labels[d.code]}
    return labels


# --- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueFilters:
    """Filters of the figures list; every disaggregation can be filtered."""

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
    dims: dict[str, str] = field(default_factory=dict)


def value_list(*, user: AnyUser | None, filters: ValueFilters | None = None) -> QuerySet[Value]:
    """Figures the user may see, filtered. A dimension filter `_T` selects totals over it."""
    f = filters or ValueFilters()
    qs = value_queryset(user).select_related("indicator", "dataset", "country", "source__document")
    if f.country:
        qs = qs.filter(country_id__in=[c.strip().upper() for c in f.country.split(",")])
    if f.indicator:
        qs = qs.filter(indicator__code__in=[c.strip() for c in f.indicator.split(",")])
    if f.dataset:
        qs = qs.filter(dataset__code=f.dataset)
    if f.period:
        qs = qs.filter(period=f.period)
    if f.year_from is not None:
        qs = qs.filter(year__gte=f.year_from)
    if f.year_to is not None:
        qs = qs.filter(year__lte=f.year_to)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.origin:
        qs = qs.filter(origin=f.origin)
    if f.masked is not None:
        qs = qs.filter(masked=f.masked)
    if f.public is not None:
        qs = qs.filter(public=f.public)
    for dim, code in f.dims.items():
        if dim in DIMENSIONS and code:
            qs = qs.filter(**{"{}__in".format(dim): [c.strip() for c in code.split(",")]})
    return qs.order_by("indicator__position", "country_id", "period_start", "id")


def _totals(qs: QuerySet[Value]) -> QuerySet[Value]:
    return qs.filter(**dict.fromkeys(DIMENSIONS, TOTAL), label="")


@dataclass(frozen=True)
class Point:
    """One figure of a series, ready for a chart: `value` is None when masked."""

    period: str
    year: int
    start: dt.date
    value: int | None
    display: str
    masked: bool
    status: str
    source: str
    end: dt.date | None = None


@dataclass
class Series:
    """One line of a chart: an indicator's totals in one data set, of one kind of period
    (`period_kind`: years, half-years, quarters, months or other periods), oldest first."""

    indicator: str
    name: str
    dataset: str
    origin: str
    points: list[Point] = field(default_factory=list)
    kind: str = "year"
    dataset_name: str = ""


def _point(v: Value) -> Point:
    source = ""
    if v.source is not None:
        source = str(v.source)
    return Point(
        v.period,
        v.year,
        v.period_start,
        None if v.masked else v.value,
        v.display,
        v.masked,
        v.status,
        source,
        v.period_end,
    )


def country_profile(*, user: AnyUser | None, country: str) -> list[Series]:
    """A country's totals over time, one series per indicator, data set and kind of period.

    Figures of different kinds of period (a year, a quarter, a range of years) are never in one
    series: a 1998-2004 total next to a 2004 quarter is not a trend."""
    iso3 = country.upper()
    if not Country.objects.filter(iso3=iso3).exists():
        raise NotFoundError(_("No country '{}'.").format(country))
    qs = _totals(value_list(user=user, filters=ValueFilters(country=iso3)))
    series: dict[tuple[str, str, str], Series] = {}
    for v in qs.order_by("indicator__position", "dataset__code", "period_start", "period_end"):
        kind = period_kind(v.period)
        key = (v.indicator.code, v.dataset.code, kind)
        if key not in series:
            series[key] = Series(
                v.indicator.code,
                _(v.indicator.name),
                v.dataset.code,
                v.origin,
                kind=kind,
                dataset_name=_(v.dataset.name),
            )
        series[key].points.append(_point(v))
    first: dict[tuple[str, str], int] = {}
    for n, (ind, ds, _kind) in enumerate(series):
        first.setdefault((ind, ds), n)
    order = {k: n for n, k in enumerate(PERIOD_KINDS)}
    return sorted(
        series.values(),
        key=lambda s: (first[(s.indicator, s.dataset)], order.get(s.kind, len(order))),
    )


@dataclass(frozen=True)
class CountryFigure:
    country: str
    name: str
    value: int | None
    display: str
    masked: bool
    period: str
    dataset: str


def indicator_across_countries(
    *,
    user: AnyUser | None,
    indicator: str,
    year: int | None = None,
    period: str = "",
    dataset: str = "",
    dims: dict[str, str] | None = None,
) -> list[CountryFigure]:
    """One indicator for every country with a figure (totals unless `dims` picks a cell)."""
    ind = indicator_get(indicator)
    cell = dict.fromkeys(DIMENSIONS, TOTAL)
    cell.update({k: v for k, v in (dims or {}).items() if k in DIMENSIONS and v})
    qs = value_list(user=user, filters=ValueFilters(indicator=ind.code, dataset=dataset))
    qs = qs.filter(**cell, label="")
    if period:
        qs = qs.filter(period=period)
    elif year is not None:
        qs = qs.filter(period=str(year))
    out = []
    seen: set[tuple[str, str, str]] = set()
    for v in qs.order_by("country__name", "dataset__code", "id"):
        key = (v.country_id, v.period, v.dataset.code)
        if key in seen:  # an import may hold the same cell twice, as published: show the first
            continue
        seen.add(key)
        out.append(
            CountryFigure(
                v.country_id,
                v.country.name,
                None if v.masked else v.value,
                v.display,
                v.masked,
                v.period,
                v.dataset.code,
            )
        )
    return out


@dataclass(frozen=True)
class Conflict:
    """Sources that give different figures for the same cell (all are kept, none overwritten)."""

    country: str
    indicator: str
    period: str
    key: Key
    figures: list[Value]


def value_conflicts(
    *, user: AnyUser | None, country: str = "", indicator: str = ""
) -> list[Conflict]:
    """Cells (country, indicator, period, codes) for which the figures the user may see differ
    between data sets or within an import (GLOTIP publishes some cells twice)."""
    qs = value_list(user=user, filters=ValueFilters(country=country, indicator=indicator))
    cells: dict[tuple[str, str, str, Key], list[Value]] = defaultdict(list)
    for v in qs.filter(label=""):
        cells[(v.country_id, v.indicator.code, v.period, v.key)].append(v)
    out = []
    for (iso3, code, period, key), figures in sorted(cells.items()):
        if len({f.display for f in figures}) > 1:
            out.append(Conflict(iso3, code, period, key, figures))
    return out


# --- route flows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """Persons moved from an origin through a transit country (or none) to a destination.

    `count` is None when the flow is suppressed or only masked figures ("<5") make it up."""

    origin: str
    transit: str
    destination: str
    count: int | None
    display: str


def _is_country(code: str) -> bool:
    return len(code) == 3 and code.isalpha() and code.isupper()


def route_flows_from_values(
    *,
    user: AnyUser | None,
    indicator: str = "victims_detected",
    year_from: int | None = None,
    year_to: int | None = None,
    dataset: str = "",
    country: str = "",
) -> list[Flow]:
    """Origin (citizenship) -> destination (country of exploitation, else the reporting country)
    from the figures the user may see, summed over the years asked. Masked figures are never
    added up: a flow made only of them shows as "<5"; otherwise "at least" the known sum."""
    qs = value_list(
        user=user,
        filters=ValueFilters(
            indicator=indicator,
            dataset=dataset,
            year_from=year_from,
            year_to=year_to,
            country=country,
        ),
    ).filter(sex=TOTAL, age_group=TOTAL, exploitation=TOTAL, country_of_repatriation=TOTAL)
    qs = qs.exclude(citizenship=TOTAL)
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for citizenship, coe, reporter, number, masked in qs.values_list(
        "citizenship", "country_of_exploitation", "country_id", "value", "masked"
    ):
        destination = coe if _is_country(coe) else reporter
        if not _is_country(citizenship) or citizenship == destination:
            continue
        total = sums[(citizenship, destination)]
        if masked:
            total[1] += 1
        else:
            total[0] += int(number or 0)
    flows = []
    for (origin, destination), (known, masked_n) in sums.items():
        if known == 0 and masked_n:
            flows.append(Flow(origin, "", destination, None, "<5"))
        elif known:
            display = str(known) if not masked_n else "{}+".format(known)
            flows.append(Flow(origin, "", destination, known, display))
    return sorted(flows, key=lambda f: (-(f.count or 0), f.origin, f.destination))


# --- completeness -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CompletenessCell:
    country: str
    period: str
    figures: int
    indicators: int
    status: str  # the least advanced status among the figures


def completeness_board(*, dataset: str, periods: Iterable[str] | None = None) -> dict[str, Any]:
    """Who has reported what for which period: per country and period, how many figures and
    indicators and how far they are (draft ... published). Counts only, never the figures."""
    ds = dataset_get(dataset)
    qs = Value.objects.filter(dataset=ds)
    if periods is not None:
        qs = qs.filter(period__in=list(periods))
    rows = qs.values("country_id", "period", "status").annotate(
        n=Count("id"), indicators=Count("indicator", distinct=True)
    )
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["country_id"], row["period"])
        cell = cells.setdefault(key, {"figures": 0, "indicators": 0, "statuses": set()})
        cell["figures"] += row["n"]
        cell["indicators"] = max(cell["indicators"], row["indicators"])
        cell["statuses"].add(row["status"])
    board = {
        key: CompletenessCell(
            key[0],
            key[1],
            c["figures"],
            c["indicators"],
            min(c["statuses"], key=STATUS_ORDER.index),
        )
        for key, c in cells.items()
    }
    countries = sorted({k[0] for k in board})
    all_periods = sorted({k[1] for k in board})
    return {
        "dataset": ds,
        "indicators": ds.indicators.count(),
        "countries": countries,
        "periods": all_periods,
        "cells": board,
    }


# --- entry grid -------------------------------------------------------------------------------


@dataclass
class GridCell:
    """One input of the entry form: its name (cell id), labels, current figure and issues."""

    cell: str
    indicator: str
    key: Key
    labels: dict[str, str]
    value: Value | None = None
    issues: list[ValidationIssue] = field(default_factory=list)

    @property
    def display(self) -> str:
        return "" if self.value is None else self.value.display

    @property
    def editable(self) -> bool:
        """A cell can be typed into while it holds no figure or a draft one."""
        return self.value is None or self.value.status == ValueStatus.DRAFT

    @property
    def errors(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity == Severity.WARNING]


@dataclass
class GridBlock:
    """The cells of one indicator's breakdown (e.g. victims detected by sex and age group)."""

    indicator: Indicator
    dimensions: list[str]
    cells: list[GridCell]


def _breakdown_keys(
    breakdown: list[str], codes: dict[str, list[str]], extra: Iterable[Key]
) -> list[Key]:
    """Every key of a breakdown: the full cross product of the codes of its non-country
    dimensions; for country dimensions, only the keys figures already exist for."""
    keys: list[Key] = [tuple(TOTAL for _ in DIMENSIONS)]
    for dim in breakdown:
        i = DIMENSIONS.index(dim)
        options = codes.get(dim)
        if options is None:  # a country dimension: the ones in use
            options = sorted({k[i] for k in extra if k[i] != TOTAL})
        keys = [k[:i] + (c,) + k[i + 1 :] for k in keys for c in options]
    return keys


def entry_grid(*, user: AnyUser | None, dataset: str, country: str, period: str) -> list[GridBlock]:
    """The entry form of a country's figures: one block per indicator breakdown, with the
    current figures and the issues of the last check on each cell. National coordinators only."""
    scope = scope_get(dataset=dataset, country=country, period=period)
    require_coordinator(user, scope.country)
    dims = {d.code: d for d in dimension_list()}
    codes = {code: [c["code"] for c in d.codes] for code, d in dims.items() if not d.countries}
    labels = code_labels()
    values = {(v.indicator.code, v.key): v for v in scope.values()}
    issues: dict[int, list[ValidationIssue]] = defaultdict(list)
    for issue in ValidationIssue.objects.filter(value__in=list(values.values())).select_related(
        "rule"
    ):
        issues[issue.value_id].append(issue)
    blocks = []
    for indicator in scope.dataset.indicators.order_by("position"):
        used = [k for (code, k) in values if code == indicator.code]
        for breakdown in indicator.breakdowns:
            cells = []
            for key in _breakdown_keys(breakdown, codes, used):
                value = values.get((indicator.code, key))
                cells.append(
                    GridCell(
                        cell_id(indicator.code, key),
                        indicator.code,
                        key,
                        {
                            d: labels.get(d, {}).get(c, c)
                            for d, c in zip(DIMENSIONS, key, strict=True)
                            if c != TOTAL
                        },
                        value,
                        issues.get(value.pk, []) if value is not None else [],
                    )
                )
            blocks.append(GridBlock(indicator, list(breakdown), cells))
    return blocks


@dataclass(frozen=True)
class EntryState:
    """Where the figures of an entry grid stand, and what can be done with them next."""

    statuses: list[str]  # the statuses present, draft first

    @property
    def has_draft(self) -> bool:
        return ValueStatus.DRAFT in self.statuses

    @property
    def can_validate(self) -> bool:
        return ValueStatus.SUBMITTED in self.statuses

    @property
    def can_return(self) -> bool:
        """Submitted or validated figures (not yet published) can go back to draft."""
        return bool({ValueStatus.SUBMITTED, ValueStatus.VALIDATED} & set(self.statuses))

    @property
    def can_publish(self) -> bool:
        """Tables are published from validated figures (published ones can be again)."""
        return bool({ValueStatus.VALIDATED, ValueStatus.PUBLISHED} & set(self.statuses))


def entry_state(blocks: Iterable[GridBlock]) -> EntryState:
    """The state of the figures of an entry grid (from `entry_grid`)."""
    present = {c.value.status for b in blocks for c in b.cells if c.value is not None}
    return EntryState(sorted(present, key=STATUS_ORDER.index))


def submitted_by(blocks: Iterable[GridBlock], user: Any) -> bool:
    """True when `user` submitted some of the submitted figures of an entry grid (so they
    may not validate them: separation of duties)."""
    return any(
        c.value is not None
        and c.value.status == ValueStatus.SUBMITTED
        and c.value.submitted_by_id == user.pk
        for b in blocks
        for c in b.cells
    )


# --- publications -----------------------------------------------------------------------------


def publication_list(
    *, user: AnyUser | None = None, dataset: str = "", indicator: str = "", country: str = ""
) -> QuerySet[Publication]:
    """Publications are disclosure-controlled and public: everyone may read them."""
    qs = Publication.objects.select_related("dataset", "indicator", "country", "created_by")
    if dataset:
        qs = qs.filter(dataset__code=dataset)
    if indicator:
        qs = qs.filter(indicator__code=indicator)
    if country:
        qs = qs.filter(country_id=country.upper())
    return qs.order_by("key", "-version")


def publication_get(*, key: str, version: int | None = None) -> Publication:
    qs = publication_list().filter(key=key)
    found = qs.filter(version=version).first() if version is not None else qs.first()
    if found is None:
        raise NotFoundError(_("No publication '{}'.").format(key))
    return found


@dataclass(frozen=True)
class PublishedCell:
    key: Key
    labels: tuple[str, ...]
    value: int | None
    flag: str  # "", "primary", "secondary" or "linked" (suppressed), "noise" for DP counts

    @property
    def display(self) -> str:
        return "x" if self.value is None else str(self.value)


def publication_table(publication: Publication) -> list[PublishedCell]:
    """The cells of a publication with the labels of their codes, for a page or an export."""
    labels = code_labels()
    dims = list(publication.dimensions)
    out = []
    for cell in publication.cells:
        key = tuple(cell["key"])
        names = tuple(
            labels.get(d, {}).get(c, c) if d != "country" else labels["citizenship"].get(c, c)
            for d, c in zip(dims, key, strict=True)
        )
        out.append(PublishedCell(key, names, cell["value"], cell.get("flag", "")))
    return out


def period_range(*, dataset: str = "", country: str = "") -> tuple[int | None, int | None]:
    """The first and last year with figures (for a period picker)."""
    qs = Value.objects.all()
    if dataset:
        qs = qs.filter(dataset__code=dataset)
    if country:
        qs = qs.filter(country_id=country.upper())
    agg = qs.aggregate(first=Min("year"), last=Max("year"))
    return agg["first"], agg["last"]


__all__ = [
    "CompletenessCell",
    "Conflict",
    "CountryFigure",
    "EntryState",
    "Flow",
    "GridBlock",
    "GridCell",
    "Point",
    "PublishedCell",
    "Series",
    "ValueFilters",
    "code_labels",
    "completeness_board",
    "country_profile",
    "dataset_get",
    "dataset_list",
    "dimension_list",
    "entry_grid",
    "entry_state",
    "indicator_across_countries",
    "indicator_get",
    "indicator_list",
    "period_range",
    "publication_get",
    "publication_list",
    "publication_table",
    "route_flows_from_values",
    "value_conflicts",
    "value_list",
]
