"""`palermo cooperation deliver [--loop]`: send the outbox until acknowledged."""

from __future__ import annotations

import argparse
import time
from typing import Any

from palermo.cooperation import services
from palermo.core.management.base import PalermoCommand


class Command(PalermoCommand):
    help = "Node-to-node cooperation: deliver the outbox (signed, retried with back-off)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        deliver = sub.add_parser("deliver", help="send due outbox messages")
        deliver.add_argument("--loop", action="store_true", help="keep delivering until stopped")
        deliver.add_argument("--interval", type=float, default=1.0, help="seconds between runs")
        deliver.add_argument("--limit", type=int, default=500, help="messages per run")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            report = services.outbox_deliver(limit=options["limit"])
            if report.sent or not options["loop"]:
                self.stdout.write(
                    "sent {} acknowledged {} failed {} pending {}".format(
                        report.sent, report.acknowledged, report.failed, report.pending
                    )
                )
            if not options["loop"]:
                return
            if report.sent == report.acknowledged and report.sent >= options["limit"]:
                continue
            time.sleep(options["interval"])
