"""The outline of a round's consolidated report, written by its secretariat."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.monitoring import audit_kinds
from palermo.monitoring.choices import ORGANISATIONS, OTHER_THEME, PartKind
from palermo.monitoring.models import Codebook, ReportPart, Round
from palermo.monitoring.orglists import organisation
from palermo.monitoring.services.rounds import round_owner
from palermo.statistics.models import Indicator

MAX_TEXT = 20_000


def _texts(value: Any, where: str) -> dict[str, str]:
    texts = {"en": value} if isinstance(value, str) else value
    if not isinstance(texts, Mapping) or not texts:
        raise ApplicationError(
            _("{}: a text, or texts by language code.").format(where), code="invalid"
        )
    out = {str(k): str(v) for k, v in texts.items() if str(v).strip()}
    if not out or any(len(v) > MAX_TEXT for v in out.values()):
        raise ApplicationError(_("{}: 1 to {} characters.").format(where, MAX_TEXT), code="invalid")
    return out


def _codebook(round_: Round, version: Any) -> Codebook | None:
    books = round_.version.questionnaire.codebooks.order_by("-version")
    if version in (None, ""):
        return books.first()
    found = books.filter(version=int(version)).first() if str(version).isdigit() else None
    if found is None:
        raise ApplicationError(_("codebook: no version {}.").format(version), code="invalid")
    return found


def _notes(part: Mapping[str, Any], book: Codebook | None, where: str) -> list[dict[str, Any]]:
    """A theme part's footnotes, checked: one (`theme`, `footnote`, `remarks`) or several
    (`notes`: a list of them)."""
    given = part.get("notes", [part])
    if not isinstance(given, list):
        raise ApplicationError(_("{}: notes is a list of footnotes.").format(where), code="invalid")
    keys = set(book.codes.values_list("key", flat=True)) if book is not None else set()
    notes = []
    for note in given:
        key = str(note.get(PartKind.THEME, "")) if isinstance(note, Mapping) else ""
        if key not in keys:
            raise ApplicationError(
                _("{}: the codebook has no theme {}.").format(where, key), code="invalid"
            )
        footnote = _texts(note.get("footnote"), where)
        if not all("{states}" in v for v in footnote.values()):
            raise ApplicationError(
                _("{}: the footnote says where {{states}} go.").format(where), code="invalid"
            )
        for other in OTHER_THEME.findall(" ".join(footnote.values())):
            if other not in keys:
                raise ApplicationError(
                    _("{}: the codebook has no theme {}.").format(where, other), code="invalid"
                )
        remarks = note.get("remarks") or {}
        if not isinstance(remarks, Mapping):
            raise ApplicationError(
                _("{}: remarks by State (ISO alpha-3).").format(where), code="invalid"
            )
        notes.append(
            {
                "theme": key,
                "footnote": footnote,
                "remarks": {str(k).upper(): _texts(v, where) for k, v in remarks.items()},
            }
        )
    return notes


def _chart(spec: Any, where: str) -> dict[str, Any]:
    """A chart part: an indicator of the statistics and a year."""
    if not isinstance(spec, Mapping):
        raise ApplicationError(
            _("{}: a chart is an indicator and a year.").format(where), code="invalid"
        )
    code = str(spec.get("indicator", ""))
    if not Indicator.objects.filter(code=code).exists():
        raise ApplicationError(
            _("{}: no statistics indicator {}.").format(where, code), code="invalid"
        )
    year = spec.get("year")
    if not isinstance(year, int) or not 1900 <= year <= 2100:  # noqa: PLR2004 - a plausible year
        raise ApplicationError(
            _("{}: the chart's year, such as 2023.").format(where), code="invalid"
        )
    return {"indicator": code, "year": year}


def _organisations_known(row: ReportPart, day: dt.date, where: str) -> None:
    """Every organisation a part's texts list (`{organisations:...}`) is one Palermo knows."""
    texts = list(row.text.values()) + [
        v for note in (row.notes or []) for v in note.get("footnote", {}).values()
    ]
    for text in texts:
        for keys, _style in ORGANISATIONS.findall(text):
            for key in (k for k in keys.replace(" ", ",").split(",") if k):
                try:
                    organisation(key, as_of=day)
                except ApplicationError as exc:
                    raise ApplicationError(
                        "{}: {}".format(where, exc.detail), code="invalid"
                    ) from None


def report_outline_set(
    *, actor: User, round_: Round, outline: Mapping[str, Any]
) -> list[ReportPart]:
    """The report's outline, replacing the one before: `symbol`, `date`, `title`, `codebook`
    (version, default the last) and `parts`, each one of `heading`, `paragraph`,
    `respondents` (a text with `{states}`) or `theme` (a code's key, with `text` holding a
    `{note}` marker, a `footnote` with `{states}` and perhaps `{states:OTHER}`, and `remarks` by
    State; or `notes`: a list of such footnotes for the text's markers in order), `chart` or
    `table` (a statistics indicator and a year: the published figures of the States that
    replied).
    ApplicationError naming the first wrong part; nothing changed then."""
    author = round_owner(actor, round_)
    symbol = str(outline.get("symbol", "") or "").strip()[:80]
    date = outline.get("date")
    if date not in (None, ""):
        try:
            date = date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
        except ValueError:
            raise ApplicationError(_("date: YYYY-MM-DD."), code="invalid") from None
    title = _texts(outline["title"], "title") if outline.get("title") else {}
    book = _codebook(round_, outline.get("codebook"))
    parts = outline.get("parts") or []
    if not isinstance(parts, list) or not parts:
        raise ApplicationError(_("parts: a list of the report's parts."), code="invalid")
    rows = []
    for n, part in enumerate(parts, start=1):
        where = _("part {}").format(n)
        kinds = [k for k in PartKind.values if isinstance(part, Mapping) and k in part]
        if len(kinds) != 1:
            raise ApplicationError(
                _("{}: one of heading, paragraph, respondents, theme, chart, table.").format(where),
                code="invalid",
            )
        kind = kinds[0]
        row = ReportPart(round=round_, position=n, kind=kind)
        if kind == PartKind.THEME:
            row.notes = _notes(part, book, where)
            row.text = _texts(part.get("text", "{note}"), where)
            keys = set(book.codes.values_list("key", flat=True)) if book is not None else set()
            for other in OTHER_THEME.findall(" ".join(row.text.values())):
                if other not in keys:
                    raise ApplicationError(
                        _("{}: the codebook has no theme {}.").format(where, other), code="invalid"
                    )
        elif kind in (PartKind.CHART, PartKind.TABLE):
            row.chart = _chart(part[kind], where)
            row.text = _texts(part.get("text") or part[kind].get("indicator", ""), where)
        else:
            row.text = _texts(part[kind], where)
            if kind == PartKind.RESPONDENTS and not all("{states}" in v for v in row.text.values()):
                raise ApplicationError(
                    _("{}: the text says where {{states}} go.").format(where), code="invalid"
                )
        _organisations_known(row, (date or round_.as_of), where)
        rows.append(row)
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        locked.report_symbol = symbol
        locked.report_title = title
        locked.report_date = date or None
        locked.report_codebook = book
        locked.save(
            update_fields=["report_symbol", "report_title", "report_date", "report_codebook"]
        )
        locked.report_parts.all().delete()
        ReportPart.objects.bulk_create(rows)
        audit_record(
            actor=author,
            action=AuditAction.UPDATE,
            kind=audit_kinds.REPORT,
            object_id=locked.key,
            after={
                "symbol": symbol,
                "parts": len(rows),
                "codebook": book.version if book else None,
            },
        )
    return rows
