"""What cooperation's audit entries are about (see `palermo.core.audit.AuditKind`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from palermo.cooperation import models as m
from palermo.core.audit import audit_kind

NODE = audit_kind("cooperation.node", _("peer node"), model=m.Node)
REQUEST = audit_kind("cooperation.request", _("cooperation request"), model=m.Request)
MESSAGE = audit_kind("cooperation.message", _("message"), model=m.Message)
ATTACHMENT = audit_kind("cooperation.attachment", _("attachment"), model=m.Attachment)
EXTRACT = audit_kind(
    "cooperation.sharedcaseextract", _("shared case extract"), model=m.SharedCaseExtract
)
MESSAGE_SHARE = audit_kind("cooperation.messageshare", _("message share"), model=m.MessageShare)
