"""Reads of the intake app (issue 18): the triage queue and a report, for its hotline's
operators only; every read of a report's account or contact audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from palermo.cases.models import IndicatorList
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import NotFoundError
from palermo.core.models import User
from palermo.intake import attachments
from palermo.intake import choices as c
from palermo.intake.accounts import Account, account_of
from palermo.intake.models import Report, ReportAttachment
from palermo.intake.services import addition_text
from palermo.intake.triage import operator, organisation_of

_PRIORITY_ORDER = Case(
    When(priority=c.Priority.URGENT, then=Value(0)),
    When(priority=c.Priority.HIGH, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def queue(
    user: object, *, status: str = "open", priority: str = "", situation: str = ""
) -> QuerySet[Report]:
    """The hotline's reports: open ones (not closed) by default, the most urgent and the
    soonest due first."""
    reader = operator(user)
    rows = Report.objects.filter(hotline__organisation_id=organisation_of(reader))
    if status == "open":
        rows = rows.exclude(status=c.Status.CLOSED)
    elif status:
        rows = rows.filter(status=status)
    if priority:
        rows = rows.filter(priority=priority)
    if situation:
        rows = rows.filter(situation__reference=situation)
    return (
        rows.select_related("held_by", "assigned_to", "situation", "country")
        .annotate(rank=_PRIORITY_ORDER)
        .order_by("rank", "due_at", "received_at")
    )


def report_get(user: object, reference: str) -> Report:
    reader = operator(user)
    found = (
        Report.objects.select_related("hotline", "held_by", "assigned_to", "situation")
        .filter(reference=reference, hotline__organisation_id=organisation_of(reader))
        .first()
    )
    if found is None:
        raise NotFoundError(_("No report {}.").format(reference), code="unknown_report")
    return found


@dataclass(frozen=True)
class Addition:
    added_at: dt.datetime
    by_reporter: bool
    text: str
    added_by: str


@dataclass(frozen=True)
class ReportRead:
    account: Account
    additions: list[Addition]
    same_situation: list[Report]


def report_read(user: object, report: Report) -> ReportRead:
    """The report's account, contact and additions, decrypted; the read audited."""
    reader = operator(user)
    account = account_of(report)
    additions = [
        Addition(
            a.added_at, a.by_reporter, addition_text(a), a.added_by.username if a.added_by else ""
        )
        for a in report.additions.select_related("added_by")
    ]
    others = (
        list(
            Report.objects.filter(situation=report.situation)
            .exclude(pk=report.pk)
            .order_by("received_at")
        )
        if report.situation_id
        else []
    )
    audit_record(
        actor=reader,
        action=AuditAction.READ,
        obj=report,
        after={"account": True, "contact": bool(account.contact)},
    )
    return ReportRead(account, additions, others)


def indicator_lists() -> list[IndicatorList]:
    """The node's indicator lists in use, to screen a report against."""
    return list(IndicatorList.objects.filter(active=True).prefetch_related("indicators"))


def operators(user: User) -> list[User]:
    return list(
        User.objects.filter(
            organisation_id=organisation_of(user), role=user.role, is_active=True
        ).order_by("username")
    )


def attachment_read(user: object, report: Report, position: int) -> tuple[ReportAttachment, bytes]:
    """A file of the report, decrypted and checked; the read audited."""
    reader = operator(user)
    found = report.files.filter(position=position).first()
    if found is None:
        raise NotFoundError(_("No such file."), code="unknown_file")
    content = attachments.load(found)
    audit_record(
        actor=reader,
        action=AuditAction.READ,
        obj=report,
        after={"file": position, "kind": found.kind},
    )
    return found, content
