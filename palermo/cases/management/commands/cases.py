"""`palermo cases export|import|rotate-key|reindex-names|anonymise`: case data in and out, keys,
the name search index, retention."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from palermo.cases import interchange, names, services
from palermo.cases.tasks import anonymise_closed_cases
from palermo.core import crypto
from palermo.core.management.base import PalermoCommand, render_rows, user_named
from palermo.core.progress import progress_bar
from palermo.core.services import organisation_get

RETENTION_HELP = gettext_noop(
    "Anonymise closed cases whose retention period (the country's policy, else "
    "PALERMO_CASE_RETENTION_DAYS, default five years) has passed. Schedule it daily, e.g. in "
    "cron: '15 3 * * * palermo cases anonymise', or with --enqueue for the task worker "
    "('palermo db_worker' running as a service)."
)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a date (use YYYY-MM-DD)")) from None


class Command(PalermoCommand):
    help = gettext_noop(
        "Case data: export and import in HTCDS (JSON, CSV) and the CTDC layout, the HTCDS field "
        "map, re-encryption of identifying data with a new key, retention (anonymise)."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        ex = sub.add_parser(
            "export",
            help=_("export an organisation's cases as HTCDS records (de-identified by default)"),
        )
        ex.add_argument(
            "--org", required=True, help=_("name of the organisation holding the cases")
        )
        ex.add_argument(
            "--format", choices=["htcds-json", "csv"], default="htcds-json", help=_("output format")
        )
        ex.add_argument("--as", dest="as_user", required=True, help=_("username of who exports"))
        ex.add_argument(
            "--identifying",
            action="store_true",
            help=_(
                "include names, birthdate, documents and contacts (case workers and "
                "investigators of the organisation only; every person's identity read is audited)"
            ),
        )
        ex.add_argument("--reason", default="", help=_("why (required with --identifying)"))
        ex.add_argument("-o", "--output", type=Path, help=_("file to write (default: stdout)"))

        im = sub.add_parser(
            "import",
            help=_("import HTCDS JSON or CSV, or the CTDC layout: all records or nothing"),
        )
        im.add_argument("file", type=Path, help=_("the file to import"))
        im.add_argument("--org", required=True, help=_("organisation that will hold the cases"))
        im.add_argument(
            "--as", dest="as_user", required=True, help=_("username of the importing case worker")
        )
        im.add_argument(
            "--format",
            choices=list(interchange.FORMATS),
            help=_("default: by extension (.json htcds-json, .csv csv); CTDC needs --format ctdc"),
        )
        im.add_argument(
            "--new-pseudonyms",
            action="store_true",
            help=_("give every person a new pseudonym instead of the file's plm_Pseudonym"),
        )

        rk = sub.add_parser(
            "rotate-key",
            help=_("re-encrypt every identity, photo and guardian name with the newest field key"),
        )
        rk.add_argument(
            "--new-key",
            action="store_true",
            help=_(
                "first put a freshly generated key at the top of the data directory's key file "
                "(not possible when keys come from PALERMO_FIELD_KEYS)"
            ),
        )

        ri = sub.add_parser(
            "reindex-names",
            help=_(
                "rebuild the name search index (keyed hashes of name tokens) from the identities, "
                "with the node's name index key: after the key changes"
            ),
        )
        ri.add_argument(
            "--new-key",
            action="store_true",
            help=_(
                "first replace the name index key file with a freshly generated key (not "
                "possible when the key comes from PALERMO_NAME_INDEX_KEY)"
            ),
        )

        fl = sub.add_parser(
            "fields", help=_("where each HTCDS field is kept in Palermo (or why it is not)")
        )
        fl.add_argument(
            "--format", choices=["table", "json", "csv"], default="table", help=_("output format")
        )

        retention_help = _(RETENTION_HELP)
        an = sub.add_parser("anonymise", help=retention_help, description=retention_help)
        an.add_argument(
            "--today", type=_date, help=_("act as if today were this date (YYYY-MM-DD)")
        )
        an.add_argument(
            "--enqueue", action="store_true", help=_("hand the run to the task worker instead")
        )

    def execute(self, *args: Any, **options: Any) -> str | None:
        if options.get("sub") == "reindex-names":
            # The start-up check refuses an index built with another key: this is its remedy.
            options["skip_checks"] = True
        return super().execute(*args, **options)

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "do_" + opts["sub"].replace("-", "_"))(opts)

    def do_export(self, opts: dict[str, Any]) -> None:
        org = organisation_get(opts["org"])
        actor = user_named(opts["as_user"])
        out: Path | None = opts["output"]
        stream: interchange.Writable
        if out:  # readable by its owner only, from the first byte
            fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            stream = open(fd, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
        else:
            self.stdout.ending = ""  # the export writes its own line ends
            stream = self.stdout
        try:
            report = interchange.cases_export(
                actor=actor,
                organisation=org,
                stream=stream,
                fmt=opts["format"],
                identifying=opts["identifying"],
                reason=opts["reason"],
            )
        except BrokenPipeError:  # `palermo cases export ... | head`: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        except Exception:
            if out:
                stream.close()
                out.unlink(missing_ok=True)  # no half-written export is left behind
            raise
        if out:
            stream.close()
            self.stderr.write(
                _("exported {} records of {} cases ({}) to {}").format(
                    report.records,
                    report.cases,
                    _("identifying") if report.identifying else _("de-identified"),
                    out,
                )
            )
        if report.k_anonymity is not None:
            line = _("k-anonymity {} over {}").format(
                report.k_anonymity, ", ".join(interchange.EXPORT_QUASI_IDENTIFIERS)
            )
            if 0 < report.k_anonymity < 5:
                line = _(
                    "{}: some records are alone or nearly so on these fields; think before "
                    "sharing the file"
                ).format(line)
            self.stderr.write(line)

    def do_import(self, opts: dict[str, Any]) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(_("No such file: {}").format(path))
        # The file is read twice: every record checked (a bar in per cent of the file, closed
        # when the check is done), then the cases written (a bar of cases).
        with (
            contextlib.ExitStack() as check,
            progress_bar(_("Importing cases"), _("cases")) as progress,
        ):
            check_bar = check.enter_context(progress_bar(_("Checking the file"), "%"))

            def checking(done: int, total: int) -> None:
                check_bar(done, total)
                if done >= total:
                    check.close()

            report = interchange.cases_import(
                actor=user_named(opts["as_user"]),
                organisation=organisation_get(opts["org"]),
                path=path,
                fmt=opts["format"],
                new_pseudonyms=opts["new_pseudonyms"],
                progress=progress,
                checking=checking,
            )
        self.stdout.write(
            _(
                "imported {} cases, {} persons ({} with identifying data), {} movements, {} "
                "support plans, {} consents, {} comments from {}"
            ).format(
                report.cases,
                report.persons,
                report.identities,
                report.movements,
                report.support_plans,
                report.consents,
                report.comments,
                path.name,
            )
        )
        if report.referrals_not_imported:
            self.stdout.write(
                _(
                    "{} outgoing referrals in the file were not imported: the importing "
                    "organisation refers the persons itself."
                ).format(report.referrals_not_imported)
            )

    def do_rotate_key(self, opts: dict[str, Any]) -> None:
        if opts["new_key"]:
            path = crypto.field_key_add()
            self.stdout.write(_("new key added at the top of {}").format(path))
        report = crypto.encrypted_fields_rotate()
        self.stdout.write(
            _("re-encrypted with the newest key: {}").format(
                ", ".join("{} {}".format(n, label) for label, n in report.counts.items())
            )
        )
        if opts["new_key"]:
            self.stdout.write(
                _(
                    "The older keys stay in the file: remove them once no backup you may restore "
                    "needs them."
                )
            )

    def do_reindex_names(self, opts: dict[str, Any]) -> None:
        if opts["new_key"]:
            self.stdout.write(_("new name index key written to {}").format(names.name_key_new()))
        identities, rows = names.name_index_rebuild()
        self.stdout.write(
            _("name search index rebuilt: {} identities, {} index entries").format(identities, rows)
        )

    def do_fields(self, opts: dict[str, Any]) -> None:
        identifying = {col.name for col in interchange.ALL_COLUMNS if col.identifying}
        rows = [
            {
                "field": name,
                "home": "{}.{}".format(home.model, home.field) if home.stored else _("not stored"),
                "export": ""
                if not home.stored or name.startswith("org_")
                else _("identifying")
                if name in identifying
                else _("de-identified"),
                "note": home.note,
            }
            for name, home in interchange.HTCDS_HOMES.items()
        ]
        self.stdout.write(render_rows(rows, ["field", "home", "export", "note"], opts["format"]))

    def do_anonymise(self, opts: dict[str, Any]) -> None:
        today: dt.date | None = opts["today"]
        if opts["enqueue"]:
            result = anonymise_closed_cases.enqueue(today=today.isoformat() if today else None)
            self.stdout.write(_("enqueued retention run {}").format(result.id))
            return
        done = services.cases_anonymise_due(today=today)
        self.stdout.write(ngettext("anonymised {} case", "anonymised {} cases", done).format(done))
