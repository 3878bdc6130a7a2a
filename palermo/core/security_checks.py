"""System checks of the node's security settings (`palermo check`, `palermo check --deploy`).

Always: the Content-Security-Policy is on and allows no inline or evaluated code; the session
limits are positive; the session middleware sits where it can log someone out.
With `--deploy` (Django's own deploy checks cover HSTS, SSL redirect, Secure cookies, DEBUG):
HTTPS without the TLS proxy header (every request would be redirected), a secret key kept in the
data directory, the default host names, and no node name.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.csp import CSP
from django.utils.translation import gettext as _

CSP_MIDDLEWARE = "django.middleware.csp.ContentSecurityPolicyMiddleware"
TIMEOUT_MIDDLEWARE = "palermo.core.middleware.SessionTimeoutMiddleware"
UNSAFE = {CSP.UNSAFE_INLINE, CSP.UNSAFE_EVAL, CSP.UNSAFE_HASHES, "*"}
DEFAULT_HOSTS = {"127.0.0.1", "localhost"}


@register(Tags.security)
def csp_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A policy that is on, says where scripts and styles come from, and allows no inline code."""
    policy: dict[str, Any] = getattr(settings, "SECURE_CSP", None) or {}
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE or not policy:
        return [
            Error(
                _("The Content-Security-Policy is off: SECURE_CSP and {} are both needed.").format(
                    CSP_MIDDLEWARE
                ),
                id="palermo.security.E001",
            )
        ]
    found: list[CheckMessage] = []
    for directive in ("default-src", "script-src", "style-src"):
        values = policy.get(directive)
        if not values:
            found.append(
                Error(
                    _("The Content-Security-Policy has no {}.").format(directive),
                    id="palermo.security.E002",
                )
            )
        elif unsafe := sorted(UNSAFE.intersection(values)):
            found.append(
                Error(
                    _("The Content-Security-Policy's {} allows {}.").format(
                        directive, ", ".join(unsafe)
                    ),
                    hint=_("Move inline code to static files; use the nonce where one must stay."),
                    id="palermo.security.E002",
                )
            )
    return found


@register(Tags.security)
def session_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Session limits that are positive, and the middleware that enforces them in its place."""
    found: list[CheckMessage] = []
    idle = getattr(settings, "PALERMO_SESSION_IDLE_SECONDS", 0)
    if idle <= 0 or settings.SESSION_COOKIE_AGE <= 0:
        found.append(
            Error(
                _("PALERMO_SESSION_IDLE_MINUTES and PALERMO_SESSION_MAX_HOURS must be positive."),
                id="palermo.security.E003",
            )
        )
    middleware = list(settings.MIDDLEWARE)
    needs = [
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ]
    if TIMEOUT_MIDDLEWARE not in middleware or any(
        name not in middleware or middleware.index(name) > middleware.index(TIMEOUT_MIDDLEWARE)
        for name in needs
    ):
        found.append(
            Error(
                _("{} must be in MIDDLEWARE after {}.").format(
                    TIMEOUT_MIDDLEWARE, " and ".join(needs)
                ),
                id="palermo.security.E004",
            )
        )
    return found


@register(Tags.security, deploy=True)
def deploy_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """What a production node should have set (README "Running in production")."""
    found: list[CheckMessage] = []
    if settings.SECURE_SSL_REDIRECT and not settings.SECURE_PROXY_SSL_HEADER:
        found.append(
            Warning(
                _(
                    "PALERMO_HTTPS is on but PALERMO_TLS_PROXY is off: a node behind a TLS proxy "
                    "then redirects every request, forever."
                ),
                hint=_(
                    "Set PALERMO_TLS_PROXY=1 when a reverse proxy terminates TLS and sets "
                    "X-Forwarded-Proto (and the node is reachable through it alone)."
                ),
                id="palermo.security.W001",
            )
        )
    if not os.environ.get("PALERMO_SECRET_KEY"):
        found.append(
            Warning(
                _(
                    "PALERMO_SECRET_KEY is not set: the secret key is a file in the data "
                    "directory, so every copy of that directory carries it."
                ),
                hint=_("Set PALERMO_SECRET_KEY (README, 'Running in production')."),
                id="palermo.security.W002",
            )
        )
    if set(settings.ALLOWED_HOSTS) <= DEFAULT_HOSTS:
        found.append(
            Warning(
                _("PALERMO_ALLOWED_HOSTS names no host but this machine's."),
                hint=_("Set PALERMO_ALLOWED_HOSTS to the node's public host name."),
                id="palermo.security.W003",
            )
        )
    if settings.PALERMO_NODE_NAME in {"", "local"}:
        found.append(
            Warning(
                _("PALERMO_NODE_NAME is not set: peer nodes would know this node as '{}'.").format(
                    settings.PALERMO_NODE_NAME
                ),
                hint=_("Set PALERMO_NODE_NAME to the name the node's peers register it under."),
                id="palermo.security.W004",
            )
        )
    return found
