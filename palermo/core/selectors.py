"""Reads of the core app: a user's API tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from palermo.core.models import ApiToken, User


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """A user's API tokens, newest first."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")


def tokens_all() -> QuerySet[ApiToken]:
    """Every API token of the node, by user then newest first (for the CLI)."""
    return ApiToken.objects.select_related("user").order_by("user__username", "-created_at", "-pk")


def token_row(token: ApiToken) -> dict[str, Any]:
    """What is shown of a token: never its secret (which is not stored) nor its digest."""
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "state": token.state(timezone.now()),
    }
