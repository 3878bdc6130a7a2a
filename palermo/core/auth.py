"""Who is calling the API: a session user or an `Authorization: Bearer <token>` user.

Invalid bearer tokens are counted per client address and throttled (palermo.core.throttle); a
request authenticated by a token carries it as `request.api_token` (`api_token_of`), so that
what a token may not do (issue tokens) can be refused.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from palermo.core.languages import language_for_token_user
from palermo.core.lockout import client_ip
from palermo.core.models import ApiToken, User
from palermo.core.services import token_find
from palermo.core.throttle import bearer_check, bearer_failed


def bearer_token(request: HttpRequest, secret: str) -> ApiToken | None:
    """The valid token `secret` names, or None (counted as a failure for the client's address);
    ThrottledError when that address sent too many invalid tokens."""
    address = client_ip(request)
    token = token_find(secret, address=address)  # refuses a blocked address, in one query
    if token is None:
        bearer_check(address)
        bearer_failed(address)
        return None
    request.api_token = token  # type: ignore[attr-defined]
    language_for_token_user(request, token.user)
    return token


def api_token_of(request: HttpRequest) -> ApiToken | None:
    """The token that authenticated this request (None for a session)."""
    token = getattr(request, "api_token", None)
    return token if isinstance(token, ApiToken) else None


class BearerAuth(HttpBearer):
    """API tokens issued with `palermo token create`, the API or the "API tokens" page."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = bearer_token(request, token.strip())
        if found is None:
            return None
        request.user = found.user
        return found.user


class SessionUserAuth(SessionAuth):
    """The browser session (CSRF-protected for writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


AUTH = [BearerAuth(), SessionUserAuth()]


def api_user(request: HttpRequest) -> User:
    """The authenticated caller of an endpoint behind AUTH (the router guarantees one)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):  # only reachable on an endpoint without AUTH: a bug
        raise TypeError("api_user() needs an endpoint that requires authentication")
    return user


def request_user(request: HttpRequest) -> User | None:
    """The caller on a public endpoint, logged in or not (None when anonymous)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = bearer_token(request, header[7:].strip())
        return token.user if token is not None else None
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return user
    return None
