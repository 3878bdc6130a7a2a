"""Benchmark monitoring: a round to 190 States of a 200-question questionnaire, and its report.

Run from the project root with no other setup:

    .venv/bin/python bench/bench_monitoring.py          # or: make bench-monitoring

- pre-fill: `round_send` of a round of a 200-question questionnaire (BENCH_QUESTIONS) to 190
  States (BENCH_STATES), each reply pre-filled from the registry (party status to the
  Trafficking in Persons Protocol, national legislation) and from published statistics
  (figures of the indicators 30 numbers are bound to). Goal: < 10 s for all of them.
- report: the round's consolidated report (BENCH_PARAGRAPHS paragraphs of editorial text and
  BENCH_THEMES footnotes listing the States that mention each theme, from coded answers) as
  DOCX and PDF, together. Goal: >= 40 pages, < 20 s. The reference is pandoc writing the same
  text (already filled in) to DOCX from Markdown and WeasyPrint rendering the same text as
  HTML, in the same run: the ratio is what computing the lists adds.

The report holds 3 charts of published figures (one bar per State); the reference draws the
same charts as images already rendered.
Like the other benchmarks it uses a temporary data directory (removed at the end) and, with
BENCH_DATABASE_URL, a dedicated PostgreSQL database. See bench/README.md.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

import django
from benchlib import check, django_environment, env_database, env_int, finish

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2024, 6, 30)
_SAMPLE = (
    "States reported measures to prevent trafficking in persons protect its victims and "
    "prosecute offenders including legislation training of police prosecutors and judges "
    "coordination among agencies cooperation with neighbouring States and support to victims"
)
WORDS = _SAMPLE.split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _form(questions: int) -> bytes:
    from palermo.monitoring.choices import QuestionKind  # noqa: PLC0415 - after django.setup()
    from palermo.monitoring.xlsform import FormPlan, QuestionPlan, write_xlsform  # noqa: PLC0415

    plans = []
    for n in range(questions):
        if n < 10:  # noqa: PLR2004 - the first ten: party status
            plan = QuestionPlan(
                name="party_{}".format(n),
                kind=QuestionKind.YES_NO,
                section=None,
                label={"en": "Party? {}".format(n)},
                prefill="party:trafficking-protocol",
            )
        elif n < 40:  # noqa: PLR2004 - thirty figures
            plan = QuestionPlan(
                name="figure_{}".format(n),
                kind=QuestionKind.INTEGER,
                section=None,
                label={"en": "Figure {}".format(n)},
                indicator="victims_detected",
            )
        elif n < 50:  # noqa: PLR2004 - ten legislation
            plan = QuestionPlan(
                name="law_{}".format(n),
                kind=QuestionKind.TEXT,
                section=None,
                label={"en": "Legislation {}".format(n)},
                prefill="legislation",
            )
        else:
            plan = QuestionPlan(
                name="q_{}".format(n),
                kind=QuestionKind.TEXT,
                section=None,
                label={"en": "Question {}".format(n)},
            )
        plans.append(plan)
    form = FormPlan(
        title="Benchmark questionnaire",
        form_id="bench",
        default_language="en",
        languages=["en"],
        questions=plans,
        choices=[],
        warnings=[],
    )
    return write_xlsform(form, version=1, as_of=AS_OF)


def run() -> list[tuple[str, str, str, str]]:  # noqa: PLR0915 - one linear script
    from django.core.management import call_command  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415
    from pdfminer.high_level import extract_pages  # noqa: PLC0415
    from weasyprint import CSS, HTML  # noqa: PLC0415

    from palermo.core.choices import OrganisationKind, Role  # noqa: PLC0415
    from palermo.core.errors import ApplicationError  # noqa: PLC0415
    from palermo.core.services import organisation_create, user_create  # noqa: PLC0415
    from palermo.monitoring import reports, services  # noqa: PLC0415
    from palermo.monitoring.choices import SubmissionStatus  # noqa: PLC0415
    from palermo.monitoring.countrylists import known_codes, state_name  # noqa: PLC0415
    from palermo.monitoring.models import Answer, Coding, Submission  # noqa: PLC0415
    from palermo.registry.reference import load_reference  # noqa: PLC0415
    from palermo.statistics.choices import ValueOrigin, ValueStatus  # noqa: PLC0415
    from palermo.statistics.definitions import definitions_load  # noqa: PLC0415
    from palermo.statistics.models import DataSet, Indicator, Value  # noqa: PLC0415
    from palermo.statistics.periods import parse_period  # noqa: PLC0415

    questions = env_int("BENCH_QUESTIONS", 200, minimum=50)
    states = env_int("BENCH_STATES", 190, minimum=2)
    paragraphs = env_int("BENCH_PARAGRAPHS", 160, minimum=1)
    themes = env_int("BENCH_THEMES", 40, minimum=1)
    rng = random.Random(2005)  # noqa: S311 - synthetic text, not secrets
    call_command("migrate", verbosity=0)
    load_reference()
    definitions_load()
    organisation_create(
        actor=None, name="Bench secretariat", kind=OrganisationKind.INTERNATIONAL, system=True
    )
    user, _password = user_create(
        actor=None,
        username="bench",
        organisation="Bench secretariat",
        role=Role.ANALYST,
        system=True,
    )
    codes = []
    for code in sorted(known_codes()):
        try:
            state_name(code, as_of=AS_OF, language="en")
        except ApplicationError:
            continue  # a code that named no State then
        codes.append(code)
    codes = codes[:states]
    check(len(codes) == states, "{} States on {} (asked for {})".format(len(codes), AS_OF, states))
    dataset, indicator = (
        DataSet.objects.get(code="glotip"),
        Indicator.objects.get(code="victims_detected"),
    )
    period = parse_period("2023")
    Value.objects.bulk_create(
        Value(
            dataset=dataset,
            indicator=indicator,
            country_id=code,
            period=period.text,
            period_start=period.start,
            period_end=period.end,
            year=period.start.year,
            value=rng.randint(0, 500),
            status=ValueStatus.PUBLISHED,
            origin=ValueOrigin.GLOTIP,
            public=True,
        )
        for code in codes
    )
    q = services.questionnaire_create(actor=user, key="bench", title="Benchmark")
    version = services.questionnaire_version_import(
        actor=user, questionnaire=q, data=_form(questions), file_name="bench.xlsx"
    )
    version = services.questionnaire_version_publish(actor=user, version=version)
    round_ = services.round_create(
        actor=user,
        version=version,
        mechanism=None,
        countries=codes,
        key="bench-round",
        title="Benchmark round",
        as_of=AS_OF,
        deadline=AS_OF + dt.timedelta(days=90),
    )
    started = time.perf_counter()
    round_ = services.round_send(actor=user, round_=round_)
    prefill = time.perf_counter() - started
    prefilled = Answer.objects.filter(submission__round=round_).exclude(prefill_source="").count()
    check(prefilled >= states * 40, "pre-filled answers: {}".format(prefilled))

    # Coded answers (to the last question): each theme mentioned by a random third of the States.
    target = "q_{}".format(questions - 1)
    book = services.codebook_create(
        actor=user,
        questionnaire=q,
        codes=[
            {"key": "t{}".format(n), "label": "Theme {}".format(n), "question": target}
            for n in range(themes)
        ],
    )
    question = version.questions.get(name=target)
    texts = {
        code: " ".join("Theme {} statement.".format(n) for n in range(themes)) for code in codes
    }
    submissions = {s.country_id: s for s in round_.submissions.all()}
    answers = Answer.objects.bulk_create(
        Answer(submission=submissions[c], question=question, value=texts[c], updated_by=user)
        for c in codes
    )
    Submission.objects.filter(round=round_).update(
        status=SubmissionStatus.ACCEPTED, submitted_at=timezone.now()
    )
    tagged = []
    keyed = {c.key: c for c in book.codes.all()}
    for answer, code in zip(answers, codes, strict=True):
        for n in range(themes):
            if rng.random() < 1 / 3:
                passage = "Theme {} statement.".format(n)
                start = texts[code].index(passage)
                tagged.append(
                    Coding(
                        answer=answer,
                        code=keyed["t{}".format(n)],
                        coder=user,
                        start=start,
                        end=start + len(passage),
                        passage=passage,
                    )
                )
    Coding.objects.bulk_create(tagged)
    parts: list[dict[str, object]] = [
        {"respondents": "Replies were received from the following States: {states}."}
    ]
    for n in range(paragraphs):
        parts.append(
            {"heading": "Section {}".format(n + 1)}
            if n % 8 == 0
            else {"paragraph": "{}. {}".format(n + 1, _text(rng, 180))}
        )
        if n < themes:
            parts.append(
                {
                    "theme": "t{}".format(n),
                    "text": "{}{{note}}".format(_text(rng, 60)),
                    "footnote": "{{states}} mentioned theme {}.".format(n),
                }
            )
    for n, step in enumerate((len(parts) // 4, len(parts) // 2, 3 * len(parts) // 4), start=1):
        parts.insert(
            step + n - 1,
            {
                "chart": {"indicator": "victims_detected", "year": 2023},
                "text": "Figure {}. Victims detected, 2023".format(n),
            },
        )
    services.report_outline_set(
        actor=user,
        round_=round_,
        outline={
            "symbol": "BENCH/1",
            "date": AS_OF.isoformat(),
            "title": "Benchmark report",
            "parts": parts,
        },
    )

    started = time.perf_counter()
    docx = reports.report_file(round_, fmt="docx", language="en")
    pdf = reports.report_file(round_, fmt="pdf", language="en")
    report_time = time.perf_counter() - started
    pages = sum(1 for _ in extract_pages(io.BytesIO(pdf)))

    # The reference: the same text, already filled in, rendered by pandoc and WeasyPrint.
    doc = reports.report_document(round_, "en")
    import pypandoc  # noqa: PLC0415

    markdown, notes, html = [], [], []
    for block in doc.blocks:
        if block.kind == "chart":  # the same charts, as images already drawn
            markdown.append(
                "![{}](data:image/png;base64,{})".format(
                    block.text, base64.b64encode(block.png).decode()
                )
            )
            html.append("<figure>{}</figure>".format(block.svg))
            continue
        text = block.text
        for note in block.notes:
            notes.append(note)
            text = text.replace("{note}", "[^{}]".format(len(notes)), 1)
        text = text.replace("{note}", "")
        markdown.append(("## " if block.kind == "heading" else "") + text)
        html.append("<p>{}</p>".format(text))
    markdown += ["[^{}]: {}".format(n, note) for n, note in enumerate(notes, start=1)]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        pypandoc.convert_text(
            "\n\n".join(markdown),
            "docx",
            format="markdown",
            outputfile=str(Path(folder) / "r.docx"),
        )
    HTML(string="<html><body>{}</body></html>".format("".join(html))).write_pdf(
        stylesheets=[CSS(filename=str(reports.STYLE))]
    )
    reference = time.perf_counter() - started
    check(len(docx) > 0 and pdf.startswith(b"%PDF"), "report written")
    return [
        (
            "pre-fill {} States x {} questions".format(states, questions),
            "{:.2f} s".format(prefill),
            "-",
            "goal < 10 s: {}".format("met" if prefill < 10 else "not met"),
        ),  # noqa: PLR2004 - the goal
        (
            "report DOCX + PDF ({} pages, {} footnotes)".format(pages, len(notes)),
            "{:.2f} s".format(report_time),
            "{:.2f} s ({:.2f}x)".format(reference, report_time / reference),
            "goal >= 40 pages, < 20 s: {}".format(
                "met" if pages >= 40 and report_time < 20 else "not met"
            ),
        ),  # noqa: PLR2004 - the goal
        (
            "  of which {} charts".format(sum(b.kind == "chart" for b in doc.blocks)),
            "-",
            "-",
            "goal 3 charts: {}".format(
                "met" if sum(b.kind == "chart" for b in doc.blocks) >= 3 else "not met"
            ),  # noqa: PLR2004 - the goal
        ),
    ]


def main() -> int:
    db = env_database("palermo_bench_monitoring")
    data_dir = Path(tempfile.mkdtemp(prefix="palermo-bench-monitoring-"))
    pg = django_environment(data_dir, db["database_url"], db["database_name"])
    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # its progress, page by page
    from django.db import connection  # noqa: PLC0415

    status = 0
    try:
        rows = run()
        print("Monitoring benchmark ({}):".format(connection.vendor))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        header = ("step", "time", "reference (ratio)", "goal")
        widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
        for row in [header, *rows]:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    except Exception:
        traceback.print_exc()
        status = 1
    return finish(data_dir, pg, keep=db["keep"]) or status


if __name__ == "__main__":
    sys.exit(main())
