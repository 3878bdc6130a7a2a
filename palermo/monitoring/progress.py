"""Where a plan stands on a date: each indicator's target and actual value per period, the
national values that add up to a regional indicator, late activities and off-track indicators.

A period's actual value is computed from the records (`metrics.measure`, up to the date) or is
the approved reported value for it. A period that has ended is met or missed against its
target (or has no value: not reported); one under way is on track or off track against the
straight line from the baseline (or the previous target) to the target. Reported values count
once approved, for the period they are about, whenever they were approved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from palermo.monitoring.choices import (
    Direction,
    IndicatorKind,
    Progress,
    RollUp,
    ValueStatus,
)
from palermo.monitoring.metrics import Measured, Scope, measure
from palermo.monitoring.models import (
    Activity,
    Objective,
    Plan,
    PlanIndicator,
    ReportedValue,
    Target,
)

ATTENTION = frozenset({Progress.OFF_TRACK, Progress.MISSED, Progress.NOT_REPORTED})


@dataclass
class Contribution:
    """A national indicator's value for a regional indicator's period."""

    plan: Plan
    indicator: PlanIndicator
    actual: Decimal | None
    detail: str


@dataclass
class PeriodRow:
    start: dt.date
    end: dt.date
    target: Decimal | None
    illustrative: bool
    actual: Decimal | None
    detail: str
    status: str
    expected: Decimal | None = None
    suppressed: bool = False
    reported: ReportedValue | None = None
    contributions: list[Contribution] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(Progress(self.status).label)


@dataclass
class IndicatorRow:
    indicator: PlanIndicator
    periods: list[PeriodRow]

    @property
    def current(self) -> PeriodRow | None:
        """The last period that has started (the one a reader looks at first)."""
        started = [p for p in self.periods if p.status != Progress.NOT_DUE]
        return started[-1] if started else None


@dataclass
class ActivityRow:
    activity: Activity
    late: bool
    indicators: list[IndicatorRow]


@dataclass
class ObjectiveRow:
    objective: Objective
    indicators: list[IndicatorRow]
    activities: list[ActivityRow]


@dataclass
class PlanProgress:
    plan: Plan
    as_of: dt.date
    objectives: list[ObjectiveRow]
    late: list[Activity]
    attention: list[tuple[IndicatorRow, PeriodRow]]
    counts: dict[str, int]


def plain(value: Decimal | None) -> str:
    """A value as people write it: 4, 4.5, 12.25 (not 4.00); empty when there is none."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


class _Measures:
    """Computed values, each computed once per progress page."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str | None, int | None, dt.date, dt.date], Measured] = {}

    def get(self, indicator: PlanIndicator, start: dt.date, end: dt.date) -> Measured:
        plan = indicator.plan
        key = (indicator.metric, plan.country_id, plan.mechanism_id, start, end)
        if key not in self._cache:
            scope = Scope(country=plan.country_id, mechanism=plan.mechanism)
            self._cache[key] = measure(indicator.metric, scope, start, end)
        return self._cache[key]


def _reported(indicator: PlanIndicator, end: dt.date) -> ReportedValue | None:
    """The value reported for the period ending on `end`, whatever its status."""
    return next((v for v in indicator.values.all() if v.period_end == end), None)


def _actual(
    indicator: PlanIndicator, start: dt.date, end: dt.date, as_of: dt.date, measures: _Measures
) -> tuple[Decimal | None, str, bool, ReportedValue | None]:
    """(value, how it was found, suppressed, the reported value of the period if any)."""
    if indicator.kind == IndicatorKind.COMPUTED:
        got = measures.get(indicator, start, min(end, as_of))
        return got.value, got.detail, got.suppressed, None
    reported = _reported(indicator, end)
    if reported is not None and reported.status == ValueStatus.APPROVED:
        return reported.value, reported.evidence, False, reported
    return None, "", False, reported


def _contribution_value(
    national: PlanIndicator, start: dt.date, end: dt.date, as_of: dt.date, measures: _Measures
) -> tuple[Decimal | None, str]:
    """A national indicator's value for a regional period: computed over it, or its latest
    approved value for a period ending within it."""
    if national.kind == IndicatorKind.COMPUTED:
        got = measures.get(national, start, min(end, as_of))
        return got.value, got.detail
    best: ReportedValue | None = None
    for value in national.values.all():
        if (
            value.status == ValueStatus.APPROVED
            and start <= value.period_end <= end
            and (best is None or value.period_end > best.period_end)
        ):
            best = value
    if best is None:
        return None, ""
    return best.value, best.evidence


def _roll_up(how: str, values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    if how == RollUp.COUNT:
        return Decimal(sum(1 for v in values if v > 0))
    if how == RollUp.MEAN:
        return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))
    return sum(values, Decimal(0))


def _met(indicator: PlanIndicator, actual: Decimal, target: Decimal) -> bool:
    if indicator.direction == Direction.DECREASE:
        return actual <= target
    return actual >= target


def _status(  # noqa: PLR0911 - one return per verdict
    indicator: PlanIndicator, row: PeriodRow, start_value: Decimal | None, as_of: dt.date
) -> str:
    if row.start > as_of:
        return Progress.NOT_DUE
    ended = row.end <= as_of
    if row.actual is None:
        return Progress.NOT_REPORTED if ended and not row.suppressed else Progress.UNDER_WAY
    if row.target is None:
        return Progress.NO_TARGET
    if _met(indicator, row.actual, row.target):
        return Progress.MET
    if ended:
        return Progress.MISSED
    if start_value is None:
        return Progress.UNDER_WAY
    span = (row.end - row.start).days or 1
    elapsed = Decimal((as_of - row.start).days) / Decimal(span)
    row.expected = (start_value + (row.target - start_value) * elapsed).quantize(Decimal("0.01"))
    return Progress.ON_TRACK if _met(indicator, row.actual, row.expected) else Progress.OFF_TRACK


def _periods(indicator: PlanIndicator) -> list[tuple[dt.date, dt.date, Target | None]]:
    """The indicator's periods: its targets', and those it has reported values for; the plan's
    whole period when it has neither."""
    periods: dict[dt.date, tuple[dt.date, dt.date, Target | None]] = {
        t.period_end: (t.period_start, t.period_end, t) for t in indicator.targets.all()
    }
    for value in indicator.values.all():
        periods.setdefault(value.period_end, (value.period_start, value.period_end, None))
    if not periods:
        plan = indicator.plan
        periods[plan.end] = (plan.start, plan.end, None)
    return [periods[end] for end in sorted(periods)]


def indicator_row(indicator: PlanIndicator, as_of: dt.date, measures: _Measures) -> IndicatorRow:
    rows: list[PeriodRow] = []
    previous: Decimal | None = indicator.baseline
    for start, end, target in _periods(indicator):
        value, detail, suppressed, reported = (
            _actual(indicator, start, end, as_of, measures)
            if start <= as_of
            else (None, "", False, None)
        )
        row = PeriodRow(
            start=start,
            end=end,
            target=target.value if target else None,
            illustrative=bool(target and target.illustrative),
            actual=value,
            detail=detail,
            status=Progress.NOT_DUE,
            suppressed=suppressed,
            reported=reported,
        )
        if start <= as_of:
            for national in indicator.contributions.all():
                got, how = _contribution_value(national, start, end, as_of, measures)
                row.contributions.append(Contribution(national.plan, national, got, how))
            if row.actual is None and row.contributions:
                row.actual = _roll_up(
                    indicator.roll_up, [c.actual for c in row.contributions if c.actual is not None]
                )
        row.status = _status(indicator, row, previous, as_of)
        rows.append(row)
        if row.target is not None:
            previous = row.target
    return IndicatorRow(indicator, rows)


def plan_progress(plan: Plan, as_of: dt.date) -> PlanProgress:
    """Every objective, activity and indicator of the plan with where it stands on `as_of`."""
    measures = _Measures()
    indicators = list(
        PlanIndicator.objects.filter(plan=plan)
        .select_related("plan__mechanism", "plan__country", "rolls_up_to__plan")
        .prefetch_related(
            "targets",
            "values",
            "contributions__plan__mechanism",
            "contributions__targets",
            "contributions__values",
        )
        .order_by("order")
    )
    rows = {i.pk: indicator_row(i, as_of, measures) for i in indicators}
    objectives: list[ObjectiveRow] = []
    late: list[Activity] = []
    activities: dict[int, list[Activity]] = {}
    for activity in Activity.objects.filter(objective__plan=plan).order_by("order"):
        activities.setdefault(activity.objective_id, []).append(activity)
    for objective in plan.objectives.order_by("order"):
        activity_rows = []
        for activity in activities.get(objective.pk, []):
            is_late = (
                activity.end is not None
                and activity.end < as_of
                and (activity.done_on is None or activity.done_on > as_of)
            )
            if is_late:
                late.append(activity)
            activity_rows.append(
                ActivityRow(
                    activity,
                    is_late,
                    [r for r in rows.values() if r.indicator.activity_id == activity.pk],
                )
            )
        objectives.append(
            ObjectiveRow(
                objective,
                [
                    r
                    for r in rows.values()
                    if r.indicator.objective_id == objective.pk and r.indicator.activity_id is None
                ],
                activity_rows,
            )
        )
    attention: list[tuple[IndicatorRow, PeriodRow]] = []
    counts: dict[str, int] = {}
    for row in rows.values():
        current = row.current
        if current is None:
            counts[Progress.NOT_DUE] = counts.get(Progress.NOT_DUE, 0) + 1
            continue
        counts[current.status] = counts.get(current.status, 0) + 1
        if current.status in ATTENTION:
            attention.append((row, current))
    return PlanProgress(plan, as_of, objectives, late, attention, counts)
