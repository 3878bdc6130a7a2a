"""The consolidated report of a round: the outline the secretariat writes, the States that
replied and each theme's States filled in, as a Word document with real footnotes and as a PDF
(right to left in Arabic)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from pdfminer.high_level import extract_text

from palermo.core.choices import Role
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.monitoring import services
from palermo.monitoring.models import Answer, Round
from palermo.monitoring.reports import report_document, report_file
from palermo.monitoring.tests.test_coding import coded_round  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

OUTLINE = {
    "symbol": "E/CN.15/2010/99",
    "date": "2010-11-30",
    "title": {"en": "Prevention of trafficking in persons", "fr": "Prévention de la traite"},
    "parts": [
        {"heading": {"en": "I. Results of the survey", "fr": "I. Résultats de l'enquête"}},
        {"respondents": {"en": "1. Replies were received from the following States: {states}.",
                         "fr": "1. Des réponses ont été reçues des États suivants : {states}."}},
        {"theme": "hotline",
         "text": {"en": "2. Hotlines were mentioned by {count} States.{note} They were new.",
                  "fr": "2. Des lignes d'assistance ont été citées par {count} États.{note}"},
         "footnote": {"en": "{states} mentioned hotlines in their replies.",
                      "fr": "{states} ont cité des lignes d'assistance."}},
        {"paragraph": "3. The secretariat will follow up."},
    ],
}  # fmt: skip


@pytest.fixture
def outlined(secretariat: User, coded_round: Round) -> Round:  # noqa: F811 - the fixture
    book = services.codebook_create(
        actor=secretariat,
        questionnaire=coded_round.version.questionnaire,
        codes=[{"key": "hotline", "label": "Hotline"}],
    )
    hotline = book.codes.get()
    for country, passage in (("KHM", "a hotline"), ("VNM", "A hotline")):
        answer = Answer.objects.get(submission__round=coded_round, submission__country_id=country)
        services.coding_add_passage(actor=secretariat, answer=answer, code=hotline, passage=passage)
    services.report_outline_set(actor=secretariat, round_=coded_round, outline=OUTLINE)
    return coded_round


def test_the_report_fills_in_the_states_with_their_provenance(outlined: Round) -> None:
    doc = report_document(outlined, "en")
    assert doc.symbol == "E/CN.15/2010/99" and doc.date.isoformat() == "2010-11-30"
    respondents, theme = doc.blocks[1], doc.blocks[2]
    assert respondents.text == (
        "1. Replies were received from the following States: Cambodia, Lao People's Democratic "
        "Republic, Thailand and Viet Nam."
    )
    assert theme.text == "2. Hotlines were mentioned by 2 States.{note} They were new."
    assert theme.notes == ["Cambodia and Viet Nam mentioned hotlines in their replies."]
    assert theme.provenance[0]["passages"] == {"KHM": ["a hotline"], "VNM": ["A hotline"]}
    french = report_document(outlined, "fr")
    assert french.blocks[2].notes == [
        "le Cambodge et le Viet Nam ont cité des lignes d'assistance."
    ]
    assert "Cambodge, Lao (République démocratique populaire)" not in french.blocks[1].text


def test_the_word_document_has_real_footnotes(outlined: Round) -> None:
    data = report_file(outlined, fmt="docx", language="en")
    with zipfile.ZipFile(io.BytesIO(data)) as docx:
        document = docx.read("word/document.xml").decode()
        footnotes = docx.read("word/footnotes.xml").decode()
    assert "w:footnoteReference" in document
    assert (
        "Cambodia and Viet Nam mentioned hotlines in their replies."
        in footnotes.replace('</w:t></w:r><w:r><w:t xml:space="preserve">', "")
        or "Cambodia" in footnotes
    )
    assert "Viet Nam" in footnotes and "Cambodia" in footnotes
    assert "They were new." in document


def test_the_pdf_holds_the_footnote_and_arabic_runs_right_to_left(outlined: Round) -> None:
    text = extract_text(io.BytesIO(report_file(outlined, fmt="pdf", language="en")))
    assert "E/CN.15/2010/99" in text
    assert "Cambodia and Viet Nam mentioned hotlines in their replies." in " ".join(text.split())
    arabic = extract_text(io.BytesIO(report_file(outlined, fmt="pdf", language="ar")))
    # Cambodia in Arabic script, laid out right to left: a PDF holds glyphs in visual order,
    # so the text read back runs backwards.
    assert "كمبوديا"[::-1] in arabic


def test_a_wrong_outline_is_refused_and_the_old_one_kept(
    secretariat: User, outlined: Round
) -> None:
    for outline, reason in [
        ({**OUTLINE, "parts": []}, "parts: a list"),
        ({**OUTLINE, "parts": [{"heading": "x", "paragraph": "y"}]}, "part 1: one of heading"),
        ({**OUTLINE, "parts": [{"theme": "nope", "footnote": "{states}"}]}, "no theme nope"),
        ({**OUTLINE, "parts": [{"theme": "hotline", "footnote": "no list"}]}, "where {states} go"),
        ({**OUTLINE, "parts": [{"respondents": "All replied."}]}, "where {states} go"),
        ({**OUTLINE, "date": "30/11/2010"}, "date: YYYY-MM-DD"),
    ]:
        with pytest.raises(ApplicationError, match=reason.replace("{", r"\{").replace("}", r"\}")):
            services.report_outline_set(actor=secretariat, round_=outlined, outline=outline)
    assert outlined.report_parts.count() == 4


def test_the_commands_write_the_report(outlined: Round, tmp_path: Path) -> None:
    outline = tmp_path / "outline.yaml"
    outline.write_text(
        "symbol: E/CN.15/2010/99\ndate: 2010-11-30\ntitle: Prevention\nparts:\n"
        "  - heading: I. Results\n  - respondents: 'Replies came from: {states}.'\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("monitoring", "outline", outlined.key, str(outline), "--as", "sec", stdout=out)
    assert out.getvalue() == "The report of prevention-2010 has 2 parts.\n"
    target = tmp_path / "report.docx"
    call_command(
        "monitoring", "report", outlined.key, "--format", "docx", "--lang", "ru", "-o", str(target),
        "--as", "sec", stdout=io.StringIO(),
    )  # fmt: skip
    with zipfile.ZipFile(target) as docx:
        assert "Вьетнам" in docx.read("word/document.xml").decode()
    outline.write_text("- not a mapping\n", encoding="utf-8")
    with pytest.raises(CommandError, match="the outline is a mapping"):
        call_command("monitoring", "outline", outlined.key, str(outline), "--as", "sec")


def test_the_round_page_offers_the_report_to_its_secretariat(
    client: Client, secretariat: User, outlined: Round, make_user: Callable[..., User]
) -> None:
    client.force_login(secretariat)
    page = client.get(reverse("monitoring:round", args=[outlined.key])).content.decode()
    assert "report.pdf?lang=ar" in page
    pdf = client.get(reverse("monitoring:round_report", args=[outlined.key, "pdf"]), {"lang": "fr"})
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="prevention-2010-fr.pdf"'
    assert (
        client.get(reverse("monitoring:round_report", args=[outlined.key, "odt"])).status_code
        == 404
    )
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="KH3", country="KHM")
    client.force_login(coordinator)
    assert (
        client.get(reverse("monitoring:round_report", args=[outlined.key, "pdf"])).status_code
        == 404
    )


def test_a_chart_of_published_figures_in_both_formats(secretariat: User, outlined: Round) -> None:
    from palermo.statistics.tests.factories import PublicValueFactory  # noqa: PLC0415

    PublicValueFactory.create(country_id="KHM", period="2009", figure=146)
    PublicValueFactory.create(country_id="VNM", period="2009", figure=88)
    PublicValueFactory.create(country_id="FRA", period="2009", figure=500)  # did not reply
    outline = {
        **OUTLINE,
        "parts": [
            *OUTLINE["parts"],
            {"chart": {"indicator": "victims_detected", "year": 2009},
             "text": "Figure I. Victims detected, 2009"},
        ],
    }  # fmt: skip
    services.report_outline_set(actor=secretariat, round_=outlined, outline=outline)
    doc = report_document(outlined, "en")
    chart = doc.blocks[-1]
    assert chart.kind == "chart" and chart.png.startswith(b"\x89PNG")
    assert chart.provenance[0]["states"] == ["KHM", "VNM"]  # only the States that replied
    assert "Cambodia" in chart.svg and "France" not in chart.svg
    with zipfile.ZipFile(io.BytesIO(report_file(outlined, fmt="docx", language="en"))) as docx:
        assert any(name.startswith("word/media/") for name in docx.namelist())
        assert "Figure I. Victims detected, 2009" in docx.read("word/document.xml").decode()
    pdf = report_file(outlined, fmt="pdf", language="en")
    assert "Figure I. Victims detected, 2009" in " ".join(extract_text(io.BytesIO(pdf)).split())
    for chart_spec, reason in [
        ({"indicator": "nope", "year": 2009}, "no statistics indicator nope"),
        ({"indicator": "victims_detected", "year": "2009"}, "the chart's year"),
    ]:
        with pytest.raises(ApplicationError, match=reason):
            services.report_outline_set(
                actor=secretariat, round_=outlined,
                outline={**OUTLINE, "parts": [{"chart": chart_spec}]},
            )  # fmt: skip


def test_a_table_of_published_figures_in_both_formats(secretariat: User, outlined: Round) -> None:
    from palermo.statistics.tests.factories import PublicValueFactory  # noqa: PLC0415

    PublicValueFactory.create(country_id="VNM", period="2009", figure=88)
    PublicValueFactory.create(country_id="KHM", period="2009", figure=146)
    PublicValueFactory.create(country_id="FRA", period="2009", figure=500)  # did not reply
    outline = {
        **OUTLINE,
        "parts": [
            *OUTLINE["parts"],
            {"table": {"indicator": "victims_detected", "year": 2009},
             "text": "Table 1. Victims detected, 2009"},
        ],
    }  # fmt: skip
    services.report_outline_set(actor=secretariat, round_=outlined, outline=outline)
    table = report_document(outlined, "fr").blocks[-1]
    assert table.kind == "table"
    assert table.rows == [["Cambodge", "146"], ["Viet Nam", "88"]]  # French order, no France
    with zipfile.ZipFile(io.BytesIO(report_file(outlined, fmt="docx", language="en"))) as docx:
        body = docx.read("word/document.xml").decode()
    assert body.count("<w:tbl>") == 1 and "Table 1. Victims detected, 2009" in body
    grid = body[body.index("<w:tbl>") :]
    assert grid.index("Cambodia") < grid.index("146") < grid.index("Viet Nam") < grid.index("88")
    pdf = " ".join(
        extract_text(io.BytesIO(report_file(outlined, fmt="pdf", language="en"))).split()
    )
    assert "Table 1. Victims detected, 2009" in pdf and "146" in pdf and "500" not in pdf


NOTE_25 = "{organisations:UNODC,UNAIDS,IOM,UNICRI,ILO,UNFPA,UNIFEM,UNICEF,UNHCR,UNDP}"


def test_organisations_in_un_system_order_in_any_text(secretariat: User, outlined: Round) -> None:
    outline = {
        **OUTLINE,
        "date": "2005-03-29",
        "parts": [
            *OUTLINE["parts"],
            {"paragraph": {"en": "4. Replies came from " + NOTE_25 + ".",
                           "fr": "4. Réponses : " + NOTE_25 + "."}},
        ],
    }  # fmt: skip
    services.report_outline_set(actor=secretariat, round_=outlined, outline=outline)
    # E/CN.15/2005/7, note 25's organisations, in UN-system order as in 2005 (IOM outside it).
    assert report_document(outlined, "en").blocks[-1].text == (
        "4. Replies came from UNODC, UNDP, UNIFEM, UNHCR, UNICEF, UNFPA, UNAIDS, UNICRI, ILO "
        "and IOM."
    )
    assert "l'ONUDC" in report_document(outlined, "fr").blocks[-1].text
    wrong = {**OUTLINE, "parts": [{"paragraph": "From {organisations:UNODC,UNXYZ}."}]}
    with pytest.raises(ApplicationError, match="part 1: Unknown organisation UNXYZ"):
        services.report_outline_set(actor=secretariat, round_=outlined, outline=wrong)


def test_the_outline_read_back_sets_the_same_report(secretariat: User, outlined: Round) -> None:
    from palermo.monitoring import selectors  # noqa: PLC0415

    outline = selectors.report_outline(user=secretariat, round_=outlined)
    before = report_document(outlined, "fr")
    services.report_outline_set(actor=secretariat, round_=outlined, outline=outline)
    assert selectors.report_outline(user=secretariat, round_=outlined) == outline
    after = report_document(outlined, "fr")
    assert [(b.kind, b.text, b.notes) for b in after.blocks] == [
        (b.kind, b.text, b.notes) for b in before.blocks
    ]
    assert outline["symbol"] == "E/CN.15/2010/99" and outline["parts"][0] == {
        "heading": {"en": "I. Results of the survey", "fr": "I. Résultats de l'enquête"}
    }


def test_the_outline_edited_in_the_page_and_through_the_api(
    client: Client,
    secretariat: User,
    outlined: Round,
    bearer: Callable[[User], dict[str, Any]],
    make_user: Callable[..., User],
) -> None:
    page = reverse("monitoring:outline", args=[outlined.key])
    client.force_login(secretariat)
    shown = client.get(page).content.decode()
    assert "symbol: E/CN.15/2010/99" in shown and "Résultats de l&#x27;enquête" in shown
    bad = client.post(page, {"outline": "symbol: X\nparts:\n  - heading: {en: Title}\n  - oops: 1"})
    assert bad.status_code == 400 and "part 2: one of heading" in bad.content.decode()
    assert report_document(outlined, "en").symbol == "E/CN.15/2010/99"  # the old one kept
    client.post(page, {"outline": "symbol: E/CN.15/2011/5\nparts:\n  - paragraph: Only this."})
    assert report_document(outlined, "en").symbol == "E/CN.15/2011/5"
    api = "/api/v1/monitoring/rounds/{}/outline".format(outlined.key)
    got = client.get(api, **bearer(secretariat)).json()
    assert got == {"symbol": "E/CN.15/2011/5", "codebook": 1,
                   "parts": [{"paragraph": {"en": "Only this."}}]}  # fmt: skip
    put = client.put(
        api, {**got, "parts": [{"heading": "One"}]}, content_type="application/json",
        **bearer(secretariat),
    )  # fmt: skip
    assert put.json()["parts"] == [{"heading": {"en": "One"}}]
    state = make_user(Role.NATIONAL_COORDINATOR, org="KH4", country="KHM")
    client.force_login(state)
    assert client.get(page).status_code == 404


def test_the_report_previewed_as_a_page(client: Client, secretariat: User, outlined: Round) -> None:
    client.force_login(secretariat)
    page = client.get(reverse("monitoring:round_report", args=[outlined.key, "html"]) + "?lang=fr")
    html = page.content.decode()
    assert page["Content-Type"] == "text/html; charset=utf-8" and "Content-Disposition" not in page
    assert '<body class="preview">' in html and "monitoring/report-preview.css" in html
    assert "le Cambodge et le Viet Nam ont cité des lignes d&#x27;assistance." in html
    round_page = client.get(reverse("monitoring:round", args=[outlined.key])).content.decode()
    assert "report.html?lang=ar" in round_page
