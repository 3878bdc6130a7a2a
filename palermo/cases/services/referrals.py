"""Referrals to service providers and shares of a case with other organisations."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.choices import REFERRAL_TRANSITIONS
from palermo.cases.models import (
    Case,
    CaseShare,
    Person,
    Referral,
)
from palermo.cases.services.common import (
    case_actor,
    check_choice,
    check_multi,
    local_today,
    owner_actor,
)
from palermo.cases.services.consent import has_consent
from palermo.cases.writer import row_save
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import Organisation
from palermo.core.permissions import AnyUser

# Whole sentences per action (a translation cannot build "accepted" from "accept").
ONLY_RECEIVER = {
    "accept": gettext_lazy("Only the receiving organisation can accept a referral."),
    "decline": gettext_lazy("Only the receiving organisation can decline a referral."),
    "deliver": gettext_lazy("Only the receiving organisation can record a referral as delivered."),
}
NOT_FROM_STATUS = {
    "accept": gettext_lazy("A referral with the status “%(status)s” cannot be accepted."),
    "decline": gettext_lazy("A referral with the status “%(status)s” cannot be declined."),
    "deliver": gettext_lazy(
        "A referral with the status “%(status)s” cannot be recorded as delivered."
    ),
    "close": gettext_lazy("A referral with the status “%(status)s” cannot be closed."),
}


@transaction.atomic
def referral_send(
    *,
    actor: AnyUser | None,
    person: Person,
    to_organisation: Organisation,
    service: str,
    scopes: list[str],
    details: str = "",
    reason: str = h.ReferralReason.ADDITIONAL_SERVICES_REQUIRED,
    sent_on: dt.date | None = None,
) -> Referral:
    """Refer a person to a service provider, sharing exactly the chosen scopes of the case."""
    user = owner_actor(actor, person.case)
    check_choice(service, c.ServiceType, "service")
    check_choice(reason, h.ReferralReason, "reason")
    scopes = check_multi(scopes, c.ShareScope, "scopes")
    if to_organisation.pk == person.case.organisation_id:
        raise ApplicationError(_("A referral goes to another organisation."), code="invalid")
    if {c.ShareScope.IDENTITY, c.ShareScope.CONTACT} & set(scopes) and not has_consent(
        person, c.ConsentPurpose.DATA_SHARING, sent_on
    ):
        raise ApplicationError(
            _("Sharing identifying data needs the person's recorded consent to data sharing."),
            code="consent_required",
        )
    share = CaseShare(
        case=person.case,
        organisation=to_organisation,
        scopes=scopes,
        persons=[person.pseudonym],
        reason="referral: {}".format(service),
        granted_by=user,
    )
    row_save(share)
    referral = Referral(
        person=person,
        from_organisation=person.case.organisation,
        to_organisation=to_organisation,
        service=service,
        reason=reason,
        details=details,
        scopes=scopes,
        sent_on=sent_on or local_today(),
        share=share,
        sent_by=user,
    )
    row_save(referral)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=referral,
        after={
            "person": person.pseudonym,
            "to": to_organisation.pk,
            "service": service,
            "scopes": scopes,
        },
    )
    return referral


@transaction.atomic
def referral_transition(
    *,
    actor: AnyUser | None,
    referral: Referral,
    action: str,
    note: str = "",
    on: dt.date | None = None,
) -> Referral:
    """accept / decline / deliver by the receiving organisation; close by either side."""
    user = case_actor(actor)
    if action not in REFERRAL_TRANSITIONS:
        raise ApplicationError(_("Unknown referral action."), code="invalid_transition")
    receiving = user.organisation_id == referral.to_organisation_id
    sending = user.organisation_id == referral.from_organisation_id
    if not (receiving or sending):
        raise NotFoundError(_("No such referral."), code="not_found")
    if not receiving and action != "close":
        raise ForbiddenError(str(ONLY_RECEIVER[action]))
    allowed, target = REFERRAL_TRANSITIONS[action]
    if referral.status not in allowed:
        raise ApplicationError(
            NOT_FROM_STATUS[action] % {"status": referral.get_status_display()},
            code="invalid_transition",
        )
    day = on or local_today()
    before = {"status": referral.status}
    referral.status = target
    if action in ("accept", "decline"):
        referral.responded_on = day
    if action == "deliver":
        referral.delivered_on = day
    if action == "close":
        referral.closed_on = day
    if note:
        referral.response_note = note
    row_save(referral)
    if target in (c.ReferralStatus.DECLINED, c.ReferralStatus.CLOSED):
        CaseShare.objects.filter(pk=referral.share_id, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    audit_record(
        actor=user, action=AuditAction.UPDATE, obj=referral, before=before, after={"status": target}
    )
    return referral


@transaction.atomic
def case_share(
    *,
    actor: AnyUser | None,
    case: Case,
    organisation: Organisation,
    scopes: list[str],
    reason: str,
    persons: list[str] | None = None,
) -> CaseShare:
    """Share a case explicitly (e.g. with an investigating authority)."""
    user = owner_actor(actor, case)
    scopes = check_multi(scopes, c.ShareScope, "scopes")
    if not reason.strip():
        raise ApplicationError(
            _("Give the reason or legal basis for sharing."), code="reason_required"
        )
    names = set(persons or [])
    pseudos = set(case.persons.values_list("pseudonym", flat=True))
    if names - pseudos:
        raise ApplicationError(
            _("Not persons of this case: {}.").format(", ".join(sorted(names - pseudos))),
            code="unknown_person",
        )
    if {c.ShareScope.IDENTITY, c.ShareScope.CONTACT} & set(scopes):
        for person in case.persons.filter(pseudonym__in=names) if names else case.persons.all():
            if person.role in (
                c.PersonRole.VICTIM,
                c.PersonRole.PRESUMED_VICTIM,
            ) and not has_consent(person, c.ConsentPurpose.DATA_SHARING):
                raise ApplicationError(
                    _("Sharing {}'s identifying data needs their consent to data sharing.").format(
                        person.pseudonym
                    ),
                    code="consent_required",
                )
    share = CaseShare(
        case=case,
        organisation=organisation,
        scopes=scopes,
        persons=sorted(names),
        reason=reason,
        granted_by=user,
    )
    row_save(share)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=share,
        after={"case": str(case.pk), "to": organisation.pk, "scopes": scopes},
    )
    return share


@transaction.atomic
def case_share_revoke(*, actor: AnyUser | None, share: CaseShare) -> CaseShare:
    user = owner_actor(actor, share.case)
    if share.revoked_at is not None:  # keep the first revocation's time
        raise ApplicationError(_("This share was already revoked."), code="invalid_transition")
    share.revoked_at = timezone.now()
    share.save(update_fields=["revoked_at"])
    audit_record(actor=user, action=AuditAction.UPDATE, obj=share, after={"revoked": True})
    return share
