"""Reads of the cooperation app."""

from __future__ import annotations

from django.db.models import QuerySet

from palermo.cooperation.models import InboundMessage, Node, OutboundMessage


def node_list() -> QuerySet[Node]:
    """Peer nodes (an administrator's view: this is node configuration, not case data)."""
    return Node.objects.order_by("name")


def inbound_list(*, sender: Node | None = None) -> QuerySet[InboundMessage]:
    qs = InboundMessage.objects.select_related("sender").order_by("id")
    return qs.filter(sender=sender) if sender is not None else qs


def outbound_pending(*, target: Node | None = None) -> QuerySet[OutboundMessage]:
    qs = OutboundMessage.objects.filter(acknowledged_at__isnull=True).order_by("id")
    return qs.filter(target=target) if target is not None else qs
