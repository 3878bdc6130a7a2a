"""Registry models: instruments, treaty actions, listings, mechanisms, legislation, directory.

Every fact carries its source. Facts loaded from the reference data have a stable `ref_key`
so that loading twice changes nothing; facts an editor changed are marked `edited` and are
not overwritten by a later load.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from palermo.core.models import Country, Organisation, Source, in_language
from palermo.core.textlimits import NOTE_MAX, TEXT_MAX, text_limit
from palermo.registry.choices import (
    DirectoryRole,
    InstrumentKind,
    LegislationKind,
    LegislationStatus,
    MechanismKind,
    MembershipRole,
    Origin,
    PartyStatus,
    Region,
    TreatyActionKind,
)


class Fact(models.Model):
    """Fields every registry fact has: where it came from and whether an editor changed it."""

    ref_key = models.CharField(
        _("reference key"), max_length=200, null=True, blank=True, unique=True
    )
    origin = models.CharField(
        _("origin"), max_length=20, choices=Origin.choices, default=Origin.EDITOR
    )
    edited = models.BooleanField(_("edited after loading"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Mechanism(Fact):
    """A regional or international mechanism (AU, ECOWAS, SAARC, CoE, AALCO, UNODC ...)."""

    acronym = models.CharField(_("acronym"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=300)
    kind = models.CharField(_("kind"), max_length=40, choices=MechanismKind.choices)
    region = models.CharField(_("region"), max_length=40, choices=Region.choices)
    founded = models.DateField(_("founded"), null=True, blank=True)
    url = models.URLField(_("website"), max_length=500, blank=True)
    summary = models.TextField(
        _("summary"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    organisation = models.OneToOneField(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mechanism",
    )
    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), blank=True, related_name="+"
    )

    class Meta:
        ordering = ["acronym"]
        verbose_name = _("regional mechanism")
        verbose_name_plural = _("regional mechanisms")

    def __str__(self) -> str:
        return self.acronym


class Membership(Fact):
    """A state's membership of a mechanism, with dates where known."""

    mechanism = models.ForeignKey(
        Mechanism, verbose_name=_("mechanism"), on_delete=models.CASCADE, related_name="memberships"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    joined = models.DateField(_("joined"), null=True, blank=True)
    left = models.DateField(_("left"), null=True, blank=True)
    name_in_source = models.CharField(_("name in source"), max_length=200, blank=True)
    note = models.TextField(
        _("note"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), blank=True, related_name="+"
    )

    class Meta:
        ordering = ["mechanism__acronym", "country__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(left__isnull=True)
                | Q(joined__isnull=True)
                | Q(left__gte=models.F("joined")),
                name="membership_left_after_joined",
                violation_error_message=_("A membership cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return "{} in {}".format(self.country_id, self.mechanism.acronym)


class Instrument(Fact):
    """A legal or policy instrument: convention, protocol, framework decision, MOU, action plan."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=100)
    title = models.CharField(_("title"), max_length=500)
    # The official titles in the other UN languages ({"fr": ..., "zh": ...}; data file
    # instrument_titles.yaml) and where they come from.
    titles = models.JSONField(_("official titles in the UN languages"), default=dict, blank=True)
    titles_source = models.TextField(
        _("source of the official titles"),
        blank=True,
        max_length=TEXT_MAX,
        validators=[text_limit(TEXT_MAX)],
    )
    kind = models.CharField(_("kind"), max_length=30, choices=InstrumentKind.choices)
    adopted = models.DateField(_("adopted"), null=True, blank=True)
    opened_for_signature = models.DateField(_("opened for signature"), null=True, blank=True)
    entry_into_force = models.DateField(_("entry into force"), null=True, blank=True)
    depositary = models.CharField(_("depositary"), max_length=300, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("supplements"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supplements",
    )
    adopted_by = models.ForeignKey(
        Mechanism,
        verbose_name=_("adopted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instruments",
    )
    eif_instruments_required = models.PositiveIntegerField(
        _("instruments required for entry into force"), null=True, blank=True
    )
    eif_days_after_threshold = models.PositiveIntegerField(
        _("days after the last required instrument"), null=True, blank=True
    )
    eif_days_after_later_deposit = models.PositiveIntegerField(
        _("days after a later deposit"), null=True, blank=True
    )
    eif_article = models.CharField(_("entry-into-force article"), max_length=50, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    summary = models.TextField(
        _("summary"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), blank=True, related_name="+"
    )

    class Meta:
        ordering = ["adopted", "slug"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return self.short_name or self.title

    @property
    def binding(self) -> bool:
        """Whether states become parties to it by signature and consent to be bound."""
        return self.kind in {
            InstrumentKind.CONVENTION,
            InstrumentKind.PROTOCOL,
            InstrumentKind.REGIONAL_CONVENTION,
        }

    def localized_title(self, language: str) -> str:
        """The official title in `language` (a page's language code) where the data has one,
        else the English title."""
        return in_language(self.titles, language, self.title)


class TreatyAction(Fact):
    """One source's statement that a state signed, ratified, acceded ... on a date.

    The date may be unknown; the statement then counts from the date of its document.
    """

    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.PROTECT, related_name="actions"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("state"), on_delete=models.PROTECT, related_name="treaty_actions"
    )
    action = models.CharField(_("action"), max_length=20, choices=TreatyActionKind.choices)
    date = models.DateField(_("date"), null=True, blank=True)
    date_text = models.CharField(_("date as printed"), max_length=100, blank=True)
    name_in_source = models.CharField(_("name in source"), max_length=200, blank=True)
    note = models.TextField(
        _("note"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="treaty_actions"
    )

    class Meta:
        ordering = ["instrument__slug", "country__name", "date"]
        verbose_name = _("treaty action")
        verbose_name_plural = _("treaty actions")
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "country", "action", "source"],
                name="treaty_action_once_per_source",
                violation_error_message=_(
                    "This source already records this action for this state and instrument."
                ),
            )
        ]
        indexes = [models.Index(fields=["instrument", "country"])]

    def __str__(self) -> str:
        return "{} {} {} {}".format(self.country_id, self.action, self.instrument.slug, self.date)


class Listing(Fact):
    """A source's list of states in some status for an instrument (a table, a footnote)."""

    key = models.SlugField(_("key"), max_length=100, unique=True)
    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.PROTECT, related_name="listings"
    )
    scope = models.ForeignKey(
        Mechanism,
        verbose_name=_("scope"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="listings",
    )
    as_of = models.DateField(_("as of"), null=True, blank=True)
    exhaustive = models.BooleanField(_("complete for its scope"), default=False)
    stated_counts = models.JSONField(_("counts the source states"), default=dict, blank=True)
    notes = models.TextField(
        _("notes"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="listings"
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("listing")
        verbose_name_plural = _("listings")

    def __str__(self) -> str:
        return self.key


class StatusClaim(Fact):
    """A state named in a listing, with the status the source gives it."""

    listing = models.ForeignKey(
        Listing, verbose_name=_("listing"), on_delete=models.CASCADE, related_name="claims"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("state"), on_delete=models.PROTECT, related_name="status_claims"
    )
    status = models.CharField(_("status"), max_length=20, choices=PartyStatus.choices)
    name_in_source = models.CharField(_("name in source"), max_length=200, blank=True)
    note = models.TextField(
        _("note"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )

    class Meta:
        ordering = ["listing__key", "country__name"]
        verbose_name = _("status claim")
        verbose_name_plural = _("status claims")
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "country"],
                name="status_claim_once_per_listing",
                violation_error_message=_("This state is already in this listing."),
            )
        ]

    def __str__(self) -> str:
        return "{}: {} {}".format(self.listing.key, self.country_id, self.status)


class Legislation(Fact):
    """A national law, code, ordinance or bill relevant to trafficking in persons."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="legislation"
    )
    title = models.CharField(_("title"), max_length=500)
    kind = models.CharField(_("kind"), max_length=20, choices=LegislationKind.choices)
    year = models.PositiveIntegerField(_("year"), null=True, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=LegislationStatus.choices,
        default=LegislationStatus.UNKNOWN,
    )
    implements = models.ForeignKey(
        Instrument,
        verbose_name=_("implements"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="implementing_legislation",
    )
    summary = models.TextField(
        _("summary"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    name_in_source = models.CharField(_("name in source"), max_length=200, blank=True)
    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), blank=True, related_name="+"
    )

    class Meta:
        ordering = ["country__name", "year", "title"]
        verbose_name = _("legislation")
        verbose_name_plural = _("legislation")
        constraints = [
            models.CheckConstraint(
                condition=Q(year__isnull=True) | (Q(year__gte=1800) & Q(year__lte=2200)),
                name="legislation_year_plausible",
                violation_error_message=_("The year must be between 1800 and 2200."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class LegislationTransmittal(Fact):
    """A state sending its national legislation to a mechanism's secretariat (e.g. AALCO)."""

    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        Mechanism,
        verbose_name=_("recipient"),
        on_delete=models.PROTECT,
        related_name="transmittals",
    )
    date = models.DateField(_("date"), null=True, blank=True)
    date_text = models.CharField(_("date as printed"), max_length=100, blank=True)
    name_in_source = models.CharField(_("name in source"), max_length=200, blank=True)
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["country__name", "date"]
        verbose_name = _("legislation transmittal")
        verbose_name_plural = _("legislation transmittals")

    def __str__(self) -> str:
        return "{} -> {} {}".format(self.country_id, self.recipient.acronym, self.date)


class DirectoryEntry(Fact):
    """An authority or focal point: national coordinator, MLA central authority, police unit ..."""

    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="directory_entries",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="directory_entries",
    )
    mechanism = models.ForeignKey(
        Mechanism,
        verbose_name=_("mechanism"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="directory_entries",
    )
    role = models.CharField(_("role"), max_length=40, choices=DirectoryRole.choices)
    unit = models.CharField(_("unit"), max_length=300, blank=True)
    description = models.TextField(
        _("description"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    languages = models.JSONField(_("languages (ISO 639-1)"), default=list, blank=True)
    url = models.URLField(_("website"), max_length=500, blank=True)
    address = models.TextField(
        _("address"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    # Contact details of people: shown to logged-in users only.
    person_name = models.CharField(_("contact person"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=50, blank=True)
    name_in_source = models.CharField(_("name in source"), max_length=200, blank=True)
    sources = models.ManyToManyField(
        Source, verbose_name=_("sources"), blank=True, related_name="+"
    )

    class Meta:
        ordering = ["country__name", "role", "organisation__name"]
        verbose_name = _("directory entry")
        verbose_name_plural = _("directory entries")

    def __str__(self) -> str:
        return self.unit or self.organisation.name
