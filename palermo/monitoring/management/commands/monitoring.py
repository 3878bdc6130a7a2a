"""`palermo monitoring country-list|questionnaire|round|codebook|coding|plan|outline|report`:
monitoring and reporting from the command line."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from palermo.core.management.base import PalermoCommand, render_rows, user_named
from palermo.monitoring import selectors, services
from palermo.monitoring import selectors_plans as plans_sel
from palermo.monitoring.coding import agreement, theme_counts
from palermo.monitoring.countrylists import CONTEXTS, LANGUAGES, country_list
from palermo.monitoring.demo import demo_2005_load, demo_plans_load
from palermo.monitoring.orglists import STYLES, organisation_list
from palermo.monitoring.plan_reports import plan_report_file
from palermo.monitoring.progress import plain, plan_progress
from palermo.monitoring.reports import FORMATS as REPORT_FORMATS
from palermo.monitoring.reports import report_file
from palermo.monitoring.services.plans import plan_import
from palermo.registry.selectors import mechanism_get, parse_as_of

FORMATS = ["table", "json", "csv"]


class Command(PalermoCommand):
    help = gettext_noop(
        "Monitoring and reporting: country-list prints States in United Nations editorial "
        "style, as a consolidated report names them; questionnaire creates questionnaires, "
        "imports, publishes and exports their versions as XLSForms, and lists them; round "
        "creates and sends rounds to the members of a mechanism and shows where each State "
        "stands; codebook imports a codebook of themes; coding tags passages of answers and "
        "shows the coders' agreement and the States each theme counts; plan loads action plans "
        "and shows where their indicators stand; outline and report "
        "write a round's consolidated report, in DOCX or PDF."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        cl = sub.add_parser(
            "country-list",
            help=_(
                "States on one line in UN editorial style: their UN short names as at a date, "
                "in alphabetical order of the language, joined as the language joins a list"
            ),
        )
        cl.add_argument("codes", nargs="+", metavar="ISO3", help=_("ISO 3166-1 alpha-3 codes"))
        cl.add_argument(
            "--as-of",
            default="",
            help=_("the document's date, YYYY-MM-DD (default: today): the names of that date"),
        )
        cl.add_argument("--lang", default="en", choices=LANGUAGES, help=_("the language"))
        cl.add_argument(
            "--context",
            default="running",
            choices=CONTEXTS,
            help=_(
                "running: in a sentence, with articles (the Philippines); list: after a colon, "
                "without them"
            ),
        )

        ol = sub.add_parser(
            "organisation-list",
            help=_(
                "international organisations on one line in UN-system order, named in a "
                "language as UN documents name them"
            ),
        )
        ol.add_argument("codes", nargs="+", metavar="ACRONYM", help=_("English acronyms or keys"))
        ol.add_argument("--as-of", default="", help=_("YYYY-MM-DD (default: today)"))
        ol.add_argument("--lang", default="en", choices=LANGUAGES, help=_("the language"))
        ol.add_argument(
            "--style",
            default="acronym",
            choices=STYLES,
            help=_("acronym, full name, or both as a first mention"),
        )
        self._questionnaire_arguments(sub)
        self._round_arguments(sub)
        self._coding_arguments(sub)
        self._plan_arguments(sub)
        outline = sub.add_parser("outline", help=_("set the outline of a round's report (YAML)"))
        outline.add_argument("round", help=_("the round's key"))
        outline.add_argument("file", type=Path, help=_("the outline, a YAML file"))
        report = sub.add_parser("report", help=_("a round's consolidated report as DOCX or PDF"))
        report.add_argument("round", help=_("the round's key"))
        report.add_argument(
            "--format", dest="fmt", choices=REPORT_FORMATS, required=True, help=_("docx or pdf")
        )
        report.add_argument("--lang", default="en", choices=LANGUAGES, help=_("the language"))
        report.add_argument("-o", "--output", type=Path, required=True, help=_("the file to write"))
        demo = sub.add_parser(
            "demo-2005",
            help=_("load the 2004 UNODC survey and the outline of its report E/CN.15/2005/7"),
        )
        demo_plans = sub.add_parser(
            "demo-plans",
            help=_("load the action plans the seed documents describe, with their sources"),
        )
        for each in (outline, report, demo, demo_plans):
            each.add_argument("--as", dest="as_user", required=True, help=_("username of who acts"))

    def _coding_arguments(self, sub: Any) -> None:
        cb = sub.add_parser("codebook", help=_("codebooks of themes to code answers with"))
        cbs = cb.add_subparsers(dest="action", required=True)
        imp = cbs.add_parser(
            "import",
            help=_(
                "a new codebook version from a CSV file: key, label (or label::fr ...), "
                "question, description"
            ),
        )
        imp.add_argument("questionnaire", help=_("the questionnaire's key"))
        imp.add_argument("file", type=Path, help=_("the CSV file"))
        c = sub.add_parser("coding", help=_("the coding of a round's narrative answers"))
        cs = c.add_subparsers(dest="action", required=True)
        tag = cs.add_parser("tag", help=_("tag a passage of a State's answer with a theme"))
        tag.add_argument("round", help=_("the round's key"))
        tag.add_argument("country", help=_("the State (ISO alpha-3)"))
        tag.add_argument("question", help=_("the question's name"))
        tag.add_argument("code", help=_("the theme's key"))
        tag.add_argument(
            "--passage", required=True, help=_("the passage, as written in the answer")
        )
        themes = cs.add_parser("themes", help=_("the States each theme counts, in UN style"))
        themes.add_argument("round", help=_("the round's key"))
        themes.add_argument("--lang", default="en", choices=LANGUAGES, help=_("the language"))
        themes.add_argument("--format", choices=FORMATS, default="table", help=_("output format"))
        agree = cs.add_parser("agreement", help=_("two coders' agreement (Cohen's kappa)"))
        agree.add_argument("round", help=_("the round's key"))
        agree.add_argument(
            "--coders", nargs=2, required=True, metavar="USERNAME", help=_("the two coders")
        )
        for parser in (tag, themes, agree):
            parser.add_argument(
                "--codebook", type=int, default=0, help=_("its version (default: the last)")
            )
        for parser in (imp, tag, themes, agree):
            parser.add_argument(
                "--as", dest="as_user", required=True, help=_("username of who acts")
            )

    def _plan_arguments(self, sub: Any) -> None:
        p = sub.add_parser("plan", help=_("action plans: objectives, activities and indicators"))
        ps = p.add_subparsers(dest="action", required=True)
        imp = ps.add_parser("import", help=_("load the plans of a YAML file, all or none"))
        imp.add_argument("file", type=Path, help=_("the YAML file"))
        listing = ps.add_parser("list", help=_("the plans, regional first"))
        listing.add_argument("--format", choices=FORMATS, default="table", help=_("output format"))
        progress = ps.add_parser(
            "progress", help=_("where each indicator of a plan stands on a date")
        )
        progress.add_argument("key", help=_("the plan's key"))
        progress.add_argument("--as-of", default="", help=_("YYYY-MM-DD (default: today)"))
        progress.add_argument("--format", choices=FORMATS, default="table", help=_("output format"))
        report = ps.add_parser("report", help=_("a plan's report for a period, as DOCX or PDF"))
        report.add_argument("key", help=_("the plan's key"))
        report.add_argument(
            "--from", dest="date_from", default="", help=_("YYYY-MM-DD (default: the plan's start)")
        )
        report.add_argument(
            "--to", dest="date_to", default="", help=_("YYYY-MM-DD (default: the plan's end)")
        )
        report.add_argument(
            "--format", dest="fmt", choices=REPORT_FORMATS, required=True, help=_("docx or pdf")
        )
        report.add_argument("--lang", default="en", choices=LANGUAGES, help=_("the language"))
        report.add_argument("-o", "--output", type=Path, required=True, help=_("the file to write"))
        for parser in (imp, listing, progress, report):
            parser.add_argument(
                "--as", dest="as_user", required=True, help=_("username of who acts")
            )

    def plan_report(self, user: Any, opts: dict[str, Any]) -> None:
        found = plans_sel.plan_get(user=user, key=opts["key"])
        start = parse_as_of(opts["date_from"]) if opts["date_from"] else found.start
        end = parse_as_of(opts["date_to"]) if opts["date_to"] else found.end
        data = plan_report_file(found, start=start, end=end, fmt=opts["fmt"], language=opts["lang"])
        opts["output"].write_bytes(data)
        self.stdout.write(_("Report of {} written to {}.").format(found.key, opts["output"]))

    def plan_import(self, user: Any, opts: dict[str, Any]) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(_("No file {}.").format(path))
        loaded = plan_import(actor=user, text=path.read_bytes(), source_name=path.name)
        self.stdout.write(
            _("{} plans loaded: {}.").format(len(loaded), ", ".join(p.key for p in loaded))
        )

    def plan_list(self, user: Any, opts: dict[str, Any]) -> None:
        rows = [
            {
                "key": p.key,
                "level": p.level,
                "of": p.mechanism.acronym if p.mechanism else p.country_id or "",
                "period": "{} - {}".format(p.start.isoformat(), p.end.isoformat()),
                "indicators": p.indicator_count,  # type: ignore[attr-defined]  # annotated
                "title": p.short_title or p.title,
            }
            for p in plans_sel.plan_list(user=user)
        ]
        columns = ["key", "level", "of", "period", "indicators", "title"]
        self.stdout.write(render_rows(rows, columns, opts["format"]))

    def plan_progress(self, user: Any, opts: dict[str, Any]) -> None:
        found = plans_sel.plan_get(user=user, key=opts["key"])
        progress = plan_progress(found, parse_as_of(opts["as_of"]))
        if opts["format"] == "json":
            self.stdout.write(json.dumps(plans_sel.progress_dict(progress), default=str, indent=1))
            return
        rows = []
        for objective in progress.objectives:
            indicator_rows = objective.indicators + [
                i for a in objective.activities for i in a.indicators
            ]
            for row in indicator_rows:
                for period in row.periods:
                    rows.append(
                        {
                            "indicator": row.indicator.number,
                            "period": "{} - {}".format(period.start, period.end),
                            "target": plain(period.target),
                            "actual": plain(period.actual),
                            "status": period.status,
                            "title": row.indicator.title,
                        }
                    )
        columns = ["indicator", "period", "target", "actual", "status", "title"]
        self.stdout.write(render_rows(rows, columns, opts["format"]))
        if progress.late:
            self.stdout.write(
                _("Late activities: {}").format(", ".join(a.number for a in progress.late))
            )

    def _round_arguments(self, sub: Any) -> None:
        r = sub.add_parser("round", help=_("rounds of a questionnaire sent to States"))
        rs = r.add_subparsers(dest="action", required=True)
        create = rs.add_parser("create", help=_("a draft round of a published version"))
        create.add_argument("key", help=_("its key, such as unodc-tip-2004-round"))
        create.add_argument("--questionnaire", required=True, help=_("the questionnaire's key"))
        create.add_argument("--version", type=int, required=True, help=_("the version's number"))
        to = create.add_mutually_exclusive_group(required=True)
        to.add_argument("--mechanism", help=_("sent to its members, such as COMMIT"))
        to.add_argument(
            "--countries", help=_("or sent to these States: ISO alpha-3 codes, separated by commas")
        )
        create.add_argument("--title", required=True, help=_("its title"))
        create.add_argument(
            "--as-of", required=True, help=_("the round's date, YYYY-MM-DD: members and pre-fill")
        )
        create.add_argument("--deadline", required=True, help=_("YYYY-MM-DD"))
        create.add_argument(
            "--figures",
            default="",
            help=_("DATASET/PERIOD: where the answers bound to an indicator go as draft figures"),
        )
        send = rs.add_parser("send", help=_("send a draft round to every member State"))
        send.add_argument("key", help=_("the round's key"))
        status = rs.add_parser("status", help=_("where each State stands in a round"))
        status.add_argument("key", help=_("the round's key"))
        status.add_argument("--format", choices=FORMATS, default="table", help=_("output format"))
        share = rs.add_parser(
            "share-draft",
            help=_("share the draft report with the States whose replies were accepted"),
        )
        share.add_argument("key", help=_("the round's key"))
        share.add_argument("--comments-due", required=True, help=_("YYYY-MM-DD"))
        publish = rs.add_parser(
            "publish", help=_("publish the report once every State's comment has its answer")
        )
        publish.add_argument("key", help=_("the round's key"))
        for parser in (create, send, status, share, publish):
            parser.add_argument(
                "--as", dest="as_user", required=True, help=_("username of who acts")
            )

    def _questionnaire_arguments(self, sub: Any) -> None:
        q = sub.add_parser("questionnaire", help=_("a secretariat's questionnaires"))
        qs = q.add_subparsers(dest="action", required=True)
        create = qs.add_parser("create", help=_("a new questionnaire of your secretariat"))
        create.add_argument("key", help=_("its key, such as unodc-tip-2004"))
        create.add_argument("--title", required=True, help=_("its title"))
        imp = qs.add_parser(
            "import", help=_("a new draft version from an XLSForm (.xlsx), checked as pyxform does")
        )
        imp.add_argument("key", help=_("the questionnaire's key"))
        imp.add_argument("file", type=Path, help=_("the XLSForm"))
        publish = qs.add_parser("publish", help=_("make a draft version final"))
        publish.add_argument("key", help=_("the questionnaire's key"))
        publish.add_argument("version", type=int, help=_("the version's number"))
        export = qs.add_parser("export", help=_("a version as an XLSForm (.xlsx)"))
        export.add_argument("key", help=_("the questionnaire's key"))
        export.add_argument(
            "--version", type=int, default=0, help=_("the version's number (default: the last)")
        )
        export.add_argument("-o", "--output", type=Path, required=True, help=_("the file to write"))
        export.add_argument(
            "--as-of", default="", help=_("countries named as on this date (default: today)")
        )
        listing = qs.add_parser(
            "list", help=_("the questionnaires you may see, with their versions")
        )
        listing.add_argument("--format", choices=FORMATS, default="table", help=_("output format"))
        for parser in (create, imp, publish, export, listing):
            parser.add_argument(
                "--as", dest="as_user", required=True, help=_("username of who acts")
            )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["sub"] in ("outline", "report", "demo-2005", "demo-plans"):
            getattr(self, "do_" + opts["sub"].replace("-", "_"))(user_named(opts["as_user"]), opts)
            return
        if opts["sub"] in ("questionnaire", "round", "codebook", "coding", "plan"):
            getattr(self, "{}_{}".format(opts["sub"], opts["action"].replace("-", "_")))(
                user_named(opts["as_user"]), opts
            )
            return
        if opts["sub"] == "organisation-list":
            self.stdout.write(
                organisation_list(
                    opts["codes"],
                    as_of=parse_as_of(opts["as_of"]),
                    language=opts["lang"],
                    style=opts["style"],
                )
            )
            return
        text = country_list(
            opts["codes"],
            as_of=parse_as_of(opts["as_of"]),
            language=opts["lang"],
            context=opts["context"],
        )
        self.stdout.write(text)

    def questionnaire_create(self, user: Any, opts: dict[str, Any]) -> None:
        q = services.questionnaire_create(actor=user, key=opts["key"], title=opts["title"])
        self.stdout.write(_("Questionnaire {} created.").format(q.key))

    def questionnaire_import(self, user: Any, opts: dict[str, Any]) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(_("No file {}.").format(path))
        questionnaire = selectors.questionnaire_get(user=user, key=opts["key"])
        version = services.questionnaire_version_import(
            actor=user, questionnaire=questionnaire, data=path.read_bytes(), file_name=path.name
        )
        self.stdout.write(
            _("{} version {} (draft): {} questions and sections, {} choices.").format(
                questionnaire.key,
                version.number,
                version.questions.count(),
                version.choices.count(),
            )
        )

    def questionnaire_publish(self, user: Any, opts: dict[str, Any]) -> None:
        questionnaire = selectors.questionnaire_get(user=user, key=opts["key"])
        version = selectors.version_get(
            user=user, questionnaire=questionnaire, number=opts["version"]
        )
        services.questionnaire_version_publish(actor=user, version=version)
        self.stdout.write(_("{} version {} published.").format(questionnaire.key, version.number))

    def questionnaire_export(self, user: Any, opts: dict[str, Any]) -> None:
        questionnaire = selectors.questionnaire_get(user=user, key=opts["key"])
        versions = selectors.version_list(user=user, questionnaire=questionnaire)
        version = (
            selectors.version_get(user=user, questionnaire=questionnaire, number=opts["version"])
            if opts["version"]
            else versions.last()
        )
        if version is None:
            raise CommandError(_("{} has no version yet.").format(questionnaire.key))
        data = selectors.version_xlsform(version, as_of=parse_as_of(opts["as_of"]))
        opts["output"].write_bytes(data)
        self.stdout.write(
            _("{} version {} written to {}.").format(
                questionnaire.key, version.number, opts["output"]
            )
        )

    def questionnaire_list(self, user: Any, opts: dict[str, Any]) -> None:
        rows = [
            {
                "key": q.key,
                "title": q.title,
                "secretariat": q.owner.name,
                "versions": [
                    "{} ({})".format(v.number, v.get_status_display())
                    for v in selectors.version_list(user=user, questionnaire=q)
                ],
            }
            for q in selectors.questionnaire_list(user=user)
        ]
        self.stdout.write(
            render_rows(rows, ["key", "title", "secretariat", "versions"], opts["format"])
        )

    def round_create(self, user: Any, opts: dict[str, Any]) -> None:
        questionnaire = selectors.questionnaire_get(user=user, key=opts["questionnaire"])
        version = selectors.version_get(
            user=user, questionnaire=questionnaire, number=opts["version"]
        )
        created = services.round_create(
            actor=user,
            version=version,
            mechanism=mechanism_get(opts["mechanism"]) if opts["mechanism"] else None,
            countries=[c for c in (opts["countries"] or "").replace(",", " ").split() if c],
            key=opts["key"],
            title=opts["title"],
            as_of=parse_as_of(opts["as_of"]),
            deadline=parse_as_of(opts["deadline"]),
            figures=opts["figures"],
        )
        self.stdout.write(_("Round {} created (draft).").format(created.key))

    def round_send(self, user: Any, opts: dict[str, Any]) -> None:
        sent = services.round_send(
            actor=user, round_=selectors.round_get(user=user, key=opts["key"])
        )
        self.stdout.write(
            _("Round {} sent to {} States.").format(sent.key, sent.submissions.count())
        )

    def round_share_draft(self, user: Any, opts: dict[str, Any]) -> None:
        found = selectors.round_get(user=user, key=opts["key"])
        shared = services.draft_share(
            actor=user, round_=found, comments_due=parse_as_of(opts["comments_due"])
        )
        self.stdout.write(
            _("The draft report of {} is shared; comments are due by {}.").format(
                shared.key, opts["comments_due"]
            )
        )

    def round_publish(self, user: Any, opts: dict[str, Any]) -> None:
        found = selectors.round_get(user=user, key=opts["key"])
        services.report_publish(actor=user, round_=found)
        self.stdout.write(_("The report of {} is published.").format(found.key))

    def round_status(self, user: Any, opts: dict[str, Any]) -> None:
        found = selectors.round_get(user=user, key=opts["key"])
        rows = [
            {
                "state": r.country,
                "status": r.status,
                "answered": "{}/{}".format(r.answered, r.questions),
                "late": r.late,
                "clarifications": r.open_clarifications,
                "submitted": r.submitted_at.isoformat() if r.submitted_at else "",
            }
            for r in selectors.round_board(user=user, round_=found)
        ]
        columns = ["state", "status", "answered", "late", "clarifications", "submitted"]
        self.stdout.write(render_rows(rows, columns, opts["format"]))

    def codebook_import(self, user: Any, opts: dict[str, Any]) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(_("No file {}.").format(path))
        try:
            with path.open(encoding="utf-8-sig", newline="") as f:
                rows = list(csv.DictReader(f))
        except (UnicodeDecodeError, csv.Error):
            raise CommandError(_("{}: not a UTF-8 CSV file.").format(path.name)) from None
        codes = []
        for row in rows:
            label = {"en": row.get("label") or ""} if row.get("label") else {}
            label |= {
                k.split("::", 1)[1]: v
                for k, v in row.items()
                if k and k.startswith("label::") and v
            }
            codes.append({**row, "label": label})
        questionnaire = selectors.questionnaire_get(user=user, key=opts["questionnaire"])
        book = services.codebook_create(actor=user, questionnaire=questionnaire, codes=codes)
        self.stdout.write(
            _("{} codebook version {}: {} codes.").format(
                questionnaire.key, book.version, len(codes)
            )
        )

    def _codebook(self, user: Any, opts: dict[str, Any]) -> tuple[Any, Any]:
        found = selectors.round_get(user=user, key=opts["round"])
        book = selectors.codebook_get(
            user=user, questionnaire=found.version.questionnaire, version=opts["codebook"]
        )
        return found, book

    def coding_tag(self, user: Any, opts: dict[str, Any]) -> None:
        found, book = self._codebook(user, opts)
        code = book.codes.filter(key=opts["code"]).first()
        if code is None:
            raise CommandError(_("The codebook has no code {}.").format(opts["code"]))
        answer = selectors.coded_answer(
            round_=found, country=opts["country"], question=opts["question"]
        )
        tag = services.coding_add_passage(
            actor=user, answer=answer, code=code, passage=opts["passage"]
        )
        self.stdout.write(
            _("Tagged characters {} to {} with {}.").format(tag.start, tag.end, code.key)
        )

    def coding_themes(self, user: Any, opts: dict[str, Any]) -> None:
        found, book = self._codebook(user, opts)
        rows = [
            {
                "code": t.code,
                "label": t.label.get(opts["lang"]) or t.label.get("en") or t.code,
                "states": len(t.countries),
                "list": country_list(t.countries, as_of=found.as_of, language=opts["lang"]),
                "unresolved": t.unresolved,
            }
            for t in theme_counts(found, book)
        ]
        self.stdout.write(
            render_rows(rows, ["code", "label", "states", "list", "unresolved"], opts["format"])
        )

    def coding_agreement(self, user: Any, opts: dict[str, Any]) -> None:
        found, book = self._codebook(user, opts)
        first, second = (user_named(name) for name in opts["coders"])
        result = agreement(found, book, (first.pk, second.pk))
        self.stdout.write(_("{} units; Cohen's kappa {:.3f}").format(result.units, result.kappa))
        for key, kappa in result.by_code.items():
            self.stdout.write("  {}: {:.3f}".format(key, kappa))
        for unit, a, b in result.disagreements:
            self.stdout.write(
                _("  disagree: {} {} {} ({}: {}, {}: {})").format(
                    unit.country, unit.question, unit.code, result.coders[0], a, result.coders[1], b
                )
            )

    def do_outline(self, user: Any, opts: dict[str, Any]) -> None:
        path: Path = opts["file"]
        if not path.is_file():
            raise CommandError(_("No file {}.").format(path))
        try:
            outline = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)  # noqa: S506 - the safe loader
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise CommandError(
                _("{}: not a YAML file ({}).").format(path.name, type(exc).__name__)
            ) from None
        if not isinstance(outline, dict):
            raise CommandError(
                _("{}: the outline is a mapping (symbol, date, title, parts).").format(path.name)
            )
        found = selectors.round_get(user=user, key=opts["round"])
        parts = services.report_outline_set(actor=user, round_=found, outline=outline)
        self.stdout.write(_("The report of {} has {} parts.").format(found.key, len(parts)))

    def do_report(self, user: Any, opts: dict[str, Any]) -> None:
        found = selectors.round_get(user=user, key=opts["round"])
        services.round_owner(user, found)
        data = report_file(found, fmt=opts["fmt"], language=opts["lang"])
        opts["output"].write_bytes(data)
        self.stdout.write(_("{} written ({} bytes).").format(opts["output"], len(data)))

    def do_demo_plans(self, user: Any, opts: dict[str, Any]) -> None:
        loaded = demo_plans_load(actor=user)
        if not loaded:
            self.stdout.write(_("The demo plans were loaded before."))
            return
        self.stdout.write(
            _("{} action plans loaded; their progress: palermo monitoring plan list.").format(
                len(loaded)
            )
        )

    def do_demo_2005(self, user: Any, opts: dict[str, Any]) -> None:
        loaded = demo_2005_load(actor=user)
        self.stdout.write(
            _(
                "Round {}: {} replies, coded; its report: "
                "palermo monitoring report {} --format pdf -o FILE."
            ).format(loaded.key, loaded.submissions.count(), loaded.key)
        )
