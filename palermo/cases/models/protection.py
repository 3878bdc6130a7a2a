"""Assistance and protection: referrals to service providers, protection measures (reflection
periods, residence permits, witness protection) and support plans."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.models.cases import CaseShare
from palermo.cases.models.persons import Person
from palermo.core.models import Organisation
from palermo.core.textlimits import NOTE_MAX, TEXT_MAX, text_limit


class Referral(models.Model):
    """A referral of a person to a service provider, sharing exactly the scopes chosen."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="referrals"
    )
    from_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("from"),
        on_delete=models.PROTECT,
        related_name="referrals_sent",
    )
    to_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("to"),
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    service = models.CharField(_("service"), max_length=30, choices=c.ServiceType.choices)
    reason = models.CharField(
        _("reason"),
        max_length=40,
        choices=h.ReferralReason.choices,
        default=h.ReferralReason.ADDITIONAL_SERVICES_REQUIRED,
    )
    details = models.TextField(
        _("details (shared with the receiver)"),
        blank=True,
        max_length=TEXT_MAX,
        validators=[text_limit(TEXT_MAX)],
    )
    scopes = models.JSONField(_("what is shared"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=c.ReferralStatus.choices, default=c.ReferralStatus.SENT
    )
    sent_on = models.DateField(_("sent on"))
    responded_on = models.DateField(_("responded on"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    response_note = models.TextField(
        _("response"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    share = models.OneToOneField(
        CaseShare, verbose_name=_("share"), on_delete=models.PROTECT, related_name="referral"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-sent_on"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return "{} -> {} ({})".format(self.person_id, self.to_organisation_id, self.service)


class ProtectionMeasure(models.Model):
    """A reflection period, residence permit or witness protection measure, with its deadline."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="measures"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=c.MeasureKind.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=c.MeasureStatus.choices, default=c.MeasureStatus.ACTIVE
    )
    linked_to_cooperation = models.BooleanField(
        _("linked to cooperation with the authorities"), default=False
    )
    renewal_of = models.ForeignKey(
        "self",
        verbose_name=_("renewal of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
    )
    decided_by = models.ForeignKey(
        Organisation,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reference = models.CharField(_("permit or decision number"), max_length=100, blank=True)
    notes = models.TextField(
        _("notes"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible organisation"),
        on_delete=models.PROTECT,
        related_name="measures",
    )

    class Meta:
        ordering = ["ends_on"]
        verbose_name = _("protection measure")
        verbose_name_plural = _("protection measures")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="measure_ends_after_start",
                violation_error_message=_("A measure cannot end before it starts."),
            )
        ]
        indexes = [models.Index(fields=["organisation", "status", "ends_on"])]

    def __str__(self) -> str:
        return "{} {} until {}".format(self.person_id, self.kind, self.ends_on)


class SupportPlan(models.Model):
    """A support plan (HTCDS `spl_`)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="support_plans"
    )
    plan_type = models.CharField(_("type"), max_length=40, choices=h.SupportPlanType.choices)
    objectives = models.TextField(
        _("objectives"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    action_plan = models.TextField(
        _("action plan"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)

    class Meta:
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")

    def __str__(self) -> str:
        return "{} {}".format(self.person_id, self.plan_type)
