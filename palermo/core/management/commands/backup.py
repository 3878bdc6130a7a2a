"""`palermo backup OUT [--recipient age1...] [--include-keys]`: one encrypted archive of the node
(database snapshot, files, audit checkpoints); `--new-identity FILE` makes an operator key."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import pyrage
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from palermo.core.backup import backup_create
from palermo.core.management.base import PalermoCommand
from palermo.settings.env import private_file_write


class Command(PalermoCommand):
    help = "Write an encrypted backup of the node (README, 'Keys, audit log and backups')."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("out", type=Path, nargs="?", help="the archive to write (new file)")
        parser.add_argument(
            "--recipient",
            default=os.environ.get("PALERMO_BACKUP_RECIPIENT", ""),
            help="the operator's age public key, age1... (default: PALERMO_BACKUP_RECIPIENT; "
            "else the passphrase in PALERMO_BACKUP_PASSPHRASE)",
        )
        parser.add_argument(
            "--include-keys",
            action="store_true",
            help="put the field, audit and node keys in the archive too (keep it apart then)",
        )
        parser.add_argument(
            "--new-identity",
            type=Path,
            metavar="FILE",
            help="only create an age identity FILE (mode 600) for restores and print its "
            "recipient; keep the file off the node",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["new_identity"] is not None:
            path: Path = opts["new_identity"]
            if path.exists():
                raise CommandError(_("{} exists already.").format(path))
            identity = pyrage.x25519.Identity.generate()
            private_file_write(path, str(identity) + "\n", exclusive=True)
            self.stdout.write(_("identity written to {}; its recipient:").format(path))
            self.stdout.write(str(identity.to_public()))
            return
        if opts["out"] is None:
            raise CommandError(_("Name the archive to write."))
        report = backup_create(
            opts["out"],
            recipient=opts["recipient"],
            passphrase=os.environ.get("PALERMO_BACKUP_PASSPHRASE", ""),
            include_keys=opts["include_keys"],
        )
        self.stdout.write(
            _(
                "backup written to {} ({} bytes): database {}, {} files, {} checkpoint files, {}"
            ).format(
                report.path,
                report.bytes,
                report.database,
                report.files,
                report.checkpoints,
                _("WITH the keys") if report.includes_keys else _("without keys"),
            )
        )
