"""Cases: open, update, close, reopen, comment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from palermo.cases import htcds as h
from palermo.cases.dates import day_text
from palermo.cases.models import (
    Case,
    CaseComment,
)
from palermo.cases.services.common import (
    case_actor,
    check_choice,
    local_today,
    owner_actor,
)
from palermo.cases.services.fields import (
    CASE_FIELDS,
)
from palermo.cases.writer import row_save
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError
from palermo.core.models import Organisation
from palermo.core.permissions import AnyUser
from palermo.core.services import country_get


@transaction.atomic
def case_open(
    *,
    actor: AnyUser | None,
    opened_on: dt.date | None = None,
    title: str = "",
    country: str | None = None,
    referring_organisation: Organisation | None = None,
    incoming_referral_date: dt.date | None = None,
    reason_for_incoming_referral: str = "",
    incoming_referral_details: str = "",
) -> Case:
    """Open a case held by the actor's organisation."""
    user = case_actor(actor)
    org = user.organisation
    assert org is not None  # noqa: S101 - _actor guarantees it
    country_obj = country_get(country) if country else org.country
    if country_obj is None:
        raise ApplicationError(
            _("The case needs a country: your organisation has none, so give one."),
            code="country_required",
        )
    opened = opened_on or local_today()
    if opened > local_today():
        raise ApplicationError(_("A case cannot be opened in the future."), code="date_in_future")
    case = Case(
        organisation=org,
        owner=user,
        title=title,
        country=country_obj,
        opened_on=opened,
        referring_organisation=referring_organisation,
        incoming_referral_date=incoming_referral_date,
        reason_for_incoming_referral=check_choice(
            reason_for_incoming_referral, h.ReferralReason, "reason_for_incoming_referral"
        ),
        incoming_referral_details=incoming_referral_details,
    )
    row_save(case)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=case,
        after={"reference": case.reference, "organisation": org.pk},
    )
    return case


@transaction.atomic
def case_update(*, actor: AnyUser | None, case: Case, **fields: Any) -> Case:
    user = owner_actor(actor, case)
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Unknown case field(s): {}.").format(", ".join(sorted(unknown))), code="unknown_field"
        )
    if "reason_for_incoming_referral" in fields:
        check_choice(
            fields["reason_for_incoming_referral"], h.ReferralReason, "reason_for_incoming_referral"
        )
    before = {k: str(getattr(case, k)) for k in fields}
    for k, v in fields.items():
        setattr(case, k, v)
    row_save(case)
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=case,
        before=before,
        after={k: str(v) for k, v in fields.items()},
    )
    return case


@transaction.atomic
def case_close(
    *,
    actor: AnyUser | None,
    case: Case,
    reason: str,
    closed_on: dt.date | None = None,
    referred: bool = False,
) -> Case:
    user = owner_actor(actor, case)
    if case.status in (h.CaseStatus.CLOSED, h.CaseStatus.CLOSED_REFERRED):
        raise ApplicationError(_("The case is already closed."), code="invalid_transition")
    if not reason.strip():
        raise ApplicationError(_("Give the reason for closing the case."), code="reason_required")
    closed = closed_on or local_today()
    if closed < case.opened_on:
        raise ApplicationError(
            _("A case cannot be closed before it was opened ({}).").format(
                day_text(case.opened_on)
            ),
            code="invalid_date",
        )
    before = {"status": case.status}
    case.status = h.CaseStatus.CLOSED_REFERRED if referred else h.CaseStatus.CLOSED
    case.closed_on = closed
    case.reason_for_closure = reason
    row_save(case)
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=case,
        before=before,
        after={"status": case.status, "closed_on": str(closed)},
    )
    return case


@transaction.atomic
def case_reopen(*, actor: AnyUser | None, case: Case) -> Case:
    user = owner_actor(actor, case)
    if case.anonymised_at is not None:
        raise ApplicationError(
            _("An anonymised case cannot be reopened."), code="invalid_transition"
        )
    if case.status not in (h.CaseStatus.CLOSED, h.CaseStatus.CLOSED_REFERRED):
        raise ApplicationError(_("Only a closed case can be reopened."), code="invalid_transition")
    case.status, case.closed_on = h.CaseStatus.FOLLOW_UP, None
    row_save(case)
    audit_record(actor=user, action=AuditAction.UPDATE, obj=case, after={"status": case.status})
    return case


@transaction.atomic
def comment_add(*, actor: AnyUser | None, case: Case, text: str) -> CaseComment:
    user = owner_actor(actor, case)
    if not text.strip():
        raise ApplicationError(_("The comment is empty."), code="empty")
    comment = CaseComment(case=case, text=text, author=user)
    row_save(comment)
    audit_record(actor=user, action=AuditAction.CREATE, obj=comment, after={"case": str(case.pk)})
    return comment
