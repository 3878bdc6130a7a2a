"""Filing and adding to reports (issue 18). Every write in one transaction, audited; the
account, the names and the contact encrypted before they are written; nothing of them in an
error, a log line or an audit entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cases.htcds import TypeOfExploitation
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction, Role
from palermo.core.crypto import decrypt_text, encrypt_text
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import Country, Organisation, User
from palermo.core.permissions import require_role
from palermo.intake import attachments, situations
from palermo.intake import choices as c
from palermo.intake.accounts import (
    CODE_CHARS,
    TEXT_MAX,
    Account,
    code_hash,
    random_code,
)
from palermo.intake.models import Hotline, Report, ReportAddition

# How soon a report is to be handled, by priority (hours).
DUE_HOURS = {c.Priority.URGENT: 1, c.Priority.HIGH: 24, c.Priority.NORMAL: 72}


def priority_of(*, child: str, danger: bool) -> str:
    if danger or child == c.Answer.YES:
        return c.Priority.URGENT
    return c.Priority.NORMAL


def public_hotline() -> Hotline:
    """The hotline the public form files with: the node's active one."""
    found = Hotline.objects.filter(active=True).select_related("organisation").first()
    if found is None:
        raise NotFoundError(_("This node takes no public reports."), code="no_hotline")
    return found


@dataclass
class Filed:
    report: Report
    code: str  # shown once to the reporter, never stored


def _check(account: Account, country: str, forms: list[str], language: str) -> None:
    if not account.what.strip():
        raise ApplicationError(_("Say what is happening."), code="invalid")
    for name in ("what", "where", "employer", "people"):
        if len(getattr(account, name)) > TEXT_MAX:
            raise ApplicationError(
                _("The text is over {} characters.").format(TEXT_MAX), code="invalid"
            )
    if country and not Country.objects.filter(iso3=country).exists():
        raise ApplicationError(_("Not a country (ISO alpha-3)."), code="invalid")
    wrong = sorted(set(forms) - set(TypeOfExploitation.values))
    if wrong:
        raise ApplicationError(_("Not a form of exploitation of the list."), code="invalid")
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(_("Not a language of this node."), code="invalid")


def report_file(
    *,
    hotline: Hotline,
    account: Account,
    reporter_role: str,
    channel: str = c.Channel.WEB,
    language: str = "en",
    country: str = "",
    child: str = c.Answer.UNKNOWN,
    danger: bool = False,
    forms: list[str] | None = None,
    consent_law_enforcement: str = c.Answer.UNKNOWN,
    actor: User | None = None,
    now: dt.datetime | None = None,
    files: list[attachments.Checked] | None = None,
) -> Filed:
    """File a report (the public form: no actor; an operator entering a call: the actor).
    Anonymous when no contact is given. Its code returned once, stored only as a hash."""
    forms = forms or []
    _check(account, country, forms, language)
    if reporter_role not in c.ReporterRole.values or channel not in c.Channel.values:
        raise ApplicationError(_("Choose who is reporting."), code="invalid")
    if child not in c.Answer.values or consent_law_enforcement not in c.Answer.values:
        raise ApplicationError(_("Answer yes, no or I do not know."), code="invalid")
    received = now or timezone.now()
    priority = priority_of(child=child, danger=danger)
    code = random_code(CODE_CHARS)
    with transaction.atomic():
        report = Report.objects.create(
            hotline=hotline,
            reference="R-{}".format(random_code(8)),
            channel=channel,
            received_at=received,
            language=language,
            anonymous=not any(v.strip() for v in account.contact.values()),
            reporter_role=reporter_role,
            country_id=country or None,
            child=child,
            danger=danger,
            forms=forms,
            ciphertext=account.encrypt(),
            code_hash=code_hash(code),
            consent_law_enforcement=(
                consent_law_enforcement
                if reporter_role == c.ReporterRole.VICTIM
                else c.Answer.UNKNOWN
            ),
            priority=priority,
            due_at=received + dt.timedelta(hours=DUE_HOURS[c.Priority(priority)]),
            created_by=actor,
        )
        attachments.store(report, files or [])
        situations.group(report, account)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=report,
            after={
                "channel": channel,
                "priority": priority,
                "anonymous": report.anonymous,
                "files": report.attachments,
            },
            actor_label="" if actor else "public report form",
        )
    return Filed(report, code)


def report_add(*, code: str, text: str, now: dt.datetime | None = None) -> Report:
    """The reporter adds to their report with its code; NotFoundError for a wrong code (the
    same answer whatever is wrong: a code is not guessed by trying)."""
    if not text.strip():
        raise ApplicationError(_("Write what you want to add."), code="invalid")
    if len(text) > TEXT_MAX:
        raise ApplicationError(
            _("The text is over {} characters.").format(TEXT_MAX), code="invalid"
        )
    report = Report.objects.filter(code_hash=code_hash(code)).first()
    if report is None:
        raise NotFoundError(_("No report has this code."), code="unknown_code")
    with transaction.atomic():
        addition = ReportAddition.objects.create(
            report=report,
            added_at=now or timezone.now(),
            by_reporter=True,
            ciphertext=encrypt_text(text),
        )
        if report.status == c.Status.CLOSED:  # new information reopens it
            report.status = c.Status.NEW
            report.closed_at = None
            report.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            obj=addition,
            after={"report": report.reference},
            actor_label="public report form",
        )
    return report


def addition_text(addition: ReportAddition) -> str:
    return decrypt_text(addition.ciphertext)


def hotline_set(
    *,
    actor: User | None,
    organisation: Organisation,
    name: str,
    phone: str = "",
    hours: str = "",
    active: bool = True,
) -> Hotline:
    """Make an organisation a hotline (administrators): its case workers triage the reports
    filed with it. Its name, phone and hours are shown on the public form."""
    user = require_role(actor, Role.ADMINISTRATOR)
    if not name.strip():
        raise ApplicationError(_("Give the hotline's name."), code="invalid")
    with transaction.atomic():
        hotline, created = Hotline.objects.update_or_create(
            organisation=organisation,
            defaults={"name": name.strip(), "phone": phone.strip(), "hours": hours.strip(),
                      "active": active},
        )  # fmt: skip
        hotline.full_clean()
        audit_record(
            actor=user,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=hotline,
            after={"name": hotline.name, "active": active},
        )
    return hotline
