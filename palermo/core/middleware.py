"""The node's own middleware: how long a login lasts, and which answers no cache may keep.

- `SessionTimeoutMiddleware`: a logged-in session ends after `PALERMO_SESSION_IDLE_SECONDS`
  without a request, and `SESSION_COOKIE_AGE` after login whatever the activity (the server
  decides, from times kept in the session: a stolen or kept cookie is no use after that).
  `session_start` (on login) starts the clock; `sessions_clear` (the scheduler, hourly) deletes
  the sessions the server no longer accepts.
- `PasswordChangeMiddleware`: a user logged in with a one-time password (shown to an
  administrator, `User.must_change_password`) gets only the page that changes it (and logout,
  the language switch, static files) until they have chosen their own; the API answers 403.
- `PrivateResponseMiddleware`: every answer to a request that carries credentials (a logged-in
  session or an `Authorization` header) is `Cache-Control: private, no-store`: those are the
  answers that can carry personal data (case and cooperation pages, identities, exports, the
  API). Public answers to the anonymous (the registry, published statistics) stay cacheable.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.core.views import private

# Session keys (seconds since the epoch): when the login was first seen, and the last request.
STARTED = "palermo_started"
SEEN = "palermo_seen"
# The last-request time is written at most this often (a session write per request otherwise).
SEEN_RESOLUTION = 60

Handler = Callable[[HttpRequest], HttpResponseBase]


def session_expired(started: int, seen: int, now: int) -> bool:
    """Whether a login that began at `started` and was last used at `seen` is over at `now`."""
    idle = settings.PALERMO_SESSION_IDLE_SECONDS
    return now - started >= settings.SESSION_COOKIE_AGE or now - seen >= idle


def session_start(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """On every login (`user_logged_in`), a new session of the full length begins."""
    now = int(timezone.now().timestamp())
    request.session[STARTED] = now
    request.session[SEEN] = now


def sessions_clear() -> str:
    """Delete expired sessions from the session store (a periodic job; the summary for the log)."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
    return "expired sessions cleared"


class SessionTimeoutMiddleware:
    """Ends idle and old logins; must come after the session, auth and messages middleware."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return self.get_response(request)  # no session: nothing to end, nothing touched
        session = request.session
        now = int(timezone.now().timestamp())
        if SESSION_KEY in session:
            started = int(session.get(STARTED, now))
            seen = int(session.get(SEEN, now))
            if session_expired(started, seen, now):
                logout(request)  # flushes the session on the server
                messages.info(request, _("Your session has ended. Please log in again."))
        response = self.get_response(request)
        # The view may have logged someone in (the login page) or out.
        session = request.session
        if SESSION_KEY in session:
            if STARTED not in session:
                session[STARTED] = now
            if now - int(session.get(SEEN, 0)) >= SEEN_RESOLUTION:
                session[SEEN] = now
        return response


class PrivateResponseMiddleware:
    """`Cache-Control: private, no-store` on answers to requests that carry credentials."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        logged_in = user is not None and user.is_authenticated
        credentials = logged_in or "HTTP_AUTHORIZATION" in request.META
        if credentials and "no-store" not in response.get("Cache-Control", ""):
            private(response)
        return response


# What a user who must change their password may still reach (prefixes).
PASSWORD_CHANGE_OPEN = ("/account/password/", "/logout/", "/i18n/", "/static/")


class PasswordChangeMiddleware:
    """Sends a user with a one-time password to the password page; after the auth middleware."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(PASSWORD_CHANGE_OPEN)
        ):
            detail = _("Choose your own password first: yours was a one-time password.")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": detail, "code": "password_change_required"}, status=403
                )
            messages.warning(request, detail)
            return redirect("web:password_change")
        return self.get_response(request)
