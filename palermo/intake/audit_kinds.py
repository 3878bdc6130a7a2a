"""What the intake app's audit entries are about (see `palermo.core.audit.AuditKind`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from palermo.core.audit import audit_kind
from palermo.intake import models as m

HOTLINE = audit_kind("intake.hotline", _("hotline"), model=m.Hotline)
REPORT = audit_kind("intake.report", _("public or hotline report"), model=m.Report)
ADDITION = audit_kind("intake.addition", _("addition to a report"), model=m.ReportAddition)
SITUATION = audit_kind("intake.situation", _("situation"), model=m.Situation)
FIELD_SUBMISSION = audit_kind(
    "intake.field_submission", _("field submission (OpenRosa)"), model=m.FieldSubmission
)
CONFLICT = audit_kind("intake.conflict", _("conflict of offline edits"), model=m.Conflict)
FIELD_FORM = audit_kind("intake.field_form", _("field form (XLSForm)"), model=m.FieldForm)
