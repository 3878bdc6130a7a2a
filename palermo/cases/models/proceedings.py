"""Criminal proceedings against a suspect in a case."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from palermo.cases import choices as c
from palermo.cases.models.cases import Case
from palermo.cases.models.persons import Person
from palermo.core.textlimits import TEXT_MAX, text_limit


class Proceeding(models.Model):
    """Criminal proceedings against a suspect in the case."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="proceedings"
    )
    suspect = models.ForeignKey(
        Person,
        verbose_name=_("suspect"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proceedings",
    )
    stage = models.CharField(_("stage"), max_length=20, choices=c.ProceedingStage.choices)
    started_on = models.DateField(_("started on"))
    charges = models.TextField(
        _("charges"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    verdict = models.CharField(_("verdict"), max_length=20, choices=c.Verdict.choices, blank=True)
    verdict_on = models.DateField(_("verdict on"), null=True, blank=True)
    sentence_months = models.PositiveIntegerField(_("sentence (months)"), null=True, blank=True)
    confiscated_amount = models.DecimalField(
        _("assets confiscated"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    compensation_ordered = models.DecimalField(
        _("compensation ordered"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    compensation_paid = models.DecimalField(
        _("compensation paid"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3, blank=True)

    class Meta:
        ordering = ["case", "started_on"]
        verbose_name = _("proceeding")
        verbose_name_plural = _("proceedings")
        constraints = [
            models.CheckConstraint(
                condition=Q(compensation_paid__isnull=True) | Q(compensation_ordered__isnull=False),
                name="proceeding_paid_needs_ordered",
                violation_error_message=_("Compensation paid needs the amount ordered."),
            )
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.case_id, self.stage)
