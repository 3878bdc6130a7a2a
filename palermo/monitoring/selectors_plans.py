"""Reads of action plans. Plans are public policy documents: every logged-in user reads them
and their progress; their values are aggregates (a count of persons assisted below the
statistics' suppression threshold is never shown)."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, QuerySet, Value, When
from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError, NotFoundError
from palermo.monitoring.choices import PlanLevel
from palermo.monitoring.models import Activity, Plan, PlanIndicator, ReportedValue
from palermo.monitoring.progress import IndicatorRow, PlanProgress
from palermo.monitoring.selectors import logged_in


def plan_list(*, user: object, level: str = "", mechanism: str = "") -> QuerySet[Plan]:
    logged_in(user)
    qs = (
        Plan.objects.select_related("mechanism", "country", "owner", "parent")
        .annotate(
            indicator_count=Count("indicators"),
            level_order=Case(
                *(When(level=v, then=Value(n)) for n, v in enumerate(PlanLevel.values)),
                default=Value(9),
            ),
        )
        .order_by("level_order", "start", "key")
    )
    if level:
        qs = qs.filter(level=level)
    if mechanism:
        qs = qs.filter(mechanism__acronym__iexact=mechanism)
    return qs


def plan_get(*, user: object, key: str) -> Plan:
    plan = plan_list(user=user).filter(key=key).first()
    if plan is None:
        raise NotFoundError(_("No plan {}.").format(key), code="unknown_plan")
    return plan


def indicator_get(plan: Plan, number: str) -> PlanIndicator:
    found = plan.indicators.select_related("plan").filter(number=number).first()
    if found is None:
        raise NotFoundError(
            _("Plan {} has no indicator {}.").format(plan.key, number), code="unknown_indicator"
        )
    return found


def reported_value_get(plan: Plan, pk: int) -> ReportedValue:
    found = (
        ReportedValue.objects.select_related("indicator__plan")
        .filter(indicator__plan=plan, pk=pk)
        .first()
    )
    if found is None:
        raise NotFoundError(
            _("Plan {} has no reported value {}.").format(plan.key, pk), code="unknown_value"
        )
    return found


def values_waiting(plan: Plan) -> QuerySet[ReportedValue]:
    """The plan's submitted values, waiting for a keeper's approval."""
    return (
        ReportedValue.objects.filter(indicator__plan=plan, status="submitted")
        .select_related("indicator", "submitted_by")
        .order_by("indicator__order", "period_end")
    )


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def plan_summary(plan: Plan) -> dict[str, Any]:
    return {
        "key": plan.key,
        "title": plan.title,
        "short_title": plan.short_title,
        "level": plan.level,
        "mechanism": plan.mechanism.acronym if plan.mechanism else None,
        "country": plan.country_id,
        "parent": plan.parent.key if plan.parent else None,
        "kept_by": plan.owner.name,
        "responsible": plan.responsible,
        "start": plan.start,
        "end": plan.end,
        "dates_note": plan.dates_note,
        "adopted": plan.adopted,
        "source": plan.source,
    }


def _indicator_dict(row: IndicatorRow) -> dict[str, Any]:
    i = row.indicator
    return {
        "number": i.number,
        "title": i.title,
        "kind": i.kind,
        "metric": i.metric,
        "unit": i.unit,
        "direction": i.direction,
        "baseline": _num(i.baseline),
        "baseline_date": i.baseline_date,
        "responsible": i.responsible,
        "means_of_verification": i.means_of_verification,
        "reports_to": (
            f"{i.rolls_up_to.plan.key}/{i.rolls_up_to.number}" if i.rolls_up_to else None
        ),
        "source": i.source,
        "periods": [
            {
                "start": p.start,
                "end": p.end,
                "target": _num(p.target),
                "illustrative": p.illustrative,
                "actual": _num(p.actual),
                "suppressed": p.suppressed,
                "expected": _num(p.expected),
                "status": p.status,
                "detail": p.detail,
                "reported_status": p.reported.status if p.reported else None,
                "contributions": [
                    {"plan": c.plan.key, "indicator": c.indicator.number, "actual": _num(c.actual)}
                    for c in p.contributions
                ],
            }
            for p in row.periods
        ],
    }


def progress_dict(progress: PlanProgress) -> dict[str, Any]:
    """A plan's tree with where each indicator stands (the API's and the CLI's answer)."""
    return {
        **plan_summary(progress.plan),
        "as_of": progress.as_of,
        "counts": progress.counts,
        "late_activities": [a.number for a in progress.late],
        "attention": [
            {"indicator": row.indicator.number, "period_end": p.end, "status": p.status}
            for row, p in progress.attention
        ],
        "objectives": [
            {
                "number": o.objective.number,
                "title": o.objective.title,
                "source": o.objective.source,
                "indicators": [_indicator_dict(r) for r in o.indicators],
                "activities": [
                    {
                        "number": a.activity.number,
                        "title": a.activity.title,
                        "responsible": a.activity.responsible,
                        "start": a.activity.start,
                        "end": a.activity.end,
                        "done_on": a.activity.done_on,
                        "late": a.late,
                        "source": a.activity.source,
                        "indicators": [_indicator_dict(r) for r in a.indicators],
                    }
                    for a in o.activities
                ],
            }
            for o in progress.objectives
        ],
    }


def activity_get(plan: Plan, number: str) -> Activity:
    found = (
        Activity.objects.filter(objective__plan=plan, number=number)
        .select_related("objective__plan")
        .first()
    )
    if found is None:
        raise ApplicationError(
            _("Plan {} has no activity {}.").format(plan.key, number), code="unknown_activity"
        )
    return found
