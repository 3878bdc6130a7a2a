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
from palermo.linkage import attack, pprl
from palermo.linkage.attack import SINGLED_OUT
from palermo.linkage.files import files_link
from palermo.linkage.records import COLUMNS, RecordError, read_csv


class Command(PalermoCommand):
    help = gettext_noop(
        "Record linkage: files links CSV files of person records (in any script) and writes "
        "which records are the same person, without loading them into the case database; "
        "attack shows what a frequency attack recovers from a file's privacy-preserving "
        "encodings."
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
        files.add_argument(
            "--pprl",
            action="store_true",
            help=_(
                "link through privacy-preserving encodings, as two nodes would: each file is "
                "encoded apart under a secret new to this run, and only the encodings are "
                "compared"
            ),
        )
        attack = sub.add_parser(
            "attack",
            help=_(
                "encode a CSV file of person records as for a linkage across borders and show "
                "what a frequency attack on the encodings recovers"
            ),
        )
        attack.add_argument("path", type=Path, metavar="FILE.csv", help=_("the CSV file"))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sub"] == "files":
            self._files(options)
        elif options["sub"] == "attack":
            self._attack(options["path"])

    def _attack(self, path: Path) -> None:
        try:
            read = list(read_csv(path))
            rows = attack.report(read, pprl.Exercise.new())
        except RecordError as exc:
            raise CommandError(str(exc)) from exc
        labels = {
            "whole names, keyed hashes": _("whole names, keyed hashes"),
            "given names, filters": _("given names, Bloom filters"),
            "given names, filters grouped": _("given names, Bloom filters grouped by likeness"),
        }
        self.stdout.write(
            _(
                "A frequency attack on the encodings of %(records)d records, by an attacker "
                "who knows how common every name is but not the secret:"
            )
            % {"records": len(read)}
        )
        for label, found in rows:
            self.stdout.write(
                _(
                    "%(attack)s: %(recovered)d of %(records)d records' names recovered "
                    "(%(share).1f%%), %(singled)d of them borne by at most %(few)d records"
                )
                % {
                    "attack": labels[label],
                    "recovered": found.recovered,
                    "records": found.records,
                    "share": 100 * found.share,
                    "singled": found.singled_out,
                    "few": SINGLED_OUT,
                }
            )

    def _files(self, options: dict[str, Any]) -> None:
        try:
            with progress_bar(_("Linking"), _("steps")) as progress:
                report = files_link(
                    options["paths"],
                    options["out"],
                    link_only=options["link_only"],
                    private=options["pprl"],
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
