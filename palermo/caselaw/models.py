"""Case law (issue 17): court decisions on trafficking in persons, as SHERLOC's case-law database
records them, with what Palermo links them to: the courts, the chain of appeals, the parties as
pseudonymised roles, the facts summarised in several languages, the charges with the national
provisions applied (the registry's legislation) and the elements of the Protocol's definition
present, the verdicts and typed sentences, the forms of exploitation (HTCDS codes), the countries
of the route, keywords from one versioned vocabulary, and the sources.

Victims are never named: a party is a role and a label ("V1"); a defendant by initials unless the
judgment is public under their name.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from palermo.caselaw import choices as c
from palermo.cases.models import Case
from palermo.core.models import Country, Source, in_language
from palermo.core.textlimits import NOTE_MAX, TEXT_MAX, text_limit
from palermo.registry.models import Legislation, Mechanism

LANGUAGE_MAX = 8  # ISO 639-1 code, or zh-hans


class Court(models.Model):
    """A national court, or a regional or international one (its mechanism: the Council of
    Europe for the European Court of Human Rights, ECOWAS for its Court of Justice)."""

    name = models.CharField(_("name"), max_length=300)
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    mechanism = models.ForeignKey(
        Mechanism,
        verbose_name=_("regional or international mechanism"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    level = models.CharField(_("level"), max_length=30, choices=c.Instance.choices)

    class Meta:
        ordering = ["name"]
        verbose_name = _("court")
        verbose_name_plural = _("courts")
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                name="caselaw_court_unique_name",
                violation_error_message=_("A court of this name exists already."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Vocabulary(models.Model):
    """One version of the keyword vocabulary: keywords are added in a new version, never
    changed in place, so a decision's keywords keep their meaning."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    published_on = models.DateField(_("published on"))

    class Meta:
        ordering = ["-published_on"]
        verbose_name = _("keyword vocabulary")
        verbose_name_plural = _("keyword vocabularies")

    def __str__(self) -> str:
        return self.version


class Keyword(models.Model):
    """A keyword, labelled in the six UN languages, with the SHERLOC keywords it maps to."""

    vocabulary = models.ForeignKey(
        Vocabulary, verbose_name=_("vocabulary"), on_delete=models.PROTECT, related_name="keywords"
    )
    code = models.SlugField(_("code"), max_length=60)
    label = models.CharField(_("label (English)"), max_length=200)
    labels = models.JSONField(_("labels in other languages"), default=dict, blank=True)
    sherloc = models.JSONField(_("SHERLOC keywords"), default=list, blank=True)

    class Meta:
        ordering = ["label"]
        verbose_name = _("keyword")
        verbose_name_plural = _("keywords")
        constraints = [
            models.UniqueConstraint(
                fields=["vocabulary", "code"],
                name="caselaw_keyword_unique_code",
                violation_error_message=_("This keyword is in the vocabulary already."),
            )
        ]

    def __str__(self) -> str:
        return self.label

    def label_in(self, language: str) -> str:
        return in_language(self.labels, language, self.label)


class Decision(models.Model):
    """One court decision."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.SlugField(_("key"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=300)
    court = models.ForeignKey(
        Court, verbose_name=_("court"), on_delete=models.PROTECT, related_name="decisions"
    )
    decided_on = models.DateField(_("decided on"))
    case_number = models.CharField(_("case number"), max_length=120)
    neutral_citation = models.CharField(_("neutral citation"), max_length=200, blank=True)
    instance = models.CharField(_("instance"), max_length=30, choices=c.Instance.choices)
    appeal_of = models.ForeignKey(
        "self",
        verbose_name=_("decision appealed"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
    )
    language = models.CharField(_("language of the judgment"), max_length=LANGUAGE_MAX)
    status = models.CharField(
        _("status"), max_length=20, choices=c.Status.choices, default=c.Status.DRAFT
    )
    forms = models.JSONField(_("forms of exploitation (HTCDS)"), default=list, blank=True)
    acts = models.JSONField(_("acts (Protocol art. 3(a))"), default=list, blank=True)
    means = models.JSONField(_("means (Protocol art. 3(a))"), default=list, blank=True)
    purposes = models.JSONField(_("purposes (Protocol art. 3(a))"), default=list, blank=True)
    keywords = models.ManyToManyField(
        Keyword, verbose_name=_("keywords"), blank=True, related_name="decisions"
    )
    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), blank=True, related_name="+"
    )
    # Drafted from a case's criminal proceedings (drafting.draft_from_case): the case, and the
    # combinations of a victim's facts in the draft that few persons on this node share.
    from_case = models.ForeignKey(
        Case,
        verbose_name=_("drafted from the case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    risk_flags = models.JSONField(_("re-identification risks"), default=list, blank=True)
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
        ordering = ["-decided_on", "title"]
        verbose_name = _("court decision")
        verbose_name_plural = _("court decisions")
        indexes = [
            models.Index(fields=["status", "decided_on"], name="caselaw_decision_status_day"),
            # The facets' version (caselaw.facets): the latest write.
            models.Index(fields=["updated_at"], name="caselaw_decision_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(appeal_of=models.F("id")),
                name="caselaw_decision_not_own_appeal",
                violation_error_message=_("A decision cannot be an appeal of itself."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class Summary(models.Model):
    """The facts and the court's reasoning summarised in one language."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="summaries"
    )
    language = models.CharField(_("language"), max_length=LANGUAGE_MAX)
    title = models.CharField(_("title in this language"), max_length=300, blank=True)
    facts = models.TextField(_("facts"), max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)])
    reasoning = models.TextField(
        _("the court's reasoning"),
        blank=True,
        max_length=TEXT_MAX,
        validators=[text_limit(TEXT_MAX)],
    )

    class Meta:
        ordering = ["language"]
        verbose_name = _("summary")
        verbose_name_plural = _("summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "language"],
                name="caselaw_summary_one_per_language",
                violation_error_message=_("This decision has a summary in this language already."),
            )
        ]

    def __str__(self) -> str:
        return "{} ({})".format(self.decision_id, self.language)


class DecisionCountry(models.Model):
    """A country of the route in the facts of a decision."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="countries"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=20, choices=c.CountryRole.choices)

    class Meta:
        ordering = ["role", "country"]
        verbose_name = _("country of the route")
        verbose_name_plural = _("countries of the route")
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "country", "role"],
                name="caselaw_country_once_per_role",
                violation_error_message=_("This country has this role in the decision already."),
            )
        ]

    def __str__(self) -> str:
        return "{} ({})".format(self.country_id, self.role)


class Party(models.Model):
    """A party as a pseudonymised role: "V1" for a victim, initials for a defendant unless the
    judgment is public under their name, a State by its name."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="parties"
    )
    role = models.CharField(_("role"), max_length=20, choices=c.PartyRole.choices)
    label = models.CharField(_("label"), max_length=60)

    class Meta:
        ordering = ["role", "label"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "label"],
                name="caselaw_party_unique_label",
                violation_error_message=_("Two parties of a decision have this label."),
            )
        ]

    def __str__(self) -> str:
        return self.label


class Finding(models.Model):
    """The verdict on one charge against one defendant (or a human-rights court's finding on
    one provision for one respondent State), with the provision applied and the sentence."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="findings"
    )
    party = models.ForeignKey(
        Party, verbose_name=_("party"), on_delete=models.CASCADE, related_name="findings"
    )
    provision = models.CharField(_("provision applied"), max_length=300)
    legislation = models.ForeignKey(
        Legislation,
        verbose_name=_("national legislation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=c.Outcome.choices)
    custody_months = models.PositiveIntegerField(_("custody (months)"), null=True, blank=True)
    suspended_months = models.PositiveIntegerField(
        _("of which suspended (months)"), null=True, blank=True
    )
    fine = models.DecimalField(_("fine"), max_digits=14, decimal_places=2, null=True, blank=True)
    confiscation = models.DecimalField(
        _("confiscated"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    compensation_ordered = models.DecimalField(
        _("compensation to victims ordered"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
    )
    compensation_paid = models.DecimalField(
        _("compensation to victims paid"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3, blank=True)
    notes = models.TextField(
        _("notes"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )

    class Meta:
        ordering = ["party__label", "provision"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.CheckConstraint(
                condition=Q(suspended_months__isnull=True)
                | Q(custody_months__gte=models.F("suspended_months")),
                name="caselaw_finding_suspended_within_custody",
                violation_error_message=_("The suspended part cannot exceed the custody."),
            )
        ]

    def __str__(self) -> str:
        return "{}: {}".format(self.provision, self.outcome)


class SearchText(models.Model):
    """What full-text search reads of a decision in one language (its summary, title, citation,
    court, keywords' labels), written by the services with the decision; the database's own
    index is built over it (`caselaw.search`: FTS5 on SQLite, a tsvector per language's
    configuration on PostgreSQL)."""

    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="+"
    )
    language = models.CharField(_("language"), max_length=LANGUAGE_MAX)
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("search text")
        verbose_name_plural = _("search texts")
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "language"], name="caselaw_search_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return "{} ({})".format(self.decision_id, self.language)


class Judgment(models.Model):
    """A judgment's file attached to a decision (the anonymised version, to be published with
    it): encrypted at rest under the data directory (`caselaw.judgments`), checked by its
    SHA-256 when read."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    decision = models.ForeignKey(
        Decision, verbose_name=_("decision"), on_delete=models.CASCADE, related_name="judgments"
    )
    language = models.CharField(_("language"), max_length=LANGUAGE_MAX)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    path = models.CharField(_("stored as"), max_length=200)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["language", "filename"]
        verbose_name = _("judgment file")
        verbose_name_plural = _("judgment files")

    def __str__(self) -> str:
        return self.filename
