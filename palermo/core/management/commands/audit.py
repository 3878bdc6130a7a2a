"""`palermo audit verify`: check the audit log's hashes, MACs and signed checkpoints;
`palermo audit checkpoint`: sign the chain head now."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from palermo.core.audit import audit_verify
from palermo.core.checkpoints import checkpoint_create, checkpoint_file, witness_copies
from palermo.core.management.base import PalermoCommand


class Command(PalermoCommand):
    help = "Audit log tools."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        verify = sub.add_parser(
            "verify",
            help="verify the hashes, MACs and signed checkpoints; exit 1 at the first bad entry",
        )
        verify.add_argument(
            "--checkpoints",
            type=Path,
            action="append",
            default=[],
            metavar="FILE",
            help="more checkpoints of this node (JSON lines, e.g. from a peer's "
            "`palermo witness list --node NAME`); repeatable",
        )
        verify.add_argument(
            "--witnesses",
            action="store_true",
            help="also ask every active peer node for the copies of this node's checkpoints it "
            "keeps, and check the log against them",
        )
        sub.add_parser(
            "checkpoint",
            help="sign the chain head now, append it to the checkpoint file and "
            "send it to the peer nodes",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["sub"] == "checkpoint":
            checkpoint = checkpoint_create(force=True)
            if checkpoint is None:
                self.stdout.write(_("the audit log is empty: nothing to sign"))
                return
            self.stdout.write(
                _("checkpoint at entry #{} signed, in {}").format(
                    checkpoint.sequence, checkpoint_file()
                )
            )
            return
        witnessed: dict[str, list[Any]] = {}
        if opts["witnesses"]:
            witnessed, failures = witness_copies()
            for peer, items in sorted(witnessed.items()):
                self.stdout.write(_("witness {}: {} checkpoints kept").format(peer, len(items)))
            for peer, why in sorted(failures.items()):
                self.stderr.write(_("witness {}: no answer ({})").format(peer, why))
        report = audit_verify(checkpoint_files=opts["checkpoints"], witnessed=witnessed)
        if report.ok:
            self.stdout.write(
                _(
                    "audit chain intact: {} entries verified (hashes and MACs), {} signed "
                    "checkpoints matched"
                ).format(report.checked, report.checkpoints)
            )
            return
        if report.first_broken_sequence is None:
            raise CommandError(_("audit log cannot be verified: {}").format(report.reason))
        raise CommandError(
            _("audit chain broken at entry #{}: {} ({} entries verified before it)").format(
                report.first_broken_sequence, report.reason, report.checked
            )
        )
