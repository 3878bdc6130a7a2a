"""Identification: screening against an indicator list, formal identification by an authority."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.identification import assess, requires_means
from palermo.cases.models import (
    Identification,
    IndicatorList,
    Person,
    Screening,
)
from palermo.cases.services.common import (
    check_choice,
    local_today,
    owner_actor,
)
from palermo.cases.writer import person_save, row_save
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError
from palermo.core.models import Organisation
from palermo.core.permissions import AnyUser


@transaction.atomic
def screening_record(
    *,
    actor: AnyUser | None,
    person: Person,
    indicator_list: IndicatorList,
    indicators: list[str],
    screened_on: dt.date | None = None,
    notes: str = "",
) -> Screening:
    """Screen a person against a versioned indicator list; outcome and reasons are computed."""
    user = owner_actor(actor, person.case)
    if not indicator_list.active or not indicator_list.indicators.exists():
        # A retired or not yet transcribed list would record "not a victim" for lack of
        # indicators, not for lack of signs: refuse it.
        raise ApplicationError(
            _("The indicator list {} version {} is not in use; screen with a list in use.").format(
                indicator_list.key, indicator_list.version
            ),
            code="indicator_list_not_in_use",
        )
    known = {i.code: i for i in indicator_list.indicators.all()}
    unknown = sorted(set(indicators) - set(known))
    if unknown:
        raise ApplicationError(
            _("Unknown indicator code(s) for {}: {}.").format(indicator_list, ", ".join(unknown)),
            code="unknown_code",
        )
    result = assess(
        [known[code] for code in set(indicators)], requires_means=requires_means(indicator_list)
    )
    screening = Screening(
        person=person,
        indicator_list=indicator_list,
        indicators=sorted(set(indicators)),
        dimensions_met=result.dimensions_met,
        outcome=result.outcome,
        reasoning=result.reasoning
        + ("\n\n" + _("Notes: {}").format(notes) if notes.strip() else ""),
        screened_on=screened_on or local_today(),
        screened_by=user,
    )
    row_save(screening)
    if (
        result.outcome == c.ScreeningOutcome.PRESUMED_VICTIM
        and person.role
        in (
            c.PersonRole.PRESUMED_VICTIM,
            c.PersonRole.VICTIM,
        )
        and person.trafficking_status != h.TraffickingStatus.ACTUAL_VICTIM_OF_TRAFFICKING
    ):
        person.role = c.PersonRole.PRESUMED_VICTIM
        person.trafficking_status = h.TraffickingStatus.POSSIBLE_VICTIM_OF_TRAFFICKING
        person_save(person, ["role", "trafficking_status"])
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=screening,
        after={
            "person": person.pseudonym,
            "outcome": result.outcome,
            "dimensions_met": result.dimensions_met,
        },
    )
    return screening


@transaction.atomic
def identification_record(
    *,
    actor: AnyUser | None,
    person: Person,
    authority: Organisation,
    decision: str,
    decision_org_type: str,
    reasoning: str,
    decided_on: dt.date | None = None,
) -> Identification:
    """Formal identification by a competent authority; sets the HTCDS trafficking status."""
    user = owner_actor(actor, person.case)
    check_choice(decision, c.IdentificationDecision, "decision")
    check_choice(decision_org_type, h.StatusDecisionOrg, "decision_org_type")
    if not reasoning.strip():
        raise ApplicationError(_("Give the reasons for the decision."), code="reason_required")
    day = decided_on or local_today()
    if day > local_today():
        raise ApplicationError(_("The decision date is in the future."), code="date_in_future")
    ident = Identification(
        person=person,
        authority=authority,
        decision=decision,
        decision_org_type=decision_org_type,
        decided_on=day,
        reasoning=reasoning,
        recorded_by=user,
    )
    row_save(ident)
    identified = decision == c.IdentificationDecision.IDENTIFIED
    person.trafficking_status = (
        h.TraffickingStatus.ACTUAL_VICTIM_OF_TRAFFICKING
        if identified
        else h.TraffickingStatus.NOT_A_VICTIM_OF_TRAFFICKING
    )
    person.status_decision_org = decision_org_type
    if identified:
        person.role = c.PersonRole.VICTIM
    person_save(person, ["trafficking_status", "status_decision_org", "role"])
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=ident,
        after={"person": person.pseudonym, "decision": decision},
    )
    return ident
