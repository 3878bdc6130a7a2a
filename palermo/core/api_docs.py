"""Swagger UI for the API at /api/v1/docs, from the vendored static files of swagger-ui-dist
(palermo/core/static/core/vendor, see its README): it works offline and under the
Content-Security-Policy (the settings travel as JSON data, `core/api-docs.js` starts it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase, _csrf_needed

if TYPE_CHECKING:
    from ninja import NinjaAPI

TEMPLATE = "core/api_docs.html"


class VendoredSwagger(DocsBase):
    """ninja's Swagger page, with Palermo's template and the vendored files."""

    settings: dict[str, Any] = {"layout": "BaseLayout", "deepLinking": True}  # noqa: RUF012

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = dict(self.settings, url=self.get_openapi_url(api, kwargs))
        context = {"swagger_settings": settings, "api": api, "add_csrf": _csrf_needed(api)}
        return render(request, TEMPLATE, context)


SWAGGER = VendoredSwagger()
