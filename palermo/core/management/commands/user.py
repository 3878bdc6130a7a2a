"""`palermo user create USERNAME --org NAME --role ROLE` (password from stdin or generated),
`palermo user deactivate|reactivate|unlock USERNAME`, `palermo user set-password USERNAME`,
`palermo user set-role USERNAME ROLE`."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from palermo.core.choices import Role
from palermo.core.lockout import login_unlock
from palermo.core.management.base import PalermoCommand, user_named
from palermo.core.services import (
    user_create,
    user_deactivate,
    user_reactivate,
    user_set_password,
    user_set_role,
)


class Command(PalermoCommand):
    help = (
        "Create, deactivate and reactivate users, set passwords, lift login lockouts. "
        "'create' reads the password from stdin when piped, else generates and prints one."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        create = sub.add_parser("create", help=_("create a user"))
        create.add_argument("username", help=_("the user's username"))
        create.add_argument("--org", required=True, help=_("organisation name"))
        create.add_argument("--role", required=True, choices=Role.values, help=_("the user's role"))
        create.add_argument("--email", default="", help=_("the user's e-mail address (optional)"))
        deactivate = sub.add_parser(
            "deactivate",
            help=_("the user can no longer log in: tokens revoked, sessions ended"),
        )
        deactivate.add_argument("username", help=_("the user's username"))
        reactivate = sub.add_parser("reactivate", help=_("the user can log in again"))
        reactivate.add_argument("username", help=_("the user's username"))
        password = sub.add_parser(
            "set-password", help=_("set a user's password (asked twice, or from stdin)")
        )
        password.add_argument("username", help=_("the user's username"))
        password.add_argument(
            "--password-stdin",
            action="store_true",
            help=_("read the password from the first line of stdin"),
        )
        role = sub.add_parser(
            "set-role", help=_("give a user another role (the node keeps an administrator)")
        )
        role.add_argument("username", help=_("the user's username"))
        role.add_argument("role", choices=Role.values, help=_("the new role"))
        unlock = sub.add_parser(
            "unlock", help=_("lift a lockout after failed logins, from every address")
        )
        unlock.add_argument("username", help=_("the user's username"))

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "_" + opts["sub"].replace("-", "_"))(opts)

    def _create(self, opts: dict[str, Any]) -> None:
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

    def _deactivate(self, opts: dict[str, Any]) -> None:
        user = user_named(opts["username"])
        summary = user_deactivate(actor=None, user=user, system=True)
        self.stdout.write(
            _("deactivated user {}: {} API tokens revoked, {} sessions ended").format(
                user.username, summary["tokens_revoked"], summary["sessions_ended"]
            )
        )

    def _reactivate(self, opts: dict[str, Any]) -> None:
        user = user_reactivate(actor=None, user=user_named(opts["username"]), system=True)
        self.stdout.write(
            _("reactivated user {} (API tokens revoked before stay revoked)").format(user.username)
        )

    def _set_password(self, opts: dict[str, Any]) -> None:
        user = user_named(opts["username"])
        if opts["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(_("New password for {}: ").format(user.username))
            again = getpass.getpass(_("The same password again: "))
            if password != again:
                raise CommandError(_("The two passwords differ; nothing was changed."))
        if not password:
            raise CommandError(_("No password given; nothing was changed."))
        user_set_password(actor=None, user=user, password=password, system=True)
        self.stdout.write(_("password of {} set").format(user.username))

    def _set_role(self, opts: dict[str, Any]) -> None:
        user = user_set_role(
            actor=None, user=user_named(opts["username"]), role=opts["role"], system=True
        )
        self.stdout.write(_("{} is now {}").format(user.username, user.role))

    def _unlock(self, opts: dict[str, Any]) -> None:
        username = opts["username"]
        count = login_unlock(actor=None, username=username)
        self.stdout.write(
            _("logins of {} unlocked ({} failed-login records removed)").format(username, count)
        )
