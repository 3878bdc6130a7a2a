"""`palermo activities`: the clearing house from the command line (issue 17)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from palermo.activities import iati, selectors, services
from palermo.core.management.base import PalermoCommand, user_named


class Command(PalermoCommand):
    help = gettext_noop(
        "The clearing house of technical assistance and training: import an IATI activity file "
        "(2.03, checked whole, written in one transaction) or export the activities as one."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        load = sub.add_parser("import", help=_("import an IATI activity file: all or nothing"))
        load.add_argument("path", type=Path, metavar="FILE.xml", help=_("the IATI file"))
        load.add_argument("--as", dest="as_user", required=True, help=_("username of who acts"))
        out = sub.add_parser("export", help=_("write the activities as an IATI 2.03 file"))
        out.add_argument("--out", type=Path, help=_("the file to write (default: the output)"))
        out.add_argument("--country", default="", help=_("recipient country (ISO alpha-3)"))
        need = sub.add_parser("need", help=_("record a need a State stated (once)"))
        need.add_argument("country", metavar="COUNTRY", help=_("the State (ISO alpha-3)"))
        need.add_argument("theme", metavar="THEME", help=_("a theme's code (protocol-art-10 ...)"))
        need.add_argument("--profession", default="", help=_("a profession's code (any if none)"))
        need.add_argument("--year", type=int, required=True, help=_("the year it was stated"))
        need.add_argument("--source", required=True, help=_("where the State stated it"))
        need.add_argument("--as", dest="as_user", required=True, help=_("username of who acts"))

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["sub"] == "import":
            user = user_named(opts["as_user"])
            try:
                content = opts["path"].read_bytes()
            except OSError as exc:
                raise CommandError(
                    _("{}: not a readable file ({}).").format(opts["path"], type(exc).__name__)
                ) from exc
            report = services.activities_import(
                actor=user, content=content, source=opts["path"].name
            )
            self.stdout.write(_("{} created, {} updated").format(report.created, report.updated))
            return
        if opts["sub"] == "need":
            services.need_record(
                actor=user_named(opts["as_user"]),
                country=opts["country"].upper(),
                theme=opts["theme"],
                profession=opts["profession"],
                year=opts["year"],
                source=opts["source"],
            )
            self.stdout.write(_("The need is recorded."))
            return
        rows = selectors.exported(country=opts["country"].upper())
        content = iati.write(rows, timezone.now())
        if opts["out"]:
            opts["out"].write_bytes(content)
            self.stdout.write(_("{} activities written").format(rows.count()))
        else:
            sys.stdout.buffer.write(content)
