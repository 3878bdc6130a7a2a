"""`palermo witness list [--node NAME]`: the peers' signed audit checkpoints kept here."""

from __future__ import annotations

import argparse
import json
from typing import Any

from palermo.cooperation.witness import witnesses
from palermo.core.management.base import PalermoCommand


class Command(PalermoCommand):
    help = "Peer nodes' audit checkpoints kept by this node as a witness."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        listing = sub.add_parser(
            "list",
            help="print them as JSON lines (the peer's `palermo audit verify --checkpoints FILE` "
            "reads them); `conflict` marks a sequence signed with two hashes",
        )
        listing.add_argument("--node", default="", help="only this peer node's")

    def handle(self, *args: Any, **opts: Any) -> None:
        for witnessed in witnesses(opts["node"] or None):
            data = {**witnessed.checkpoint.as_dict(), "conflict": witnessed.conflict}
            self.stdout.write(json.dumps(data, sort_keys=True))
