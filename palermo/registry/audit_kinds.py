"""What the registry's audit entries are about (see `palermo.core.audit.AuditKind`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from palermo.core.audit import audit_kind
from palermo.registry import models as m

MECHANISM = audit_kind("registry.mechanism", _("regional mechanism"), model=m.Mechanism)
MEMBERSHIP = audit_kind("registry.membership", _("membership"), model=m.Membership)
INSTRUMENT = audit_kind("registry.instrument", _("legal instrument"), model=m.Instrument)
TREATY_ACTION = audit_kind("registry.treaty_action", _("treaty action"), model=m.TreatyAction)
LISTING = audit_kind("registry.listing", _("listing of parties"), model=m.Listing)
STATUS_CLAIM = audit_kind("registry.status_claim", _("status claim"), model=m.StatusClaim)
LEGISLATION = audit_kind("registry.legislation", _("national legislation"), model=m.Legislation)
TRANSMITTAL = audit_kind(
    "registry.transmittal", _("legislation transmittal"), model=m.LegislationTransmittal
)
DIRECTORY_ENTRY = audit_kind(
    "registry.directory_entry", _("directory entry"), model=m.DirectoryEntry
)
