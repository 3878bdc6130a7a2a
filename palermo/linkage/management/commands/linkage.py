"""`palermo linkage files`: record linkage from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from palermo.cooperation.models import Node
from palermo.core.management.base import PalermoCommand, render_rows, user_named
from palermo.core.models import User
from palermo.core.progress import progress_bar
from palermo.linkage import attack, duplicates, exchange, pprl, review, selectors
from palermo.linkage.attack import SINGLED_OUT
from palermo.linkage.files import files_link
from palermo.linkage.models import Exercise
from palermo.linkage.records import COLUMNS, RecordError, read_csv


class Command(PalermoCommand):
    help = gettext_noop(
        "Record linkage: files links CSV files of person records (in any script) and writes "
        "which records are the same person, without loading them into the case database; "
        "attack shows what a frequency attack recovers from a file's privacy-preserving "
        "encodings; run, accept, status and review run exercises with another node."
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
        run = sub.add_parser(
            "run",
            help=_(
                "propose a linkage exercise to another node (both encode the persons they hold "
                "and only the encodings travel), or, without a node, search this node's persons "
                "for duplicates"
            ),
        )
        run.add_argument(
            "node", nargs="?", default="", help=_("the name of the other node (none: this node)")
        )
        run.add_argument("--as", dest="as_user", required=True, help=_("username of who acts"))
        accept = sub.add_parser(
            "accept", help=_("accept an exercise another node proposed (or decline it)")
        )
        accept.add_argument("exercise", help=_("the exercise's id"))
        accept.add_argument(
            "--decline", metavar="REASON", default="", help=_("decline it, for this reason")
        )
        accept.add_argument("--as", dest="as_user", required=True, help=_("username of who acts"))
        status = sub.add_parser(
            "status", help=_("the linkage exercises, or the matches of one of them")
        )
        status.add_argument("exercise", nargs="?", default="", help=_("the exercise's id"))
        status.add_argument(
            "--format", choices=["table", "json", "csv"], default="table", help=_("output format")
        )
        status.add_argument("--as", dest="as_user", required=True, help=_("username of who acts"))
        review = sub.add_parser(
            "review", help=_("confirm a match as one person or reject it, with the reason")
        )
        review.add_argument("match", type=int, help=_("the match's number"))
        review.add_argument("decision", choices=["confirmed", "rejected"], help=_("the decision"))
        review.add_argument("--reason", required=True, help=_("why"))
        review.add_argument(
            "--request",
            action="store_true",
            help=_("start a cooperation request (information, art. 10) from the confirmed match"),
        )
        review.add_argument("--as", dest="as_user", required=True, help=_("username of who acts"))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sub"] == "files":
            self._files(options)
        elif options["sub"] == "attack":
            self._attack(options["path"])
        else:
            user = user_named(options["as_user"])
            getattr(self, "_" + options["sub"])(user, options)

    def _exercise(self, user: User, key: str) -> Exercise:
        exercise = selectors.exercise_get(user, key)
        if exercise is None:
            raise CommandError(_("No linkage exercise {}.").format(key))
        return exercise

    def _run(self, user: User, options: dict[str, Any]) -> None:
        if not options["node"]:
            with progress_bar(_("Searching for duplicates"), _("steps")) as progress:
                exercise = duplicates.duplicates_find(actor=user, progress=progress)
            self.stdout.write(
                _("{} persons compared, {} pairs to review (linkage status {}).").format(
                    exercise.persons, exercise.matches.count(), exercise.pk
                )
            )
            self.stdout.write(str(exercise.pk))
            return
        node = Node.objects.filter(name=options["node"], active=True).first()
        if node is None:
            raise CommandError(_("No active node named '{}'.").format(options["node"]))
        exercise = exchange.exercise_propose(actor=user, node=node)
        self.stdout.write(
            _("Exercise {} proposed to {}; it runs when that node accepts it.").format(
                exercise.pk, node.name
            )
        )
        self.stdout.write(str(exercise.pk))

    def _accept(self, user: User, options: dict[str, Any]) -> None:
        exercise = self._exercise(user, options["exercise"])
        if options["decline"]:
            exchange.exercise_decline(actor=user, exercise=exercise, reason=options["decline"])
            self.stdout.write(_("Exercise {} declined.").format(exercise.pk))
            return
        exercise = exchange.exercise_accept(actor=user, exercise=exercise)
        self.stdout.write(
            _("Exercise {} accepted: {} persons encoded here.").format(
                exercise.pk, exercise.persons
            )
        )

    def _status(self, user: User, options: dict[str, Any]) -> None:
        if not options["exercise"]:
            rows = [selectors.exercise_row(e) for e in selectors.exercises(user)]
            self.stdout.write(render_rows(rows, selectors.EXERCISE_COLUMNS, options["format"]))
            return
        exercise = self._exercise(user, options["exercise"])
        rows = [
            selectors.match_row(m, exercise.threshold)
            for m in review.matches_visible(user, exercise)
        ]
        self.stdout.write(render_rows(rows, selectors.MATCH_COLUMNS, options["format"]))

    def _review(self, user: User, options: dict[str, Any]) -> None:
        match = review.match_get(user, options["match"])
        match = review.match_decide(
            actor=user, match=match, decision=options["decision"], reason=options["reason"]
        )
        self.stdout.write(_("Match {} {}.").format(match.pk, match.get_decision_display()))
        if options["request"]:
            request = review.match_request(actor=user, match=match)
            self.stdout.write(
                _("Draft request {} to {}: send it as any request.").format(
                    request.requester_reference, request.node.name if request.node else ""
                )
            )

    def _attack(self, path: Path) -> None:
        try:
            read = list(read_csv(path))
            rows = attack.report(read, pprl.Exercise.new())
        except RecordError as exc:
            raise CommandError(str(exc)) from exc
        labels = {
            "whole names, keyed hashes": _("whole names, keyed hashes"),
            "whole names, frequency classes": _("whole names, frequency classes"),
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
