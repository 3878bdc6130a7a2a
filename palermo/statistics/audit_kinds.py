"""What the statistics app's audit entries are about (see `palermo.core.audit.AuditKind`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from palermo.core.audit import audit_kind
from palermo.statistics import models as m

DIMENSION = audit_kind("statistics.dimension", _("dimension"), model=m.Dimension)
RULE = audit_kind("statistics.rule", _("validation rule"), model=m.ValidationRule)
INDICATOR = audit_kind("statistics.indicator", _("indicator"), model=m.Indicator)
DATASET = audit_kind("statistics.dataset", _("data set"), model=m.DataSet)
VALUE = audit_kind("statistics.value", _("figure"), model=m.Value)
# The figures of one data set, country and period (or of one file), changed together.
VALUE_SCOPE = audit_kind("statistics.values", _("figures of a data set, country and period"))
IMPORT = audit_kind("statistics.import", _("statistics import"), model=m.DataImport)
DERIVATION = audit_kind("statistics.derivation", _("derivation from cases"), model=m.Derivation)
PUBLICATION = audit_kind("statistics.publication", _("publication"), model=m.Publication)
