"""Every error the API answers is JSON in one shape, `{"detail": "...", "code": "..."}`, and
documented in the OpenAPI schema.

- `handlers_install(api)`: domain errors, input validation (422, naming the field, never the
  value given), authentication, permission, not found, and any other exception (500, logged as
  its type and location only: see `palermo.core.logs`).
- `ApiErrorMiddleware`: what answers under /api/ outside the NinjaAPI's operations (an unknown
  route, a method the route does not have, an exception in a middleware) in the same shape.
- `openapi_errors(schema)`: every operation documents the 4xx it can answer with `ErrorOut`
  (all of `ERROR_STATUSES`: the node inbox answers 401 without a bearer scheme, a throttle 429
  on any route).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pydantic
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from palermo.core.errors import ApplicationError
from palermo.core.logs import exception_location

logger = logging.getLogger("palermo.api")

API_PREFIX = "/api/"
# The one error body, as the OpenAPI schema names it.
ERROR_SCHEMA = "ErrorOut"
SERVER_ERROR = gettext_lazy("Internal error: the server could not answer.")
TOO_LARGE = gettext_lazy(
    "The request body is larger than this node accepts (DATA_UPLOAD_MAX_MEMORY_SIZE)."
)


class ErrorOut(Schema):
    """Every error answer: a sentence for people, a stable code for programs."""

    detail: str
    code: str


# What each documented status means, for the OpenAPI schema.
ERROR_STATUSES: dict[int, str] = {
    400: "The request cannot be carried out (see `code`).",
    401: "Authentication required: log in or send a bearer token.",
    403: "Not permitted for this user.",
    404: "No such object, or not visible to this user.",
    409: "Conflicts with the current state of the object.",
    413: "The request body is too large.",
    414: "The address (path and query string) is too long.",
    422: "The input does not match the schema (the field is named, its value is not echoed).",
    429: "Too many requests: try again later.",
}


# The longest address (path and query string) an API request may have: longer ones answer 414 in
# the error shape. The web server refuses a request line beyond its own limit (8,190 bytes under
# `palermo serve`) before Palermo sees it.
API_MAX_ADDRESS = 4096


def error_body(detail: str, code: str) -> dict[str, str]:
    return {"detail": str(detail), "code": code}


_SOURCES = frozenset({"body", "query", "path", "header", "form", "cookie", "file"})


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    """The field's path without where it came from: django-ninja's `loc` starts with the source
    (`query`, `path`, `form` ...) and, for a JSON body, the operation's parameter (`payload`).
    A field may itself be named like a source (a message's `body`): only the prefix goes."""
    parts = [str(p) for p in loc]
    if len(parts) > 1 and parts[0] in _SOURCES:
        parts = parts[2:] if parts[0] == "body" and len(parts) > 2 else parts[1:]
    return ".".join(parts)


def validation_detail(errors: list[dict[str, Any]]) -> str:
    """'field: problem; ...' from validation errors, never the value given: pydantic's own
    messages name the expected type or bound; a custom validator's message (`value_error`) can
    quote the value, so it becomes "invalid value"."""
    parts = []
    for err in errors:
        loc = _field(err.get("loc", ()))
        kind = str(err.get("type", ""))
        msg = str(err.get("msg", ""))
        given = err.get("input")
        if kind in ("value_error", "assertion_error") or (
            isinstance(given, str) and len(given) >= 3 and given in msg
        ):
            msg = _("invalid value")
        parts.append("{}: {}".format(loc, msg) if loc else msg)
    return "; ".join(parts) or _("Invalid input.")


def message_without_value(error: DjangoValidationError) -> str:
    """A Django validation message with the value it quotes (`%(value)r`, as model fields'
    messages do) left out."""
    params = dict(error.params or {})
    if "value" in params:
        params["value"] = "…"
    return str(error.message % params if params else error.message)


def handlers_install(api: NinjaAPI) -> None:
    """The exception handlers of the one error shape on `api`."""

    def answer(request: HttpRequest, detail: str, code: str, status: int) -> HttpResponse:
        return api.create_response(request, error_body(detail, code), status=status)

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        log_server_error(request, exc)
        return answer(request, str(SERVER_ERROR), "server_error", 500)

    @api.exception_handler(RequestDataTooBig)
    def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return answer(request, str(TOO_LARGE), "too_large", 413)

    @api.exception_handler(MultiPartParserError)
    def unreadable_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return answer(request, _("The request body cannot be read."), "invalid_body", 400)

    @api.exception_handler(ApplicationError)
    def application(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
        response = answer(request, exc.detail, exc.code, exc.status)
        if retry_after := getattr(exc, "retry_after", 0):
            response["Retry-After"] = str(retry_after)
        return response

    @api.exception_handler(DjangoValidationError)
    def django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            detail = "; ".join(
                "{}: {}".format(k, " ".join(message_without_value(e) for e in errors))
                for k, errors in exc.error_dict.items()
            )
        else:
            detail = " ".join(message_without_value(e) for e in exc.error_list)
        return answer(request, detail, "invalid", 400)

    @api.exception_handler(NinjaValidationError)
    def input_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return answer(request, validation_detail(list(exc.errors)), "invalid_input", 422)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        detail = _("Authentication required: log in or send a bearer token.")
        return answer(request, detail, "not_authenticated", 401)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        detail = str(exc) or _("You do not have permission for this.")
        return answer(request, detail, "forbidden", 403)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return answer(request, str(exc) or _("Not found."), "not_found", 404)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        codes = {400: "invalid_body", 429: "too_many_requests"}
        return answer(request, str(exc), codes.get(exc.status_code, "error"), exc.status_code)


class ObjectBodyParser(Parser):
    """JSON bodies must be objects: every operation's body is a schema of named fields, and a
    list or a scalar (`PATCH []`) is refused (400, `invalid_body`) instead of read as no field."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("the request body must be a JSON object")  # noqa: TRY004
        return data


def log_server_error(request: HttpRequest, exc: BaseException) -> None:
    """An unexpected exception: its type and where it happened (for pydantic's validation
    errors, the fields), never its message, the request's data or a model's values."""
    where = ""
    if isinstance(exc, pydantic.ValidationError):
        where = " fields " + ", ".join(
            _field(e["loc"]) or "-" for e in exc.errors(include_input=False, include_url=False)
        )
    logger.error(
        "server error %s.%s at %s%s (%s %s)",
        type(exc).__module__,
        type(exc).__qualname__,
        exception_location(exc),
        where,
        request.method,
        request.path,
    )


class ApiErrorMiddleware:
    """Under /api/: an address longer than API_MAX_ADDRESS answers 414, and a 404 or 405 that no
    operation answered and an exception that escaped the API (a middleware's) become JSON in
    the one error shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path.startswith(API_PREFIX) and len(request.get_full_path()) > API_MAX_ADDRESS:
            return JsonResponse(
                error_body(
                    _("The address is longer than {} characters.").format(API_MAX_ADDRESS),
                    "uri_too_long",
                ),
                status=414,
            )
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code not in (404, 405):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code == 404:
            out = JsonResponse(error_body(_("No such API endpoint."), "not_found"), status=404)
        else:
            out = JsonResponse(
                error_body(_("This endpoint does not answer this method."), "method_not_allowed"),
                status=405,
            )
            if response.has_header("Allow"):
                out["Allow"] = response["Allow"]
        return out

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exc, RequestDataTooBig):
            return JsonResponse(error_body(str(TOO_LARGE), "too_large"), status=413)
        if isinstance(exc, MultiPartParserError):
            return JsonResponse(
                error_body(_("The request body cannot be read."), "invalid_body"), status=400
            )
        if isinstance(exc, Http404):
            return JsonResponse(error_body(_("No such API endpoint."), "not_found"), status=404)
        log_server_error(request, exc)
        return JsonResponse(
            error_body(str(SERVER_ERROR), "server_error"),
            status=500,
        )


def openapi_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with `ErrorOut` and, for every operation, each 4xx it can answer documented
    with it (an operation's own declaration of a status is kept)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_SCHEMA] = ErrorOut.model_json_schema()
    ref = {"$ref": "#/components/schemas/{}".format(ERROR_SCHEMA)}
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            # ninja keys the statuses by int, JSON by string: one key per status.
            responses = {str(k): v for k, v in operation["responses"].items()}
            operation["responses"] = responses
            for status, description in ERROR_STATUSES.items():
                if str(status) in responses:
                    continue
                responses[str(status)] = {
                    "description": description,
                    "content": {"application/json": {"schema": ref}},
                }
    return schema


def is_error_shape(content: bytes) -> bool:
    """Whether an answer's body is the one error shape (for tests and the contract check)."""
    try:
        body = json.loads(content)
    except ValueError:
        return False
    return (
        isinstance(body, dict)
        and isinstance(body.get("detail"), str)
        and isinstance(body.get("code"), str)
    )
