"""Publications: frozen, versioned tables with their disclosure-control method recorded.

- Submitted figures (validated by the country) are published with small-cell suppression and
  secondary suppression (`palermo.disclosure.suppress`), so that no suppressed cell
  can be recovered from the published totals and margins.
- A country's figures are *released for publication* when the country publishes them (its
  coordinator's own table, which turns them `published`, or an import of an already published
  source). Only the coordinator publishes validated figures; an analyst's table (a regional
  one, or one country's) uses released figures only, lists the countries that contributed and
  those with no released data, and cannot lower the data set's small-cell threshold.
- A table's key names what it is (indicator, breakdown, countries, period): publishing the
  same table again is a new version of it; another breakdown is another publication.
- Tables derived from case records are released with differential privacy
  (`dp_histogram`, bounded contribution per person) against a privacy budget per data set and
  country: each release is recorded in the ledger (`PrivacySpend`), and a release that would
  exceed the budget is refused with nothing written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum
from django.utils.text import slugify
from django.utils.translation import gettext as _

from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction, Role
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import Country
from palermo.core.permissions import AnyUser
from palermo.core.progress import Progress
from palermo.disclosure import Table, dp_histogram, suppress
from palermo.disclosure.suppression import METHODS as SUPPRESSION_METHODS
from palermo.statistics.access import (
    coordinator_country,
    require_coordinator,
    require_publisher,
)
from palermo.statistics.choices import PublicationMethod, ValueStatus
from palermo.statistics.derivation import DERIVABLE, person_records
from palermo.statistics.linked import LinkedTable, protect
from palermo.statistics.models import (
    DIMENSIONS,
    OTHER,
    TOTAL,
    UNKNOWN,
    DataSet,
    Dimension,
    Indicator,
    PrivacySpend,
    Publication,
    Value,
)
from palermo.statistics.periods import PeriodError, check_period_type, parse_period

COUNTRY = "country"


def _dataset(code: str) -> DataSet:
    dataset = DataSet.objects.filter(code=code).first()
    if dataset is None:
        raise ApplicationError(_("No data set '{}'.").format(code), code="not_found")
    return dataset


def _indicator(dataset: DataSet, code: str, dimensions: Sequence[str]) -> Indicator:
    indicator = dataset.indicators.filter(code=code).first()
    if indicator is None:
        raise ApplicationError(
            _("Indicator '{}' is not in data set '{}'.").format(code, dataset.code)
        )
    bad = [d for d in dimensions if d not in indicator.dimensions]
    if bad:
        raise ApplicationError(
            _("'{}' has no breakdown by {}.").format(code, ", ".join(bad)), code="invalid_dimension"
        )
    if len(set(dimensions)) != len(dimensions):
        raise ApplicationError(_("A dimension is named twice."), code="invalid_dimension")
    return indicator


def _period(dataset: DataSet, period: str) -> str:
    try:
        parsed = parse_period(period)
        check_period_type(parsed, dataset.period_type)
    except PeriodError as exc:
        raise ApplicationError(str(exc), code="invalid_period") from None
    return parsed.text


def _next_version(key: str) -> int:
    current = Publication.objects.filter(key=key).aggregate(v=Max("version"))["v"]
    return (current or 0) + 1


def _digest(cells: list[dict[str, Any]]) -> str:
    text = json.dumps(cells, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Figures a country released for publication: published in the country's own table (or
# imported as already published). Validated figures are not released: only the country's
# coordinator publishes them, and publishing them is the release.
RELEASED_FOR_ANALYSTS: tuple[str, ...] = (ValueStatus.PUBLISHED,)


def _table_figures(
    ds: DataSet,
    ind: Indicator,
    period: str,
    codes: Sequence[str],
    dims: Sequence[str],
    statuses: Sequence[str],
) -> list[Value]:
    """The figures of a table's cells (its margins too) with one of `statuses`."""
    cell_filter = {d: TOTAL for d in DIMENSIONS if d not in dims}
    return list(
        Value.objects.filter(
            dataset=ds,
            indicator=ind,
            period=period,
            country_id__in=codes,
            status__in=list(statuses),
            label="",
            **cell_filter,
        ).order_by("pk")
    )


def _earlier_tables(ds: DataSet, ind: Indicator, period: str) -> list[LinkedTable]:
    """The tables already published from the same figures (indicator, data set, period)."""
    out = []
    for pub in Publication.objects.filter(
        dataset=ds, indicator=ind, period=period, method=PublicationMethod.SUPPRESSION
    ).exclude(basis="cases"):
        params = pub.parameters
        countries = params.get("contributed") or params.get("countries") or [pub.country_id]
        out.append(
            LinkedTable(
                list(pub.dimensions),
                [str(c) for c in countries],
                int(params.get("threshold", ds.suppression_threshold)),
                [dict(c) for c in pub.cells],
            )
        )
    return out


def _protect_linked(
    new: LinkedTable,
    earlier: list[LinkedTable],
    interior: dict[tuple[str, ...], int],
    information_loss: float,
) -> tuple[int, float]:
    """Suppress more cells of the new table where the tables published before would give a
    small cell away with it (`linked.protect`); the cells added and the information loss."""
    linked = protect(earlier, new)
    if not linked:
        return 0, information_loss

    def true(key: Sequence[str]) -> int:
        return sum(
            v
            for k, v in interior.items()
            if all(code in (TOTAL, part) for code, part in zip(key, k, strict=True))
        )

    mass = sum(true(c["key"]) for c in new.cells) or 1
    return linked, sum(true(c["key"]) for c in new.cells if c["value"] is None) / mass


def _table_key(ind: Indicator, dims: Sequence[str], codes: Sequence[str], period: str) -> str:
    """One key per table (indicator, breakdown, countries, period): its versions share it."""
    places = "-".join(codes)
    if len(places) > 40:
        places = "{}-countries-{}".format(
            len(codes), hashlib.sha256(places.encode()).hexdigest()[:8]
        )
    breakdown = "-".join(d.replace("_", "") for d in dims) or "total"
    return slugify("{}-by-{}-{}-{}".format(ind.code, breakdown, places, period))[:120]


def _table_title(ind: Indicator, dims: Sequence[str], codes: Sequence[str], period: str) -> str:
    """What the table is: "Victims detected by sex and age group, Italy and Nigeria, 2023"."""
    names = dict(Dimension.objects.filter(code__in=dims).values_list("code", "name"))
    by = [str(names.get(d, d.replace("_", " "))).lower() for d in dims]
    countries = dict(Country.objects.filter(iso3__in=codes).values_list("iso3", "name"))
    places = [str(countries.get(c, c)) for c in codes]

    def listed(items: list[str]) -> str:
        if len(items) < 2:
            return "".join(items)
        return _("{} and {}").format(", ".join(items[:-1]), items[-1])

    where = _("{} countries").format(len(places)) if len(places) > 6 else listed(places)
    if by:
        return _("{} by {}, {}, {}").format(ind.name, listed(by), where, period)
    return _("{}, {}, {}").format(ind.name, where, period)


@transaction.atomic
def publication_create(
    *,
    actor: AnyUser | None,
    dataset: str,
    indicator: str,
    period: str,
    dimensions: Sequence[str],
    countries: Sequence[str] = (),
    threshold: int | None = None,
    method: str = "auto",
    key: str = "",
    title: str = "",
    progress: Progress | None = None,
) -> Publication:
    """Publish validated figures as a table with small-cell and secondary suppression
    (`progress`, when given, is told how the suppression advances).

    One country: the country's coordinator. Several countries (a regional table, `country` is
    then the table's first dimension): an analyst. The figures used become `published`."""
    ds = _dataset(dataset)
    if method not in SUPPRESSION_METHODS:
        raise ApplicationError(
            _("Unknown suppression method '{}' (use {}).").format(
                method, ", ".join(SUPPRESSION_METHODS)
            ),
            code="invalid_method",
        )
    if threshold is not None and threshold < 1:
        raise ApplicationError(
            _("The small-cell threshold is a whole number from 1."), code="invalid_threshold"
        )
    dims = list(dimensions)
    ind = _indicator(ds, indicator, dims)
    period_text = _period(ds, period)
    codes = sorted({c.upper() for c in countries})
    if not codes:
        raise ApplicationError(_("Name at least one country."), code="required")
    user = require_publisher(actor, codes[0] if len(codes) == 1 else None)
    if len(codes) > 1 and user.role != Role.ANALYST:
        raise ApplicationError(
            _("Only analysts publish tables of several countries."), code="forbidden"
        )
    if not dims and len(codes) == 1:
        raise ApplicationError(_("A table needs at least one dimension."), code="invalid_dimension")
    # The country's own coordinator publishes validated figures (publishing releases them);
    # anyone else only ever uses figures the country released for publication.
    own = len(codes) == 1 and coordinator_country(user) == codes[0]
    if not own and threshold is not None and threshold < ds.suppression_threshold:
        raise ApplicationError(
            _(
                "The small-cell threshold of {} is {}: only the country's coordinator may "
                "publish its figures with a lower one."
            ).format(ds.code, ds.suppression_threshold),
            code="invalid_threshold",
        )
    figures = _table_figures(
        ds,
        ind,
        period_text,
        codes,
        dims,
        RELEASED_FOR_ANALYSTS + ((ValueStatus.VALIDATED,) if own else ()),
    )
    table_dims = ([COUNTRY] if len(codes) > 1 else []) + dims
    cells: dict[tuple[str, ...], int] = {}
    for v in figures:
        if any(getattr(v, d) == TOTAL for d in dims):
            continue  # a margin: the publication computes its own from the interior cells
        if v.masked or v.value is None:
            raise ApplicationError(
                _("The {} figure of {} is masked ({}); a table is published from counts.").format(
                    ind.code, v.country_id, v.value_text
                ),
                code="masked",
            )
        cell_key = ((v.country_id,) if len(codes) > 1 else ()) + tuple(getattr(v, d) for d in dims)
        cells[cell_key] = int(v.value)
    if not cells:
        message = (
            _("No validated figures of {} by {} for {} in {}.")
            if own
            else _("No figures of {} by {} released for publication by {} in {}.")
        )
        raise ApplicationError(
            message.format(ind.code, ", ".join(dims) or "country", ", ".join(codes), period_text),
            code="no_figures",
        )
    contributed = sorted({v.country_id for v in figures})
    figures = [v for v in figures if v.country_id in contributed]
    limit = threshold if threshold is not None else ds.suppression_threshold
    result = suppress(
        Table(tuple(table_dims), cells), threshold=limit, method=method, progress=progress
    )
    published = [
        {
            "key": list(k),
            "value": v,
            "flag": "primary"
            if k in result.primary
            else ("secondary" if k in result.secondary else ""),
        }
        for k, v in sorted(result.values.items())
    ]
    linked, information_loss = _protect_linked(
        LinkedTable(table_dims, contributed, result.threshold, published),
        _earlier_tables(ds, ind, period_text),
        cells,
        result.information_loss,
    )
    pub_key = key or _table_key(ind, dims, codes, period_text)
    publication = Publication(
        key=pub_key,
        version=_next_version(pub_key),
        title=title or _table_title(ind, dims, codes, period_text),
        dataset=ds,
        indicator=ind,
        country=Country.objects.get(iso3=codes[0]) if len(codes) == 1 else None,
        period=period_text,
        dimensions=table_dims,
        method=PublicationMethod.SUPPRESSION,
        parameters={
            "threshold": result.threshold,
            "method": result.method,
            "primary": len(result.primary),
            "secondary": len(result.secondary),
            "linked": linked,
            "countries": codes,
            "contributed": contributed,
            "no_data": [c for c in codes if c not in contributed],
        },
        information_loss=information_loss,
        cells=published,
        digest=_digest(published),
        basis="figures",
        created_by=user,
    )
    publication.full_clean()
    publication.save()
    used = [v.pk for v in figures]
    if own:  # the coordinator's publication releases the country's figures it uses
        Value.objects.filter(pk__in=used, status=ValueStatus.VALIDATED).update(
            status=ValueStatus.PUBLISHED
        )
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=publication,
        after={
            "key": publication.key,
            "version": publication.version,
            "method": publication.method,
            "parameters": publication.parameters,
            "figures_used": len(used),
        },
    )
    return publication


def _dp_categories(dimensions: Sequence[str]) -> list[list[str]]:
    """Every code of each dimension, decided without looking at the data (as DP requires)."""
    dims = {d.code: d for d in Dimension.objects.filter(code__in=dimensions)}
    countries = sorted(Country.objects.values_list("iso3", flat=True))
    out = []
    for name in dimensions:
        dim = dims[name]
        codes = [str(c["code"]) for c in dim.codes]
        if dim.countries:
            codes = countries + [c for c in codes if c in (UNKNOWN, OTHER)]
        out.append(codes)
    return out


@dataclass(frozen=True)
class BudgetLedger:
    """A country's privacy budget for a data set: the total, each release's spend, what is left."""

    dataset: DataSet
    country: str
    spends: list[PrivacySpend]

    @property
    def budget(self) -> float | None:
        return self.dataset.privacy_budget

    @property
    def spent(self) -> float:
        return float(sum(s.epsilon for s in self.spends))

    @property
    def left(self) -> float:
        return float(self.dataset.privacy_budget or 0) - self.spent


def privacy_budget_ledger(*, actor: AnyUser | None, dataset: str, country: str) -> BudgetLedger:
    """The privacy-budget ledger of a data set for a country, oldest release first (the
    country's coordinator only: it is shown before a release is made)."""
    iso3 = country.upper()
    require_coordinator(actor, iso3)
    ds = DataSet.objects.filter(code=dataset).first()
    if ds is None:
        raise NotFoundError(_("No data set '{}'.").format(dataset))
    spends = (
        PrivacySpend.objects.filter(dataset=ds, country_id=iso3)
        .select_related("publication")
        .order_by("spent_at", "pk")
    )
    return BudgetLedger(ds, iso3, list(spends))


def privacy_budget_left(dataset: DataSet, country: str) -> float:
    """Epsilon still available to a country for releases of a data set."""
    spent = PrivacySpend.objects.filter(dataset=dataset, country_id=country).aggregate(
        e=Sum("epsilon")
    )["e"]
    return float(dataset.privacy_budget or 0) - float(spent or 0)


@transaction.atomic
def publication_release_dp(
    *,
    actor: AnyUser | None,
    dataset: str,
    indicator: str,
    country: str,
    period: str,
    dimensions: Sequence[str],
    epsilon: float,
    max_contributions: int = 1,
    key: str = "",
    title: str = "",
) -> Publication:
    """Release a differentially private table of a country's case records (coordinator only).

    The budget row is locked, the spend checked, the release made and recorded in one
    transaction: a release that would exceed the budget is refused and nothing is written."""
    iso3 = country.upper()
    user = require_coordinator(actor, iso3)
    ds_row = _dataset(dataset)
    ds = DataSet.objects.select_for_update().get(pk=ds_row.pk)
    dims = list(dimensions)
    ind = _indicator(ds, indicator, dims)
    if ind.code not in DERIVABLE:
        raise ApplicationError(_("'{}' is not derived from case records.").format(ind.code))
    if not dims:
        raise ApplicationError(_("A table needs at least one dimension."), code="invalid_dimension")
    if ds.privacy_budget is None:
        raise ApplicationError(
            _("Data set '{}' has no privacy budget.").format(ds.code), code="no_budget"
        )
    if not epsilon > 0:
        raise ApplicationError(_("Epsilon must be positive."), code="invalid")
    if max_contributions < 1:
        raise ApplicationError(_("Each person contributes at least one record."), code="invalid")
    left = privacy_budget_left(ds, iso3)
    if epsilon > left + 1e-12:
        raise ApplicationError(
            _(
                "Refused: epsilon {} exceeds the privacy budget left for {} in {} ({:.4g} of {})."
            ).format(epsilon, iso3, ds.code, left, ds.privacy_budget),
            code="budget_exceeded",
        )
    period_text = _period(ds, period)
    parsed = parse_period(period_text)
    records = person_records(ind.code, iso3, parsed, dims)
    release = dp_histogram(
        records,
        categories=_dp_categories(dims),
        epsilon=epsilon,
        max_contributions=max_contributions,
    )
    # Negative noisy counts are published as 0: post-processing, which costs no privacy.
    cells = [
        {"key": list(k), "value": max(0, int(v)), "flag": "noise"}
        for k, v in sorted(release.counts.items())
    ]
    pub_key = key or "{}-dp".format(_table_key(ind, dims, [iso3], period_text)[:117])
    publication = Publication(
        key=pub_key,
        version=_next_version(pub_key),
        title=title
        or _("{} (differentially private)").format(_table_title(ind, dims, [iso3], period_text)),
        dataset=ds,
        indicator=ind,
        country=Country.objects.get(iso3=iso3),
        period=period_text,
        dimensions=dims,
        method=PublicationMethod.DIFFERENTIAL_PRIVACY,
        parameters={
            "epsilon": release.epsilon,
            "mechanism": release.mechanism,
            "max_contributions": release.max_contributions,
            "scale": release.scale,
            "budget": ds.privacy_budget,
            "budget_left": left - epsilon,
            "post_processing": "negative counts set to 0",
        },
        information_loss=None,
        cells=cells,
        digest=_digest(cells),
        basis="cases",
        created_by=user,
    )
    publication.full_clean()
    publication.save()
    PrivacySpend.objects.create(
        dataset=ds, country_id=iso3, publication=publication, epsilon=release.epsilon
    )
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=publication,
        after={
            "key": publication.key,
            "version": publication.version,
            "method": publication.method,
            "parameters": publication.parameters,
        },
    )
    return publication
