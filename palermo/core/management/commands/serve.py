"""`palermo serve`: the whole node (web server, task worker, scheduler, outbox delivery),
supervised; `--web-only` the web server alone (palermo.core.serve)."""

from __future__ import annotations

import argparse
import re
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from palermo.core import serve
from palermo.core.management.base import PalermoCommand

BIND = re.compile(r"^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$|^unix:/\S+$")


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a whole number: {}").format(value)) from None
    if number < 1:
        raise argparse.ArgumentTypeError(_("must be at least 1"))
    return number


class Command(PalermoCommand):
    help = (
        "Run the node: the web server (gunicorn), the task worker, the scheduler and the outbox "
        "delivery, restarted when one fails; stops cleanly on Ctrl-C or SIGTERM."
    )
    requires_system_checks: list[str] = []  # the web part runs them; the parts start at once

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="HOST:PORT to listen on (default %(default)s)"
        )
        parser.add_argument(
            "--workers",
            type=_positive,
            help="web server processes (default: PALERMO_WEB_WORKERS, else one per CPU, 2 to 8)",
        )
        parser.add_argument(
            "--threads",
            type=_positive,
            help="threads per web process (default: PALERMO_WEB_THREADS, else 4)",
        )
        parser.add_argument(
            "--web-only",
            action="store_true",
            help="the web server alone (the worker, scheduler and delivery run as their own "
            "services: `palermo db_worker`, `palermo scheduler`, "
            "`palermo cooperation deliver --loop`)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        bind = opts["bind"]
        if not BIND.match(bind):
            raise CommandError(_("--bind is HOST:PORT (e.g. 127.0.0.1:8000), not {}").format(bind))
        workers = opts["workers"] or serve.default_workers()
        threads = opts["threads"] or settings.PALERMO_WEB_THREADS
        if opts["web_only"]:
            self.check()
            serve.web_serve(bind=bind, workers=workers, threads=threads)
            return
        status = serve.supervise(serve.node_parts(bind=bind, workers=workers, threads=threads))
        if status:
            raise SystemExit(status)
