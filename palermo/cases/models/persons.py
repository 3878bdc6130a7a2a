"""Persons in a case: their coded facts, their identifying data and photos (encrypted, apart
from the facts), their consents and their movements."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.models.cases import Case
from palermo.core.models import Country
from palermo.core.textlimits import NOTE_MAX, TEXT_MAX, text_limit


def new_pseudonym() -> str:
    """A random, non-identifying person id such as `P-7KQ2M9XW4D`."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "P-" + "".join(secrets.choice(alphabet) for _ in range(10))


# Whose unknown age makes them presumed children: the victims (the safeguards are theirs).
PRESUMPTION_ROLES = frozenset({c.PersonRole.VICTIM, c.PersonRole.PRESUMED_VICTIM})
CHILD = "child"
PRESUMED_CHILD = "presumed_child"
ADULT = "adult"


def child_status(
    role: str | None, age_uncertain: bool | None, age_at_registration: int | None
) -> str:
    """The one rule of who is a child for the safeguards (guardian, best-interest determination
    before a return, child screening lists, the case's "child" facet and flags):

    - CHILD: under 18 when registered (the age given, or computed from the date of birth);
    - PRESUMED_CHILD: the age is marked uncertain (any role), or a victim's or presumed victim's
      age is unknown: presumed a child until an age assessment says otherwise (CoE Convention
      art. 10(3); the UNODC Model Law's presumption of age, under the Trafficking Protocol's
      art. 6(4) on the special needs of children);
    - ADULT otherwise (a suspect or witness of unknown age is not presumed a child)."""
    if age_at_registration is not None and age_at_registration < 18:
        return CHILD
    if age_uncertain or (age_at_registration is None and role in PRESUMPTION_ROLES):
        return PRESUMED_CHILD
    return ADULT


def is_child(role: str | None, age_uncertain: bool | None, age_at_registration: int | None) -> bool:
    """A child or presumed a child for the safeguards (see child_status)."""
    return child_status(role, age_uncertain, age_at_registration) != ADULT


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
    details_of_vulnerabilities = models.TextField(
        _("details of vulnerabilities"),
        blank=True,
        max_length=TEXT_MAX,
        validators=[text_limit(TEXT_MAX)],
    )
    # Perpetrator context (per_)
    perpetrator_roles = models.JSONField(
        _("role in the trafficking process"), default=list, blank=True
    )
    perpetrator_role_details = models.TextField(
        _("details of the role"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    # Another record of the same person, confirmed so by review of the duplicates among this
    # node's persons (palermo.linkage): the statistics count the person once, under the record
    # registered first (cases.services.duplicates keeps it; nothing else of either changes).
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("counted as the same person as"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
    )
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
    def child_status(self) -> str:
        return child_status(self.role, self.age_uncertain, self.age_at_registration)

    @property
    def is_child(self) -> bool:
        """A child or presumed a child: every safeguard for children applies."""
        return self.child_status != ADULT

    @property
    def presumed_child(self) -> bool:
        """Presumed a child because the age is unknown or uncertain (shown as such)."""
        return self.child_status == PRESUMED_CHILD


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


class PersonNameToken(models.Model):
    """One keyed hash of a form of a token of a person's names: the blind index that finds a
    person by name without decrypting identities (palermo.cases.names). No plaintext."""

    identity = models.ForeignKey(
        PersonIdentity,
        verbose_name=_("person identity"),
        on_delete=models.CASCADE,
        related_name="name_tokens",
    )
    kind = models.CharField(_("kind"), max_length=1)  # names.EXACT or names.SOUND
    digest = models.CharField(_("digest"), max_length=32)

    class Meta:
        verbose_name = _("name index entry")
        verbose_name_plural = _("name index entries")
        indexes = [models.Index(fields=["digest"], name="person_name_digest")]
        constraints = [
            models.UniqueConstraint(
                fields=["identity", "kind", "digest"], name="person_name_token_unique"
            )
        ]

    def __str__(self) -> str:
        return "name token of {}".format(self.identity_id)


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
    notes = models.TextField(
        _("notes"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )

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
    description = models.TextField(
        _("description"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )

    class Meta:
        ordering = ["person", "date"]
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        indexes = [
            # A person's first movement of a kind (the route of cases.personfacts), read in
            # order from the index instead of sorted.
            models.Index(fields=["person", "event_type", "date", "id"], name="movement_route"),
        ]
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
