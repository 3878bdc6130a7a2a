"""The offline web app (issue 18): `/intake/offline/`, an installable page (web app manifest,
service worker) where a case worker keeps their cases' offline fields on the device, edits them
without a network and syncs when back online (`POST /api/v1/intake/sync`: merged field by
field, conflicts kept on the case).

What the device keeps (the cases' fields, the edits not yet sent) is encrypted in IndexedDB
with AES-GCM under a key that comes from the user's session (`key`, a random 256-bit key kept
in the session, never in a page or a cache): imported as a non-extractable WebCrypto key, so
no script can read it out; when the session ends the server forgets it, and a device that logs
in again gets another key: it fetches the cases again and carries the edits not yet sent over to
the new key if the same user logged in (`user` in the answer), dropping them unread otherwise.
"""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from palermo.core.choices import Role
from palermo.core.models import User
from palermo.core.views import PalermoView

SESSION_KEY = "intake_offline_key"
WORKER = Path(__file__).resolve().parent / "static" / "intake" / "sw.js"
EDITORS = (Role.CASE_WORKER, Role.INVESTIGATOR)


class OfflinePage(PalermoView):
    def allowed(self, user: User) -> bool:
        return user.role in EDITORS


class OfflineAppView(OfflinePage):
    template_name = "intake/offline.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {})


@method_decorator(never_cache, name="dispatch")
class OfflineKeyView(OfflinePage):
    """The session's key for the device's encrypted store, and a CSRF token for the sync."""

    def get(self, request: HttpRequest) -> HttpResponse:
        stored = request.session.get(SESSION_KEY)
        if not stored:
            stored = {
                "id": secrets.token_hex(8),
                "key": base64.b64encode(secrets.token_bytes(32)).decode(),
            }
            request.session[SESSION_KEY] = stored
        return JsonResponse({**stored, "csrf": get_token(request), "user": request.user.username})


class ManifestView(OfflinePage):
    login_required = False

    def get(self, request: HttpRequest) -> HttpResponse:
        body = {
            "name": _("Palermo offline cases"),
            "short_name": _("Palermo"),
            "start_url": reverse("intake_triage:offline"),
            "scope": reverse("intake_triage:offline"),
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b5cad",
            "icons": [
                {"src": static("intake/icon-192.png"), "sizes": "192x192", "type": "image/png"}
            ],
        }
        return HttpResponse(json.dumps(body), content_type="application/manifest+json")


class ServiceWorkerView(OfflinePage):
    """The service worker, served under the app's path so that its scope is the app."""

    login_required = False

    def get(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(WORKER.read_bytes(), content_type="text/javascript")
        response["Cache-Control"] = "no-cache"
        return response
