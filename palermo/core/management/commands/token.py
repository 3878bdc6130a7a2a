"""`palermo token create USERNAME` (the token on the last line), `palermo token list [USERNAME]`,
`palermo token revoke ID`."""

from __future__ import annotations

import argparse
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from palermo.core.management.base import PalermoCommand, render_rows, user_named
from palermo.core.selectors import token_row, tokens_all, tokens_of
from palermo.core.services import token_issue, token_revoke

COLUMNS = ["id", "user", "name", "prefix", "created_at", "last_used_at", "expires_at", "state"]


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class Command(PalermoCommand):
    help = gettext_noop("Issue, list and revoke API tokens.")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        create = sub.add_parser("create", help=_("issue a token for a user"))
        create.add_argument("username", help=_("the user the token is for"))
        create.add_argument("--name", default="cli", help=_("a label for the token"))
        create.add_argument(
            "--expires-days",
            type=int,
            default=None,
            help=_("days the token is valid (default: PALERMO_TOKEN_DAYS)"),
        )
        listing = sub.add_parser("list", help=_("list tokens (never their secrets)"))
        listing.add_argument("username", nargs="?", help=_("only this user's tokens"))
        listing.add_argument(
            "--format", choices=["table", "json", "csv"], default="table", help=_("output format")
        )
        revoke = sub.add_parser("revoke", help=_("revoke a token (it gets 401 from then on)"))
        revoke.add_argument("id", type=int, help=_("the token's id, from 'palermo token list'"))

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "_" + opts["sub"])(opts)

    def _create(self, opts: dict[str, Any]) -> None:
        user = user_named(opts["username"])
        token, secret = token_issue(
            actor=None, user=user, name=opts["name"], expires_days=opts["expires_days"]
        )
        self.stdout.write(
            _("token {} for {}, valid until {} (send as 'Authorization: Bearer <token>'):").format(
                token.pk, user.username, _when(token.expires_at)
            )
        )
        self.stdout.write(secret)

    def _list(self, opts: dict[str, Any]) -> None:
        tokens = tokens_of(user_named(opts["username"])) if opts["username"] else tokens_all()
        rows = []
        for token in tokens.select_related("user"):
            row = token_row(token)
            row["user"] = token.user.username
            if opts["format"] != "json":
                for key in ("created_at", "last_used_at", "expires_at"):
                    row[key] = _when(row[key])
            rows.append(row)
        self.stdout.write(render_rows(rows, COLUMNS, opts["format"]))

    def _revoke(self, opts: dict[str, Any]) -> None:
        token = token_revoke(actor=None, token_id=opts["id"])
        self.stdout.write(
            _("revoked token {} ({}…) of {}").format(token.pk, token.prefix, token.user.username)
        )
