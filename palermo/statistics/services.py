"""Writes of the statistics app: entering, checking, submitting and validating figures.

Each service takes the acting user, checks the role and the country, runs in one transaction
and writes the audit log. Bad input raises `CellErrors`, naming each cell and what is wrong
with it, and nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import Country
from palermo.core.permissions import AnyUser
from palermo.core.textlimits import NOTE_MAX
from palermo.statistics.access import require_coordinator
from palermo.statistics.audit_kinds import VALUE_SCOPE
from palermo.statistics.choices import Qualifier, Severity, ValueOrigin, ValueStatus
from palermo.statistics.models import (
    DIMENSIONS,
    TOTAL,
    DataSet,
    Dimension,
    Indicator,
    ValidationIssue,
    Value,
)
from palermo.statistics.periods import Period, PeriodError, check_period_type, parse_period
from palermo.statistics.validation import Issue, Key, cell_id, check, parse_cell_id, parse_masked

_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})+$|^-?\d+$")
ENTRY_ORIGINS = (ValueOrigin.ENTRY, ValueOrigin.DERIVED)


class CellErrors(ApplicationError):
    """Bad figures: `errors` lists {"cell", "message"} for each cell that is wrong."""

    def __init__(self, detail: str, errors: list[dict[str, str]], code: str = "invalid_cells"):
        super().__init__(detail, code)
        self.errors = errors


@dataclass(frozen=True)
class CellInput:
    """One figure as entered: the cell (`indicator:dimension=code...`) and its value.

    `value`: a whole number, a masked text such as "<5", or None/"" to remove the figure."""

    cell: str
    value: int | str | None
    notes: str = ""
    comment: str = ""
    qualifier: str = Qualifier.EXACT


@dataclass(frozen=True)
class Scope:
    """The figures one country reports in one data set for one period."""

    dataset: DataSet
    country: Country
    period: Period

    def values(self) -> QuerySet[Value]:
        return Value.objects.filter(
            dataset=self.dataset,
            country=self.country,
            period=self.period.text,
            origin__in=ENTRY_ORIGINS,
        ).select_related("indicator")

    def describe(self) -> str:
        return "{} {} {}".format(self.dataset.code, self.country.iso3, self.period.text)


def dataset_period_get(*, dataset: DataSet | str, period: str) -> tuple[DataSet, Period]:
    """Resolve a data set and a period of its type; clear errors when one is wrong."""
    if isinstance(dataset, str):
        found = DataSet.objects.filter(code=dataset).first()
        if found is None:
            raise NotFoundError(_("No data set '{}'.").format(dataset))
        dataset = found
    try:
        parsed = parse_period(period)
        check_period_type(parsed, dataset.period_type)
    except PeriodError as exc:
        raise ApplicationError(str(exc), code="invalid_period") from None
    return dataset, parsed


def scope_get(*, dataset: DataSet | str, country: Country | str, period: str) -> Scope:
    """Resolve a data set, a country and a period; clear errors when one is wrong."""
    if isinstance(country, str):
        found_country = Country.objects.filter(iso3=country.upper()).first()
        if found_country is None:
            raise NotFoundError(_("No country '{}' (use ISO 3166-1 alpha-3).").format(country))
        country = found_country
    found, parsed = dataset_period_get(dataset=dataset, period=period)
    return Scope(found, country, parsed)


def parse_figure(raw: int | str | None) -> tuple[int | None, str, bool] | None:
    """(number, text as given, masked) for a figure; None for a blank. ValueError if unreadable."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(_("not a count"))
    if isinstance(raw, int):
        return raw, str(raw), False
    if isinstance(raw, float):
        if not raw.is_integer():
            raise ValueError(_("'{}' is not a whole number").format(raw))
        return int(raw), str(int(raw)), False
    text = str(raw).strip()
    if not text:
        return None
    if parse_masked(text) is not None:
        return None, text.replace(" ", ""), True
    if _NUMBER.match(text):
        return int(text.replace(",", "")), text, False
    raise ValueError(
        _("'{}' is not a count (a whole number, or a masked value such as <5)").format(text)
    )


class _Codes:
    """The codes each dimension accepts (country dimensions: every ISO 3166 code too)."""

    def __init__(self) -> None:
        self.codes: dict[str, set[str]] = {}
        self.country_dims: set[str] = set()
        for d in Dimension.objects.all():
            self.codes[d.code] = set(d.code_labels())
            if d.countries:
                self.country_dims.add(d.code)
        self.countries = set(Country.objects.values_list("iso3", flat=True))

    def valid(self, dim: str, code: str) -> bool:
        if code == TOTAL or code in self.codes.get(dim, set()):
            return True
        return dim in self.country_dims and code in self.countries


def check_cell(text: str, indicators: dict[str, Indicator], codes: _Codes) -> tuple[Indicator, Key]:
    """The indicator and key of a cell of a data set; ValueError saying what is wrong."""
    code, key = parse_cell_id(text)
    indicator = indicators.get(code)
    if indicator is None:
        raise ValueError(_("indicator '{}' is not in this data set").format(code))
    for dim, value in zip(DIMENSIONS, key, strict=True):
        if value == TOTAL:
            continue
        if dim not in indicator.dimensions:
            raise ValueError(_("'{}' has no breakdown by {}").format(code, dim.replace("_", " ")))
        if not codes.valid(dim, value):
            raise ValueError(_("'{}' is not a code of {}").format(value, dim.replace("_", " ")))
    return indicator, key


def _snapshot(value: Value) -> dict[str, Any]:
    return {"value": value.value, "value_text": value.value_text, "masked": value.masked}


_Planned = tuple[CellInput, Indicator, Key, tuple[int | None, str, bool] | None]


def _plan_cells(
    scope: Scope, cells: Sequence[CellInput], existing: dict[tuple[str, Key], Value]
) -> list[_Planned]:
    """Check every cell first; CellErrors lists all the bad ones."""
    indicators = {i.code: i for i in scope.dataset.indicators.all()}
    codes = _Codes()
    errors: list[dict[str, str]] = []
    planned: list[_Planned] = []
    seen: set[str] = set()
    for cell in cells:
        try:
            indicator, key = check_cell(cell.cell, indicators, codes)
            figure = parse_figure(cell.value)
            if cell.qualifier not in Qualifier.values:
                raise ValueError(_("unknown qualifier '{}'").format(cell.qualifier))
            for label, text in (("notes", cell.notes), ("comment", cell.comment)):
                if len(text or "") > NOTE_MAX:
                    raise ValueError(
                        _("the {} may have at most {} characters (it has {})").format(
                            label, NOTE_MAX, len(text)
                        )
                    )
        except ValueError as exc:
            errors.append({"cell": cell.cell, "message": str(exc)})
            continue
        name = cell_id(indicator.code, key)
        if name in seen:
            errors.append({"cell": name, "message": _("this cell is given twice")})
            continue
        seen.add(name)
        current = existing.get((indicator.code, key))
        if current is not None and current.status != ValueStatus.DRAFT:
            message = _("this figure is {}; return it to draft to change it").format(current.status)
            errors.append({"cell": name, "message": message})
            continue
        planned.append((cell, indicator, key, figure))
    if errors:
        first = errors[0]
        raise CellErrors(
            _("{} cell(s) could not be entered; {}: {}").format(
                len(errors), first["cell"], first["message"]
            ),
            errors,
        )
    return planned


@transaction.atomic
def values_enter(
    *,
    actor: AnyUser | None,
    dataset: DataSet | str,
    country: Country | str,
    period: str,
    cells: Sequence[CellInput],
    origin: str = ValueOrigin.ENTRY,
) -> list[Value]:
    """Enter or change draft figures of a country; a blank value removes the draft figure."""
    scope = scope_get(dataset=dataset, country=country, period=period)
    user = require_coordinator(actor, scope.country)
    existing = {(v.indicator.code, v.key): v for v in scope.values()}
    planned = _plan_cells(scope, cells, existing)
    written: list[Value] = []
    changes: dict[str, Any] = {}
    for cell, indicator, key, figure in planned:
        name = cell_id(indicator.code, key)
        current = existing.get((indicator.code, key))
        if figure is None:
            if current is not None:
                changes[name] = {"before": _snapshot(current), "after": None}
                current.delete()
            continue
        number, text, masked = figure
        if current is None:
            current = Value(
                dataset=scope.dataset,
                indicator=indicator,
                country=scope.country,
                period=scope.period.text,
                period_start=scope.period.start,
                period_end=scope.period.end,
                year=scope.period.year,
                origin=origin,
                created_by=user,
                **dict(zip(DIMENSIONS, key, strict=True)),
            )
            before = None
        else:
            before = _snapshot(current)
        current.value, current.value_text, current.masked = number, text, masked
        current.notes = cell.notes or current.notes
        current.comment = cell.comment or current.comment
        current.qualifier = cell.qualifier
        current.origin = origin
        current.full_clean(validate_constraints=False)
        current.save()
        if before != _snapshot(current):
            changes[name] = {"before": before, "after": _snapshot(current)}
        written.append(current)
    if changes:
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            kind=VALUE_SCOPE,
            object_id=scope.describe(),
            after={"cells": changes, "origin": origin},
        )
    return written


@dataclass
class CheckReport:
    """The outcome of the validation rules for one country, data set and period."""

    scope: Scope
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == Severity.WARNING]

    @property
    def unexplained(self) -> list[Issue]:
        """Warnings on figures that carry no comment yet."""
        return [i for i in self.warnings if not i.value.comment.strip()]

    @property
    def blocking(self) -> list[Issue]:
        return self.errors + self.unexplained

    def as_errors(self) -> list[dict[str, str]]:
        out = [{"cell": i.cell, "message": i.message, "severity": i.severity} for i in self.errors]
        out += [
            {
                "cell": i.cell,
                "message": _("{} A comment is required.").format(i.message),
                "severity": i.severity,
            }
            for i in self.unexplained
        ]
        return out


def _run_checks(scope: Scope) -> CheckReport:
    values = list(scope.values())
    previous_period = scope.period.previous()
    previous = (
        list(
            Value.objects.filter(
                dataset=scope.dataset,
                country=scope.country,
                period=previous_period.text,
                origin__in=ENTRY_ORIGINS,
            ).select_related("indicator")
        )
        if previous_period is not None
        else []
    )
    issues = check(values, scope.dataset.rules.all(), previous)
    ValidationIssue.objects.filter(value__in=[v.pk for v in values]).delete()
    ValidationIssue.objects.bulk_create(
        [
            ValidationIssue(
                value=i.value, rule=i.rule, severity=i.severity, message=i.message[:500]
            )
            for i in issues
        ],
        ignore_conflicts=True,
    )
    return CheckReport(scope, issues)


@transaction.atomic
def values_check(
    *, actor: AnyUser | None, dataset: DataSet | str, country: Country | str, period: str
) -> CheckReport:
    """Run the data set's validation rules over a country's figures; the issues are kept."""
    scope = scope_get(dataset=dataset, country=country, period=period)
    require_coordinator(actor, scope.country)
    return _run_checks(scope)


@transaction.atomic
def value_explain(*, actor: AnyUser | None, value: Value, comment: str) -> Value:
    """Comment on a figure, e.g. to explain a warning (cohorts lag, a new law, a big case)."""
    user = require_coordinator(actor, value.country_id)
    if value.status not in (ValueStatus.DRAFT, ValueStatus.SUBMITTED):
        raise ApplicationError(_("A {} figure cannot be changed.").format(value.status))
    text = comment.strip()
    if not text:
        raise ApplicationError(_("The comment is empty."), code="required")
    if len(text) > NOTE_MAX:
        raise ApplicationError(
            _("The comment may have at most {} characters (it has {}).").format(
                NOTE_MAX, len(text)
            ),
            code="too_long",
        )
    before = value.comment
    value.comment = text
    value.save(update_fields=["comment", "updated_at"])
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=value,
        before={"comment": before},
        after={"comment": text},
    )
    return value


def _transition(
    scope: Scope, user: Any, from_status: str, to_status: str, stamp: str | None, reason: str = ""
) -> int:
    qs = scope.values().filter(status=from_status)
    now = timezone.now()
    fields: dict[str, Any] = {"status": to_status, "updated_at": now}
    if stamp:
        fields[stamp] = now
        fields[stamp.replace("_at", "_by")] = user
    count = qs.update(**fields)
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        kind=VALUE_SCOPE,
        object_id=scope.describe(),
        before={"status": from_status},
        after={"status": to_status, "figures": count},
        reason=reason,
    )
    return count


def values_submit(
    *, actor: AnyUser | None, dataset: DataSet | str, country: Country | str, period: str
) -> CheckReport:
    """Submit a country's draft figures. Errors, and warnings without a comment, block it.

    The issues found are kept (so that a form can show them) even when submission is refused."""
    scope = scope_get(dataset=dataset, country=country, period=period)
    user = require_coordinator(actor, scope.country)
    with transaction.atomic():
        if not scope.values().filter(status=ValueStatus.DRAFT).exists():
            raise ApplicationError(
                _("There are no draft figures to submit."), code="nothing_to_submit"
            )
        report = _run_checks(scope)
    if report.blocking:
        raise CellErrors(
            _("Not submitted: {} error(s) and {} warning(s) without a comment.").format(
                len(report.errors), len(report.unexplained)
            ),
            report.as_errors(),
            code="validation_failed",
        )
    with transaction.atomic():
        _transition(scope, user, ValueStatus.DRAFT, ValueStatus.SUBMITTED, "submitted_at")
    return report


def require_other_validator(user: Any, scope: Scope, submitted: QuerySet[Value]) -> None:
    """Separation of duties: whoever submitted figures does not validate them. No role is
    exempt (an administrator cannot validate at all: `require_coordinator`)."""
    if submitted.filter(submitted_by=user).exists():
        raise ForbiddenError(
            _(
                "You submitted these figures ({}), so you cannot validate them: another "
                "national coordinator of {} must (separation of duties)."
            ).format(scope.describe(), scope.country.iso3),
            code="separation_of_duties",
        )


@transaction.atomic
def values_validate(
    *, actor: AnyUser | None, dataset: DataSet | str, country: Country | str, period: str
) -> int:
    """Mark a country's submitted figures as validated (national coordinator of the country)."""
    scope = scope_get(dataset=dataset, country=country, period=period)
    user = require_coordinator(actor, scope.country)
    submitted = scope.values().filter(status=ValueStatus.SUBMITTED)
    if not submitted.exists():
        raise ApplicationError(
            _("There are no submitted figures to validate."), code="nothing_to_validate"
        )
    require_other_validator(user, scope, submitted)
    report = _run_checks(scope)
    if report.blocking:
        raise CellErrors(
            _("Not validated: the figures no longer pass the checks."),
            report.as_errors(),
            code="validation_failed",
        )
    return _transition(scope, user, ValueStatus.SUBMITTED, ValueStatus.VALIDATED, "validated_at")


@transaction.atomic
def values_return(
    *,
    actor: AnyUser | None,
    dataset: DataSet | str,
    country: Country | str,
    period: str,
    reason: str,
) -> int:
    """Send submitted or validated (not yet published) figures back to draft, with a reason."""
    scope = scope_get(dataset=dataset, country=country, period=period)
    user = require_coordinator(actor, scope.country)
    if not reason.strip():
        raise ApplicationError(_("Give a reason for returning the figures."), code="required")
    count = 0
    for status in (ValueStatus.SUBMITTED, ValueStatus.VALIDATED):
        if scope.values().filter(status=status).exists():
            count += _transition(scope, user, status, ValueStatus.DRAFT, None, reason.strip())
    if not count:
        raise ApplicationError(_("There are no submitted or validated figures to return."))
    return count
