"""A person's consent for a purpose: whether it holds on a day, record, withdraw."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from palermo.cases import choices as c
from palermo.cases.models import (
    Consent,
    Person,
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
from palermo.core.permissions import AnyUser


def has_consent(person: Person, purpose: str, on: dt.date | None = None) -> bool:
    day = on or local_today()
    return (
        Consent.objects.filter(person=person, purpose=purpose, given_on__lte=day)
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day))
        .exists()
    )


@transaction.atomic
def consent_record(
    *,
    actor: AnyUser | None,
    person: Person,
    purpose: str,
    given_on: dt.date | None = None,
    notes: str = "",
) -> Consent:
    user = owner_actor(actor, person.case)
    check_choice(purpose, c.ConsentPurpose, "purpose")
    if has_consent(person, purpose, given_on):
        raise ApplicationError(
            _("Consent for {} is already recorded.").format(purpose), code="duplicate"
        )
    consent = Consent(
        person=person,
        purpose=purpose,
        given_on=given_on or local_today(),
        recorded_by=user,
        notes=notes,
    )
    row_save(consent)
    if purpose == c.ConsentPurpose.DATA_SHARING and not person.agreement_to_manage_personal_data:
        person.agreement_to_manage_personal_data = True
        person.save(update_fields=["agreement_to_manage_personal_data", "updated_at"])
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=consent,
        after={"person": person.pseudonym, "purpose": purpose},
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *, actor: AnyUser | None, consent: Consent, withdrawn_on: dt.date | None = None
) -> Consent:
    user = owner_actor(actor, consent.person.case)
    if consent.withdrawn_on is not None:
        raise ApplicationError(_("This consent was already withdrawn."), code="invalid_transition")
    consent.withdrawn_on = withdrawn_on or local_today()
    row_save(consent)
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=consent,
        after={"withdrawn_on": str(consent.withdrawn_on)},
    )
    return consent
