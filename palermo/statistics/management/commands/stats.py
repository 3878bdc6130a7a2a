"""`palermo stats import|load-glotip|validate|publish|export|derive`: statistics from the
command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from palermo.core.management.base import PalermoCommand, render_rows, user_named
from palermo.core.models import User
from palermo.core.progress import progress_bar
from palermo.statistics import derivation, interchange, publishing, selectors, services
from palermo.statistics.choices import ImportFormat
from palermo.statistics.interchange.glotip_load import glotip_load
from palermo.statistics.models import DIMENSIONS


def _user(username: str | None) -> User | None:
    return user_named(username) if username else None


class _DryRun(Exception):
    """Raised to roll back a validation run of a file."""


class Command(PalermoCommand):
    help = (
        "Statistics: import UNODC GLOTIP (load-glotip: the shared copy, once), the CTDC layout "
        "or a filled-in data-set template; "
        "run the validation rules; publish disclosure-controlled tables; export figures and "
        "publications as CSV, XLSX or SDMX-CSV; derive a country's figures from its cases."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:  # noqa: PLR0915 - one parser per subcommand
        sub = parser.add_subparsers(dest="sub", required=True)

        im = sub.add_parser("import", help="import a file; one bad row stops it, nothing written")
        im.add_argument("file", type=Path, help=_("the file to import"))
        im.add_argument(
            "--format",
            required=True,
            choices=list(ImportFormat.values),
            help=_("the file's format"),
        )
        im.add_argument(
            "--public",
            action="store_true",
            help="the figures are already public (e.g. UNODC's): readable without login",
        )
        im.add_argument(
            "--as",
            dest="as_user",
            help="username (a national coordinator for csv/xlsx templates; optional for "
            "glotip/ctdc, imported as the system otherwise)",
        )

        va = sub.add_parser(
            "validate",
            help="run the validation rules over a country's figures, or over a template file "
            "without saving it; exit status 1 on errors; --accept then marks them validated",
        )
        va.add_argument("file", type=Path, nargs="?", help="a filled-in template (csv/xlsx)")
        va.add_argument("--dataset", help=_("the data set's key"))
        va.add_argument("--country", help=_("the country (ISO alpha-3)"))
        va.add_argument("--period", help=_("the period, e.g. 2023 or 2023-Q1"))
        va.add_argument("--as", dest="as_user", required=True, help=_("username of who acts"))
        va.add_argument(
            "--format",
            dest="out",
            choices=["table", "json", "csv"],
            default="table",
            help=_("output format"),
        )
        va.add_argument(
            "--accept",
            action="store_true",
            help="then mark the country's submitted figures as validated (with --dataset, "
            "--country, --period; never by the user who submitted them)",
        )

        pu = sub.add_parser(
            "publish",
            help="publish a table: suppression of validated figures, or --dp for case records",
        )
        pu.add_argument("--dataset", required=True, help=_("the data set's key"))
        pu.add_argument("--indicator", required=True, help=_("the indicator's key"))
        pu.add_argument("--period", required=True, help=_("the period, e.g. 2023 or 2023-Q1"))
        pu.add_argument(
            "--dims", required=True, help="dimensions, comma-separated (e.g. sex,age_group)"
        )
        pu.add_argument("--country", action="append", default=[], help="ISO3 (repeat for several)")
        pu.add_argument("--threshold", type=int, help="small-cell threshold (default: data set's)")
        pu.add_argument("--method", default="auto", help="suppression method (auto, milp, ...)")
        pu.add_argument("--dp", action="store_true", help="differential privacy from case records")
        pu.add_argument("--epsilon", type=float, help="privacy loss of this release (with --dp)")
        pu.add_argument(
            "--max-contributions",
            type=int,
            default=1,
            help=_("the most records one person adds to the table (the noise grows with it)"),
        )
        pu.add_argument(
            "--key", default="", help=_("the publication's key (default: made from the table)")
        )
        pu.add_argument(
            "--title", default="", help=_("the publication's title (default: made from the table)")
        )
        pu.add_argument("--as", dest="as_user", required=True, help=_("username of who acts"))
        pu.add_argument(
            "--format",
            dest="out",
            choices=["table", "json", "csv"],
            default="table",
            help=_("output format"),
        )

        ex = sub.add_parser("export", help="export figures or a publication")
        ex.add_argument(
            "--format", default="csv", choices=["csv", "xlsx", "sdmx-csv"], help=_("output format")
        )
        ex.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
        ex.add_argument("--as", dest="as_user", help="username (default: public figures only)")
        ex.add_argument("--publication", help="a publication key instead of figures")
        ex.add_argument(
            "--version", type=int, help=_("a publication's version (default: the latest)")
        )
        for name in ("country", "indicator", "dataset", "period", "status", "origin", *DIMENSIONS):
            ex.add_argument(
                "--" + name.replace("_", "-"),
                dest=name,
                default="",
                help="only figures with this {}".format(name.replace("_", " ")),
            )
        ex.add_argument("--year-from", type=int, help=_("only figures from this year"))
        ex.add_argument("--year-to", type=int, help=_("only figures up to this year"))

        gl = sub.add_parser(
            "load-glotip",
            help="load the UNODC GLOTIP country data as public figures (from ../shared/data or "
            "PALERMO_GLOTIP_FILE); again only when the file changed; says so when it is absent",
        )
        gl.add_argument(
            "file", type=Path, nargs="?", help="the GLOTIP CSV (default: the shared data folder)"
        )
        gl.add_argument(
            "--force", action="store_true", help="import again even if the same file is loaded"
        )
        gl.add_argument(
            "--require",
            action="store_true",
            help="exit with an error when the file is absent (default: a message, exit 0)",
        )

        de = sub.add_parser("derive", help="compute a country's figures from its case records")
        de.add_argument("--dataset", required=True, help=_("the data set's key"))
        de.add_argument("--country", required=True, help=_("the country (ISO alpha-3)"))
        de.add_argument("--period", required=True, help=_("the period, e.g. 2023 or 2023-Q1"))
        de.add_argument("--as", dest="as_user", required=True, help=_("username of who acts"))

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, "_" + opts["sub"].replace("-", "_"))(opts)

    def _import(self, opts: dict[str, Any]) -> None:
        result = interchange.data_import_run(
            actor=_user(opts["as_user"]),
            path=opts["file"],
            fmt=opts["format"],
            public=opts["public"],
        )
        self.stdout.write(
            _("{} rows read, {} figures written{}").format(
                result.rows, result.figures, _(" (public)") if opts["public"] else ""
            )
        )
        if result.notes:
            self.stdout.write(result.notes)

    def _load_glotip(self, opts: dict[str, Any]) -> None:
        result = glotip_load(opts["file"], force=opts["force"])
        if result.status == "absent":
            if opts["require"]:
                raise CommandError(result.message)
            self.stderr.write(result.message)
            return
        self.stdout.write(result.message)
        if result.notes:
            self.stdout.write(result.notes)
        if result.provenance:
            self.stdout.write(_("Source: {}").format(result.provenance))

    def _validate(self, opts: dict[str, Any]) -> None:
        user = _user(opts["as_user"])
        reports: list[services.CheckReport] = []
        if opts["file"] is not None:
            fmt = "xlsx" if opts["file"].suffix.lower() == ".xlsx" else "csv"
            try:
                with transaction.atomic():  # enter the file's figures, check them, roll back
                    interchange.data_import_run(actor=user, path=opts["file"], fmt=fmt)
                    for dataset, country, period in interchange.template_scopes(opts["file"]):
                        reports.append(
                            services.values_check(
                                actor=user, dataset=dataset, country=country, period=period
                            )
                        )
                    raise _DryRun
            except _DryRun:
                pass
        else:
            if not (opts["dataset"] and opts["country"] and opts["period"]):
                raise CommandError(_("Give a FILE, or --dataset, --country and --period."))
            reports.append(
                services.values_check(
                    actor=user,
                    dataset=opts["dataset"],
                    country=opts["country"],
                    period=opts["period"],
                )
            )
        rows = [
            {
                "scope": r.scope.describe(),
                "cell": i.cell,
                "severity": i.severity,
                "rule": i.rule.code,
                "message": i.message,
                "commented": "yes" if i.value.comment.strip() else "",
            }
            for r in reports
            for i in r.issues
        ]
        columns = ["scope", "cell", "severity", "rule", "message", "commented"]
        if rows:
            self.stdout.write(render_rows(rows, columns, opts["out"]))
        errors = sum(len(r.errors) for r in reports)
        unexplained = sum(len(r.unexplained) for r in reports)
        self.stdout.write(
            _("{} error(s), {} warning(s) without a comment").format(errors, unexplained)
        )
        if errors:
            raise CommandError(_("validation failed: {} error(s)").format(errors))
        if opts["accept"]:
            if opts["file"] is not None:
                raise CommandError(_("--accept validates stored figures: give no FILE."))
            n = services.values_validate(
                actor=user, dataset=opts["dataset"], country=opts["country"], period=opts["period"]
            )
            self.stdout.write(_("{} figures validated").format(n))

    def _publish(self, opts: dict[str, Any]) -> None:
        user = _user(opts["as_user"])
        dims = [d.strip() for d in opts["dims"].split(",") if d.strip()]
        if opts["dp"]:
            if opts["epsilon"] is None or len(opts["country"]) != 1:
                raise CommandError(_("--dp needs --epsilon and exactly one --country."))
            pub = publishing.publication_release_dp(
                actor=user,
                dataset=opts["dataset"],
                indicator=opts["indicator"],
                country=opts["country"][0],
                period=opts["period"],
                dimensions=dims,
                epsilon=opts["epsilon"],
                max_contributions=opts["max_contributions"],
                key=opts["key"],
                title=opts["title"],
            )
        else:
            with progress_bar(_("Suppressing small cells"), _("cells")) as progress:
                pub = publishing.publication_create(
                    actor=user,
                    dataset=opts["dataset"],
                    indicator=opts["indicator"],
                    period=opts["period"],
                    dimensions=dims,
                    countries=opts["country"],
                    threshold=opts["threshold"],
                    method=opts["method"],
                    key=opts["key"],
                    title=opts["title"],
                    progress=progress,
                )
        self.stdout.write(
            _("published {} version {} ({}: {})").format(
                pub.key,
                pub.version,
                pub.method,
                ", ".join(
                    "{}={}".format(k, ",".join(map(str, v)) if isinstance(v, list) else v)
                    for k, v in sorted(pub.parameters.items())
                ),
            )
        )
        columns = [*pub.dimensions, "value", "flag"]
        rows = [
            {**dict(zip(pub.dimensions, c.key, strict=True)), "value": c.display, "flag": c.flag}
            for c in selectors.publication_table(pub)
        ]
        self.stdout.write(render_rows(rows, columns, opts["out"]))

    def _export(self, opts: dict[str, Any]) -> None:
        user = _user(opts["as_user"])
        if opts["publication"]:
            pub = selectors.publication_get(key=opts["publication"], version=opts["version"])
            content = interchange.publication_export(pub, opts["format"])
        else:
            filters = selectors.ValueFilters(
                country=opts["country"],
                indicator=opts["indicator"],
                dataset=opts["dataset"],
                period=opts["period"],
                year_from=opts["year_from"],
                year_to=opts["year_to"],
                status=opts["status"],
                origin=opts["origin"],
                dims={d: opts[d] for d in DIMENSIONS if opts[d]},
            )
            content = interchange.values_export(
                selectors.value_list(user=user, filters=filters), opts["format"]
            )
        if opts["output"]:
            opts["output"].write_bytes(content)
            self.stdout.write(_("wrote {} ({} bytes)").format(opts["output"], len(content)))
        elif opts["format"] == "xlsx":
            raise CommandError(_("XLSX needs -o FILE."))
        else:
            self.stdout.write(content.decode("utf-8"), ending="")

    def _derive(self, opts: dict[str, Any]) -> None:
        with progress_bar(_("Deriving figures"), _("indicators")) as progress:
            d = derivation.derivation_run(
                actor=_user(opts["as_user"]),
                dataset=opts["dataset"],
                country=opts["country"],
                period=opts["period"],
                progress=progress,
            )
        self.stdout.write(
            _("derived {} figures from {} person records ({} {} {})").format(
                d.values, d.persons, opts["dataset"], d.country_id, d.period
            )
        )
