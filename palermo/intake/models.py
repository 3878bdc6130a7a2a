"""Public reports and hotline triage (issue 18).

- `Hotline`: an organisation that takes reports (its public form, its operators: the
  organisation's case workers); the public form files with the node's active hotline.
- `Report`: one signal, from the public form or entered by an operator from a call or a
  message. What could identify anyone (the account given, the people and places named, the
  reporter's contact) is one encrypted token (`ciphertext`); the report keeps in clear only
  what triage sorts by (country, flags, dates, status). An anonymous report stores no address
  or other identifying metadata of its sender. The reporter holds a code to add information
  later: stored as its SHA-256 (the code is 80 random bits: no slow hash needed).
- `ReportAddition`: what a reporter added later with the code, or an operator noted.
- `Situation`: reports about the same place, employer or person, grouped.
- `ReportWindow`: how many reports came from one network in the current hour (rate limit),
  keyed by a keyed hash of the address that changes every day, never linked to a report.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from palermo.core.models import Country, Organisation
from palermo.intake import choices as c


class Hotline(models.Model):
    """An organisation that takes reports from the public."""

    organisation = models.OneToOneField(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="hotline",
    )
    name = models.CharField(_("name shown to the public"), max_length=200)
    phone = models.CharField(_("phone number"), max_length=40, blank=True)
    hours = models.CharField(_("when it answers"), max_length=200, blank=True)
    active = models.BooleanField(_("takes reports"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("hotline")
        verbose_name_plural = _("hotlines")

    def __str__(self) -> str:
        return self.name


class Situation(models.Model):
    """Reports about the same place, employer or person, handled together."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    hotline = models.ForeignKey(
        Hotline, verbose_name=_("hotline"), on_delete=models.PROTECT, related_name="situations"
    )
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("situation")
        verbose_name_plural = _("situations")

    def __str__(self) -> str:
        return self.reference


class Report(models.Model):
    """One signal: a public report, or a call or message an operator entered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    hotline = models.ForeignKey(
        Hotline, verbose_name=_("hotline"), on_delete=models.PROTECT, related_name="reports"
    )
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=20, choices=c.Channel.choices)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    language = models.CharField(_("language"), max_length=16)
    anonymous = models.BooleanField(_("anonymous"), default=True)
    reporter_role = models.CharField(
        _("who reports"), max_length=20, choices=c.ReporterRole.choices
    )
    country = models.ForeignKey(
        Country,
        verbose_name=_("country where it happens"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    child = models.CharField(
        _("a child is involved"), max_length=10, choices=c.Answer.choices, default="unknown"
    )
    danger = models.BooleanField(_("someone is in danger now"), default=False)
    forms = models.JSONField(_("forms of exploitation suspected (HTCDS)"), default=list)
    # The account, the people, places and employers named, the reporter's contact: encrypted.
    ciphertext = models.TextField(_("encrypted report"))
    attachments = models.PositiveIntegerField(_("attachments"), default=0)
    code_hash = models.CharField(_("follow-up code (hash)"), max_length=64, unique=True)
    # Where the victim is the reporter: whether they agreed that law enforcement be told.
    consent_law_enforcement = models.CharField(
        _("the reporter agrees that law enforcement be told"),
        max_length=10,
        choices=c.Answer.choices,
        default="unknown",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=c.Status.choices, default=c.Status.NEW
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=c.Priority.choices, default=c.Priority.NORMAL
    )
    due_at = models.DateTimeField(_("to be handled by"))
    situation = models.ForeignKey(
        Situation,
        verbose_name=_("situation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("being handled by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    held_until = models.DateTimeField(_("handled until"), null=True, blank=True)
    # The indicators an operator screened the report against: list key, version, codes.
    screening = models.JSONField(_("screening"), default=dict, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=c.Outcome.choices, blank=True)
    outcome_note = models.CharField(_("about the outcome"), max_length=500, blank=True)
    case_id = models.UUIDField(_("case opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            models.Index(fields=["hotline", "status", "priority", "due_at"]),
            models.Index(fields=["hotline", "received_at"]),
        ]

    def __str__(self) -> str:
        return self.reference


class ReportAddition(models.Model):
    """Information added to a report: by its reporter with the code, or by an operator."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="additions"
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    by_reporter = models.BooleanField(_("by the reporter"), default=True)
    ciphertext = models.TextField(_("encrypted text"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["report", "added_at"]
        verbose_name = _("addition to a report")
        verbose_name_plural = _("additions to reports")

    def __str__(self) -> str:
        return "{} {}".format(self.report_id, self.added_at)


class ReportAttachment(models.Model):
    """A file sent with a report, scanned and encrypted (`attachments`): its name is not kept
    (a name can identify); the kind read from its content."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="files"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    path = models.CharField(_("stored as"), max_length=80)

    class Meta:
        ordering = ["report", "position"]
        verbose_name = _("attachment of a report")
        verbose_name_plural = _("attachments of reports")

    def __str__(self) -> str:
        return "{} {}".format(self.report_id, self.position)


class ReportToken(models.Model):
    """One keyed hash of a word of a report's place, employer or people: the blind index that
    finds the reports that may be about the same (`situations`) without decrypting them all."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="tokens"
    )
    field = models.CharField(_("field"), max_length=1)  # situations.FIELDS
    digest = models.CharField(_("digest"), max_length=32)

    class Meta:
        verbose_name = _("report index entry")
        verbose_name_plural = _("report index entries")
        indexes = [models.Index(fields=["field", "digest"], name="intake_token_digest")]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "field", "digest"], name="intake_token_unique"
            )
        ]

    def __str__(self) -> str:
        return "token of {}".format(self.report_id)


class ReportWindow(models.Model):
    """Reports from one network in one hour (the public form's rate limit)."""

    key = models.CharField(_("keyed hash of the network"), max_length=64)
    window_start = models.DateTimeField(_("hour"))
    count = models.PositiveIntegerField(_("reports"), default=0)

    class Meta:
        verbose_name = _("report window")
        verbose_name_plural = _("report windows")
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="intake_window_unique")
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.window_start, self.count)


class SpentChallenge(models.Model):
    """A proof-of-work challenge used once (a solved one is not used again)."""

    nonce = models.CharField(_("challenge"), max_length=40, unique=True)
    spent_at = models.DateTimeField(_("used at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("used challenge")
        verbose_name_plural = _("used challenges")

    def __str__(self) -> str:
        return self.nonce


class FieldSubmission(models.Model):
    """A form submitted from ODK Collect or KoboCollect (OpenRosa), by its instance ID: the
    case it became (a submission sent again is recognised)."""

    instance_id = models.CharField(_("instance ID"), max_length=100, unique=True)
    form_id = models.CharField(_("form ID (XForm)"), max_length=100)
    sha256 = models.CharField(_("SHA-256 of the submission"), max_length=64)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("field submission")
        verbose_name_plural = _("field submissions")

    def __str__(self) -> str:
        return self.instance_id


class FieldVersion(models.Model):
    """The version of one field of a case or person kept in step with offline devices: a device
    edits a field from the version it saw; the server knows whether the field changed since."""

    kind = models.CharField(_("kind"), max_length=10)  # case, person
    object_id = models.CharField(_("record (case or person)"), max_length=64)
    field = models.CharField(_("field"), max_length=60)
    version = models.PositiveIntegerField(_("version"), default=0)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    device = models.CharField(_("device (name or ID)"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("field version")
        verbose_name_plural = _("field versions")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "field"], name="intake_field_version_unique"
            )
        ]

    def __str__(self) -> str:
        return "{}:{}.{} v{}".format(self.kind, self.object_id, self.field, self.version)


class Conflict(models.Model):
    """Two people changed the same field offline: the value kept and the other one, both
    shown on the case until a person decides (encrypted: a field may identify)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10)
    object_id = models.CharField(_("record (case or person)"), max_length=64)
    field = models.CharField(_("field"), max_length=60)
    ciphertext = models.TextField(_("encrypted values"))
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("conflict of offline edits")
        verbose_name_plural = _("conflicts of offline edits")

    def __str__(self) -> str:
        return "{}.{}".format(self.object_id, self.field)


class DeviceEdit(models.Model):
    """An offline edit received from a device, by its ID: a device that sends it again (it did
    not get the answer) gets the same result, and nothing is applied twice."""

    edit_id = models.UUIDField(_("edit ID"), unique=True)
    device = models.CharField(_("device (name or ID)"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    result = models.JSONField(_("result"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("device edit")
        verbose_name_plural = _("device edits")

    def __str__(self) -> str:
        return str(self.edit_id)


class FieldForm(models.Model):
    """A form an administrator added for field teams (such as IOM's HTCDS XLSForm), served over
    OpenRosa beside the screening forms; its submissions become cases through the HTCDS import,
    by the HTCDS field names."""

    form_id = models.CharField(_("form ID (XForm)"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    version = models.CharField(_("version"), max_length=100)
    xform = models.TextField(_("the form as an XForm"))
    source_name = models.CharField(_("imported from"), max_length=255)
    active = models.BooleanField(_("served to field teams"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        ordering = ["form_id"]
        verbose_name = _("field form")
        verbose_name_plural = _("field forms")

    def __str__(self) -> str:
        return self.form_id
