"""`palermo scheduler`: run the node's periodic jobs at their intervals until stopped
(palermo.core.schedule; `palermo serve` runs it as one of the node's parts)."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType
from typing import Any

from django.utils.translation import gettext as _

from palermo.core import schedule
from palermo.core.management.base import PalermoCommand


class Command(PalermoCommand):
    help = "Run the periodic jobs (sessions, reminders, retention ...) at their intervals."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="run the jobs that are due now, then exit"
        )
        parser.add_argument(
            "--list", action="store_true", help="list the jobs, their intervals and last runs"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["list"]:
            state = schedule.scheduler_state()
            for job in schedule.periodic_jobs():
                last = state.get(job.name)
                self.stdout.write(
                    "{}  every {}  last run {}".format(
                        job.name, job.every, last.isoformat(timespec="seconds") if last else "-"
                    )
                )
            return
        if opts["once"]:
            ran, _wait = schedule.scheduler_tick()
            self.stdout.write(_("{} jobs ran").format(ran))
            return
        stop = threading.Event()

        def on_signal(_signum: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        schedule.scheduler_loop(stop)
