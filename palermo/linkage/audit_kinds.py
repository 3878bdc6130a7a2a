"""What linkage's audit entries are about (see `palermo.core.audit.AuditKind`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from palermo.core.audit import audit_kind
from palermo.linkage import models as m

EXERCISE = audit_kind("linkage.exercise", _("linkage exercise"), model=m.Exercise)
MATCH = audit_kind("linkage.match", _("linkage match"), model=m.Match)
