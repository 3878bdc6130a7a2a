"""Identification: versioned indicator lists, screenings against them, formal decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.models.persons import Person
from palermo.core.models import Organisation
from palermo.core.textlimits import TEXT_MAX, text_limit


class IndicatorList(models.Model):
    """A versioned list of identification indicators (e.g. ILO/EU operational indicators 2009)."""

    key = models.SlugField(_("key"), max_length=80)
    version = models.CharField(_("version"), max_length=20)
    title = models.CharField(_("title"), max_length=300)
    target = models.CharField(_("for whom"), max_length=40)
    source = models.CharField(_("source"), max_length=300)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["key", "version"]
        verbose_name = _("indicator list")
        verbose_name_plural = _("indicator lists")
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="indicator_list_version_unique")
        ]

    def __str__(self) -> str:
        return "{} v{}".format(self.key, self.version)


class Indicator(models.Model):
    """One indicator: its dimension, strength and wording."""

    indicator_list = models.ForeignKey(
        IndicatorList, verbose_name=_("list"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("code"), max_length=40)
    dimension = models.CharField(
        _("dimension"), max_length=50, choices=c.IndicatorDimension.choices
    )
    strength = models.CharField(_("strength"), max_length=10, choices=c.IndicatorStrength.choices)
    text = models.CharField(_("indicator"), max_length=300)

    class Meta:
        ordering = ["indicator_list", "dimension", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["indicator_list", "code"], name="indicator_code_unique")
        ]

    def __str__(self) -> str:
        return self.code


class Screening(models.Model):
    """A screening of a person against an indicator list, with its reasoned outcome."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="screenings"
    )
    indicator_list = models.ForeignKey(
        IndicatorList, verbose_name=_("indicator list"), on_delete=models.PROTECT, related_name="+"
    )
    indicators = models.JSONField(_("indicators observed (codes)"), default=list, blank=True)
    dimensions_met = models.JSONField(_("dimensions met"), default=list, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=c.ScreeningOutcome.choices)
    reasoning = models.TextField(
        _("reasoning"), max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    screened_on = models.DateField(_("screened on"))
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("screened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["person", "-screened_on"]
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")

    def __str__(self) -> str:
        return "{} {}".format(self.person_id, self.outcome)


class Identification(models.Model):
    """Formal identification decision by a competent authority."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="identifications"
    )
    authority = models.ForeignKey(
        Organisation,
        verbose_name=_("competent authority"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.CharField(
        _("decision"), max_length=20, choices=c.IdentificationDecision.choices
    )
    decision_org_type = models.CharField(
        _("kind of deciding authority"), max_length=40, choices=h.StatusDecisionOrg.choices
    )
    decided_on = models.DateField(_("decided on"))
    reasoning = models.TextField(
        _("reasoning"), max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["person", "-decided_on"]
        verbose_name = _("identification")
        verbose_name_plural = _("identifications")

    def __str__(self) -> str:
        return "{} {}".format(self.person_id, self.decision)
