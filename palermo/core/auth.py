"""Who is calling the API: a session user or an `Authorization: Bearer <token>` user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from palermo.core.models import User
from palermo.core.services import token_authenticate


class BearerAuth(HttpBearer):
    """API tokens issued with `palermo token create` or the API."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


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
        return token_authenticate(header[7:].strip())
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return user
    return None
