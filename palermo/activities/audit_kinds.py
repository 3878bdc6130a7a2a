"""What the clearing house's audit entries are about (see `palermo.core.audit.AuditKind`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from palermo.activities import models as m
from palermo.core.audit import audit_kind

ACTIVITY = audit_kind("activities.activity", _("activity"), model=m.Activity)
IATI_FILE = audit_kind("activities.iati_file", _("IATI activity file"))
NEED = audit_kind("activities.need", _("stated need"), model=m.Need)
