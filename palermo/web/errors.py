"""The error pages (400, 403, 404, 413, 500 and a failed CSRF check) in the site's layout, with
a way back (the previous page, the home page); under /api/ the API's JSON error shape instead.

They say what happened in general words, never the exception's message (which may quote what
was typed, a username, a path) nor any detail of the code. A form post over the size limits
(DATA_UPLOAD_MAX_MEMORY_SIZE, DATA_UPLOAD_MAX_NUMBER_FIELDS, DATA_UPLOAD_MAX_NUMBER_FILES) gets
413 and the limit in words; pages check the same limit in the browser before sending
(palermo.js, `data-upload-max-bytes` on the body), so what was typed stays in the form.

If the layout itself cannot be rendered (a 500 because the database is down), a plain page
without it is the answer."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.html import escape
from django.utils.translation import gettext as _

from palermo.core.api_errors import API_PREFIX, SERVER_ERROR, error_body

logger = logging.getLogger("palermo.web")

TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def upload_limits() -> dict[str, Any]:
    """The limits of one request's form data, for the pages and the 413 page."""
    size = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
    return {
        "bytes": size,
        "size": filesizeformat(size) if size else "",
        "fields": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
        "files": settings.DATA_UPLOAD_MAX_NUMBER_FILES,
    }


def too_large_message() -> str:
    limits = upload_limits()
    return _(
        "What you sent is larger than this node accepts: at most {size} of text in one form "
        "(files are counted apart), {fields} fields and {files} files. Nothing was saved."
    ).format(size=limits["size"], fields=limits["fields"], files=limits["files"])


def _page(
    request: HttpRequest, status: int, title: str, message: str, **extra: Any
) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        codes = {400: "bad_request", 403: "forbidden", 404: "not_found", 413: "too_large"}
        return JsonResponse(error_body(message, codes.get(status, "server_error")), status=status)
    context = {"status": status, "title": title, "message": message, **extra}
    try:
        response = render(request, "web/error.html", context, status=status)
    except Exception:  # noqa: BLE001 - the layout needs the database; answer without it
        logger.exception("the error page could not be rendered in the layout")
        body = "<!doctype html><title>{0}</title><h1>{0}</h1><p>{1}</p><p><a href='/'>{2}</a></p>"
        response = HttpResponse(
            body.format(escape(title), escape(message), escape(_("Home page"))), status=status
        )
    response["Cache-Control"] = "no-store, private"
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, TOO_LARGE):
        return _page(
            request, 413, _("Too large to send"), too_large_message(), limits=upload_limits()
        )
    return _page(
        request,
        400,
        _("Bad request"),
        _("The page could not understand what your browser sent. Go back and try again."),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        403,
        _("Not permitted"),
        _("Your account does not allow this. Ask your administrator if you need it."),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        404,
        _("Page not found"),
        _("There is no page at this address, or it is not available to you."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        500,
        _("Something went wrong"),
        str(SERVER_ERROR)
        + " "
        + _("The error is logged for the node's administrator. Go back and try again later."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent without a valid CSRF token: most often a page left open past the session."""
    return _page(
        request,
        403,
        _("The form has expired"),
        _(
            "The form was sent from a page that is too old (or your session ended). Go back, "
            "reload the page and send it again."
        ),
    )
