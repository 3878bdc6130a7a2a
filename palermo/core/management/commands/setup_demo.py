"""`palermo setup-demo`: demo organisation and users for a first look (idempotent).

Passwords are generated once and kept in the data directory (mode 600), so a second run
prints the same login.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings

from palermo.core.choices import OrganisationKind, Role
from palermo.core.management.base import PalermoCommand
from palermo.core.models import Organisation, User
from palermo.core.services import organisation_create, user_create

DEMO_ORG = "Palermo demo secretariat"
DEMO_USERS = [
    ("admin", Role.ADMINISTRATOR),
    ("editor", Role.REGISTRY_EDITOR),
    ("analyst", Role.ANALYST),
]


class Command(PalermoCommand):
    help = "Create the demo organisation and demo users (administrator, registry editor, analyst)."

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
        for username, role in DEMO_USERS:
            if not User.objects.filter(username=username).exists():
                user_create(
                    actor=None,
                    system=True,
                    username=username,
                    organisation=DEMO_ORG,
                    role=role,
                    password=password,
                )
        self.stdout.write(
            "demo users: {} (all with the password below)".format(
                ", ".join("{} ({})".format(u, r.value) for u, r in DEMO_USERS)
            )
        )
        self.stdout.write("password: {}".format(password))
        self.stdout.write("(kept in {})".format(cred_file))
