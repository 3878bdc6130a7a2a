"""Indicators, data sets, values and publications of trafficking statistics.

Definitions (dimensions, indicators, data sets, validation rules) are loaded from the data
files in `palermo/statistics/data/` and versioned (`DefinitionRevision`). A figure (`Value`) is
one cell: a reporting country, a period, an indicator and one code per disaggregation, where
`_T` stands for the total over that disaggregation (SDMX convention). A masked figure such as
"<5" is kept as published (`value_text`, `masked`), never turned into a number.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from palermo.core.models import Country, Source
from palermo.core.textlimits import NOTE_MAX, TEXT_MAX, text_limit
from palermo.statistics.choices import (
    ImportFormat,
    PeriodType,
    PublicationMethod,
    Qualifier,
    RuleKind,
    Severity,
    ValueOrigin,
    ValueStatus,
)

# The disaggregations every figure carries, in this order (also the SDMX-CSV column order).
DIMENSIONS: tuple[str, ...] = (
    "sex",
    "age_group",
    "exploitation",
    "citizenship",
    "country_of_exploitation",
    "country_of_repatriation",
)
TOTAL = "_T"
UNKNOWN = "_U"
OTHER = "_O"
# A partial breakdown's "not stated / other": the total minus the parts given, computed.
REMAINDER = "_R"
# Origins whose figures are unique per cell (imports keep every published row, duplicates too).
UNIQUE_ORIGINS = (ValueOrigin.ENTRY, ValueOrigin.DERIVED, ValueOrigin.SEED)


class Dimension(models.Model):
    """A disaggregation (sex, age group, form of exploitation, citizenship ...) and its codes."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(
        _("description"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    countries = models.BooleanField(_("codes are ISO 3166 alpha-3 country codes"), default=False)
    codes = models.JSONField(_("codes"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position"]
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")

    def __str__(self) -> str:
        return self.code

    def code_labels(self) -> dict[str, str]:
        return {str(c["code"]): str(c["label"]) for c in self.codes}


class ValidationRule(models.Model):
    """A validation rule defined in data: its kind, severity, parameters and message."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    kind = models.CharField(_("kind"), max_length=20, choices=RuleKind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    message = models.CharField(_("message"), max_length=500)
    params = models.JSONField(_("parameters"), default=dict, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")

    def __str__(self) -> str:
        return self.code


class Indicator(models.Model):
    """A statistical indicator (ICS-TIP aligned), with its unit and disaggregations."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(
        _("definition"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    unit = models.CharField(_("unit of measurement"), max_length=40)
    ics_tip = models.CharField(_("ICS-TIP reference"), max_length=200, blank=True)
    glotip_name = models.CharField(_("name in the GLOTIP data"), max_length=200, blank=True)
    dimensions = models.JSONField(_("disaggregations"), default=list, blank=True)
    breakdowns = models.JSONField(_("breakdowns collected"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.code


class DataSet(models.Model):
    """A collection of indicators reported per country and period, with its validation rules."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(
        _("description"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    period_type = models.CharField(_("period type"), max_length=10, choices=PeriodType.choices)
    indicators = models.ManyToManyField(
        Indicator, verbose_name=_("indicators"), related_name="datasets"
    )
    rules = models.ManyToManyField(
        ValidationRule, verbose_name=_("validation rules"), blank=True, related_name="datasets"
    )
    privacy_budget = models.FloatField(
        _("privacy budget (total epsilon per country)"), null=True, blank=True
    )
    suppression_threshold = models.PositiveSmallIntegerField(_("small-cell threshold"), default=5)

    class Meta:
        ordering = ["code"]
        verbose_name = _("data set")
        verbose_name_plural = _("data sets")

    def __str__(self) -> str:
        return self.code


class DefinitionRevision(models.Model):
    """One loaded version of a definition: what it said, so that every version stays known."""

    kind = models.CharField(_("kind"), max_length=20)
    code = models.CharField(_("code"), max_length=80)
    version = models.PositiveIntegerField(_("version"))
    digest = models.CharField(_("SHA-256 of the definition"), max_length=64)
    content = models.JSONField(_("definition"))
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "code", "version"]
        verbose_name = _("definition revision")
        verbose_name_plural = _("definition revisions")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "code", "version"], name="definition_revision_unique"
            )
        ]

    def __str__(self) -> str:
        return "{} {} v{}".format(self.kind, self.code, self.version)


class DataImport(models.Model):
    """One file imported with `palermo stats import` or an upload: what, by whom, how much."""

    format = models.CharField(_("format"), max_length=10, choices=ImportFormat.choices)
    filename = models.CharField(_("file name"), max_length=300)
    digest = models.CharField(_("SHA-256 of the file"), max_length=64)
    dataset = models.ForeignKey(
        DataSet, verbose_name=_("data set"), on_delete=models.PROTECT, related_name="imports"
    )
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    values = models.PositiveIntegerField(_("figures written"), default=0)
    public = models.BooleanField(_("already public"), default=False)
    notes = models.TextField(
        _("notes"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("data import")
        verbose_name_plural = _("data imports")

    def __str__(self) -> str:
        return "{} {}".format(self.format, self.filename)


class Derivation(models.Model):
    """A computation of a country's figures for a period from its case records."""

    dataset = models.ForeignKey(
        DataSet, verbose_name=_("data set"), on_delete=models.PROTECT, related_name="derivations"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("period"), max_length=24)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    persons = models.PositiveIntegerField(_("person records counted"), default=0)
    values = models.PositiveIntegerField(_("figures written"), default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("derived by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("derived at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("derivation")
        verbose_name_plural = _("derivations")

    def __str__(self) -> str:
        return "{} {} {}".format(self.dataset_id, self.country_id, self.period)


class Value(models.Model):
    """One figure: a country, a period, an indicator and a code for every disaggregation."""

    dataset = models.ForeignKey(
        DataSet, verbose_name=_("data set"), on_delete=models.PROTECT, related_name="values"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="values"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("reporting country"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("period"), max_length=24)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    year = models.PositiveSmallIntegerField(_("year (of the period start)"))
    sex = models.CharField(_("sex"), max_length=12, default=TOTAL)
    age_group = models.CharField(_("age group"), max_length=12, default=TOTAL)
    exploitation = models.CharField(_("form of exploitation"), max_length=20, default=TOTAL)
    citizenship = models.CharField(_("citizenship"), max_length=12, default=TOTAL)
    country_of_exploitation = models.CharField(
        _("country of exploitation"), max_length=12, default=TOTAL
    )
    country_of_repatriation = models.CharField(
        _("country of repatriation"), max_length=12, default=TOTAL
    )
    label = models.CharField(
        _("category as the source wrote it"), max_length=200, blank=True, default=""
    )
    value = models.BigIntegerField(_("value"), null=True, blank=True)
    value_text = models.CharField(_("value as published"), max_length=40, blank=True)
    masked = models.BooleanField(_('masked (e.g. "<5")'), default=False)
    qualifier = models.CharField(
        _("qualifier"), max_length=20, choices=Qualifier.choices, default=Qualifier.EXACT
    )
    suspect = models.BooleanField(_("implausible as published"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ValueStatus.choices, default=ValueStatus.DRAFT
    )
    origin = models.CharField(_("origin"), max_length=20, choices=ValueOrigin.choices)
    public = models.BooleanField(_("readable without login"), default=False)
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    source_ref = models.CharField(_("place in the source"), max_length=200, blank=True)
    notes = models.TextField(
        _("notes"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    comment = models.TextField(
        _("comment on validation warnings"),
        blank=True,
        max_length=NOTE_MAX,
        validators=[text_limit(NOTE_MAX)],
    )
    data_import = models.ForeignKey(
        DataImport,
        verbose_name=_("import"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="figures",
    )
    derivation = models.ForeignKey(
        Derivation,
        verbose_name=_("derivation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="figures",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("validated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["indicator__position", "country_id", "period_start", "id"]
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        constraints = [
            models.CheckConstraint(
                condition=Q(masked=True, value__isnull=True) | Q(masked=False, value__isnull=False),
                name="statistics_value_masked_xor_number",
                violation_error_message=_(
                    'A figure is either a number or a masked value such as "<5", not both.'
                ),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="statistics_value_period_order",
                violation_error_message=_("A period cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["dataset", "indicator", "country", "period", *DIMENSIONS, "label"],
                condition=Q(origin__in=[o.value for o in UNIQUE_ORIGINS]),
                name="statistics_value_one_per_cell",
                violation_error_message=_("This cell already has a figure."),
            ),
        ]
        indexes = [
            models.Index(fields=["country", "dataset", "period", "status"]),
            models.Index(fields=["indicator", "country", "year"]),
            models.Index(fields=["public", "indicator", "year"]),
            models.Index(fields=["dataset", "origin"]),
        ]

    def __str__(self) -> str:
        return "{} {} {} {}".format(self.indicator_id, self.country_id, self.period, self.display)

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(str(getattr(self, d)) for d in DIMENSIONS)

    @property
    def display(self) -> str:
        """The figure as a reader should see it: "<5" stays "<5"."""
        if self.masked:
            return self.value_text
        prefix = {Qualifier.AT_LEAST: "> ", Qualifier.APPROXIMATE: "~"}.get(
            Qualifier(self.qualifier), ""
        )
        return "{}{}".format(prefix, self.value)


class ValidationIssue(models.Model):
    """A rule a figure breaks, for the cell it concerns; warnings are cleared by a comment."""

    value = models.ForeignKey(
        Value, verbose_name=_("figure"), on_delete=models.CASCADE, related_name="issues"
    )
    rule = models.ForeignKey(
        ValidationRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="+"
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    message = models.CharField(_("message"), max_length=500)
    created_at = models.DateTimeField(_("found at"), auto_now_add=True)

    class Meta:
        ordering = ["value_id", "rule__code"]
        verbose_name = _("validation issue")
        verbose_name_plural = _("validation issues")
        constraints = [
            models.UniqueConstraint(fields=["value", "rule"], name="validation_issue_unique")
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.rule_id, self.value_id)


class Publication(models.Model):
    """A frozen, versioned table with the disclosure-control method recorded. Never changed."""

    key = models.SlugField(_("key"), max_length=120)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=300)
    dataset = models.ForeignKey(
        DataSet, verbose_name=_("data set"), on_delete=models.PROTECT, related_name="publications"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+"
    )
    country = models.ForeignKey(
        Country,
        verbose_name=_("country (empty: several)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    period = models.CharField(_("period"), max_length=24)
    dimensions = models.JSONField(_("dimensions of the table"))
    method = models.CharField(_("method"), max_length=20, choices=PublicationMethod.choices)
    parameters = models.JSONField(_("method parameters"), default=dict)
    information_loss = models.FloatField(_("information loss"), null=True, blank=True)
    cells = models.JSONField(_("cells"))
    digest = models.CharField(_("SHA-256 of the cells"), max_length=64)
    basis = models.CharField(_("computed from"), max_length=20)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("published at"), auto_now_add=True)
    notes = models.TextField(
        _("notes"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )

    class Meta:
        ordering = ["key", "-version"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "version"],
                name="publication_key_version_unique",
                violation_error_message=_("This version of the publication already exists."),
            )
        ]

    def __str__(self) -> str:
        return "{} v{}".format(self.key, self.version)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("publications are frozen: publish a new version instead")
        super().save(*args, **kwargs)


class PrivacySpend(models.Model):
    """One entry of the privacy-budget ledger: epsilon spent by a differentially private release."""

    dataset = models.ForeignKey(
        DataSet, verbose_name=_("data set"), on_delete=models.PROTECT, related_name="spends"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    publication = models.OneToOneField(
        Publication,
        verbose_name=_("release"),
        on_delete=models.PROTECT,
        related_name="privacy_spend",
    )
    epsilon = models.FloatField(_("epsilon spent"))
    spent_at = models.DateTimeField(_("spent at"), auto_now_add=True)

    class Meta:
        ordering = ["spent_at"]
        verbose_name = _("privacy-budget spend")
        verbose_name_plural = _("privacy-budget spends")
        constraints = [
            models.CheckConstraint(
                condition=Q(epsilon__gt=0),
                name="privacy_spend_positive",
                violation_error_message=_("Epsilon must be positive."),
            )
        ]

    def __str__(self) -> str:
        return "{} {} eps={}".format(self.dataset_id, self.country_id, self.epsilon)
