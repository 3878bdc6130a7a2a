"""Template context shared by every page: navigation and the user's role."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from palermo.core.choices import Role
from palermo.core.permissions import can_edit_registry, has_role
from palermo.intake.triage import is_operator
from palermo.web.errors import upload_limits

NAVIGATION = [
    ("web:home", _("Home")),
    ("registry:instrument_list", _("Instruments")),
    ("registry:country_list", _("Countries")),
    ("registry:mechanism_list", _("Mechanisms")),
    ("registry:directory", _("Directory")),
    ("registry:conflict_list", _("Conflicts")),
    ("caselaw:search", _("Case law")),
    ("activities:list", _("Clearing house")),
    ("intake:report", _("Report trafficking")),
]
# The hotline's triage queue: for its operators (the case workers of a hotline organisation).
HOTLINE_NAVIGATION = [("intake_triage:queue", _("Hotline"))]
# The offline web app: for those who edit cases in the field.
OFFLINE_NAVIGATION = [("intake_triage:offline", _("Offline cases"))]
# Case management, after "Home": only for the roles that work on cases.
CASE_NAVIGATION = [("cases:list", _("Cases"))]
CASE_WORK_NAVIGATION = [("cases:inbox", _("Referrals")), ("cases:deadlines", _("Deadlines"))]
# Cross-border cooperation: requests for investigators/prosecutors and national coordinators;
# analysts see only its statistics.
COOPERATION_NAVIGATION = [("cooperation:inbox", _("Cooperation"))]
COOPERATION_STATISTICS_NAVIGATION = [("cooperation:statistics", _("Cooperation statistics"))]
# Record linkage: duplicates within the node and exercises with other nodes, for the roles that
# review matches.
LINKAGE_NAVIGATION = [("linkage:list", _("Linkage"))]
# Statistics, after the registry: figures for everyone, data entry for national coordinators.
STATISTICS_NAVIGATION = [("statistics:index", _("Statistics"))]
STATISTICS_ENTRY_NAVIGATION = [("statistics:entry", _("Data entry"))]
# Monitoring and reporting: a secretariat's questionnaires, and the States' coordinators.
MONITORING_NAVIGATION = [("monitoring:rounds", _("Rounds")), ("monitoring:plans", _("Plans"))]
QUESTIONNAIRE_NAVIGATION = [("monitoring:questionnaires", _("Questionnaires"))]
# The node's administration: users, organisations, tokens, audit log (administrators only).
ADMIN_NAVIGATION = [("web:admin_users", _("Administration"))]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    cases = []
    if has_role(user, Role.CASE_WORKER, Role.INVESTIGATOR, Role.NATIONAL_COORDINATOR):
        cases += CASE_NAVIGATION
    if has_role(user, Role.CASE_WORKER, Role.INVESTIGATOR):
        cases += CASE_WORK_NAVIGATION
    if has_role(user, Role.INVESTIGATOR, Role.NATIONAL_COORDINATOR):
        cases += COOPERATION_NAVIGATION
    elif has_role(user, Role.ANALYST):
        cases += COOPERATION_STATISTICS_NAVIGATION
    if has_role(user, Role.CASE_WORKER, Role.INVESTIGATOR, Role.NATIONAL_COORDINATOR):
        cases += LINKAGE_NAVIGATION
    if is_operator(user):
        cases += HOTLINE_NAVIGATION
    if has_role(user, Role.CASE_WORKER, Role.INVESTIGATOR):
        cases += OFFLINE_NAVIGATION
    statistics = list(STATISTICS_NAVIGATION)
    if has_role(user, Role.NATIONAL_COORDINATOR):
        statistics += STATISTICS_ENTRY_NAVIGATION
    if has_role(user, Role.ANALYST, Role.REGISTRY_EDITOR):
        statistics += QUESTIONNAIRE_NAVIGATION
    if has_role(user, Role.ANALYST, Role.REGISTRY_EDITOR, Role.NATIONAL_COORDINATOR):
        statistics += MONITORING_NAVIGATION
    if has_role(user, Role.ADMINISTRATOR):
        statistics += ADMIN_NAVIGATION
    return {
        "navigation": NAVIGATION[:1] + cases + NAVIGATION[1:] + statistics,
        "can_edit_registry": can_edit_registry(user),
        "upload_limits": upload_limits(),
    }
