"""Action plans: loaded from a file by the organisation that keeps them (a secretariat for a
regional plan, a national coordination body for its national plan); reported values written
with their evidence, submitted, and approved or returned with a reason by the plan's keepers
(never by who submitted them); activities marked done. Every step is audited in its
transaction; a file of plans is written whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction, Role
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import Country, Organisation, User
from palermo.core.permissions import active_user
from palermo.monitoring.choices import IndicatorKind, PlanLevel, ValueStatus
from palermo.monitoring.models import (
    Activity,
    Objective,
    Plan,
    PlanIndicator,
    ReportedValue,
    Target,
)
from palermo.monitoring.planfile import IndicatorSpec, PlanSpec, read_plans
from palermo.monitoring.services.questionnaires import SECRETARIATS
from palermo.registry.models import Mechanism

KEEPERS = (Role.ANALYST, Role.REGISTRY_EDITOR, Role.NATIONAL_COORDINATOR)
MAX_EVIDENCE = 10_000


def _user(user: object) -> User:
    found = active_user(user)  # type: ignore[arg-type]  # any user object: checked there
    if found is None:
        raise ForbiddenError(_("Log in to do this."), code="not_authenticated")
    return found


def is_keeper(user: object, plan: Plan) -> bool:
    """The plan's organisation's analysts, registry editors and national coordinators."""
    found = active_user(user)  # type: ignore[arg-type]  # any user object: checked there
    return (
        found is not None
        and found.role in KEEPERS
        and found.organisation_id is not None
        and found.organisation_id == plan.owner_id
    )


def can_report(user: object, plan: Plan) -> bool:
    """The plan's keepers, and for a national plan its country's national coordinators."""
    found = active_user(user)  # type: ignore[arg-type]  # any user object: checked there
    if found is None:
        return False
    if is_keeper(found, plan):
        return True
    return bool(
        plan.country_id
        and found.role == Role.NATIONAL_COORDINATOR
        and found.organisation is not None
        and found.organisation.country_id == plan.country_id
    )


def _may_load(actor: User, spec: PlanSpec) -> Organisation:
    """The actor's organisation, which keeps the plan, when they may load it."""
    org = actor.organisation
    if actor.role not in KEEPERS or org is None:
        raise ForbiddenError(
            _("Plans are loaded by analysts, registry editors or national coordinators."),
        )
    if org.kind in SECRETARIATS and actor.role != Role.NATIONAL_COORDINATOR:
        return org
    if spec.level == PlanLevel.NATIONAL and org.country_id == spec.country:
        return org
    raise ForbiddenError(
        _(
            "{}: a national coordinator loads the national plans of their country; a "
            "secretariat's analysts and editors load the others."
        ).format(spec.key)
    )


def _indicator(
    plan: Plan, objective: Objective, activity: Activity | None, spec: IndicatorSpec, order: int
) -> PlanIndicator:
    indicator = PlanIndicator.objects.create(
        plan=plan,
        objective=objective,
        activity=activity,
        number=spec.number,
        title=spec.title,
        kind=spec.kind,
        metric=spec.metric,
        unit=spec.unit,
        direction=spec.direction,
        baseline=spec.baseline,
        baseline_date=spec.baseline_date,
        responsible=spec.responsible,
        means_of_verification=spec.means_of_verification,
        roll_up=spec.roll_up,
        source=spec.source,
        order=order,
    )
    Target.objects.bulk_create(
        Target(
            indicator=indicator,
            period_start=t.start,
            period_end=t.end,
            value=t.value,
            illustrative=t.illustrative,
        )
        for t in spec.targets
    )
    return indicator


def _write(
    owner: Organisation, spec: PlanSpec, plans: dict[str, Plan]
) -> list[tuple[PlanIndicator, str]]:
    """Write one plan; return its indicators that report to another plan's."""
    mechanism = None
    if spec.mechanism:
        mechanism = Mechanism.objects.filter(acronym__iexact=spec.mechanism).first()
        if mechanism is None:
            raise ApplicationError(
                _("{}: no mechanism of the registry is called {}.").format(
                    spec.key, spec.mechanism
                ),
                code="invalid",
            )
    country = None
    if spec.country:
        country = Country.objects.filter(pk=spec.country).first()
        if country is None:
            raise ApplicationError(
                _("{}: {} is not an ISO 3166-1 alpha-3 code.").format(spec.key, spec.country),
                code="invalid",
            )
    parent = None
    if spec.parent:
        parent = plans.get(spec.parent) or Plan.objects.filter(key=spec.parent).first()
        if parent is None:
            raise ApplicationError(
                _("{}: no plan has the key {} (parent).").format(spec.key, spec.parent),
                code="invalid",
            )
    plan = Plan.objects.create(
        key=spec.key,
        title=spec.title,
        short_title=spec.short_title,
        level=spec.level,
        mechanism=mechanism,
        country=country,
        parent=parent,
        owner=owner,
        responsible=spec.responsible,
        start=spec.start,
        end=spec.end,
        dates_note=spec.dates_note,
        adopted=spec.adopted,
        source=spec.source,
    )
    plans[spec.key] = plan
    rolls: list[tuple[PlanIndicator, str]] = []
    order = 0
    for o_order, o_spec in enumerate(spec.objectives):
        objective = Objective.objects.create(
            plan=plan, number=o_spec.number, title=o_spec.title, source=o_spec.source, order=o_order
        )
        pairs: list[tuple[Activity | None, IndicatorSpec]] = [(None, i) for i in o_spec.indicators]
        for a_order, a_spec in enumerate(o_spec.activities):
            activity: Activity | None = Activity.objects.create(
                objective=objective,
                number=a_spec.number,
                title=a_spec.title,
                responsible=a_spec.responsible,
                start=a_spec.start,
                end=a_spec.end,
                done_on=a_spec.done_on,
                source=a_spec.source,
                order=a_order,
            )
            pairs += [(activity, i) for i in a_spec.indicators]
        for activity, i_spec in pairs:
            indicator = _indicator(plan, objective, activity, i_spec, order)
            order += 1
            if i_spec.rolls_up_to:
                rolls.append((indicator, i_spec.rolls_up_to))
    return rolls


def _link(plans: dict[str, Plan], indicator: PlanIndicator, target: str) -> None:
    key, _sep, number = target.partition("/")
    plan = plans.get(key) or Plan.objects.filter(key=key).first()
    up = PlanIndicator.objects.filter(plan=plan, number=number).first() if plan else None
    if up is None:
        raise ApplicationError(
            _("{} indicator {}: rolls_up_to names no indicator ({}; write PLAN/NUMBER).").format(
                indicator.plan.key, indicator.number, target
            ),
            code="invalid",
        )
    if up.plan_id == indicator.plan_id or indicator.plan.parent_id != up.plan_id:
        raise ApplicationError(
            _(
                "{} indicator {}: an indicator reports to an indicator of the plan its plan "
                "implements (its parent)."
            ).format(indicator.plan.key, indicator.number),
            code="invalid",
        )
    indicator.rolls_up_to = up
    indicator.save(update_fields=["rolls_up_to"])


def plan_import(*, actor: object, text: str | bytes, source_name: str = "") -> list[Plan]:
    """Load every plan of a YAML file, in one transaction; ApplicationError naming the first
    problem, and nothing written."""
    user = _user(actor)
    specs = read_plans(text)
    owner = [_may_load(user, spec) for spec in specs][0]  # the actor's; a file has a plan or more
    taken = set(Plan.objects.filter(key__in=[s.key for s in specs]).values_list("key", flat=True))
    if taken:
        raise ApplicationError(
            _("Plans with these keys exist already: {}.").format(", ".join(sorted(taken))),
            code="duplicate",
        )
    plans: dict[str, Plan] = {}
    with transaction.atomic():
        rolls = [r for spec in specs for r in _write(owner, spec, plans)]
        for indicator, target in rolls:
            _link(plans, indicator, target)
        for plan in plans.values():
            audit_record(
                actor=user,
                action=AuditAction.CREATE,
                obj=plan,
                after={
                    "key": plan.key,
                    "level": plan.level,
                    "file": source_name,
                    "indicators": plan.indicators.count(),
                },
            )
    return list(plans.values())


def activity_done(*, actor: object, activity: Activity, on: dt.date | None) -> Activity:
    """Mark an activity done on a date (None: not done)."""
    user = _user(actor)
    plan = activity.objective.plan
    if not is_keeper(user, plan):
        raise ForbiddenError(_("Only the plan's keepers ({}) do this.").format(plan.owner))
    with transaction.atomic():
        before = activity.done_on
        activity.done_on = on
        activity.save(update_fields=["done_on"])
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=activity,
            before={"done_on": before.isoformat() if before else None},
            after={"done_on": on.isoformat() if on else None},
        )
    return activity


def value_save(  # noqa: PLR0913 - the value's fields, keyword-only
    *,
    actor: object,
    indicator: PlanIndicator,
    period_start: dt.date,
    period_end: dt.date,
    value: Decimal,
    evidence: str,
    evidence_url: str = "",
) -> ReportedValue:
    """Write (or rewrite, while a draft or returned) the value of a period, with its evidence."""
    user = _user(actor)
    plan = indicator.plan
    if not can_report(user, plan):
        raise ForbiddenError(
            _("Values of {} are reported by its keepers or its country's coordinators.").format(
                plan
            )
        )
    if indicator.kind != IndicatorKind.REPORTED:
        raise ApplicationError(
            _("Indicator {} is computed from Palermo's records; nobody reports it.").format(
                indicator.number
            ),
            code="invalid",
        )
    if period_end < period_start:
        raise ApplicationError(_("The period ends before it starts."), code="invalid")
    evidence = evidence.strip()
    if not evidence:
        raise ApplicationError(
            _("Say what shows the value (the evidence): a report, a decree, a list ..."),
            code="invalid",
        )
    if len(evidence) > MAX_EVIDENCE:
        raise ApplicationError(
            _("The evidence is longer than {} characters.").format(MAX_EVIDENCE), code="invalid"
        )
    if not value.is_finite() or abs(value) >= Decimal("1e12"):
        raise ApplicationError(_("The value is not a number Palermo keeps."), code="invalid")
    with transaction.atomic():
        found = (
            ReportedValue.objects.select_for_update()
            .filter(indicator=indicator, period_end=period_end)
            .first()
        )
        if found is not None and found.status in (ValueStatus.SUBMITTED, ValueStatus.APPROVED):
            raise ApplicationError(
                _("The value for this period is {}: it does not change now.").format(
                    ValueStatus(found.status).label.lower()
                ),
                code="invalid_state",
            )
        created = found is None
        rv = found or ReportedValue(indicator=indicator, period_end=period_end, created_by=user)
        rv.period_start = period_start
        rv.value = value
        rv.evidence = evidence
        rv.evidence_url = evidence_url.strip()
        rv.status = ValueStatus.DRAFT
        rv.full_clean(exclude=["indicator", "created_by"])
        rv.save()
        audit_record(
            actor=user,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=rv,
            after={"indicator": indicator.number, "period_end": period_end.isoformat()},
        )
    return rv


def _transition(actor: object, rv: ReportedValue, *, keeper: bool, from_: set[str]) -> User:
    user = _user(actor)
    plan = rv.indicator.plan
    allowed = is_keeper(user, plan) if keeper else can_report(user, plan)
    if not allowed:
        raise ForbiddenError(_("Only the plan's keepers ({}) do this.").format(plan.owner))
    if rv.status not in from_:
        raise ApplicationError(
            _("The value is {}.").format(ValueStatus(rv.status).label.lower()),
            code="invalid_state",
        )
    return user


def value_submit(*, actor: object, value: ReportedValue) -> ReportedValue:
    with transaction.atomic():
        rv = (
            ReportedValue.objects.select_for_update()
            .select_related("indicator__plan")
            .get(pk=value.pk)
        )
        user = _transition(actor, rv, keeper=False, from_={ValueStatus.DRAFT})
        rv.status = ValueStatus.SUBMITTED
        rv.submitted_by = user
        rv.submitted_at = timezone.now()
        rv.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
        audit_record(actor=user, action=AuditAction.UPDATE, obj=rv, after={"status": rv.status})
    return rv


def value_decide(
    *, actor: object, value: ReportedValue, approve: bool, reason: str = ""
) -> ReportedValue:
    """Approve a submitted value (it becomes the period's actual value), or return it with a
    reason. Whoever submitted it does neither."""
    with transaction.atomic():
        rv = (
            ReportedValue.objects.select_for_update()
            .select_related("indicator__plan")
            .get(pk=value.pk)
        )
        user = _transition(actor, rv, keeper=True, from_={ValueStatus.SUBMITTED})
        if rv.submitted_by_id == user.pk:
            raise ForbiddenError(
                _("Someone other than who submitted a value approves or returns it.")
            )
        reason = reason.strip()
        if not approve and not reason:
            raise ApplicationError(_("Say why the value is returned."), code="invalid")
        rv.status = ValueStatus.APPROVED if approve else ValueStatus.RETURNED
        rv.return_reason = "" if approve else reason[:4000]
        rv.decided_by = user
        rv.decided_at = timezone.now()
        rv.save(update_fields=["status", "return_reason", "decided_by", "decided_at", "updated_at"])
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=rv,
            after={"status": rv.status},
            reason=reason,
        )
    return rv
