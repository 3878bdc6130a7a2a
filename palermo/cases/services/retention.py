"""Retention: closed cases are anonymised once their country's retention period has passed."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cases import htcds as h
from palermo.cases.models import (
    BestInterestDetermination,
    Case,
    CaseComment,
    Consent,
    CountryPolicy,
    FollowUpVisit,
    Guardian,
    Identification,
    Movement,
    Person,
    PersonIdentity,
    PersonPhoto,
    Proceeding,
    ProtectionMeasure,
    Referral,
    Return,
    Screening,
    SupportPlan,
)
from palermo.cases.services.common import (
    local_today,
)
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction


def _retention_days(case: Case, default_days: int | None) -> int:
    policy = CountryPolicy.objects.filter(country=case.country_id).first()
    if policy is not None:
        return policy.retention_days_after_closure
    return default_days if default_days is not None else settings.PALERMO_CASE_RETENTION_DAYS


@transaction.atomic
def case_anonymise(*, case: Case, actor_label: str = "retention") -> Case:
    """Remove everything that could identify a person; keep the coded facts for statistics."""
    if case.anonymised_at is not None:
        return case
    persons = list(case.persons.all())
    removed = _("(removed by retention)")
    PersonIdentity.objects.filter(person__in=persons).delete()
    PersonPhoto.objects.filter(person__in=persons).delete()
    Guardian.objects.filter(person__in=persons).update(name_ciphertext="")
    Person.objects.filter(case=case).update(
        details_of_vulnerabilities="",
        perpetrator_role_details="",
        location_of_recruitment="",
        location_of_exploitation="",
    )
    Movement.objects.filter(person__in=persons).update(description="", city="", state="")
    Consent.objects.filter(person__in=persons).update(notes="")
    Screening.objects.filter(person__in=persons).update(reasoning=removed)
    Identification.objects.filter(person__in=persons).update(reasoning=removed)
    BestInterestDetermination.objects.filter(person__in=persons).update(reasoning=removed)
    Return.objects.filter(person__in=persons).update(risk_assessment=removed, travel_documents="")
    FollowUpVisit.objects.filter(person__in=persons).update(outcome="")
    Referral.objects.filter(person__in=persons).update(details="", response_note="")
    ProtectionMeasure.objects.filter(person__in=persons).update(notes="", reference="")
    SupportPlan.objects.filter(person__in=persons).update(objectives="", action_plan="")
    Proceeding.objects.filter(case=case).update(charges="")
    CaseComment.objects.filter(case=case).delete()
    Case.objects.filter(pk=case.pk).update(
        title="", incoming_referral_details="", reason_for_closure="", anonymised_at=timezone.now()
    )
    audit_record(
        actor=None,
        actor_label=actor_label,
        action=AuditAction.UPDATE,
        obj=case,
        after={"anonymised": True, "persons": len(persons)},
    )
    case.refresh_from_db()
    return case


def cases_anonymise_due(*, today: dt.date | None = None, default_days: int | None = None) -> int:
    """Anonymise every closed case whose retention period has passed. Returns how many."""
    day = today or local_today()
    done = 0
    closed = Case.objects.filter(
        anonymised_at__isnull=True,
        closed_on__isnull=False,
        status__in=[h.CaseStatus.CLOSED, h.CaseStatus.CLOSED_REFERRED],
    )
    for case in closed.select_related("country"):
        assert case.closed_on is not None  # noqa: S101 - filtered above
        if case.closed_on + dt.timedelta(days=_retention_days(case, default_days)) <= day:
            case_anonymise(case=case)
            done += 1
    return done
