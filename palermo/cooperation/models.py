"""Peer nodes and the signed messages exchanged with them (inbox and outbox)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from palermo.cooperation.signing import validate_public_key


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
    last_error = models.TextField(_("last error"), blank=True)
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
