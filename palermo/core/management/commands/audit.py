"""`palermo audit verify`: check the hash chain of the audit log."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from palermo.core.audit import audit_verify
from palermo.core.management.base import PalermoCommand


class Command(PalermoCommand):
    help = "Audit log tools."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        sub.add_parser("verify", help="verify the hash chain; exit 1 at the first broken entry")

    def handle(self, *args: Any, **opts: Any) -> None:
        report = audit_verify()
        if report.ok:
            self.stdout.write(_("audit chain intact: {} entries verified").format(report.checked))
            return
        raise CommandError(
            _("audit chain broken at entry #{}: {} ({} entries verified before it)").format(
                report.first_broken_sequence, report.reason, report.checked
            )
        )
