"""`palermo caselaw`: the case law from the command line (issue 17)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from palermo.caselaw import interchange, selectors, services
from palermo.core.management.base import PalermoCommand, render_rows, user_named

COLUMNS = ("key", "title", "court", "decided_on", "case_number", "instance", "outcomes")


class Command(PalermoCommand):
    help = gettext_noop(
        "Case law: import a case-law file (the documented JSON, checked whole, written in one "
        "transaction), export the decisions as one, search them, or load the seed decisions."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        load = sub.add_parser(
            "import", help=_("import a case-law file (palermo-caselaw/1): all or nothing")
        )
        load.add_argument("path", type=Path, metavar="FILE.json", help=_("the file to import"))
        load.add_argument("--as", dest="as_user", required=True, help=_("username of who acts"))
        export = sub.add_parser("export", help=_("write the decisions as a case-law file"))
        export.add_argument("--out", type=Path, help=_("the file to write (default: the output)"))
        export.add_argument(
            "--as", dest="as_user", help=_("username of who acts (drafts too for editors)")
        )
        find = sub.add_parser("search", help=_("search the decisions in any UN language"))
        find.add_argument("words", nargs="+", help=_("the words to look for"))
        find.add_argument("--as", dest="as_user", help=_("username of who acts"))
        find.add_argument(
            "--format", choices=("table", "json", "csv"), default="table", help=_("output format")
        )
        sub.add_parser("seed", help=_("load the keyword vocabulary and the seed decisions"))

    def handle(self, *args: Any, **opts: Any) -> None:
        user = user_named(opts["as_user"]) if opts.get("as_user") else None
        sub = opts["sub"]
        if sub == "import":
            try:
                data = json.loads(opts["path"].read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise CommandError(
                    _("{}: not a readable JSON file ({}).").format(opts["path"], type(exc).__name__)
                ) from exc
            report = services.decisions_import(actor=user, data=data)
            self.stdout.write(
                _("{} created, {} updated").format(len(report.created), len(report.updated))
            )
        elif sub == "export":
            data = interchange.export_file(selectors.export_rows(user))
            text = json.dumps(data, ensure_ascii=False, indent=1)
            if opts["out"]:
                opts["out"].write_text(text + "\n", encoding="utf-8")
                self.stdout.write(_("{} decisions written").format(len(data["decisions"])))
            else:
                sys.stdout.write(text + "\n")
        elif sub == "search":
            results = selectors.decisions_search(
                user, selectors.Filters(q=" ".join(opts["words"])), facets_too=False
            )
            rows = [selectors.row(d) for d in results.decisions]
            self.stdout.write(render_rows(rows, COLUMNS, opts["format"]))
        else:
            report = services.seed_load()
            self.stdout.write(_("{} decisions added").format(len(report.created)))
