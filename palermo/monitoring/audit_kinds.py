"""What the monitoring app's audit entries are about (see `palermo.core.audit.AuditKind`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from palermo.core.audit import audit_kind
from palermo.monitoring import models as m

QUESTIONNAIRE = audit_kind("monitoring.questionnaire", _("questionnaire"), model=m.Questionnaire)
VERSION = audit_kind("monitoring.version", _("questionnaire version"), model=m.QuestionnaireVersion)
ROUND = audit_kind("monitoring.round", _("round"), model=m.Round)
SUBMISSION = audit_kind("monitoring.submission", _("submission"), model=m.Submission)
ANSWER = audit_kind("monitoring.answer", _("answer"), model=m.Answer)
CLARIFICATION = audit_kind("monitoring.clarification", _("clarification"), model=m.Clarification)
CODEBOOK = audit_kind("monitoring.codebook", _("codebook"), model=m.Codebook)
CODING = audit_kind("monitoring.coding", _("coding of an answer"), model=m.Coding)
DECISION = audit_kind("monitoring.decision", _("coding decision"), model=m.CodingDecision)
REPORT = audit_kind("monitoring.report", _("consolidated report"))
DELEGATION = audit_kind("monitoring.delegation", _("delegation of a section"), model=m.Delegation)
PLAN = audit_kind("monitoring.plan", _("action plan"), model=m.Plan)
ACTIVITY = audit_kind("monitoring.activity", _("activity of a plan"), model=m.Activity)
REPORTED_VALUE = audit_kind(
    "monitoring.reported_value", _("reported value of a plan indicator"), model=m.ReportedValue
)
REPORT_COMMENT = audit_kind(
    "monitoring.report_comment", _("comment on a draft report"), model=m.ReportComment
)
