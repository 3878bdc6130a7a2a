"""Invalid bearer tokens are throttled per client address (D4).

Each invalid `Authorization: Bearer` token from an address counts in a window of
PALERMO_TOKEN_FAILURE_WINDOW_MINUTES that starts at the first failure; after
PALERMO_TOKEN_FAILURE_LIMIT failures, every bearer request from that address gets 429 until the
window ends (valid tokens too: the address is not trusted for that while). Other addresses are
not affected. The count is kept in the database, so that every server process shares it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import ngettext

from palermo.core.errors import ApplicationError
from palermo.core.models import BearerFailure

log = logging.getLogger("palermo.auth")
ADDRESS_MAX = 64


class ThrottledError(ApplicationError):
    """Too many invalid bearer tokens from this address (HTTP 429)."""

    status = 429

    def __init__(self, detail: str, code: str = "throttled", *, retry_after: int = 0) -> None:
        super().__init__(detail, code)
        self.retry_after = retry_after  # seconds, for the Retry-After header


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.PALERMO_TOKEN_FAILURE_WINDOW_MINUTES)


def blocked_windows(
    address: str, *, since: dt.datetime | None = None, limit: int | None = None
) -> QuerySet[BearerFailure]:
    """The window in which `address` is refused, if it is (at most one row): for bearer_check,
    and as a subquery of the token lookup (one query for a valid token, not two). `since` and
    `limit` default to the current window's start and the setting (a prepared query passes them,
    see `window_values`)."""
    return BearerFailure.objects.filter(
        address=address,
        window_start__gt=since if since is not None else timezone.now() - _window(),
        count__gte=limit if limit is not None else settings.PALERMO_TOKEN_FAILURE_LIMIT,
    )


def window_values(address: str) -> tuple[str, dt.datetime, int]:
    """(address as stored, start of the current window, failure limit): the values of
    `blocked_windows` as they are now."""
    return address[:ADDRESS_MAX], timezone.now() - _window(), settings.PALERMO_TOKEN_FAILURE_LIMIT


def bearer_check(address: str) -> None:
    """Raise ThrottledError when `address` sent too many invalid tokens in its window."""
    blocked = blocked_windows(address[:ADDRESS_MAX]).first()
    if blocked is None:
        return
    remaining = blocked.window_start + _window() - timezone.now()
    minutes = max(1, int(remaining.total_seconds() + 59) // 60)
    raise ThrottledError(
        ngettext(
            "Too many invalid API tokens from your address: try again in %(minutes)d minute.",
            "Too many invalid API tokens from your address: try again in %(minutes)d minutes.",
            minutes,
        )
        % {"minutes": minutes},
        retry_after=max(1, int(remaining.total_seconds() + 0.999)),
    )


def bearer_failed(address: str) -> None:
    """Count one invalid token from `address` (a new window when the last one is over)."""
    address = address[:ADDRESS_MAX]
    now = timezone.now()
    cutoff = now - _window()
    with transaction.atomic():
        counted = BearerFailure.objects.filter(address=address, window_start__gt=cutoff).update(
            count=F("count") + 1
        )
        if not counted:
            BearerFailure.objects.filter(window_start__lte=cutoff).delete()  # old windows
            BearerFailure.objects.update_or_create(
                address=address, defaults={"window_start": now, "count": 1}
            )
            return
    count = BearerFailure.objects.filter(address=address).values_list("count", flat=True).first()
    if count == settings.PALERMO_TOKEN_FAILURE_LIMIT:
        log.warning(
            "invalid bearer tokens: a client address is refused for %d minutes after %d failures",
            settings.PALERMO_TOKEN_FAILURE_WINDOW_MINUTES,
            count,
        )
