"""Peer nodes, the signed messages exchanged with them (inbox and outbox), and the audit
checkpoints they send as witnesses."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from palermo.cooperation import choices as c
from palermo.cooperation.limits import BASIS_MAX, LETTER_MAX
from palermo.cooperation.signing import validate_public_key
from palermo.core.models import Country, Organisation
from palermo.core.textlimits import NOTE_MAX, TEXT_MAX, text_limit


class Node(models.Model):
    """Another Palermo node this node exchanges signed messages with, registered by an admin."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("base URL"), max_length=500)
    public_key = models.CharField(
        _("public key"),
        max_length=44,
        validators=[validate_public_key],
        help_text=_("Ed25519, base64 of the raw 32 bytes"),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    active = models.BooleanField(_("active"), default=True)
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("the state whose authorities work on that node"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("node")
        verbose_name_plural = _("nodes")

    def __str__(self) -> str:
        return self.name


class InboundMessage(models.Model):
    """A signed message accepted from a peer node; at most one row per (sender, envelope id)."""

    sender = models.ForeignKey(
        Node, verbose_name=_("sender"), on_delete=models.PROTECT, related_name="inbound"
    )
    envelope_id = models.UUIDField(_("envelope id"))
    kind = models.CharField(_("kind"), max_length=100)
    request = models.CharField(_("request"), max_length=100, null=True, blank=True)
    seq = models.PositiveIntegerField(_("sequence in request"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    sent_at = models.DateTimeField(_("sent at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "envelope_id"],
                name="coop_inbound_unique_id",
                violation_error_message=_("This message was already received."),
            ),
            models.UniqueConstraint(
                fields=["sender", "request", "seq"],
                condition=models.Q(seq__isnull=False),
                name="coop_inbound_unique_seq",
                violation_error_message=_("This sequence number was already received."),
            ),
        ]

    def __str__(self) -> str:
        return "{} from {}".format(self.envelope_id, self.sender_id)


class OutboundMessage(models.Model):
    """A message waiting for (or having got) a signed receipt from its target node."""

    target = models.ForeignKey(
        Node, verbose_name=_("target"), on_delete=models.PROTECT, related_name="outbound"
    )
    envelope_id = models.UUIDField(_("envelope id"), unique=True, default=uuid.uuid4)
    kind = models.CharField(_("kind"), max_length=100)
    request = models.CharField(_("request"), max_length=100, null=True, blank=True)
    seq = models.PositiveIntegerField(_("sequence in request"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    envelope = models.JSONField(
        _("last envelope sent"),
        null=True,
        blank=True,
        help_text=_("re-stamped and re-signed at every attempt; the id stays the same"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(
        _("last error"), blank=True, max_length=NOTE_MAX, validators=[text_limit(NOTE_MAX)]
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    receipt = models.JSONField(_("signed receipt"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        constraints = [
            models.UniqueConstraint(
                fields=["target", "request", "seq"],
                condition=models.Q(seq__isnull=False),
                name="coop_outbound_unique_seq",
                violation_error_message=_("This sequence number is already used."),
            ),
        ]
        indexes = [models.Index(fields=["acknowledged_at", "next_attempt_at"])]

    def __str__(self) -> str:
        return "{} to {}".format(self.envelope_id, self.target_id)


# --- the request workflow --------------------------------------------------------------------

OPEN_STATUSES = frozenset(
    {
        c.RequestStatus.SENT,
        c.RequestStatus.RECEIVED,
        c.RequestStatus.ACCEPTED,
        c.RequestStatus.MORE_INFO_REQUESTED,
    }
)
FINAL_STATUSES = frozenset(
    {
        c.RequestStatus.EXECUTED,
        c.RequestStatus.PARTIALLY_EXECUTED,
        c.RequestStatus.REFUSED,
        c.RequestStatus.WITHDRAWN,
        c.RequestStatus.CLOSED,
    }
)


class Request(models.Model):
    """A cooperation request between two authorities on two nodes.

    Both nodes hold a row with the same uuid: the requesting node (direction outgoing) and the
    requested node (direction incoming). Each side numbers it its own way (`requester_reference`,
    `requested_reference`) and learns the other's number from the signed envelopes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    direction = models.CharField(_("direction"), max_length=10, choices=c.Direction.choices)
    type = models.CharField(_("type"), max_length=30, choices=c.RequestType.choices)
    node = models.ForeignKey(
        Node,
        verbose_name=_("other node"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        help_text=_("the node the request travels to (outgoing) or came from (incoming)"),
    )
    requester_reference = models.CharField(_("requester's reference"), max_length=40, blank=True)
    requested_reference = models.CharField(
        _("requested side's reference"), max_length=40, blank=True
    )
    requesting_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("requesting authority"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cooperation_requests_made",
    )
    requesting_authority = models.ForeignKey(
        "registry.DirectoryEntry",
        verbose_name=_("requesting authority (directory)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requesting_authority_name = models.CharField(
        _("requesting authority (as named)"), max_length=300, blank=True
    )
    requested_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("requested authority"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cooperation_requests_received",
    )
    requested_authority = models.ForeignKey(
        "registry.DirectoryEntry",
        verbose_name=_("requested authority (directory)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_authority_name = models.CharField(
        _("requested authority (as named)"), max_length=300, blank=True
    )
    requesting_country = models.ForeignKey(
        Country,
        verbose_name=_("requesting state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_country = models.ForeignKey(
        Country,
        verbose_name=_("requested state"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=300)
    description = models.TextField(
        _("description"), blank=True, max_length=LETTER_MAX, validators=[text_limit(LETTER_MAX)]
    )
    urgency = models.CharField(
        _("urgency"), max_length=20, choices=c.Urgency.choices, default=c.Urgency.NORMAL
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    legal_basis_kind = models.CharField(
        _("legal basis"), max_length=20, choices=c.LegalBasisKind.choices, blank=True
    )
    legal_basis_instrument = models.ForeignKey(
        "registry.Instrument",
        verbose_name=_("instrument"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    legal_basis_article = models.CharField(_("article(s)"), max_length=100, blank=True)
    legal_basis_text = models.TextField(
        _("legal basis as stated"),
        blank=True,
        help_text=_("the bilateral agreement, or how the instrument is cited"),
        max_length=TEXT_MAX,
        validators=[text_limit(TEXT_MAX)],
    )
    legal_basis_suggestion = models.JSONField(
        _("legal basis suggestion (snapshot)"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=30, choices=c.RequestStatus.choices, default=c.RequestStatus.DRAFT
    )
    refusal_ground = models.CharField(
        _("ground for refusal"), max_length=30, choices=c.RefusalGround.choices, blank=True
    )
    refusal_grounds = models.TextField(
        _("grounds for refusal"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cooperation_requests",
        help_text=_("the requesting side's case (never sent)"),
    )
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
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    responded_at = models.DateTimeField(
        _("first response at"),
        null=True,
        blank=True,
        help_text=_("first decision of the requested side (accepted, more information, refused)"),
    )
    completed_at = models.DateTimeField(
        _("completed at"),
        null=True,
        blank=True,
        help_text=_("executed, partially executed, refused or withdrawn"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    last_reminder_at = models.DateTimeField(_("last reminder at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("cooperation request")
        verbose_name_plural = _("cooperation requests")
        indexes = [
            models.Index(fields=["direction", "status"]),
            models.Index(fields=["due_date"]),
            models.Index(fields=["requesting_organisation", "-created_at"]),
            models.Index(fields=["requested_organisation", "-created_at"]),
        ]

    def __str__(self) -> str:
        return "{} {}".format(self.local_reference or str(self.pk)[:8], self.subject)

    @property
    def side(self) -> str:
        """Which side this node is on."""
        return c.Side.REQUESTER if self.direction == c.Direction.OUTGOING else c.Side.REQUESTED

    @property
    def local_reference(self) -> str:
        return (
            self.requester_reference
            if self.direction == c.Direction.OUTGOING
            else self.requested_reference
        )

    @property
    def remote_reference(self) -> str:
        return (
            self.requested_reference
            if self.direction == c.Direction.OUTGOING
            else self.requester_reference
        )

    @property
    def local_organisation_id(self) -> int | None:
        return (
            self.requesting_organisation_id
            if self.direction == c.Direction.OUTGOING
            else self.requested_organisation_id
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def handling_codes_validate(value: object) -> None:
    if not isinstance(value, list) or any(v not in c.HandlingCode.values for v in value):
        raise ValidationError(
            _("Handling codes are a list of: {}.").format(", ".join(c.HandlingCode.values))
        )


class Message(models.Model):
    """One message in a request's thread, with the originator's handling codes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(
        Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(_("direction"), max_length=10, choices=c.Direction.choices)
    kind = models.CharField(
        _("kind"), max_length=20, choices=c.MessageKind.choices, default=c.MessageKind.MESSAGE
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author_name = models.CharField(_("author (as named)"), max_length=300, blank=True)
    body = models.TextField(
        _("text"), blank=True, max_length=LETTER_MAX, validators=[text_limit(LETTER_MAX)]
    )
    source_reliability = models.CharField(
        _("source reliability"),
        max_length=1,
        choices=c.SourceReliability.choices,
        default=c.SourceReliability.X,
    )
    information_assessment = models.CharField(
        _("information assessment"),
        max_length=1,
        choices=c.InformationAssessment.choices,
        default=c.InformationAssessment.FOUR,
    )
    handling_codes = models.JSONField(
        _("handling restrictions"),
        default=list,
        blank=True,
        validators=[handling_codes_validate],
    )
    forwarded_from = models.ForeignKey(
        "self",
        verbose_name=_("forwarded from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["request", "created_at"])]

    def __str__(self) -> str:
        return "{} on {}".format(self.kind, self.request_id)

    @property
    def handling_label(self) -> str:
        """E.g. `B2 no_further_dissemination`, as printed on the message."""
        codes = " ".join(self.handling_codes)
        return "{}{}{}".format(
            self.source_reliability, self.information_assessment, " " + codes if codes else ""
        )


class Attachment(models.Model):
    """A file of a message: stored encrypted under the data dir, travels base64 in the envelope."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    path = models.CharField(_("stored as"), max_length=200, help_text=_("under the data dir"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "filename"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class StatusChange(models.Model):
    """One step of a request's life, on this node or reported by the other node."""

    request = models.ForeignKey(
        Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=30, choices=c.RequestStatus.choices)
    to_status = models.CharField(_("to"), max_length=30, choices=c.RequestStatus.choices)
    side = models.CharField(_("by side"), max_length=10, choices=c.Side.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("by (as named)"), max_length=300, blank=True)
    note = models.TextField(
        _("note or grounds"), blank=True, max_length=TEXT_MAX, validators=[text_limit(TEXT_MAX)]
    )
    remote = models.BooleanField(_("reported by the other node"), default=False)
    applied = models.BooleanField(
        _("applied"),
        default=True,
        help_text=_("false when the other node's change crossed one made here and was not applied"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return "{} -> {}".format(self.from_status, self.to_status)


class SharedCaseExtract(models.Model):
    """Chosen fields of a case that went with a message (sender) or came with one (receiver).

    The content is encrypted at rest (it may hold identifying data); on the receiving node
    every read is audited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(
        Request, verbose_name=_("request"), on_delete=models.CASCADE, related_name="extracts"
    )
    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="extracts"
    )
    direction = models.CharField(_("direction"), max_length=10, choices=c.Direction.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("the sending side's case"),
    )
    case_reference = models.CharField(_("case reference"), max_length=40, blank=True)
    fields = models.JSONField(
        _("fields shared"),
        default=dict,
        help_text=_('{"case": [field ...], "persons": {pseudonym: [field ...]}}'),
    )
    identifying = models.BooleanField(_("holds identifying data"), default=False)
    basis = models.CharField(_("basis"), max_length=20, choices=c.CaseBasis.choices)
    legal_basis = models.TextField(
        _("stated legal basis"),
        blank=True,
        max_length=BASIS_MAX,
        validators=[text_limit(BASIS_MAX)],
    )
    consents = models.JSONField(
        _("consents relied on"), default=list, blank=True, help_text=_("[{pseudonym, given_on}]")
    )
    ciphertext = models.TextField(_("content (encrypted)"))
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("shared case extract")
        verbose_name_plural = _("shared case extracts")

    def __str__(self) -> str:
        return "extract of {} on {}".format(self.case_reference, self.request_id)


class MessageShare(models.Model):
    """A received message made visible to another organisation on this node (if its codes allow)."""

    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="shares"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("message share")
        verbose_name_plural = _("message shares")
        constraints = [
            models.UniqueConstraint(fields=["message", "organisation"], name="coop_share_unique")
        ]

    def __str__(self) -> str:
        return "{} -> {}".format(self.message_id, self.organisation_id)


class WitnessCheckpoint(models.Model):
    """A peer node's signed audit checkpoint (palermo.core.checkpoints), kept as a witness: the
    peer can later prove against it that its audit log was not truncated or rewritten."""

    node = models.ForeignKey(
        Node, verbose_name=_("node"), on_delete=models.PROTECT, related_name="witnessed"
    )
    sequence = models.BigIntegerField(_("sequence"))
    entry_hash = models.CharField(_("entry hash"), max_length=64)
    mac = models.CharField(_("MAC"), max_length=64)
    signed_at = models.CharField(_("signed at"), max_length=40)
    public_key = models.CharField(_("public key"), max_length=44)
    signature = models.CharField(_("signature"), max_length=100)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["node", "sequence"]
        verbose_name = _("witnessed checkpoint")
        verbose_name_plural = _("witnessed checkpoints")
        constraints = [
            models.UniqueConstraint(
                fields=["node", "sequence", "entry_hash"], name="cooperation_witness_unique"
            )
        ]

    def __str__(self) -> str:
        return "{} #{}".format(self.node_id, self.sequence)
