"""`palermo setup-demo`: demo organisation and users for a first look (idempotent).

Passwords are generated once and kept in the data directory (mode 600), so a second run
prints the same login.
"""

from __future__ import annotations

import argparse
import secrets
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from palermo.core.choices import OrganisationKind, Role
from palermo.core.management.base import PalermoCommand, render_rows
from palermo.core.models import Organisation, User
from palermo.core.services import organisation_create, user_create

DEMO_ORG = "Palermo demo secretariat"
DEMO_SHELTER = "Palermo demo shelter"  # an NGO in Italy; `palermo demo-data` fills it with cases
# Names that `palermo demo-data` uses for its partners too (palermo/cases/demo/story.py): the
# demo cases are referred to the safe house and reported to the police unit.
DEMO_POLICE = "Demo anti-trafficking police unit"
DEMO_SAFE_HOUSE = "Demo safe house"
DEMO_COORDINATION = "Palermo demo national coordination office"
DEMO_ORGS = [
    (DEMO_ORG, OrganisationKind.INTERNATIONAL, False),
    (DEMO_SHELTER, OrganisationKind.NGO, True),
    (DEMO_POLICE, OrganisationKind.GOVERNMENT, True),
    (DEMO_SAFE_HOUSE, OrganisationKind.SERVICE_PROVIDER, True),
    (DEMO_COORDINATION, OrganisationKind.GOVERNMENT, True),
]
# One user for every role (and a case worker at a service provider, who sees referrals).
DEMO_USERS = [
    ("admin", Role.ADMINISTRATOR, DEMO_ORG, gettext_noop("administrator")),
    ("editor", Role.REGISTRY_EDITOR, DEMO_ORG, gettext_noop("registry editor")),
    ("analyst", Role.ANALYST, DEMO_ORG, gettext_noop("analyst")),
    ("caseworker", Role.CASE_WORKER, DEMO_SHELTER, gettext_noop("case worker")),
    ("provider", Role.CASE_WORKER, DEMO_SAFE_HOUSE, gettext_noop("service provider")),
    ("investigator", Role.INVESTIGATOR, DEMO_POLICE, gettext_noop("investigator / prosecutor")),
    (
        "coordinator",
        Role.NATIONAL_COORDINATOR,
        DEMO_COORDINATION,
        gettext_noop("national coordinator"),
    ),
    # A second coordinator of the same office: whoever submits a data set cannot validate it
    # (separation of duties), so the demo needs someone else to validate.
    (
        "coordinator2",
        Role.NATIONAL_COORDINATOR,
        DEMO_COORDINATION,
        gettext_noop("national coordinator (validates what coordinator submits)"),
    ),
]


class Command(PalermoCommand):
    help = (
        "Create the demo organisations and one user for every role (administrator, registry "
        "editor, analyst, case worker at the demo shelter, service provider, investigator, "
        "national coordinator, and a second national coordinator who validates what the first "
        "submits)."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--country",
            default="ITA",
            help="the country of the demo's national organisations (ISO alpha-3; default ITA)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        cred_file = settings.DATA_DIR / "demo-credentials.txt"
        if cred_file.exists():
            password = cred_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            cred_file.write_text(password + "\n")
            cred_file.chmod(0o600)
        for name, kind, national in DEMO_ORGS:
            if not Organisation.objects.filter(name=name).exists():
                organisation_create(
                    actor=None,
                    system=True,
                    name=name,
                    kind=kind,
                    country=opts["country"] if national else None,
                )
        for username, role, org, _label in DEMO_USERS:
            if not User.objects.filter(username=username).exists():
                user_create(
                    actor=None,
                    system=True,
                    username=username,
                    organisation=org,
                    role=role,
                    password=password,
                )
        self.stdout.write(_("Demo users, one for every role (all with the password below):"))
        rows = [
            {"user": username, "role": _(label), "organisation": org}
            for username, _role, org, label in DEMO_USERS
        ]
        self.stdout.write(render_rows(rows, ["user", "role", "organisation"], "table"))
        self.stdout.write("password: {}".format(password))
        self.stdout.write(_("(kept in {})").format(cred_file))
