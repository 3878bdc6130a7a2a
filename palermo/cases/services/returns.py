"""Children, return and reintegration: guardians, best-interest determinations, returns,
follow-up visits."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from palermo.cases import choices as c
from palermo.cases.dates import day_text
from palermo.cases.models import (
    BestInterestDetermination,
    FollowUpVisit,
    Guardian,
    Person,
    Return,
)
from palermo.cases.services.common import (
    check_choice,
    local_today,
    owner_actor,
)
from palermo.cases.services.fields import GUARDIAN_NAME_MAX
from palermo.cases.writer import row_save
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.crypto import encrypt_text
from palermo.core.errors import ApplicationError
from palermo.core.models import Organisation
from palermo.core.permissions import AnyUser
from palermo.core.services import country_get
from palermo.registry.models import DirectoryEntry


def _require_child(person: Person) -> None:
    if not person.is_child:
        raise ApplicationError(
            _("This applies to a child (under 18, or presumed a child: age unknown or uncertain)."),
            code="not_a_child",
        )


@transaction.atomic
def guardian_appoint(
    *,
    actor: AnyUser | None,
    person: Person,
    appointed_on: dt.date,
    name: str = "",
    organisation: Organisation | None = None,
) -> Guardian:
    user = owner_actor(actor, person.case)
    _require_child(person)
    if len(name.strip()) > GUARDIAN_NAME_MAX:
        raise ApplicationError(
            _("The guardian's name may have at most {} characters (it has {}).").format(
                GUARDIAN_NAME_MAX, len(name.strip())
            ),
            code="too_long",
        )
    if not name.strip() and organisation is None:
        raise ApplicationError(
            _("Name the guardian or the guardian's organisation."), code="guardian_required"
        )
    guardian = Guardian(
        person=person,
        organisation=organisation,
        appointed_on=appointed_on,
        name_ciphertext=encrypt_text(name.strip()) if name.strip() else "",
    )
    row_save(guardian)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=guardian,
        after={
            "person": person.pseudonym,
            "organisation": organisation.pk if organisation else None,
        },
    )
    return guardian


@transaction.atomic
def best_interest_record(
    *,
    actor: AnyUser | None,
    person: Person,
    decided_on: dt.date,
    return_in_best_interest: bool,
    reasoning: str,
    decided_by: Organisation,
) -> BestInterestDetermination:
    user = owner_actor(actor, person.case)
    _require_child(person)
    if not reasoning.strip():
        raise ApplicationError(
            _("A best-interest determination needs its reasons."), code="reason_required"
        )
    bid = BestInterestDetermination(
        person=person,
        decided_on=decided_on,
        return_in_best_interest=return_in_best_interest,
        reasoning=reasoning,
        decided_by=decided_by,
    )
    row_save(bid)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=bid,
        after={"person": person.pseudonym, "return_in_best_interest": return_in_best_interest},
    )
    return bid


@transaction.atomic
def return_plan(
    *,
    actor: AnyUser | None,
    person: Person,
    destination: str,
    risk_level: str,
    risk_assessment: str,
    voluntary_consent: bool = False,
    consent_on: dt.date | None = None,
    travel_documents: str = "",
    receiving_authority_id: int | None = None,
    planned_for: dt.date | None = None,
) -> Return:
    """Plan a return: destination, risk assessment, the receiving country's authority, and
    the day it is planned for (if known)."""
    user = owner_actor(actor, person.case)
    check_choice(risk_level, c.RiskLevel, "risk_level")
    if not risk_assessment.strip():
        raise ApplicationError(
            _("A return needs a risk assessment."), code="risk_assessment_required"
        )
    country = country_get(destination, "destination")
    authority = None
    if receiving_authority_id is not None:
        authority = DirectoryEntry.objects.filter(pk=receiving_authority_id).first()
        if authority is None:
            raise ApplicationError(
                _("No such authority in the directory."), code="unknown_authority"
            )
        if authority.country_id and authority.country_id != country.iso3:
            raise ApplicationError(
                _("The receiving authority is not in {}.").format(country.name),
                code="wrong_country",
            )
    ret = Return(
        person=person,
        destination=country,
        receiving_authority=authority,
        risk_level=risk_level,
        risk_assessment=risk_assessment,
        voluntary_consent=voluntary_consent,
        consent_on=consent_on if voluntary_consent else None,
        travel_documents=travel_documents,
        planned_for=planned_for,
    )
    row_save(ret)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=ret,
        after={"person": person.pseudonym, "destination": country.iso3, "risk": risk_level},
    )
    return ret


@transaction.atomic
def return_decide(
    *, actor: AnyUser | None, ret: Return, decided_on: dt.date | None = None
) -> Return:
    """Decide a return. A child's return needs a guardian and a prior best-interest determination
    finding return in the child's interest; every return needs the person's voluntary consent."""
    user = owner_actor(actor, ret.person.case)
    if ret.status != c.ReturnStatus.PLANNED:
        raise ApplicationError(
            _("Only a planned return can be decided."), code="invalid_transition"
        )
    day = decided_on or local_today()
    person = ret.person
    if not ret.voluntary_consent:
        raise ApplicationError(
            _("The person's voluntary consent to return is not recorded."), code="consent_required"
        )
    if person.is_child:
        if (
            not person.guardians.filter(appointed_on__lte=day)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=day))
            .exists()
        ):
            raise ApplicationError(
                _("A child's return needs an appointed guardian."), code="guardian_required"
            )
        bid = (
            person.best_interest_determinations.filter(decided_on__lte=day)
            .order_by("-decided_on")
            .first()
        )
        if bid is None:
            raise ApplicationError(
                _("A child's return cannot be decided without a best-interest determination."),
                code="best_interest_required",
            )
        if not bid.return_in_best_interest:
            raise ApplicationError(
                _(
                    "The best-interest determination of {} found return against the child's "
                    "interest."
                ).format(day_text(bid.decided_on)),
                code="best_interest_against_return",
            )
        ret.best_interest_determination = bid
    ret.status, ret.decided_on = c.ReturnStatus.DECIDED, day
    row_save(ret)
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=ret,
        after={"status": ret.status, "decided_on": str(day)},
    )
    return ret


@transaction.atomic
def return_complete(*, actor: AnyUser | None, ret: Return, return_date: dt.date) -> Return:
    user = owner_actor(actor, ret.person.case)
    if ret.status != c.ReturnStatus.DECIDED:
        raise ApplicationError(
            _("Only a decided return can be completed."), code="invalid_transition"
        )
    if ret.decided_on and return_date < ret.decided_on:
        raise ApplicationError(_("The return date is before the decision."), code="invalid_date")
    ret.status, ret.return_date = c.ReturnStatus.COMPLETED, return_date
    row_save(ret)
    audit_record(actor=user, action=AuditAction.UPDATE, obj=ret, after={"status": ret.status})
    return ret


@transaction.atomic
def return_cancel(*, actor: AnyUser | None, ret: Return, reason: str = "") -> Return:
    """Cancel a planned or decided return (the person chose to stay, the risk changed)."""
    user = owner_actor(actor, ret.person.case)
    if ret.status not in (c.ReturnStatus.PLANNED, c.ReturnStatus.DECIDED):
        raise ApplicationError(
            _("Only a planned or decided return can be cancelled."), code="invalid_transition"
        )
    ret.status = c.ReturnStatus.CANCELLED
    row_save(ret)
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=ret,
        after={"status": ret.status},
        reason=reason[:500],
    )
    return ret


@transaction.atomic
def follow_up_plan(*, actor: AnyUser | None, person: Person, planned_on: dt.date) -> FollowUpVisit:
    user = owner_actor(actor, person.case)
    visit = FollowUpVisit(
        person=person, planned_on=planned_on, organisation=person.case.organisation
    )
    row_save(visit)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=visit,
        after={"person": person.pseudonym, "planned_on": str(planned_on)},
    )
    return visit


@transaction.atomic
def follow_up_record(
    *,
    actor: AnyUser | None,
    visit: FollowUpVisit,
    done_on: dt.date,
    outcome: str,
    retrafficked: bool = False,
) -> FollowUpVisit:
    user = owner_actor(actor, visit.person.case)
    if done_on > local_today():
        raise ApplicationError(
            _("A visit cannot be recorded in the future."), code="date_in_future"
        )
    visit.done_on, visit.outcome, visit.retrafficked = done_on, outcome, retrafficked
    row_save(visit)
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=visit,
        after={"done_on": str(done_on), "retrafficked": retrafficked},
    )
    return visit
