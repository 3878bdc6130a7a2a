"""`palermo linkage files`: record linkage from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from palermo.core.management.base import PalermoCommand
from palermo.core.progress import progress_bar
from palermo.linkage.files import files_link
from palermo.linkage.records import COLUMNS, RecordError


class Command(PalermoCommand):
    help = gettext_noop(
        "Record linkage: files links CSV files of person records (in any script) and writes "
        "which records are the same person, without loading them into the case database."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        files = sub.add_parser(
            "files",
            help=_(
                "link CSV files (columns: %(columns)s; rec_id required, any other may be "
                "empty) and write rec_id,cluster_id,file for every record"
            )
            % {"columns": ", ".join(COLUMNS)},
        )
        files.add_argument(
            "paths", nargs="+", type=Path, metavar="FILE.csv", help=_("the CSV files to link")
        )
        files.add_argument("--out", required=True, type=Path, help=_("the CSV file to write"))
        files.add_argument(
            "--link-only",
            action="store_true",
            help=_("each file holds each person at most once: compare records across files only"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sub"] == "files":
            self._files(options)

    def _files(self, options: dict[str, Any]) -> None:
        try:
            with progress_bar(_("Linking"), _("steps")) as progress:
                report = files_link(
                    options["paths"],
                    options["out"],
                    link_only=options["link_only"],
                    progress=progress,
                )
        except RecordError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "%(records)d records, %(clusters)d persons (%(linked)d records linked to "
                "another); %(candidates)d pairs compared, %(matches)d matched; written to "
                "%(out)s"
            )
            % {
                "records": report.records,
                "clusters": report.clusters,
                "linked": report.linked_records,
                "candidates": report.candidates,
                "matches": report.matches,
                "out": options["out"],
            }
        )
