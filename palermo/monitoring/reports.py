"""The consolidated report of a round, in DOCX (Word footnotes, through pandoc) and PDF (CSS
footnotes, through WeasyPrint), in any of the six UN languages.

The secretariat writes the outline (`services.report_outline_set`): headings and paragraphs of
its own, and paragraphs around what Palermo computes: the States that replied (a list after a
colon: "Replies were received from the following States: Algeria, Australia ...") and, for a
theme of the codebook, the States whose answers carry it, in a footnote in running text
("Australia, Azerbaijan ... and Venezuela mentioned awareness-raising or educational campaigns
in their replies."). Names and order are the UN's as at the report's date (`countrylists`).
Every computed footnote keeps its provenance: the theme, and the passages behind each State.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import pypandoc
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from palermo.monitoring.choices import ORGANISATIONS, OTHER_THEME, PartKind, SubmissionStatus
from palermo.monitoring.coding import ThemeCount, theme_counts
from palermo.monitoring.countrylists import country_list, language_of, ordered_names
from palermo.monitoring.models import Round
from palermo.monitoring.orglists import Style, organisation_list
from palermo.statistics.charts import across_chart, render
from palermo.statistics.selectors import indicator_across_countries

FORMATS = ("docx", "pdf")
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
}


def answer_file_response(value: dict[str, Any], content: bytes) -> HttpResponse:
    """A State's file answer as a download under its own name."""
    response = HttpResponse(content, content_type=str(value["content_type"]))
    response["Content-Disposition"] = "attachment; filename*=UTF-8''{}".format(
        quote(str(value["name"]))
    )
    return response


def attachment(data: bytes, *, name: str, fmt: str) -> HttpResponse:
    """A report as a download named `name`.`fmt` (the HTML preview: shown, not downloaded)."""
    response = HttpResponse(data, content_type=MEDIA_TYPES[fmt])
    if fmt != "html":
        response["Content-Disposition"] = 'attachment; filename="{}.{}"'.format(name, fmt)
    return response


STYLE = Path(__file__).resolve().parent / "static" / "monitoring" / "report.css"
_NOTE = "{note}"
_SPLIT = re.compile(r"(\s+)")


@dataclass
class Block:
    """A heading, a paragraph or a chart; `notes` are the footnotes placed at its `{note}`
    markers (in order), or after it when it has none; a chart has its Vega-Lite spec, drawn
    as PNG or SVG only when a format asks for it."""

    kind: str
    text: str
    notes: list[str] = field(default_factory=list)
    provenance: list[dict[str, Any]] = field(default_factory=list)
    spec: dict[str, Any] = field(default_factory=dict)
    # A table: its caption is `text`; `numeric` says which columns are figures (right-aligned).
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)

    @property
    def png(self) -> bytes:
        """A chart drawn as PNG (for Word)."""
        return render(self.spec, "png") if self.spec else b""

    @property
    def svg(self) -> str:
        """A chart drawn as SVG (for the PDF)."""
        return render(self.spec, "svg").decode() if self.spec else ""


def _chart_block(chart: dict[str, Any], caption: str, replied: list[str], lang: str) -> Block:
    """The published figures of an indicator for a year, one bar per State that replied
    (figures a State has not published are not drawn: the chart reads what anyone may)."""
    with translation.override("zh-hans" if lang == "zh" else lang):
        rows = [
            r
            for r in indicator_across_countries(
                user=None, indicator=chart["indicator"], year=chart["year"]
            )
            if r.country in set(replied)
        ]
        spec = across_chart(rows, indicator=chart["indicator"], period=str(chart["year"]))
        return Block(
            "chart",
            caption,
            provenance=[
                {
                    "chart": chart,
                    "states": [r.country for r in rows],
                    "datasets": sorted({r.dataset for r in rows}),
                }
            ],
            spec=spec,
        )


def _table_block(
    spec: dict[str, Any], caption: str, replied: list[str], lang: str, day: dt.date
) -> Block:
    """The published figures of an indicator for a year, one row per State that replied, in
    the language's order of their names; a figure withheld by disclosure control is shown as
    published (its mask), never the number."""
    with translation.override("zh-hans" if lang == "zh" else lang):
        figures = {
            r.country: r
            for r in indicator_across_countries(
                user=None, indicator=spec["indicator"], year=spec["year"]
            )
            if r.country in set(replied)
        }
        rows = [
            [name, figures[code].display]
            for code, name in ordered_names(figures, as_of=day, language=lang)
        ]
        return Block(
            "table",
            caption,
            header=[_("State"), str(spec["year"])],
            rows=rows,
            numeric=[False, True],
            provenance=[
                {
                    "table": spec,
                    "figures": {c: [f.dataset, f.period] for c, f in sorted(figures.items())},
                }
            ],
        )


@dataclass
class Document:
    title: str
    symbol: str
    date: dt.date
    language: str
    blocks: list[Block]
    status: str = ""  # "Draft for the States' comments ..." until published


def _in(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


def _other_lists(text: str, themes: dict[str, ThemeCount], day: dt.date, lang: str) -> str:
    """`{states:KEY}` in a text replaced by that theme's States, in running text."""
    return OTHER_THEME.sub(
        lambda m: country_list(
            themes[m.group(1)].countries if m.group(1) in themes else [], as_of=day, language=lang
        ),
        text,
    )


def organisations_in(text: str, day: dt.date, lang: str) -> str:
    """`{organisations:UNODC,ILO|style}` in a text replaced by those organisations in UN-system
    order as on `day`, named in `lang`."""
    return ORGANISATIONS.sub(
        lambda m: organisation_list(
            [k for k in m.group(1).replace(" ", ",").split(",") if k],
            language=lang,
            style=cast(Style, m.group(2) or "acronym"),
            as_of=day,
        ),
        text,
    )


def _theme_block(
    notes: list[dict[str, Any]], text: str, themes: dict[str, ThemeCount], day: dt.date, lang: str
) -> Block:
    """A paragraph around themes: its footnotes list the States whose answers carry them."""
    written, provenance = [], []
    for note in notes:
        theme = themes.get(note["theme"])
        countries = theme.countries if theme is not None else []
        remarks = {
            code: _in(texts, lang) for code, texts in note["remarks"].items() if code in countries
        }
        states = country_list(countries, as_of=day, language=lang, notes=remarks)
        footnote = _in(note["footnote"], lang).replace("{states}", states)
        written.append(_other_lists(footnote, themes, day, lang))
        provenance.append(
            {
                "theme": note["theme"],
                "states": countries,
                "passages": theme.passages if theme is not None else {},
            }
        )
    counted = themes.get(notes[0]["theme"]) if notes else None
    body = text.replace("{count}", str(len(counted.countries) if counted else 0))
    return Block(
        "paragraph", _other_lists(body, themes, day, lang), notes=written, provenance=provenance
    )


def report_document(round_: Round, language: str) -> Document:
    """The report's text in `language`, with every computed list filled in."""
    lang = language_of(language)
    round_ = Round.objects.select_related("version", "report_codebook").get(pk=round_.pk)
    codebook = round_.report_codebook
    day = round_.report_date or round_.as_of
    replied = sorted(
        round_.submissions.filter(
            status__in=(SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)
        ).values_list("country_id", flat=True)
    )
    themes = {t.code: t for t in theme_counts(round_, codebook)} if codebook is not None else {}
    blocks = []
    for part in round_.report_parts.order_by("position"):
        text = _in(part.text, lang)
        if part.kind == PartKind.HEADING:
            blocks.append(Block("heading", text))
        elif part.kind == PartKind.PARAGRAPH:
            blocks.append(Block("paragraph", text))
        elif part.kind == PartKind.CHART:
            blocks.append(_chart_block(part.chart, text, replied, lang))
        elif part.kind == PartKind.TABLE:
            blocks.append(_table_block(part.chart, text, replied, lang, day))
        elif part.kind == PartKind.RESPONDENTS:
            states = country_list(replied, as_of=day, language=lang, context="list")
            blocks.append(
                Block(
                    "paragraph",
                    text.replace("{states}", states).replace("{count}", str(len(replied))),
                    provenance=[{"respondents": replied}],
                )
            )
        else:
            blocks.append(_theme_block(part.notes, text, themes, day, lang))
    for block in blocks:
        block.text = organisations_in(block.text, day, lang)
        block.notes = [organisations_in(note, day, lang) for note in block.notes]
    status = ""
    if round_.published_at is None and round_.comments_due is not None:
        with translation.override("zh-hans" if lang == "zh" else lang):
            status = _("Draft for the States' comments, due by {}").format(
                round_.comments_due.isoformat()
            )
    return Document(
        title=_in(round_.report_title, lang) or round_.title,
        symbol=round_.report_symbol,
        date=day,
        language=lang,
        blocks=blocks,
        status=status,
    )


# --- DOCX: pandoc's document tree, written as Word ------------------------------------------


def _inlines(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for piece in _SPLIT.split(text):
        if not piece:
            continue
        out.append({"t": "Space"} if piece.isspace() else {"t": "Str", "c": piece})
    return out


def _parts(block: Block) -> list[tuple[str, str]]:
    """A block's text and footnotes in reading order: ("text", ...) and ("note", ...), each
    note at its `{note}` marker, the notes without a marker after the text."""
    pieces = block.text.split(_NOTE)
    notes = list(block.notes)
    parts: list[tuple[str, str]] = []
    for n, piece in enumerate(pieces):
        parts.append(("text", piece))
        if n < len(pieces) - 1 and notes:
            parts.append(("note", notes.pop(0)))
    return parts + [("note", note) for note in notes]


def _with_notes(block: Block) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for kind, text in _parts(block):
        if kind == "note":
            out.append({"t": "Note", "c": [{"t": "Para", "c": _inlines(text)}]})
        else:
            out += _inlines(text)
    return out


@lru_cache(maxsize=1)
def _pandoc_api() -> list[int]:
    """The document-tree version of the bundled pandoc (asked once: it starts pandoc)."""
    found: list[int] = json.loads(pypandoc.convert_text("", "json", format="markdown"))[
        "pandoc-api-version"
    ]
    return found


_ATTR: list[Any] = ["", [], []]


def _numeric(block: Block) -> list[bool]:
    """Which of a table's columns are figures (none when the block does not say)."""
    return block.numeric or [False] * len(block.header)


def _cell(text: str, numeric: bool) -> list[Any]:
    align = {"t": "AlignRight" if numeric else "AlignDefault"}
    return [_ATTR, align, 1, 1, [{"t": "Plain", "c": _inlines(text)}]]


def _pandoc_table(block: Block) -> dict[str, Any]:
    """A table block as pandoc's Table: caption, one header row, the rows."""
    numeric = _numeric(block)
    columns = [
        [{"t": "AlignRight" if n else "AlignDefault"}, {"t": "ColWidthDefault"}] for n in numeric
    ]
    head = [_ATTR, [[_ATTR, [_cell(h, n) for h, n in zip(block.header, numeric, strict=True)]]]]
    body = [[_ATTR, [_cell(c, n) for c, n in zip(row, numeric, strict=True)]] for row in block.rows]
    caption = [None, [{"t": "Plain", "c": _with_notes(block)}]]
    return {"t": "Table", "c": [_ATTR, caption, columns, head, [[_ATTR, 0, [], body]], [_ATTR, []]]}


def _pandoc_tree(doc: Document, folder: Path) -> dict[str, Any]:
    api = _pandoc_api()
    blocks: list[dict[str, Any]] = []
    for n, block in enumerate(doc.blocks):
        if block.kind == "chart":
            image = folder / "chart-{}.png".format(n)
            image.write_bytes(block.png)
            figure = {
                "t": "Image",
                "c": [["", [], [["width", "16cm"]]], _inlines(block.text), [str(image), ""]],
            }
            blocks.append({"t": "Para", "c": [figure]})
            blocks.append({"t": "Para", "c": [{"t": "Emph", "c": _inlines(block.text)}]})
        elif block.kind == "heading":
            blocks.append({"t": "Header", "c": [2, ["", [], []], _inlines(block.text)]})
        elif block.kind == "table":
            blocks.append(_pandoc_table(block))
        else:
            blocks.append({"t": "Para", "c": _with_notes(block)})
    meta: dict[str, Any] = {
        "title": {"t": "MetaInlines", "c": _inlines(doc.title)},
        "subtitle": {
            "t": "MetaInlines",
            "c": _inlines(" · ".join(t for t in (doc.symbol, doc.status) if t)),
        },
        "date": {"t": "MetaInlines", "c": _inlines(doc.date.isoformat())},
        "lang": {"t": "MetaInlines", "c": [{"t": "Str", "c": doc.language}]},
    }
    if doc.language == "ar":
        meta["dir"] = {"t": "MetaInlines", "c": [{"t": "Str", "c": "rtl"}]}
    return {"pandoc-api-version": api, "meta": meta, "blocks": blocks}


def to_docx(doc: Document) -> bytes:
    """The report as a Word document whose footnotes are Word footnotes."""
    import tempfile  # noqa: PLC0415 - pandoc writes DOCX only to a file

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.docx"
        pypandoc.convert_text(
            json.dumps(_pandoc_tree(doc, Path(folder))), "docx", format="json", outputfile=str(out)
        )
        return out.read_bytes()


# --- PDF: HTML with CSS footnotes, through WeasyPrint -----------------------------------------


def to_html(doc: Document, *, preview: bool = False) -> str:
    """The report as the HTML the PDF is made from; `preview`: as a page of the site, with its
    style sheet linked and the footnotes numbered after their paragraph."""
    blocks = [
        {
            "kind": block.kind,
            "parts": _parts(block),
            "svg": block.svg,
            "header": list(zip(block.header, _numeric(block), strict=True)),
            "rows": [list(zip(row, _numeric(block), strict=True)) for row in block.rows],
        }
        for block in doc.blocks
    ]
    with translation.override("zh-hans" if doc.language == "zh" else doc.language):
        return render_to_string(
            "monitoring/report.html",
            {"doc": doc, "blocks": blocks, "rtl": doc.language == "ar", "preview": preview},
        )


def to_pdf(doc: Document) -> bytes:
    """The report as a PDF (footnotes at the foot of their page; right to left in Arabic)."""
    from weasyprint import CSS, HTML  # noqa: PLC0415 - loads Pango: only when a PDF is asked for

    html = to_html(doc)
    # The style sheet is read from the package; nothing is fetched while rendering.
    document = HTML(string=html, base_url=None, url_fetcher=_no_fetch)
    return bytes(document.write_pdf(stylesheets=[CSS(filename=str(STYLE))]))


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    """The report is made from the template alone: nothing is fetched."""
    raise ValueError("the report fetches no resource")


def report_file(round_: Round, *, fmt: str, language: str) -> bytes:
    """The round's report as a file of `fmt` (docx, pdf, or html: the preview) in `language`."""
    doc = report_document(round_, language)
    if fmt == "html":
        return to_html(doc, preview=True).encode()
    return to_docx(doc) if fmt == "docx" else to_pdf(doc)
