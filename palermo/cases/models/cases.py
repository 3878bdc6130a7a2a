"""Cases: the case held by one organisation, its shares with others, its comments, and the
national policy (reflection period, retention) of its country."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from palermo.cases import htcds as h
from palermo.core.models import Country, Organisation
from palermo.core.textlimits import NOTE_MAX, TEXT_MAX, text_limit


def new_case_reference() -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "C-" + "".join(secrets.choice(alphabet) for _ in range(10))


class Case(models.Model):
    """A trafficking case held by one organisation (HTCDS `cas_`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(
        _("reference"), max_length=20, unique=True, default=new_case_reference
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("owning organisation"),
        on_delete=models.PROTECT,
        related_name="cases",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("case owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_cases",
    )
    title = models.CharField(_("working title (no names)"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=h.CaseStatus.choices, default=h.CaseStatus.ACTIVE
    )
    reason_for_closure = models.TextField(
        _("reason for closure"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country of the case"), on_delete=models.PROTECT, related_name="+"
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Incoming referral (HTCDS cas_ReferringOrganisation ... cas_IncomingReferralDetails).
    referring_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("referring organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    incoming_referral_date = models.DateField(_("incoming referral date"), null=True, blank=True)
    reason_for_incoming_referral = models.CharField(
        _("reason for incoming referral"),
        max_length=40,
        choices=h.ReferralReason.choices,
        blank=True,
    )
    incoming_referral_details = models.TextField(
        _("incoming referral details"),
        blank=True,
        max_length=TEXT_MAX,
        validators=[text_limit(TEXT_MAX)],
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    # Facets: what the case's persons are, kept here for the case list's filters (facets.py).
    # Written only by cases.facets, never by a form or an ordinary save of the case.
    has_child = models.BooleanField(_("a child among its persons"), default=False, editable=False)
    person_roles = models.JSONField(
        _("roles of its persons"), default=list, blank=True, editable=False
    )
    exploitation_types = models.JSONField(
        _("forms of exploitation of its persons"), default=list, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-opened_on", "reference"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="case_closed_after_opened",
                violation_error_message=_("A case cannot be closed before it was opened."),
            )
        ]
        indexes = [
            # Filtered lists and their counts read this index alone on PostgreSQL (it holds
            # the id they join on), not the table.
            models.Index(
                fields=["organisation", "status", "country", "opened_on"],
                include=["id"],
                name="case_list_filter",
            ),
            models.Index(fields=["status", "closed_on"]),
            models.Index(fields=["-opened_on", "reference"], name="case_list_order"),
            # The first page of one organisation's cases with a child, in list order; the
            # count reads it alone (PostgreSQL). Role and exploitation have one such partial
            # index per code on PostgreSQL (migration 0005).
            models.Index(
                fields=["organisation", "-opened_on", "reference"],
                include=["status", "country", "id"],
                condition=Q(has_child=True),
                name="case_child_list",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class CaseShare(models.Model):
    """A case shared with another organisation (a referral, a cooperation request, a decision)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="shares"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("shared with"),
        on_delete=models.PROTECT,
        related_name="case_shares",
    )
    scopes = models.JSONField(_("what is shared"), default=list, blank=True)
    persons = models.JSONField(
        _("persons shared (pseudonyms; empty = all)"), default=list, blank=True
    )
    reason = models.CharField(_("reason"), max_length=300)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case share")
        verbose_name_plural = _("case shares")
        indexes = [models.Index(fields=["organisation", "revoked_at"])]

    def __str__(self) -> str:
        return "{} -> {}".format(self.case_id, self.organisation_id)


class CaseComment(models.Model):
    """A note on a case (HTCDS `cco_CaseComment`)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="comments"
    )
    text = models.TextField(_("comment"), max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)])
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("case comment")
        verbose_name_plural = _("case comments")

    def __str__(self) -> str:
        return "comment on {}".format(self.case_id)


class CountryPolicy(models.Model):
    """National settings of the referral mechanism (minimum reflection period, retention)."""

    country = models.OneToOneField(
        Country,
        verbose_name=_("country"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    reflection_days_min = models.PositiveSmallIntegerField(
        _("minimum reflection period (days)"), default=30
    )
    retention_days_after_closure = models.PositiveIntegerField(
        _("anonymise closed cases after (days)"), default=5 * 365
    )

    class Meta:
        verbose_name = _("country policy")
        verbose_name_plural = _("country policies")

    def __str__(self) -> str:
        return "policy {}".format(self.country_id)
