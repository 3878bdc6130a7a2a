"""`palermo user create USERNAME --org NAME --role ROLE`: password from stdin or generated."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.utils.translation import gettext as _

from palermo.core.choices import Role
from palermo.core.management.base import PalermoCommand
from palermo.core.services import user_create


class Command(PalermoCommand):
    help = "Create users. The password is read from stdin when piped, else generated and printed."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        create = sub.add_parser("create", help="create a user")
        create.add_argument("username")
        create.add_argument("--org", required=True, help="organisation name")
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--email", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        password = None
        if not sys.stdin.isatty():
            password = sys.stdin.readline().rstrip("\n") or None
        user, generated = user_create(
            actor=None,
            system=True,
            username=opts["username"],
            organisation=opts["org"],
            role=opts["role"],
            password=password,
            email=opts["email"],
        )
        self.stdout.write(
            _("created user {} ({}, {})").format(user.username, user.role, opts["org"])
        )
        if generated:
            self.stdout.write("password: {}".format(generated))
