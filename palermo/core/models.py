"""Core models: countries, organisations, users, API tokens, the audit log, sources and the
long work started from pages (jobs)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from palermo.core.choices import AuditAction, JobState, OrganisationKind, Role
from palermo.core.textlimits import NOTE_MAX, TEXT_MAX, text_limit


def in_language(texts: Mapping[str, str] | None, language: str, default: str) -> str:
    """`texts`'s text (keyed by base language: "zh", "ar") for a page's language code
    ("zh-hans", "ar"), else `default`."""
    base = language.split("-", maxsplit=1)[0].lower()
    return (texts or {}).get(base) or default


class Country(models.Model):
    """A country or historical entity, keyed by ISO 3166-1 alpha-3 (ISO 3166-3 for former ones)."""

    iso3 = models.CharField(_("ISO 3166 alpha-3"), max_length=3, primary_key=True)
    iso2 = models.CharField(_("ISO 3166 alpha-2"), max_length=2, blank=True)
    numeric = models.CharField(_("ISO 3166 numeric"), max_length=3, blank=True)
    name = models.CharField(_("name"), max_length=200)
    official_name = models.CharField(_("official name"), max_length=300, blank=True)
    names = models.JSONField(_("names in the UN languages"), default=dict, blank=True)
    historical = models.BooleanField(_("historical entity"), default=False)
    withdrawn = models.CharField(_("withdrawn from ISO 3166"), max_length=20, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name

    def localized_name(self, language: str) -> str:
        """The country's name in one of the UN languages, English when CLDR has none."""
        return in_language(self.names, language, self.name)


class Organisation(models.Model):
    """A government agency, regional mechanism, international organisation, NGO or provider."""

    name = models.CharField(_("name"), max_length=300, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's language where the catalogues have it (the regional
        mechanisms and agencies of the registry), else as stored."""
        return translation.gettext(self.name) if self.name else ""


class User(AbstractUser):
    """A person who logs in to this node; belongs to one organisation and holds one role."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, blank=True)
    # A password an administrator was shown (a one-time password): the user chooses their own
    # at the next login before anything else (palermo.core.middleware.PasswordChangeMiddleware).
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # The language of the user's pages, PDFs, exports and API error details (palermo.core.
    # languages): chosen on the login page or with the switcher; blank until the first login.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a SHA-256 digest of the secret is stored. It is
    valid until `expires_at` (a token without one is not valid) unless revoked before."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return "{}… ({})".format(self.prefix, self.user_id)

    def state(self, now: dt.datetime) -> str:
        """ "revoked", "expired" or "active" at `now`."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is None or self.expires_at <= now:
            return "expired"
        return "active"


class BearerFailure(models.Model):
    """Invalid bearer tokens sent from one client address in the current window
    (palermo.core.throttle): past a limit, that address is refused until the window ends."""

    address = models.CharField(_("client address"), max_length=64, unique=True)
    window_start = models.DateTimeField(_("window start"), db_index=True)
    count = models.PositiveIntegerField(_("failures"), default=0)

    class Meta:
        verbose_name = _("bearer token failure count")
        verbose_name_plural = _("bearer token failure counts")

    def __str__(self) -> str:
        return "{} failures since {}".format(self.count, self.window_start.isoformat())


class AuditEntry(models.Model):
    """One append-only, hash-chained entry of the audit log (every write, every personal read)."""

    sequence = models.BigIntegerField(_("sequence"), unique=True)
    timestamp = models.DateTimeField(_("timestamp"))
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=200)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=100, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    entry_hash = models.CharField(_("entry hash"), max_length=64, unique=True)
    # HMAC-SHA256 with the audit key (kept outside the database) over this entry's hash and the
    # previous entry's MAC: a chain recomputed without the key does not verify.
    mac = models.CharField(_("MAC"), max_length=64, blank=True, default="")

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return "#{} {} {} {}".format(self.sequence, self.action, self.object_type, self.object_id)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("audit entries are append-only")


class Document(models.Model):
    """A document that facts cite: a UN report, a treaty text, an organisation's web page."""

    key = models.SlugField(_("key"), max_length=100, unique=True)
    symbol = models.CharField(_("document symbol"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=500)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    notes = models.TextField(
        _("notes"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.symbol or self.title


class Source(models.Model):
    """A citation: a document and the place in it (paragraph, page, footnote, table)."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.PROTECT, related_name="sources"
    )
    locator = models.CharField(_("paragraph, page or footnote"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)

    class Meta:
        ordering = ["document__key", "locator"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "locator"],
                name="source_unique_document_locator",
                violation_error_message=_("This document and locator are already a source."),
            )
        ]

    def __str__(self) -> str:
        doc = str(self.document)
        return "{}, {}".format(doc, self.locator) if self.locator else doc

    def as_dict(self) -> dict[str, Any]:
        return {
            "document": self.document.key,
            "symbol": self.document.symbol,
            "title": self.document.title,
            "date": self.document.date.isoformat() if self.document.date else None,
            "locator": self.locator,
            "url": self.url or self.document.url,
        }


class AuditChainHead(models.Model):
    """A single row locked while appending, so that concurrent writers chain in order."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    entry_hash = models.CharField(max_length=64, default="0" * 64)
    mac = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return "head #{}".format(self.sequence)


class Job(models.Model):
    """Long work a user started from a page, run by the task worker (palermo.core.jobs). Its
    progress is kept outside the database while it runs; its outcome is kept here."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=60)
    actor = models.ForeignKey(
        User, verbose_name=_("started by"), on_delete=models.CASCADE, related_name="jobs"
    )
    # What the work is about in a few words (codes of a data set, country and period; never a
    # person's data), and what its runner needs (the same: codes and numbers).
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict)
    # A digest of kind and parameters: the same work asked twice while the first still runs is
    # the same job.
    fingerprint = models.CharField(max_length=64, db_index=True)
    state = models.CharField(
        _("state"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    message = models.TextField(
        _("outcome"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    result_url = models.CharField(_("result"), max_length=500, blank=True)
    # The page that started the work: where a refusal is told (with what was asked).
    back_url = models.CharField(_("started from"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["actor", "state"])]

    def __str__(self) -> str:
        return "{} {} ({})".format(self.kind, self.pk, self.state)

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)
