"""Criminal proceedings against suspects, and support plans."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.models import (
    Case,
    Person,
    Proceeding,
    SupportPlan,
)
from palermo.cases.services.common import (
    check_choice,
    owner_actor,
)
from palermo.cases.services.fields import PROCEEDING_FIELDS
from palermo.cases.writer import row_save
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError
from palermo.core.permissions import AnyUser


@transaction.atomic
def proceeding_record(
    *,
    actor: AnyUser | None,
    case: Case,
    stage: str,
    started_on: dt.date,
    suspect: Person | None = None,
    **fields: Any,
) -> Proceeding:
    user = owner_actor(actor, case)
    check_choice(stage, c.ProceedingStage, "stage")
    if suspect is not None and (suspect.case_id != case.pk or suspect.role != c.PersonRole.SUSPECT):
        raise ApplicationError(_("The suspect must be a suspect in this case."), code="invalid")
    if fields.get("verdict"):
        check_choice(fields["verdict"], c.Verdict, "verdict")
    allowed = set(PROCEEDING_FIELDS)
    if set(fields) - allowed:
        raise ApplicationError(
            _("Unknown proceeding field(s): {}.").format(", ".join(sorted(set(fields) - allowed))),
            code="unknown_field",
        )
    if fields.get("verdict_on") and fields["verdict_on"] < started_on:
        raise ApplicationError(
            _("The verdict is dated before the proceedings started."), code="invalid_date"
        )
    proc = Proceeding(case=case, suspect=suspect, stage=stage, started_on=started_on, **fields)
    row_save(proc)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=proc,
        after={"case": str(case.pk), "stage": stage},
    )
    return proc


@transaction.atomic
def support_plan_add(
    *,
    actor: AnyUser | None,
    person: Person,
    plan_type: str,
    objectives: str = "",
    action_plan: str = "",
    planned_end: dt.date | None = None,
) -> SupportPlan:
    user = owner_actor(actor, person.case)
    check_choice(plan_type, h.SupportPlanType, "plan_type")
    plan = SupportPlan(
        person=person,
        plan_type=plan_type,
        objectives=objectives,
        action_plan=action_plan,
        planned_end=planned_end,
    )
    row_save(plan)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=plan,
        after={"person": person.pseudonym, "type": plan_type},
    )
    return plan
