"""A plan's report for a period, in DOCX (Word footnotes) and PDF, in any of the six UN
languages: where each indicator stood at the period's end against its targets, as tables per
objective whose footnotes say where each figure comes from (the registry, the statistics, the
cases, or the approved report and its evidence), the national values behind a regional one,
and the activities that were late."""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError
from palermo.monitoring.choices import Progress
from palermo.monitoring.countrylists import language_of
from palermo.monitoring.models import Plan
from palermo.monitoring.progress import IndicatorRow, PeriodRow, PlanProgress, plain, plan_progress
from palermo.monitoring.reports import Block, Document, to_docx, to_html, to_pdf

_COLUMNS_NUMERIC = [False, False, True, True, False]


def _overlaps(p: PeriodRow, start: dt.date, end: dt.date) -> bool:
    return p.start <= end and p.end >= start


def _rows(
    rows: list[IndicatorRow], start: dt.date, end: dt.date
) -> list[tuple[IndicatorRow, PeriodRow]]:
    return [(r, p) for r in rows for p in r.periods if _overlaps(p, start, end)]


def _actual(p: PeriodRow) -> str:
    if p.suppressed:
        return _("fewer than 5")
    return plain(p.actual)


def _table(caption: str, pairs: list[tuple[IndicatorRow, PeriodRow]]) -> Block:
    rows = [
        [
            "{} {}".format(r.indicator.number, r.indicator.title),
            "{} – {}".format(p.start.isoformat(), p.end.isoformat()),
            plain(p.target) + (" *" if p.illustrative else ""),
            _actual(p),
            str(Progress(p.status).label),
        ]
        for r, p in pairs
    ]
    sources = [
        "{} ({}): {}".format(r.indicator.number, p.end.isoformat(), p.detail)
        for r, p in pairs
        if p.detail
    ]
    return Block(
        "table",
        caption,
        notes=["; ".join(sources)] if sources else [],
        header=[_("Indicator"), _("Period"), _("Target"), _("Actual"), _("Where it stands")],
        rows=rows,
        numeric=_COLUMNS_NUMERIC,
        provenance=[
            {"indicator": r.indicator.number, "period_end": p.end.isoformat(), "source": p.detail}
            for r, p in pairs
        ],
    )


def _summary(progress: PlanProgress, pairs: list[tuple[IndicatorRow, PeriodRow]]) -> str:
    counts = {status: 0 for status in Progress.values}
    for _row, p in pairs:
        counts[p.status] += 1
    return _(
        "Of the {} indicator periods of this report, {} met their target and {} missed it; {} "
        "are on track and {} off track; {} have no value after the period's end. {} activities "
        "were late at the end of the period."
    ).format(
        len(pairs),
        counts[Progress.MET],
        counts[Progress.MISSED],
        counts[Progress.ON_TRACK],
        counts[Progress.OFF_TRACK],
        counts[Progress.NOT_REPORTED],
        len(progress.late),
    )


def plan_report_document(plan: Plan, *, start: dt.date, end: dt.date, language: str) -> Document:
    """The plan's report for `start`..`end` in `language` (its texts are the plan's own; the
    report's words are translated)."""
    if end < start:
        raise ApplicationError(_("The period ends before it starts."), code="invalid")
    lang = language_of(language)
    progress = plan_progress(plan, end)
    blocks: list[Block] = []
    with translation.override("zh-hans" if lang == "zh" else lang):
        every: list[tuple[IndicatorRow, PeriodRow]] = []
        body: list[Block] = []
        for o in progress.objectives:
            rows = o.indicators + [i for a in o.activities for i in a.indicators]
            pairs = _rows(rows, start, end)
            every += pairs
            body.append(Block("heading", "{}. {}".format(o.objective.number, o.objective.title)))
            if pairs:
                body.append(
                    _table(_("Indicators of objective {}").format(o.objective.number), pairs)
                )
            else:
                body.append(
                    Block(
                        "paragraph", _("No indicator of this objective has a period in the report.")
                    )
                )
            for r, p in pairs:
                if p.contributions:
                    values = ", ".join(
                        "{}: {}".format(c.plan, plain(c.actual) or "—") for c in p.contributions
                    )
                    body.append(
                        Block(
                            "paragraph",
                            _("Indicator {} adds up the national plans' values: {}.").format(
                                r.indicator.number, values
                            ),
                        )
                    )
        blocks.append(
            Block(
                "paragraph",
                _("This report covers {} to {}.").format(start.isoformat(), end.isoformat())
                + " "
                + _summary(progress, every),
                notes=[plan.source] if plan.source else [],
            )
        )
        blocks += body
        if progress.late:
            blocks.append(Block("heading", _("Late activities")))
            for activity in progress.late:
                due = activity.end.isoformat() if activity.end else ""
                blocks.append(
                    Block(
                        "paragraph",
                        _("Activity {} {}: due {}.").format(activity.number, activity.title, due),
                    )
                )
        if any(p.illustrative for _r, p in every):
            blocks.append(Block("paragraph", "* " + _("Not in the plan: an illustrative target")))
        title = _("{}: progress report").format(plan.title)
    return Document(
        title=title, symbol=plan.short_title or plan.key, date=end, language=lang, blocks=blocks
    )


def plan_report_file(plan: Plan, *, start: dt.date, end: dt.date, fmt: str, language: str) -> bytes:
    doc = plan_report_document(plan, start=start, end=end, language=language)
    if fmt == "html":
        return to_html(doc, preview=True).encode()
    return to_docx(doc) if fmt == "docx" else to_pdf(doc)
