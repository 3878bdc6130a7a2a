"""Throttled logins: django-axes counts failed logins per username and client address and locks
that pair out for a while; this module is Palermo's side of it.

- `LockoutBackend`: axes' gate before Django's ModelBackend (refuses a locked-out login even with
  the right password). Code that authenticates without a request (the test client's `login`,
  scripts) has no client address to count and is let through to the next backend.
- `client_ip`: the address a request comes from: the node's peer, or behind the TLS proxy
  (`PALERMO_TLS_PROXY`) the last address of `X-Forwarded-For` (Caddy replaces that header with
  the address it saw, so a client cannot choose it). Shared by logins and bearer tokens.
- `client_str`: what axes writes in the log about a client: the username only (no address, no
  browser string).
- `lockout_response`: the answer to a locked-out login: our page (429), or JSON in the API's
  error shape for the API and for scripts.
- `login_attempts_clear`: failed-login records are deleted once they no longer count (hourly).
- `login_failed`: the audit log records each failed login and each lockout (never a password);
  refusals during a lockout are logged, not audited (an attacker could fill the log).
"""

from __future__ import annotations

import logging
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

from palermo.core.audit import audit_record
from palermo.core.audit_kinds import LOGIN
from palermo.core.choices import AuditAction
from palermo.core.models import User

log = logging.getLogger("palermo.login")


class LockoutBackend(AxesStandaloneBackend):  # type: ignore[misc]
    """axes' lockout check, for logins that come with a request."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return  # no client to count: the next backend decides
        super().authenticate(request, username, password, **kwargs)
        return


def client_ip(request: HttpRequest) -> str:
    """The client's address (see the module's docstring)."""
    if settings.PALERMO_TLS_PROXY:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        last = forwarded.rsplit(",", maxsplit=1)[-1].strip()
        if last:
            return last
    return str(request.META.get("REMOTE_ADDR", "") or "")


def client_str(
    username: str | None, ip_address: str, user_agent: str, path_info: str, request: Any
) -> str:
    """What axes logs about a client: the username alone."""
    return "username={!r}".format(username or "")


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_message() -> str:
    minutes = lockout_minutes()
    return ngettext(
        "Too many failed logins for this user from your address. Logins are refused for "
        "%(minutes)d minute; try again later, or ask an administrator to unlock the account.",
        "Too many failed logins for this user from your address. Logins are refused for "
        "%(minutes)d minutes; try again later, or ask an administrator to unlock the account.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """axes' AXES_LOCKOUT_CALLABLE: our page, or JSON for the API and scripts."""
    status = int(getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429))
    wants_json = request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )
    if wants_json:
        response: HttpResponse = JsonResponse(
            {"detail": lockout_message(), "code": "locked_out"}, status=status
        )
    else:
        response = render(
            request,
            "web/lockout.html",
            {"message": lockout_message(), "minutes": lockout_minutes()},
            status=status,
        )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


def login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """`user_login_failed` (after axes' own receiver): audit the failure or the lockout."""
    if request is None or not getattr(settings, "AXES_ENABLED", True):
        return
    username = str(credentials.get("username") or "")[:150]
    locked = bool(getattr(request, "axes_locked_out", False))
    newly_locked = locked and getattr(request, "axes_failures_since_start", None) is not None
    if locked and not newly_locked:
        log.info("login refused during a lockout: username=%r", username)
        return
    user = User.objects.filter(username=username).first() if username else None
    audit_record(
        actor=None,
        actor_label="anonymous",
        action=AuditAction.LOCKOUT if newly_locked else AuditAction.LOGIN_FAILED,
        kind=LOGIN,
        object_id=user.pk if user is not None else "",
        after={"username": username, "known_user": user is not None},
    )
    if newly_locked:
        log.warning("login locked out after repeated failures: username=%r", username)
    else:
        log.info("login failed: username=%r", username)


def login_attempts_clear() -> str:
    """Delete the failed-login records (address, browser string) older than the cool-off: they
    no longer count (a periodic job; the summary for the log)."""
    cutoff = timezone.now() - settings.AXES_COOLOFF_TIME
    count, _ = AccessAttempt.objects.filter(attempt_time__lte=cutoff).delete()
    return "{} expired failed-login records deleted".format(count)


def login_unlock(*, actor: User | None, username: str) -> int:
    """Lift every lockout of `username` (from any address); audited. Returns attempts removed."""
    count: int = reset(username=username)
    user = User.objects.filter(username=username).first()
    audit_record(
        actor=actor,
        action=AuditAction.UNLOCK,
        kind=LOGIN,
        object_id=user.pk if user is not None else "",
        after={"username": username, "attempts_removed": count},
    )
    return count
