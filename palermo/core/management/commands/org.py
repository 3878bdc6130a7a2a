"""`palermo org create|list`: organisations of this node."""

from __future__ import annotations

import argparse
from typing import Any

from django.utils.translation import gettext as _

from palermo.core.choices import OrganisationKind
from palermo.core.management.base import PalermoCommand, render_rows
from palermo.core.models import Organisation
from palermo.core.services import organisation_create


class Command(PalermoCommand):
    help = "Create and list organisations."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        create = sub.add_parser("create", help="create an organisation")
        create.add_argument("--name", required=True, help=_("the organisation's name (unique)"))
        create.add_argument(
            "--kind",
            required=True,
            choices=OrganisationKind.values,
            help=_("what kind of organisation"),
        )
        create.add_argument("--country", help="ISO 3166-1 alpha-3 code")
        create.add_argument("--parent", help="name of the parent organisation")
        lst = sub.add_parser("list", help="list organisations")
        lst.add_argument(
            "--format", choices=["table", "json", "csv"], default="table", help=_("output format")
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["sub"] == "create":
            org = organisation_create(
                actor=None,
                system=True,
                name=opts["name"],
                kind=opts["kind"],
                country=opts.get("country"),
                parent=opts.get("parent"),
            )
            self.stdout.write(_("created organisation {} ({})").format(org.name, org.kind))
            return
        rows = [
            {
                "name": o.name,
                "kind": o.kind,
                "country": o.country_id or "",
                "parent": o.parent.name if o.parent else "",
                "users": o.users.count(),
            }
            for o in Organisation.objects.select_related("parent").order_by("name")
        ]
        self.stdout.write(
            render_rows(rows, ["name", "kind", "country", "parent", "users"], opts["format"])
        )
