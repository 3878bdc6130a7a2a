"""Action plans: a regional plan (COMMIT SPA, the Ouagadougou Action Plan), the national plans
that implement it and agencies' work plans. Objective -> activity -> indicator; each indicator
with its baseline, targets per period, responsible organisation and means of verification.

An indicator's actual value is computed from Palermo's own records as of a date (its `metric`,
see `palermo.monitoring.metrics`), or reported with evidence and approved (`ReportedValue`).
A national indicator may report to a regional one (`rolls_up_to`): the regional plan's
progress page adds the national values up.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.core.models import Country, Organisation, User
from palermo.core.textlimits import NOTE_MAX, TEXT_MAX, text_limit
from palermo.monitoring.choices import (
    Direction,
    IndicatorKind,
    PlanLevel,
    RollUp,
    ValueStatus,
)
from palermo.registry.models import Mechanism

MAX_DIGITS = 14
PLACES = 2


class Plan(models.Model):
    """A plan of action, with the period it runs for and where its text comes from."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    short_title = models.CharField(_("short title"), max_length=120, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=PlanLevel.choices)
    mechanism = models.ForeignKey(
        Mechanism,
        verbose_name=_("mechanism"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
    )
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("implements"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    owner = models.ForeignKey(
        Organisation,
        verbose_name=_("kept by"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    responsible = models.CharField(_("responsible body"), max_length=300, blank=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    dates_note = models.CharField(_("about the dates"), max_length=300, blank=True)
    adopted = models.CharField(_("adopted"), max_length=500, blank=True)
    source = models.TextField(
        _("source"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["start", "key"]
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")

    def __str__(self) -> str:
        return self.short_title or self.title


class Objective(models.Model):
    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="objectives"
    )
    number = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("title"), max_length=500)
    source = models.CharField(_("source"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"))

    class Meta:
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="objective_number_once")
        ]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Activity(models.Model):
    """An activity of an objective, with its timeline; late when its end has passed and it is
    not done."""

    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.CASCADE, related_name="activities"
    )
    number = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("title"), max_length=500)
    responsible = models.CharField(_("responsible"), max_length=300, blank=True)
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"))

    class Meta:
        ordering = ["objective", "order"]
        constraints = [
            models.UniqueConstraint(fields=["objective", "number"], name="activity_number_once")
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class PlanIndicator(models.Model):
    """An indicator of an objective or of one of its activities."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="indicators"
    )
    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.CASCADE, related_name="indicators"
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="indicators",
    )
    number = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("title"), max_length=500)
    kind = models.CharField(_("kind"), max_length=20, choices=IndicatorKind.choices)
    metric = models.CharField(_("computed as"), max_length=120, blank=True)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    direction = models.CharField(
        _("direction"), max_length=20, choices=Direction.choices, default=Direction.INCREASE
    )
    baseline = models.DecimalField(
        _("baseline"), null=True, blank=True, max_digits=MAX_DIGITS, decimal_places=PLACES
    )
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    responsible = models.CharField(_("responsible"), max_length=300, blank=True)
    means_of_verification = models.TextField(
        _("means of verification"),
        blank=True,
        max_length=TEXT_MAX,
        validators=[text_limit(TEXT_MAX)],
    )
    rolls_up_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contributions",
    )
    roll_up = models.CharField(
        _("national values add up as"), max_length=10, choices=RollUp.choices, default=RollUp.SUM
    )
    source = models.CharField(_("source"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"))

    class Meta:
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_indicator_number_once")
        ]
        verbose_name = _("plan indicator")
        verbose_name_plural = _("plan indicators")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Target(models.Model):
    """What an indicator should reach by the end of a period. `illustrative`: not in the
    plan's text (demo data)."""

    indicator = models.ForeignKey(
        PlanIndicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="targets"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    value = models.DecimalField(_("target"), max_digits=MAX_DIGITS, decimal_places=PLACES)
    illustrative = models.BooleanField(_("illustrative (not in the plan)"), default=False)

    class Meta:
        ordering = ["indicator", "period_end"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period_end"], name="target_period_once")
        ]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period_end}: {self.value}"


class ReportedValue(models.Model):
    """A value reported for a period of a reported indicator, with its evidence; the actual
    value once approved by the plan's keepers (not by who submitted it)."""

    indicator = models.ForeignKey(
        PlanIndicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="values"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    value = models.DecimalField(_("value"), max_digits=MAX_DIGITS, decimal_places=PLACES)
    evidence = models.TextField(
        _("evidence"), max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    evidence_url = models.URLField(_("evidence link"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ValueStatus.choices, default=ValueStatus.DRAFT
    )
    return_reason = models.TextField(
        _("why it was returned"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    created_by = models.ForeignKey(
        User, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_by = models.ForeignKey(
        User,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("approved or returned by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("approved or returned at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["indicator", "period_end"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period_end"], name="reported_period_once")
        ]
        verbose_name = _("reported value")
        verbose_name_plural = _("reported values")

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.period_end}: {self.value}"
