"""`palermo setup-demo`: demo organisation and users for a first look (idempotent).

Passwords are generated once and kept in the data directory (mode 600), so a second run
prints the same login.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from palermo.core.choices import OrganisationKind, Role
from palermo.core.management.base import PalermoCommand
from palermo.core.models import Organisation, User
from palermo.core.services import organisation_create, user_create

DEMO_ORG = "Palermo demo secretariat"
DEMO_SHELTER = "Palermo demo shelter"  # an NGO in Italy; `palermo demo-data` fills it with cases
DEMO_USERS = [
    ("admin", Role.ADMINISTRATOR, DEMO_ORG),
    ("editor", Role.REGISTRY_EDITOR, DEMO_ORG),
    ("analyst", Role.ANALYST, DEMO_ORG),
    ("caseworker", Role.CASE_WORKER, DEMO_SHELTER),
]


class Command(PalermoCommand):
    help = (
        "Create the demo organisations and users (administrator, registry editor, analyst; a case "
        "worker at the demo shelter)."
    )

    def handle(self, *args: Any, **opts: Any) -> None:
        cred_file = settings.DATA_DIR / "demo-credentials.txt"
        if cred_file.exists():
            password = cred_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            cred_file.write_text(password + "\n")
            cred_file.chmod(0o600)
        if not Organisation.objects.filter(name=DEMO_ORG).exists():
            organisation_create(
                actor=None, system=True, name=DEMO_ORG, kind=OrganisationKind.INTERNATIONAL
            )
        if not Organisation.objects.filter(name=DEMO_SHELTER).exists():
            organisation_create(
                actor=None, system=True, name=DEMO_SHELTER, kind=OrganisationKind.NGO, country="ITA"
            )
        for username, role, org in DEMO_USERS:
            if not User.objects.filter(username=username).exists():
                user_create(
                    actor=None,
                    system=True,
                    username=username,
                    organisation=org,
                    role=role,
                    password=password,
                )
        self.stdout.write(
            _("demo users: {} (all with the password below)").format(
                ", ".join("{} ({})".format(u, r.value) for u, r, _ in DEMO_USERS)
            )
        )
        self.stdout.write("password: {}".format(password))
        self.stdout.write(_("(kept in {})").format(cred_file))
