"""`palermo nodes add|list|ping`: the peer nodes this node exchanges signed messages with."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from palermo.cooperation import selectors, services
from palermo.core.management.base import PalermoCommand, render_rows
from palermo.core.models import User


class Command(PalermoCommand):
    help = "Peer nodes: register one with its public key, list them, ping one."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        add = sub.add_parser("add", help="register a peer node (audited)")
        add.add_argument("name", help=_("the peer node's name"))
        add.add_argument("url", help="base URL, e.g. https://palermo.example.org")
        add.add_argument("--key", required=True, help="its public key (`palermo node key` there)")
        add.add_argument("--country", help="the state whose authorities work on it (ISO alpha-3)")
        add.add_argument("--as", dest="as_user", help="username of the administrator")
        ls = sub.add_parser("list", help="list peer nodes")
        ls.add_argument(
            "--format", choices=["table", "json", "csv"], default="table", help=_("output format")
        )
        ping = sub.add_parser("ping", help="send a signed ping and check the signed receipt")
        ping.add_argument("name", help=_("the peer node's name"))

    def handle(self, *args: Any, **options: Any) -> None:
        sub = options["sub"]
        if sub == "add":
            actor = None
            if options["as_user"]:
                actor = User.objects.filter(username=options["as_user"]).first()
                if actor is None:
                    raise CommandError(_("No user named '{}'.").format(options["as_user"]))
            node = services.node_add(
                name=options["name"],
                url=options["url"],
                public_key=options["key"],
                actor=actor,
                country=options["country"],
            )
            self.stdout.write(_("Added node {} ({}).").format(node.name, node.url))
        elif sub == "list":
            rows = [
                {
                    "name": n.name,
                    "url": n.url,
                    "public_key": n.public_key,
                    "active": n.active,
                    "country": n.country_id or "",
                    "created_at": n.created_at.isoformat(timespec="seconds"),
                }
                for n in selectors.node_list()
            ]
            columns = ["name", "url", "public_key", "country", "active", "created_at"]
            self.stdout.write(render_rows(rows, columns, options["format"]))
        elif sub == "ping":
            node = services.node_get(name=options["name"])
            ms, receipt = services.node_ping(node=node)
            self.stdout.write(
                _("{}: signed receipt {} in {:.1f} ms").format(node.name, receipt["status"], ms)
            )
