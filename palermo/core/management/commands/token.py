"""`palermo token create USERNAME`: issue an API token (printed on the last line)."""

from __future__ import annotations

import argparse
from typing import Any

from django.utils.translation import gettext as _

from palermo.core.errors import NotFoundError
from palermo.core.management.base import PalermoCommand
from palermo.core.models import User
from palermo.core.services import token_create


class Command(PalermoCommand):
    help = "Issue API tokens."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        create = sub.add_parser("create", help="issue a token for a user")
        create.add_argument("username")
        create.add_argument("--name", default="cli")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["username"]).first()
        if user is None:
            raise NotFoundError(_("No user named '{}'.").format(opts["username"]))
        secret = token_create(actor=None, user=user, name=opts["name"])
        self.stdout.write(
            _("token for {} (send as 'Authorization: Bearer <token>'):").format(user.username)
        )
        self.stdout.write(secret)
