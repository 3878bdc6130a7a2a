"""Hotline triage (issue 18): who handles a report (a lock, "being handled by", that expires),
screening against the node's indicator lists, priority, assignment, escalation, and what a
report becomes: a case, a referral, a report to law enforcement (only with the victim's consent
where the victim is the reporter, unless a child is involved), or nothing more. Each step in one
transaction, audited; the operators are the hotline organisation's case workers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cases import services as cases
from palermo.cases.models import IndicatorList
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction, Role
from palermo.core.crypto import encrypt_text
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import User
from palermo.core.permissions import has_role, require_role
from palermo.intake import choices as c
from palermo.intake.models import Hotline, Report, ReportAddition
from palermo.intake.services import DUE_HOURS

LOCK_MINUTES = 15
# An escalated report is handled within this many hours.
ESCALATED_HOURS = 4


def is_operator(user: object) -> bool:
    """Whether the user is a hotline operator: a case worker of an organisation that is a
    hotline (one query; the menu asks on every page)."""
    return (
        has_role(user, Role.CASE_WORKER)  # type: ignore[arg-type]
        and getattr(user, "organisation_id", None) is not None
        and Hotline.objects.filter(organisation_id=user.organisation_id).exists()  # type: ignore[attr-defined]
    )


def operator(actor: object) -> User:
    """A hotline operator (`is_operator`), or NotFoundError."""
    user = require_role(actor, Role.CASE_WORKER)  # type: ignore[arg-type]
    if not is_operator(user):
        raise NotFoundError(_("Your organisation is not a hotline."), code="not_a_hotline")
    return user


def organisation_of(user: User) -> int:
    """The operator's organisation (`operator` checked there is one)."""
    if user.organisation_id is None:
        raise NotFoundError(_("Your organisation is not a hotline."), code="not_a_hotline")
    return user.organisation_id


def _mine(user: User, report: Report) -> None:
    if report.hotline.organisation_id != user.organisation_id:
        raise NotFoundError(_("No report {}.").format(report.reference), code="unknown_report")


def _held_by_other(user: User, report: Report, now: dt.datetime) -> bool:
    return (
        report.held_by_id is not None
        and report.held_by_id != user.pk
        and report.held_until is not None
        and report.held_until > now
    )


def _free_or_mine(user: User, report: Report, now: dt.datetime) -> None:
    if _held_by_other(user, report, now):
        assert report.held_by is not None  # noqa: S101 - _held_by_other checked it
        raise ApplicationError(
            _("{} is handling this report until {}.").format(
                report.held_by.username, timezone.localtime(report.held_until).strftime("%H:%M")
            ),
            code="held",
        )


def _locked(user: User, report: Report, now: dt.datetime) -> Report:
    locked = (
        Report.objects.select_for_update(of=("self",))
        .select_related("hotline", "held_by")
        .get(pk=report.pk)
    )
    _mine(user, locked)
    _free_or_mine(user, locked, now)
    return locked


def report_take(*, actor: object, report: Report, now: dt.datetime | None = None) -> Report:
    """Hold the report for `LOCK_MINUTES` (others see who handles it), renewed while worked on;
    refused while someone else holds it."""
    user, current = operator(actor), now or timezone.now()
    with transaction.atomic():
        locked = _locked(user, report, current)
        locked.held_by = user
        locked.held_until = current + dt.timedelta(minutes=LOCK_MINUTES)
        if locked.status == c.Status.NEW:
            locked.status = c.Status.IN_TRIAGE
        locked.save(update_fields=["held_by", "held_until", "status"])
        audit_record(actor=user, action=AuditAction.UPDATE, obj=locked, after={"held": True})
    return locked


def report_release(*, actor: object, report: Report, now: dt.datetime | None = None) -> Report:
    user, current = operator(actor), now or timezone.now()
    with transaction.atomic():
        locked = _locked(user, report, current)
        locked.held_by, locked.held_until = None, None
        locked.save(update_fields=["held_by", "held_until"])
        audit_record(actor=user, action=AuditAction.UPDATE, obj=locked, after={"held": False})
    return locked


def _priority(report: Report) -> str:
    if report.danger or report.child == c.Answer.YES or report.status == c.Status.ESCALATED:
        return c.Priority.URGENT
    if report.screening.get("strong", 0) > 0:
        return c.Priority.HIGH
    return c.Priority.NORMAL


def report_screen(
    *,
    actor: object,
    report: Report,
    indicator_list: IndicatorList,
    codes: Iterable[str],
    child: str | None = None,
    danger: bool | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Screen the report against one of the node's indicator lists (the codes observed); the
    priority follows: urgent for a child or danger, high with a strong indicator."""
    user, current = operator(actor), now or timezone.now()
    chosen = sorted(set(codes))
    known = {i.code: i for i in indicator_list.indicators.all()}
    wrong = [code for code in chosen if code not in known]
    if wrong:
        raise ApplicationError(
            _("Not indicators of {}: {}").format(indicator_list.title, ", ".join(wrong)),
            code="invalid",
        )
    if child is not None and child not in c.Answer.values:
        raise ApplicationError(_("Answer yes, no or I do not know."), code="invalid")
    with transaction.atomic():
        locked = _locked(user, report, current)
        locked.screening = {
            "list": indicator_list.key,
            "version": indicator_list.version,
            "codes": chosen,
            "strong": sum(1 for code in chosen if known[code].strength == "strong"),
            "by": user.username,
            "on": current.date().isoformat(),
        }
        if child is not None:
            locked.child = child
        if danger is not None:
            locked.danger = danger
        before = locked.priority
        locked.priority = _priority(locked)
        if locked.priority != before:
            locked.due_at = min(locked.due_at, current + _due(locked.priority))
        locked.save(update_fields=["screening", "child", "danger", "priority", "due_at"])
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=locked,
            before={"priority": before},
            after={"indicators": len(chosen), "priority": locked.priority},
        )
    return locked


def _due(priority: str) -> dt.timedelta:
    return dt.timedelta(hours=DUE_HOURS[c.Priority(priority)])


def report_assign(
    *, actor: object, report: Report, to: User, now: dt.datetime | None = None
) -> Report:
    user, current = operator(actor), now or timezone.now()
    if to.organisation_id != report.hotline.organisation_id or to.role != Role.CASE_WORKER:
        raise ApplicationError(_("Assign it to an operator of this hotline."), code="invalid")
    with transaction.atomic():
        locked = _locked(user, report, current)
        locked.assigned_to = to
        locked.save(update_fields=["assigned_to"])
        audit_record(actor=user, action=AuditAction.UPDATE, obj=locked, after={"to": to.username})
    return locked


def report_escalate(
    *, actor: object, report: Report, reason: str, now: dt.datetime | None = None
) -> Report:
    """Escalate (to a supervisor, an emergency): urgent, due within `ESCALATED_HOURS`."""
    user, current = operator(actor), now or timezone.now()
    if not reason.strip():
        raise ApplicationError(_("Say why it is escalated."), code="invalid")
    with transaction.atomic():
        locked = _locked(user, report, current)
        locked.status = c.Status.ESCALATED
        locked.priority = c.Priority.URGENT
        locked.due_at = min(locked.due_at, current + dt.timedelta(hours=ESCALATED_HOURS))
        locked.save(update_fields=["status", "priority", "due_at"])
        audit_record(actor=user, action=AuditAction.UPDATE, obj=locked, reason=reason[:500],
                     after={"status": locked.status})  # fmt: skip
    return locked


def may_tell_law_enforcement(report: Report) -> bool:
    """Polaris's rule: where the victim reports, only with their consent (unless a child is
    involved: child protection obliges)."""
    if report.reporter_role != c.ReporterRole.VICTIM:
        return True
    return c.Answer.YES in (report.consent_law_enforcement, report.child)


def report_close(
    *,
    actor: object,
    report: Report,
    outcome: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> Report:
    """What the report became. A case: opened by the operator's organisation (its case
    worker), linked here. Law enforcement: refused without the victim's consent where the
    victim reported."""
    user, current = operator(actor), now or timezone.now()
    if outcome not in c.Outcome.values:
        raise ApplicationError(_("Choose what the report became."), code="invalid")
    if outcome in (c.Outcome.REFERRAL, c.Outcome.LAW_ENFORCEMENT) and not note.strip():
        raise ApplicationError(_("Name the service or the unit it went to."), code="invalid")
    with transaction.atomic():
        locked = _locked(user, report, current)
        if outcome == c.Outcome.LAW_ENFORCEMENT and not may_tell_law_enforcement(locked):
            raise ApplicationError(
                _(
                    "The victim reported and did not agree that law enforcement be told: ask "
                    "them first, and record their answer."
                ),
                code="no_consent",
            )
        if outcome == c.Outcome.CASE:
            case = cases.case_open(
                actor=user,
                opened_on=timezone.localdate(current),
                title=_("From report {}").format(locked.reference),
                country=locked.country_id or None,
            )
            locked.case_id = case.pk
        locked.outcome = outcome
        locked.outcome_note = note.strip()[:500]
        locked.status = c.Status.CLOSED
        locked.closed_at = current
        locked.held_by, locked.held_until = None, None
        locked.save()
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=locked,
            after={"outcome": outcome, "case": str(locked.case_id or "")},
        )
    return locked


def consent_record(
    *, actor: object, report: Report, answer: str, now: dt.datetime | None = None
) -> Report:
    """The reporter's answer, asked by the operator, on telling law enforcement."""
    user, current = operator(actor), now or timezone.now()
    if answer not in c.Answer.values:
        raise ApplicationError(_("Answer yes, no or I do not know."), code="invalid")
    with transaction.atomic():
        locked = _locked(user, report, current)
        before = locked.consent_law_enforcement
        locked.consent_law_enforcement = answer
        locked.save(update_fields=["consent_law_enforcement"])
        audit_record(actor=user, action=AuditAction.UPDATE, obj=locked,
                     before={"consent": before}, after={"consent": answer})  # fmt: skip
    return locked


BULK_OUTCOMES = (c.Outcome.DUPLICATE, c.Outcome.NOT_TRAFFICKING, c.Outcome.INFORMATION)


def reports_bulk(
    *, actor: object, references: list[str], action: str, now: dt.datetime | None = None
) -> int:
    """One action on several reports, all or none: `take`, `release`, or close as one of
    `BULK_OUTCOMES`. Refused whole when any is held by someone else."""
    user, current = operator(actor), now or timezone.now()
    if action not in ("take", "release", *BULK_OUTCOMES):
        raise ApplicationError(_("Choose an action."), code="invalid")
    if not references:
        raise ApplicationError(_("Choose the reports."), code="invalid")
    if len(references) > settings.PALERMO_INTAKE_BULK_MAX:
        raise ApplicationError(
            _("At most {} reports at once.").format(settings.PALERMO_INTAKE_BULK_MAX),
            code="invalid",
        )
    with transaction.atomic():
        # Locked in one order (by id): two operators' bulk actions on overlapping reports wait
        # for each other instead of each holding a row the other needs (a deadlock).
        found = list(
            Report.objects.select_for_update(of=("self",))
            .select_related("hotline", "held_by")
            .filter(reference__in=references, hotline__organisation_id=organisation_of(user))
            .order_by("pk")
        )
        missing = sorted(set(references) - {r.reference for r in found})
        if missing:
            raise NotFoundError(_("No report {}.").format(", ".join(missing)), code="unknown")
        for report in found:
            _free_or_mine(user, report, current)
        for report in found:
            if action == "take":
                report_take(actor=user, report=report, now=current)
            elif action == "release":
                report_release(actor=user, report=report, now=current)
            else:
                report_close(actor=user, report=report, outcome=action, now=current)
    return len(found)


def report_note(
    *, actor: object, report: Report, text: str, now: dt.datetime | None = None
) -> ReportAddition:
    """An operator's note on the report (encrypted like the report)."""
    user, current = operator(actor), now or timezone.now()
    if not text.strip():
        raise ApplicationError(_("Write the note."), code="invalid")
    with transaction.atomic():
        locked = _locked(user, report, current)
        note = ReportAddition.objects.create(
            report=locked,
            added_at=current,
            by_reporter=False,
            ciphertext=encrypt_text(text.strip()),
            added_by=user,
        )
        audit_record(actor=user, action=AuditAction.CREATE, obj=note,
                     after={"report": locked.reference})  # fmt: skip
    return note
