"""URL routes of a Palermo node."""

from django.urls import include, path

from palermo.api import api
from palermo.core.languages import language_set
from palermo.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("i18n/setlang/", language_set, name="set_language"),
    path("registry/", include("palermo.registry.urls")),
    path("cases/", include("palermo.cases.urls")),
    path("cooperation/", include("palermo.cooperation.urls")),
    path("statistics/", include("palermo.statistics.urls")),
    path("monitoring/", include("palermo.monitoring.urls")),
    path("linkage/", include("palermo.linkage.urls")),
    path("caselaw/", include("palermo.caselaw.urls")),
    path("activities/", include("palermo.activities.urls")),
    path("report/", include("palermo.intake.urls_public")),
    path("intake/", include("palermo.intake.urls_triage")),
    path("openrosa/", include("palermo.intake.urls_openrosa")),
    path("", include("palermo.web.urls")),
]

handler400 = "palermo.web.errors.bad_request"
handler403 = "palermo.web.errors.permission_denied"
handler404 = "palermo.web.errors.page_not_found"
handler500 = "palermo.web.errors.server_error"
