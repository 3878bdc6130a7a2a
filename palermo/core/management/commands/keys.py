"""`palermo keys init [--dir DIR]`: create the node's key directory; `palermo keys check`: whether
the node's keys fit its database (README, "Keys, audit log and backups")."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from palermo.core.keys import keys_init, keys_problems
from palermo.core.management.base import PalermoCommand
from palermo.settings.env import key_dir


class Command(PalermoCommand):
    help = "The node's keys: create a key directory, check that the keys fit the database."
    # `keys init` runs before the node has keys, so before the check that refuses without them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        init = sub.add_parser(
            "init",
            help="create the key directory (mode 700) and its missing key files "
            "field_keys, audit_key, node_key, name_index_key (mode 600); existing files are kept",
        )
        init.add_argument("--dir", type=Path, help="the key directory (default: PALERMO_KEY_DIR)")
        sub.add_parser("check", help="exit 1 when the keys cannot read the node's data")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["sub"] == "check":
            problems = keys_problems()
            if problems:
                raise CommandError("\n".join(problems))
            self.stdout.write(_("the node's keys read its data"))
            return
        directory = opts.get("dir") or key_dir()
        if directory is None:
            raise CommandError(_("Name the key directory: --dir DIR or PALERMO_KEY_DIR."))
        created = keys_init(Path(directory).resolve())
        if created:
            self.stdout.write(_("created in {}: {}").format(directory, ", ".join(created)))
        else:
            self.stdout.write(_("{} has every key file already; nothing changed").format(directory))
        self.stdout.write(
            _(
                "Back the key directory up apart from the data: a backup of the data without it "
                "cannot be read."
            )
        )
