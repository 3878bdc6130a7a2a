"""Code lists of the core app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    GOVERNMENT = "government", _("Government agency")
    REGIONAL_MECHANISM = "regional_mechanism", _("Regional mechanism")
    INTERNATIONAL = "international", _("International organisation")
    NGO = "ngo", _("Non-governmental organisation")
    SERVICE_PROVIDER = "service_provider", _("Service provider")


class Role(models.TextChoices):
    CASE_WORKER = "case_worker", _("Case worker")
    INVESTIGATOR = "investigator", _("Investigator / prosecutor")
    NATIONAL_COORDINATOR = "national_coordinator", _("National coordinator")
    ANALYST = "analyst", _("Analyst")
    REGISTRY_EDITOR = "registry_editor", _("Registry editor")
    ADMINISTRATOR = "administrator", _("Administrator")


class AuditAction(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    READ = "read", _("Read personal data")
    LOGIN = "login", _("Log in")
    TOKEN = "token", _("API token issued")
    TOKEN_REVOKE = "token_revoke", _("API token revoked")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOCKOUT = "lockout", _("Logins locked out")
    UNLOCK = "unlock", _("Logins unlocked")
    DEACTIVATE = "deactivate", _("User deactivated")
    REACTIVATE = "reactivate", _("User reactivated")
    PASSWORD = "password", _("Password set")
    INVITE = "invite", _("Invitation link issued")


class JobState(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
