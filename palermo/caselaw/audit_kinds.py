"""What the case law's audit entries are about (see `palermo.core.audit.AuditKind`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from palermo.caselaw import models as m
from palermo.core.audit import audit_kind

DECISION = audit_kind("caselaw.decision", _("court decision"), model=m.Decision)
