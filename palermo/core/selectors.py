"""Reads of the core app: API tokens, users and organisations for administrators, the audit
log searched."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from palermo.core.models import ApiToken, AuditEntry, Organisation, User


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


def organisations_overview() -> QuerySet[Organisation]:
    """Every organisation with its parent, country and number of users, by name."""
    return (
        Organisation.objects.select_related("parent", "country")
        .annotate(user_count=Count("users"))
        .order_by("name")
    )


def users_overview(
    *, q: str = "", organisation: str = "", role: str = "", state: str = ""
) -> QuerySet[User]:
    """Users found by username or e-mail (`q`), organisation name, role and "active" or
    "inactive", by username."""
    users = User.objects.select_related("organisation").order_by("username")
    if q:
        users = users.filter(Q(username__icontains=q) | Q(email__icontains=q))
    if organisation:
        users = users.filter(organisation__name=organisation)
    if role:
        users = users.filter(role=role)
    if state in ("active", "inactive"):
        users = users.filter(is_active=state == "active")
    return users


def locked_usernames() -> set[str]:
    """Usernames locked out (from some address) after too many failed logins."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gt=since
    )
    return set(attempts.values_list("username", flat=True))


def audit_search(
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries, newest first: by the actor's username (or label, e.g. "system"), action,
    kind of object and its id, and a date range (both days included, in the node's time zone)."""
    entries = AuditEntry.objects.order_by("-sequence")
    if actor:
        entries = entries.filter(actor_label__iexact=actor)
    if action:
        entries = entries.filter(action=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    zone = timezone.get_current_timezone()
    if date_from:
        entries = entries.filter(
            timestamp__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
        )
    if date_to:
        entries = entries.filter(
            timestamp__lt=dt.datetime.combine(
                date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone
            )
        )
    return entries
