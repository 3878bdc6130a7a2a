"""Template context shared by every page: navigation and the user's role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from palermo.core.permissions import can_edit_registry

NAVIGATION = [
    ("web:home", _("Home")),
    ("registry:instrument_list", _("Instruments")),
    ("registry:country_list", _("Countries")),
    ("registry:mechanism_list", _("Mechanisms")),
    ("registry:directory", _("Directory")),
    ("registry:conflict_list", _("Conflicts")),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"navigation": NAVIGATION, "can_edit_registry": can_edit_registry(user)}
