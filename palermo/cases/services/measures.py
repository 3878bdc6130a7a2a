"""Protection measures: reflection periods, residence permits, witness protection."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from palermo.cases import choices as c
from palermo.cases.dates import day_text
from palermo.cases.models import (
    CountryPolicy,
    Person,
    ProtectionMeasure,
)
from palermo.cases.services.common import (
    check_choice,
    local_today,
    owner_actor,
)
from palermo.cases.writer import row_save
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError
from palermo.core.models import Country, Organisation
from palermo.core.permissions import AnyUser


def reflection_days_min(country: Country) -> int:
    policy = CountryPolicy.objects.filter(country=country).first()
    return policy.reflection_days_min if policy else 30


@transaction.atomic
def measure_grant(
    *,
    actor: AnyUser | None,
    person: Person,
    kind: str,
    starts_on: dt.date,
    ends_on: dt.date | None,
    linked_to_cooperation: bool = False,
    decided_by: Organisation | None = None,
    reference: str = "",
    notes: str = "",
    renewal_of: ProtectionMeasure | None = None,
) -> ProtectionMeasure:
    """Grant a reflection period, residence permit or witness protection measure."""
    user = owner_actor(actor, person.case)
    check_choice(kind, c.MeasureKind, "kind")
    if person.role not in (c.PersonRole.VICTIM, c.PersonRole.PRESUMED_VICTIM, c.PersonRole.WITNESS):
        raise ApplicationError(
            _("Protection measures are for victims, presumed victims and witnesses."),
            code="invalid",
        )
    if ends_on is None and kind != c.MeasureKind.WITNESS_PROTECTION:
        raise ApplicationError(
            _("A {} needs an end date.").format(kind.replace("_", " ")), code="end_required"
        )
    if ends_on and ends_on < starts_on:
        raise ApplicationError(
            _("The measure ends ({}) before it starts ({}).").format(
                day_text(ends_on), day_text(starts_on)
            ),
            code="invalid_date",
        )
    if kind == c.MeasureKind.REFLECTION_PERIOD and ends_on and renewal_of is None:
        minimum = reflection_days_min(person.case.country)
        if (ends_on - starts_on).days < minimum:
            raise ApplicationError(
                _("The reflection period must last at least {} days in {} ({} given).").format(
                    minimum, person.case.country.name, (ends_on - starts_on).days
                ),
                code="reflection_too_short",
            )
    measure = ProtectionMeasure(
        person=person,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        linked_to_cooperation=linked_to_cooperation,
        decided_by=decided_by,
        reference=reference,
        notes=notes,
        renewal_of=renewal_of,
        organisation=person.case.organisation,
    )
    row_save(measure)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=measure,
        after={
            "person": person.pseudonym,
            "kind": kind,
            "starts_on": str(starts_on),
            "ends_on": str(ends_on),
        },
    )
    return measure


@transaction.atomic
def measure_renew(
    *, actor: AnyUser | None, measure: ProtectionMeasure, ends_on: dt.date, reference: str = ""
) -> ProtectionMeasure:
    """Renew a residence permit (or extend a period): the old measure ends, a linked one starts."""
    user = owner_actor(actor, measure.person.case)
    if measure.status != c.MeasureStatus.ACTIVE:
        raise ApplicationError(
            _("Only an active measure can be renewed."), code="invalid_transition"
        )
    start = (measure.ends_on or local_today()) + dt.timedelta(days=1)
    if ends_on < start:
        raise ApplicationError(
            _("The renewal must end after {}.").format(day_text(start)), code="invalid_date"
        )
    measure.status = c.MeasureStatus.ENDED
    measure.save(update_fields=["status"])
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=measure,
        before={"status": c.MeasureStatus.ACTIVE},
        after={"status": measure.status, "renewed": True},
    )
    return measure_grant(
        actor=actor,
        person=measure.person,
        kind=measure.kind,
        starts_on=start,
        ends_on=ends_on,
        linked_to_cooperation=measure.linked_to_cooperation,
        decided_by=measure.decided_by,
        reference=reference or measure.reference,
        renewal_of=measure,
    )


@transaction.atomic
def measure_end(
    *, actor: AnyUser | None, measure: ProtectionMeasure, revoke: bool = False, notes: str = ""
) -> ProtectionMeasure:
    user = owner_actor(actor, measure.person.case)
    if measure.status != c.MeasureStatus.ACTIVE:
        raise ApplicationError(_("The measure is not active."), code="invalid_transition")
    measure.status = c.MeasureStatus.REVOKED if revoke else c.MeasureStatus.ENDED
    if notes:
        measure.notes = (measure.notes + "\n" + notes).strip()
    row_save(measure)
    audit_record(
        actor=user, action=AuditAction.UPDATE, obj=measure, after={"status": measure.status}
    )
    return measure
