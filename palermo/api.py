"""The REST API at /api/v1/: one NinjaAPI, one router per app, one error body shape.

Every error answers `{"detail": "...", "code": "..."}` (palermo.core.api_errors), and every
operation documents the 4xx it can answer with that schema (`ErrorOut`).
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from palermo.activities.api import router as activities_router
from palermo.caselaw.api import router as caselaw_router
from palermo.cases.api import router as cases_router
from palermo.cooperation.api import router as node_router
from palermo.core.api import router as core_router
from palermo.core.api_docs import SWAGGER
from palermo.core.api_errors import ObjectBodyParser, handlers_install, openapi_errors
from palermo.intake.api import router as intake_router
from palermo.linkage.api import router as linkage_router
from palermo.monitoring.api import router as monitoring_router
from palermo.registry.api import router as registry_router
from palermo.statistics.api import router as statistics_router


class PalermoAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI schema documents the one error shape on every operation."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return openapi_errors(super().get_openapi_schema(**kwargs))


api = PalermoAPI(
    title="Palermo API",
    version="1",
    description=(
        "Registry of instruments, treaty actions, mechanisms and authorities; "
        "cooperation against trafficking in persons. Authenticate with a session or "
        "`Authorization: Bearer <token>` (see `palermo token create`). Every error answers "
        '`{"detail": "...", "code": "..."}`.'
    ),
    urls_namespace="api-v1",
    docs=SWAGGER,
    parser=ObjectBodyParser(),
)
handlers_install(api)

api.add_router("/", core_router)
api.add_router("/registry/", registry_router)
api.add_router("/cases/", cases_router)
api.add_router("/node/", node_router)
api.add_router("/cooperation/", "palermo.cooperation.api.requests_router")
api.add_router("/statistics/", statistics_router)
api.add_router("/monitoring/", monitoring_router)
api.add_router("/linkage/", linkage_router)
api.add_router("/caselaw/", caselaw_router)
api.add_router("/activities/", activities_router)
api.add_router("/intake/", intake_router)
