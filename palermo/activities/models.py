"""The clearing house of technical assistance and training (issue 17): activities as the IATI
activity standard (2.03) describes them, so that donors' published activities come in and
Palermo's go out, with what the anti-trafficking community needs beside them (the kind of
activity, the Protocol articles and themes addressed, a training's audience).

One `Activity` is one report of an activity: the same training reported by the donor, the
implementer and the host State is three reports (three IATI identifiers), which the clearing
house shows as one activity and never counts twice.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from palermo.core.models import Country, in_language
from palermo.core.textlimits import TEXT_MAX, text_limit

TEXT = 300


class Kind(models.TextChoices):
    TRAINING = "training", _("Training")
    TECHNICAL_ASSISTANCE = "technical_assistance", _("Technical assistance")
    LEGISLATIVE_DRAFTING = "legislative_drafting", _("Legislative drafting")
    EQUIPMENT = "equipment", _("Equipment")
    RESEARCH = "research", _("Research")
    AWARENESS = "awareness", _("Awareness campaign")


class OrgRole(models.TextChoices):
    """IATI's OrganisationRole codelist."""

    FUNDING = "1", _("Funding")
    ACCOUNTABLE = "2", _("Accountable")
    EXTENDING = "3", _("Extending")
    IMPLEMENTING = "4", _("Implementing")


class Status(models.TextChoices):
    """IATI's ActivityStatus codelist."""

    PIPELINE = "1", _("Pipeline/identification")
    IMPLEMENTATION = "2", _("Implementation")
    FINALISATION = "3", _("Finalisation")
    CLOSED = "4", _("Closed")
    CANCELLED = "5", _("Cancelled")
    SUSPENDED = "6", _("Suspended")


class Activity(models.Model):
    """One report of an activity (one IATI identifier)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    iati_identifier = models.CharField(_("IATI identifier"), max_length=200, unique=True)
    reporting_org_ref = models.CharField(_("reporting organisation (IATI ref)"), max_length=100)
    reporting_org_name = models.CharField(_("reporting organisation"), max_length=TEXT, blank=True)
    reporting_org_type = models.CharField(_("reporting organisation type"), max_length=10)
    title = models.JSONField(_("title (by language)"), default=dict)
    description = models.JSONField(_("description (by language)"), default=dict, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, blank=True)
    status = models.CharField(_("status"), max_length=2, choices=Status.choices)
    start_planned = models.DateField(_("planned start"), null=True, blank=True)
    start_actual = models.DateField(_("actual start"), null=True, blank=True)
    end_planned = models.DateField(_("planned end"), null=True, blank=True)
    end_actual = models.DateField(_("actual end"), null=True, blank=True)
    default_currency = models.CharField(_("default currency"), max_length=3, blank=True)
    default_language = models.CharField(_("default language"), max_length=8, blank=True)
    # The Protocol articles and themes addressed (codes of palermo.activities.themes).
    themes = models.JSONField(_("themes"), default=list, blank=True)
    # The reports of one activity share this key (the smallest id among them; `duplicates`).
    group = models.UUIDField(_("one activity's reports"), null=True, blank=True, db_index=True)
    last_updated = models.DateTimeField(_("last updated (by its publisher)"), null=True, blank=True)
    source = models.CharField(_("source file"), max_length=TEXT, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-start_actual", "-start_planned", "iati_identifier"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["updated_at"], name="activity_updated")]

    def __str__(self) -> str:
        return self.iati_identifier

    def title_in(self, language: str) -> str:
        return in_language(self.title, language, next(iter(self.title.values()), ""))

    @property
    def start(self) -> dt.date | None:
        return self.start_actual or self.start_planned

    @property
    def end(self) -> dt.date | None:
        return self.end_actual or self.end_planned


class Participation(models.Model):
    """An organisation in an activity, in one of IATI's roles."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="orgs"
    )
    role = models.CharField(_("role"), max_length=2, choices=OrgRole.choices)
    ref = models.CharField(_("IATI ref"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=TEXT, blank=True)
    type = models.CharField(_("type"), max_length=10, blank=True)

    class Meta:
        ordering = ["role", "name"]
        verbose_name = _("participating organisation")
        verbose_name_plural = _("participating organisations")

    def __str__(self) -> str:
        return self.name or self.ref


class RecipientCountry(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="countries"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    percentage = models.DecimalField(
        _("percentage"), max_digits=6, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["country"]
        verbose_name = _("recipient country")
        verbose_name_plural = _("recipient countries")
        constraints = [
            models.UniqueConstraint(fields=["activity", "country"], name="activity_country_once")
        ]

    def __str__(self) -> str:
        return self.country_id


class Transaction(models.Model):
    """A financial transaction (IATI's TransactionType codelist: 1 incoming funds, 2 outgoing
    commitment, 3 disbursement, 4 expenditure ...)."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="transactions"
    )
    type = models.CharField(_("type"), max_length=3)
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    value_date = models.DateField(_("value date"))
    provider = models.CharField(_("providing organisation"), max_length=TEXT, blank=True)
    receiver = models.CharField(_("receiving organisation"), max_length=TEXT, blank=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")

    def __str__(self) -> str:
        return "{} {} {}".format(self.type, self.value, self.currency)


class Budget(models.Model):
    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="budgets"
    )
    type = models.CharField(_("type"), max_length=2, default="1")  # 1 original, 2 revised
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    value_date = models.DateField(_("value date"))

    class Meta:
        ordering = ["period_start", "pk"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")

    def __str__(self) -> str:
        return "{} {}".format(self.value, self.currency)


class Profession(models.TextChoices):
    """Who a training is for (the professions the seeds name)."""

    POLICE = "police", _("Police and law enforcement")
    PROSECUTORS = "prosecutors", _("Prosecutors")
    JUDGES = "judges", _("Judges")
    LABOUR_INSPECTORS = "labour_inspectors", _("Labour inspectors")
    BORDER = "border", _("Border and immigration officials")
    SOCIAL_WORKERS = "social_workers", _("Social workers and victim services")
    HEALTH = "health", _("Health workers")
    DIPLOMATS = "diplomats", _("Diplomatic and consular staff")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    OTHER = "other", _("Other")


class Audience(models.Model):
    """Who a training reached: one profession in one country, participants by sex."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="audience"
    )
    profession = models.CharField(_("profession"), max_length=30, choices=Profession.choices)
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    women = models.PositiveIntegerField(_("women"), default=0)
    men = models.PositiveIntegerField(_("men"), default=0)
    other = models.PositiveIntegerField(_("other or not said"), default=0)

    class Meta:
        ordering = ["country", "profession"]
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "profession", "country"], name="activity_audience_once"
            )
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.country_id, self.profession)


class Training(models.Model):
    """What a training was beyond its audience: joint (several agencies trained together),
    its curriculum and its results."""

    activity = models.OneToOneField(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="training"
    )
    joint = models.BooleanField(_("joint training of several agencies"), default=False)
    curriculum = models.TextField(
        _("curriculum"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    results = models.TextField(
        _("results"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")

    def __str__(self) -> str:
        return str(self.activity_id)


class Need(models.Model):
    """A need a State stated: assistance or training on a theme, for a profession (a reply to
    a questionnaire, a national action plan, a request), with its source."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    theme = models.CharField(_("theme"), max_length=60)
    profession = models.CharField(
        _("profession"), max_length=30, choices=Profession.choices, blank=True
    )
    year = models.PositiveIntegerField(_("year stated"))
    source = models.CharField(_("source"), max_length=TEXT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["country", "theme", "profession"]
        verbose_name = _("stated need")
        verbose_name_plural = _("stated needs")
        constraints = [  # the same statement recorded again is one need
            models.UniqueConstraint(
                fields=["country", "theme", "profession", "year", "source"],
                name="activities_need_unique",
            )
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.country_id, self.theme)
