"""`palermo load-reference`: countries, registry reference data, identification indicator
lists and the case law the seed documents name (idempotent). It lives in `web` because it
loads the data of several apps."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from palermo.caselaw.services import seed_load
from palermo.cases.identification import indicator_lists_load
from palermo.core.management.base import PalermoCommand
from palermo.registry.reference import DATA_DIR, ReferenceDataError, load_reference
from palermo.statistics.definitions import definitions_load


class Command(PalermoCommand):
    help = "Load countries (ISO 3166, CLDR names) and the registry reference data. Safe to repeat."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--data-dir", type=Path, default=DATA_DIR, help="folder of the data files"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            report = load_reference(opts["data_dir"])
            statistics = definitions_load()  # indicators, data sets, rules, seed figures
        except ReferenceDataError as exc:
            raise CommandError(
                _("reference data not loaded, nothing written: {}").format(exc)
            ) from exc
        for kind, counts in sorted(report.counts.items()):
            shown = ", ".join("{} {}".format(v, k) for k, v in counts.items() if v)
            self.stdout.write("{:<16} {}".format(kind, shown or _("unchanged")))
        caselaw = seed_load()
        self.stdout.write(
            "{:<16} {}".format("caselaw", _("{} decisions added").format(len(caselaw.created)))
        )
        lists = indicator_lists_load()
        self.stdout.write("{:<16} {}".format("indicator_list", _("{} lists").format(lists)))
        self.stdout.write(
            "{:<16} {}".format("statistics", _("{} changes").format(statistics.changed))
        )
        self.stdout.write(_("reference data loaded: {} changes").format(report.changed))
