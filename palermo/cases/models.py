"""Case management for a national referral mechanism, aligned with HTCDS v2.0.

A person's identifying data lives only in `PersonIdentity` (encrypted at rest, field-level, one
authenticated ciphertext per person); every other record refers to the person by a random
pseudonym. Multi-select HTCDS picklists are JSON lists of HTCDS value names.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.core.models import Country, Organisation


def new_pseudonym() -> str:
    """A random, non-identifying person id such as `P-7KQ2M9XW4D`."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "P-" + "".join(secrets.choice(alphabet) for _ in range(10))


def new_case_reference() -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "C-" + "".join(secrets.choice(alphabet) for _ in range(10))


def is_child(age_uncertain: bool | None, age_at_registration: int | None) -> bool:
    """Under 18, or of uncertain age and so presumed a child (CoE Convention art. 10(3))."""
    return bool(age_uncertain) or (age_at_registration is not None and age_at_registration < 18)


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
    reason_for_closure = models.TextField(_("reason for closure"), blank=True)
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
    incoming_referral_details = models.TextField(_("incoming referral details"), blank=True)
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


class Person(models.Model):
    """Someone in a case, known by a pseudonym: victim, presumed victim, suspect or witness.

    Holds HTCDS `prs_` fields that do not identify, and the `vic_`/`per_` context."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    pseudonym = models.CharField(_("pseudonym"), max_length=20, unique=True, default=new_pseudonym)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="persons"
    )
    role = models.CharField(_("role in the case"), max_length=20, choices=c.PersonRole.choices)
    gender = models.CharField(_("gender"), max_length=30, choices=h.Gender.choices, blank=True)
    age_at_registration = models.PositiveSmallIntegerField(
        _("age when registered"), null=True, blank=True
    )
    age_uncertain = models.BooleanField(_("age uncertain (presumed a child)"), default=False)
    deceased = models.BooleanField(_("deceased"), default=False)
    marital_status = models.CharField(
        _("marital status"), max_length=30, choices=h.MaritalStatus.choices, blank=True
    )
    number_of_children = models.PositiveSmallIntegerField(
        _("number of children"), null=True, blank=True
    )
    primary_language = models.CharField(_("primary language (ISO 639)"), max_length=8, blank=True)
    secondary_language = models.CharField(
        _("secondary language (ISO 639)"), max_length=8, blank=True
    )
    education = models.CharField(
        _("highest level of education"), max_length=40, choices=h.EducationLevel.choices, blank=True
    )
    citizenship = models.JSONField(_("citizenship (ISO alpha-3)"), default=list, blank=True)
    # Victim context (vic_)
    agreement_to_manage_personal_data = models.BooleanField(
        _("agreement to manage personal data"), default=False
    )
    trafficking_status = models.CharField(
        _("trafficking status"), max_length=40, choices=h.TraffickingStatus.choices, blank=True
    )
    status_decision_org = models.CharField(
        _("status decided by"), max_length=40, choices=h.StatusDecisionOrg.choices, blank=True
    )
    relationship_to_trafficker = models.CharField(
        _("relationship to trafficker"),
        max_length=30,
        choices=h.RelationshipToTrafficker.choices,
        blank=True,
    )
    age_when_trafficked = models.PositiveSmallIntegerField(
        _("age when trafficked"), null=True, blank=True
    )
    recruitment_websites_and_apps = models.JSONField(
        _("recruitment websites and apps"), default=list, blank=True
    )
    methods_of_recruitment = models.JSONField(_("methods of recruitment"), default=list, blank=True)
    location_of_recruitment = models.CharField(
        _("location of recruitment"), max_length=200, blank=True
    )
    methods_of_control = models.JSONField(_("methods of control"), default=list, blank=True)
    types_of_exploitation = models.JSONField(_("types of exploitation"), default=list, blank=True)
    forced_labour_industry = models.CharField(
        _("forced labour industry"),
        max_length=60,
        choices=h.ForcedLabourIndustry.choices,
        blank=True,
    )
    types_of_sex_exploitation = models.JSONField(
        _("types of sexual exploitation"), default=list, blank=True
    )
    location_of_exploitation = models.CharField(
        _("location of exploitation"), max_length=200, blank=True
    )
    exploitation_websites_and_apps = models.JSONField(
        _("exploitation websites and apps"), default=list, blank=True
    )
    vulnerabilities = models.JSONField(_("vulnerabilities"), default=list, blank=True)
    details_of_vulnerabilities = models.TextField(_("details of vulnerabilities"), blank=True)
    # Perpetrator context (per_)
    perpetrator_roles = models.JSONField(
        _("role in the trafficking process"), default=list, blank=True
    )
    perpetrator_role_details = models.TextField(_("details of the role"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["case", "pseudonym"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [
            # Persons of a role per case (statistics by role; the case list filters on the
            # case's own facets instead, see cases.facets).
            models.Index(fields=["role", "case"], name="person_role_case"),
        ]

    def __str__(self) -> str:
        return self.pseudonym

    @property
    def is_child(self) -> bool:
        return is_child(self.age_uncertain, self.age_at_registration)


class PersonIdentity(models.Model):
    """A person's identifying data, encrypted as one authenticated token (Fernet, MultiFernet)."""

    person = models.OneToOneField(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="identity",
        primary_key=True,
    )
    ciphertext = models.TextField(_("encrypted identity"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("person identity")
        verbose_name_plural = _("person identities")

    def __str__(self) -> str:
        return "identity of {}".format(self.person_id)


class PersonPhoto(models.Model):
    """A photo of a person, encrypted like the identity."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="photos"
    )
    content_type = models.CharField(_("content type"), max_length=50)
    ciphertext = models.TextField(_("encrypted image"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return "photo of {}".format(self.person_id)


class Consent(models.Model):
    """A person's consent for one purpose, and its withdrawal (HTCDS `con_Consent`)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=c.ConsentPurpose.choices)
    given_on = models.DateField(_("given on"))
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["person", "purpose", "-given_on"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
                violation_error_message=_("Consent cannot be withdrawn before it was given."),
            )
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.person_id, self.purpose)


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
    reasoning = models.TextField(_("reasoning"))
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
    reasoning = models.TextField(_("reasoning"))
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


class Movement(models.Model):
    """A place and time of recruitment, transit or exploitation (HTCDS `hte_`)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="movements"
    )
    event_type = models.CharField(_("type"), max_length=20, choices=h.EventType.choices)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(_("state or province"), max_length=100, blank=True)
    city = models.CharField(_("city or place"), max_length=100, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["person", "date"]
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(date__isnull=True)
                | Q(end_date__gte=models.F("date")),
                name="movement_ends_after_start",
                violation_error_message=_("A movement cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return "{} {} {}".format(self.person_id, self.event_type, self.country_id)


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
    details = models.TextField(_("details (shared with the receiver)"), blank=True)
    scopes = models.JSONField(_("what is shared"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=c.ReferralStatus.choices, default=c.ReferralStatus.SENT
    )
    sent_on = models.DateField(_("sent on"))
    responded_on = models.DateField(_("responded on"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    response_note = models.TextField(_("response"), blank=True)
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
    notes = models.TextField(_("notes"), blank=True)
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
    reasoning = models.TextField(_("reasoning"))
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
    risk_assessment = models.TextField(_("risk assessment"))
    voluntary_consent = models.BooleanField(_("voluntary consent given"), default=False)
    consent_on = models.DateField(_("consent given on"), null=True, blank=True)
    travel_documents = models.CharField(_("travel documents"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=c.ReturnStatus.choices, default=c.ReturnStatus.PLANNED
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
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
    outcome = models.TextField(_("outcome"), blank=True)
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
    charges = models.TextField(_("charges"), blank=True)
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


class SupportPlan(models.Model):
    """A support plan (HTCDS `spl_`)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="support_plans"
    )
    plan_type = models.CharField(_("type"), max_length=40, choices=h.SupportPlanType.choices)
    objectives = models.TextField(_("objectives"), blank=True)
    action_plan = models.TextField(_("action plan"), blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)

    class Meta:
        verbose_name = _("support plan")
        verbose_name_plural = _("support plans")

    def __str__(self) -> str:
        return "{} {}".format(self.person_id, self.plan_type)


class CaseComment(models.Model):
    """A note on a case (HTCDS `cco_CaseComment`)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="comments"
    )
    text = models.TextField(_("comment"))
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
