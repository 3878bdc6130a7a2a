"""`palermo restore ARCHIVE [--identity FILE] [--force]`: bring a backup back into an empty node
and check it (audit chain, every encrypted item readable); exit 1 when a check fails."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from palermo.core.backup import backup_restore
from palermo.core.management.base import PalermoCommand


class Command(PalermoCommand):
    help = "Restore an encrypted backup into this node and verify it."
    # A node being restored has no data yet, or not the keys of it: the start-up check waits.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("archive", type=Path, help=_("the encrypted backup file"))
        parser.add_argument(
            "--identity",
            type=Path,
            help="the age identity file the archive was encrypted to (else the passphrase in "
            "PALERMO_BACKUP_PASSPHRASE)",
        )
        parser.add_argument(
            "--force", action="store_true", help="restore over a database that is not empty"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        archive: Path = opts["archive"]
        if not archive.is_file():
            raise CommandError(_("No archive {}.").format(archive))
        report = backup_restore(
            archive,
            identity_file=opts["identity"],
            passphrase=os.environ.get("PALERMO_BACKUP_PASSPHRASE", ""),
            force=opts["force"],
        )
        self.stdout.write(
            _("restored the backup of node '{}' made {}: {} files{}").format(
                report.node,
                report.created,
                report.files,
                "; " + _("keys: {}").format(", ".join(report.keys)) if report.keys else "",
            )
        )
        chain = report.chain
        if chain.ok:
            self.stdout.write(
                _("audit chain intact: {} entries (hashes and MACs), {} signed checkpoints").format(
                    chain.checked, chain.checkpoints
                )
            )
        else:
            self.stdout.write(
                _("audit chain broken at entry #{}: {}").format(
                    chain.first_broken_sequence, chain.reason
                )
            )
        for label, (readable, unreadable) in report.encrypted.items():
            self.stdout.write(
                _("{}: {} readable, {} unreadable").format(label, readable, unreadable)
            )
        if not report.ok:
            raise CommandError(
                _(
                    "the restored node does not verify: give it the keys the backup was made "
                    "with (PALERMO_KEY_DIR or PALERMO_FIELD_KEYS and PALERMO_AUDIT_KEY), then run "
                    "`palermo keys check` and `palermo audit verify`"
                )
            )
        self.stdout.write(_("restore verified"))
