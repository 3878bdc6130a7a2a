"""The reason for reading identifying data through the API: a request header, never the URL.

A query string is written to every access log on the way (reverse proxy, server); the reason
often names the person's circumstances. `X-Palermo-Reason` carries it, percent-encoded UTF-8
where it is not plain ASCII (`encodeURIComponent`, `urllib.parse.quote`). A `reason` in the
query string is refused (400, `reason_in_url`), so that a client sending it there learns to stop.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from django.http import HttpRequest
from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError

HEADER = "X-Palermo-Reason"
MAX_LENGTH = 500
# The header as the OpenAPI schema documents it (ninja's `openapi_extra`).
REASON_HEADER: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": HEADER,
            "required": True,
            "description": "Why you need to see this person's identifying data (written to the "
            "audit log); percent-encoded UTF-8 when not plain ASCII.",
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH},
        }
    ]
}


def read_reason(request: HttpRequest) -> str:
    """The reason the request gives (empty if none: the service then refuses the read)."""
    if "reason" in request.GET:
        raise ApplicationError(
            _("Send the reason in the {} header, not in the URL.").format(HEADER),
            code="reason_in_url",
        )
    raw = request.headers.get(HEADER, "")
    try:
        return unquote(raw, errors="strict")[:MAX_LENGTH]
    except UnicodeDecodeError:
        raise ApplicationError(
            _("The {} header must be percent-encoded UTF-8.").format(HEADER),
            code="invalid_reason",
        ) from None
