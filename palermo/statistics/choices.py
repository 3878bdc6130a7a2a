"""Code lists of the statistics app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodType(models.TextChoices):
    YEAR = "year", _("Year")
    QUARTER = "quarter", _("Quarter")
    RANGE = "range", _("Any period (a year, a quarter, a half-year or a range)")


class ValueStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    VALIDATED = "validated", _("Validated")
    PUBLISHED = "published", _("Published")


class ValueOrigin(models.TextChoices):
    """Where a figure came from; only `entry`, `derived` and `seed` figures are unique per cell."""

    ENTRY = "entry", _("Entered or uploaded by the country")
    DERIVED = "derived", _("Derived from case records")
    SEED = "seed", _("Stated in a reference document")
    GLOTIP = "glotip", _("UNODC Global Report (GLOTIP) data")
    CTDC = "ctdc", _("CTDC synthetic victim dataset")


class Qualifier(models.TextChoices):
    """How exact a figure is as its source states it."""

    EXACT = "exact", _("Exact")
    AT_LEAST = "at_least", _('At least ("more than")')
    APPROXIMATE = "approximate", _('Approximate ("some")')


class RuleKind(models.TextChoices):
    NON_NEGATIVE = "non_negative", _("No negative values")
    SUM_TO_TOTAL = "sum_to_total", _("Disaggregations sum to their totals")
    NOT_ABOVE = "not_above", _("Not above another indicator of the same cohort")
    CHANGE_BOUND = "change_bound", _("Change from the previous period within a bound")


class Severity(models.TextChoices):
    ERROR = "error", _("Error (blocks submission)")
    WARNING = "warning", _("Warning (needs a comment)")


class PublicationMethod(models.TextChoices):
    SUPPRESSION = "suppression", _("Small-cell suppression with secondary suppression")
    DIFFERENTIAL_PRIVACY = "dp", _("Differential privacy")


class ImportFormat(models.TextChoices):
    GLOTIP = "glotip", _("UNODC GLOTIP country data (CSV or XLSX as published)")
    CTDC = "ctdc", _("CTDC synthetic victim dataset (CSV)")
    CSV = "csv", _("Palermo data-set template (CSV)")
    XLSX = "xlsx", _("Palermo data-set template (XLSX)")
