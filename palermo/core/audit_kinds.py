"""What the core app's audit entries are about (see `palermo.core.audit.AuditKind`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from palermo.core.audit import audit_kind
from palermo.core.models import ApiToken, Document, Organisation, User

ORGANISATION = audit_kind("core.organisation", _("organisation"), model=Organisation)
USER = audit_kind("core.user", _("user"), model=User)
API_TOKEN = audit_kind("core.apitoken", _("API token"), model=ApiToken)
DOCUMENT = audit_kind("core.document", _("source document"), model=Document)
FIELD_KEYS = audit_kind("core.field_keys", _("field encryption keys"))
LOGIN = audit_kind("core.login", _("login attempts"))
