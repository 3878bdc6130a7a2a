"""Children, return and reintegration: guardians, best-interest determinations, returns and
follow-up visits."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from palermo.cases import choices as c
from palermo.cases.models.persons import Person
from palermo.core.models import Country, Organisation
from palermo.core.textlimits import TEXT_MAX, text_limit


class Guardian(models.Model):
    """A guardian appointed for a child; the guardian's name is kept encrypted."""

    person = models.ForeignKey(
        Person, verbose_name=_("child"), on_delete=models.CASCADE, related_name="guardians"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("guardian's organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name_ciphertext = models.TextField(_("guardian's name (encrypted)"), blank=True)
    appointed_on = models.DateField(_("appointed on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")

    def __str__(self) -> str:
        return "guardian of {}".format(self.person_id)


class BestInterestDetermination(models.Model):
    """A best-interest determination for a child, required before any return is decided."""

    person = models.ForeignKey(
        Person,
        verbose_name=_("child"),
        on_delete=models.CASCADE,
        related_name="best_interest_determinations",
    )
    decided_on = models.DateField(_("decided on"))
    return_in_best_interest = models.BooleanField(_("return is in the child's best interest"))
    reasoning = models.TextField(
        _("reasoning"), max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    decided_by = models.ForeignKey(
        Organisation, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["person", "-decided_on"]
        verbose_name = _("best-interest determination")
        verbose_name_plural = _("best-interest determinations")

    def __str__(self) -> str:
        return "BID {} {}".format(self.person_id, self.decided_on)


class Return(models.Model):
    """Return (repatriation) of a person to a country, with risk assessment and consent."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="returns"
    )
    destination = models.ForeignKey(
        Country, verbose_name=_("return to"), on_delete=models.PROTECT, related_name="+"
    )
    receiving_authority = models.ForeignKey(
        "registry.DirectoryEntry",
        verbose_name=_("receiving authority"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    risk_level = models.CharField(_("risk"), max_length=10, choices=c.RiskLevel.choices)
    risk_assessment = models.TextField(
        _("risk assessment"), max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    voluntary_consent = models.BooleanField(_("voluntary consent given"), default=False)
    consent_on = models.DateField(_("consent given on"), null=True, blank=True)
    travel_documents = models.CharField(_("travel documents"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=c.ReturnStatus.choices, default=c.ReturnStatus.PLANNED
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    planned_for = models.DateField(
        _("planned return date"),
        null=True,
        blank=True,
        help_text=_("When the return is planned to take place (shown on the timeline)."),
    )
    return_date = models.DateField(_("return date"), null=True, blank=True)
    best_interest_determination = models.ForeignKey(
        BestInterestDetermination,
        verbose_name=_("best-interest determination"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="returns",
    )

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")

    def __str__(self) -> str:
        return "{} -> {} ({})".format(self.person_id, self.destination_id, self.status)


class FollowUpVisit(models.Model):
    """A reintegration follow-up visit; re-trafficking is recorded as such."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    planned_on = models.DateField(_("planned on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    outcome = models.TextField(
        _("outcome"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    retrafficked = models.BooleanField(_("re-trafficked"), default=False)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("visiting organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["planned_on"]
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")

    def __str__(self) -> str:
        return "{} {}".format(self.person_id, self.planned_on)
