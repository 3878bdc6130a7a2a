"""The REST API at /api/v1/: one NinjaAPI, one router per app, one error body shape.

Every 4xx answers `{"detail": "...", "code": "..."}`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from palermo.cases.api import router as cases_router
from palermo.cooperation.api import router as node_router
from palermo.core.api import router as core_router
from palermo.core.errors import ApplicationError
from palermo.registry.api import router as registry_router
from palermo.statistics.api import router as statistics_router

api = NinjaAPI(
    title="Palermo API",
    version="1",
    description=(
        "Registry of instruments, treaty actions, mechanisms and authorities; "
        "cooperation against trafficking in persons. Authenticate with a session or "
        "`Authorization: Bearer <token>` (see `palermo token create`)."
    ),
    urls_namespace="api-v1",
)


def _error(request: HttpRequest, detail: object, code: str, status: int) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "code": code}, status=status)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return _error(request, exc.detail, exc.code, exc.status)


@api.exception_handler(DjangoValidationError)
def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    detail = exc.message_dict if hasattr(exc, "error_dict") else " ".join(exc.messages)
    return _error(request, detail, "invalid", 400)


@api.exception_handler(NinjaValidationError)
def _input_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    parts = []
    for err in exc.errors:
        loc = ".".join(
            str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")
        )
        parts.append("{}: {}".format(loc, err.get("msg")) if loc else str(err.get("msg")))
    return _error(request, "; ".join(parts) or "invalid input", "invalid_input", 422)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request, "Authentication required: log in or send a bearer token.", "not_authenticated", 401
    )


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, str(exc) or "You do not have permission for this.", "forbidden", 403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, str(exc) or "Not found.", "not_found", 404)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, str(exc), "error", exc.status_code)


api.add_router("/", core_router)
api.add_router("/registry/", registry_router)
api.add_router("/cases/", cases_router)
api.add_router("/node/", node_router)
api.add_router("/cooperation/", "palermo.cooperation.api.requests_router")
api.add_router("/statistics/", statistics_router)
