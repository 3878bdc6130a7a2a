"""Imports (UNODC GLOTIP as published, CTDC layout, templates) and exports (CSV, XLSX, SDMX-CSV)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest

from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import AuditEntry, User
from palermo.statistics import interchange as ix
from palermo.statistics.models import DataImport, Value
from palermo.statistics.selectors import ValueFilters, value_list
from palermo.statistics.tests.factories import GOOD, enter

pytestmark = pytest.mark.django_db
GLOTIP_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "unodc-glotip"
needs_glotip = pytest.mark.skipif(
    not (GLOTIP_DIR / "data_glotip.csv").exists(),
    reason="../shared/data/unodc-glotip is absent (the GLOTIP files are not copied into the repo)",
)
HEADER = ",".join(ix.GLOTIP_COLUMNS)


def glotip_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "glotip.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


ROW = (
    "LTU,Lithuania,Europe,Northern Europe,Detected trafficking victims,"
    '{dim},{cat},{sex},Total,2019,Counts,"{value}",GLOTIP'
)


def row(value: str = "12", dim: str = "Total", cat: str = "Total", sex: str = "Total") -> str:
    return ROW.format(value=value, dim=dim, cat=cat, sex=sex)


@needs_glotip
def test_glotip_as_published_with_masked_values_kept_masked() -> None:
    result = ix.data_import_run(
        actor=None, path=GLOTIP_DIR / "data_glotip.csv", fmt="glotip", public=True
    )
    assert result.rows == 58769
    assert result.figures == 58769 - 26  # Sark has no ISO 3166 code: reported, not imported
    assert "Sark (26)" in result.notes
    glotip = Value.objects.filter(origin="glotip")
    assert glotip.count() == result.figures
    masked = glotip.filter(masked=True)
    assert masked.count() == 29534
    assert not masked.exclude(value__isnull=True).exists()
    assert set(masked.values_list("value_text", flat=True)) == {"<5"}
    assert glotip.filter(suspect=True).count() == 128  # questionnaire references read as numbers
    assert glotip.aggregate(a=__import__("django").db.models.Min("year"))["a"] == 2003
    # Public: readable without login.
    anonymous = value_list(user=None, filters=ValueFilters(dataset="glotip", country="PAK"))
    assert anonymous.filter(indicator__code="victims_detected").exists()
    assert DataImport.objects.get(format="glotip").values == result.figures


@needs_glotip
def test_glotip_xlsx_layout_title_rows_and_header_on_row_3(tmp_path: Path) -> None:
    """The workbook as UNODC publishes it (the first 300 data rows, so the test stays quick)."""
    source = openpyxl.load_workbook(GLOTIP_DIR / "data_glotip.xlsx", read_only=True)
    sheet = source.worksheets[0]
    sheet.reset_dimensions()
    small = openpyxl.Workbook()
    target = small.active
    for i, cells in enumerate(sheet.iter_rows(values_only=True)):
        if i >= 303:
            break
        target.append(list(cells))
    source.close()
    path = tmp_path / "data_glotip.xlsx"
    small.save(path)
    result = ix.data_import_run(actor=None, path=path, fmt="glotip")
    assert result.rows == 300 and result.figures == 300
    first = Value.objects.get(source_ref="line 4")
    assert (first.country_id, first.indicator.code, first.year) == ("ABW", "victims_detected", 2010)
    assert first.country_of_repatriation == "UKR" and first.label == "Ukraine"
    assert first.masked and first.display == "<5"
    assert not first.public  # not imported with --public


def test_glotip_categories_are_coded_and_their_label_kept(tmp_path: Path) -> None:
    path = glotip_file(
        tmp_path,
        row("1,192"),
        row("7", "by citizenship", "Nationals"),
        row("<5", "by citizenship", "Romanian"),
        row("9", "by citizenship", "Romania"),
        row("<5", "by citizenship", "Q6.1_10s_2019"),
        row("4", "by form of exploitation", "Forced labour", "Female"),
        row("3", "by citizenship", "Unknown"),
    )
    first = ix.data_import_run(actor=None, path=path, fmt="glotip")
    # Importing the same file again replaces the figures, it does not duplicate them.
    again = ix.data_import_run(actor=None, path=path, fmt="glotip")
    assert Value.objects.filter(origin="glotip").count() == again.figures == first.figures == 7
    assert DataImport.objects.filter(format="glotip").count() == 2
    values = {
        (v.citizenship, v.label): v
        for v in Value.objects.filter(origin="glotip", exploitation="_T")
    }
    assert values[("_T", "")].value == 1192 and values[("_T", "")].value_text == "1,192"
    assert values[("LTU", "Nationals")].value == 7
    assert values[("ROU", "Romania")].value == 9
    assert values[("_O", "Romanian")].masked  # a demonym is not coded: other, label kept
    assert values[("_O", "Q6.1_10s_2019")].masked
    assert values[("_U", "Unknown")].value == 3
    form = Value.objects.get(origin="glotip", exploitation="FORCED_LABOUR")
    assert form.sex == "F" and form.value == 4


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (row("twelve"), "line 3: 'txtVALUE': 'twelve' is not a count"),
        (row("-4"), "line 3: 'txtVALUE' is negative"),
        (row(sex="Both"), "line 3: unknown sex 'Both'"),
        (row(dim="by region"), "line 3: unknown dimension 'by region'"),
        (row("4", "by form of exploitation", "Piracy"), "unknown form of exploitation 'Piracy'"),
        (row().replace("LTU", "XYZ"), "line 3: unknown country code 'XYZ'"),
        (row().replace("2019", "20x9"), "line 3: 'Year'"),
    ],
)
def test_a_bad_glotip_row_names_file_and_line_and_nothing_is_written(
    tmp_path: Path, line: str, message: str
) -> None:
    path = glotip_file(tmp_path, row("5"), line, row("6"))
    audit = AuditEntry.objects.count()
    with pytest.raises(ix.ImportFileError) as err:
        ix.data_import_run(actor=None, path=path, fmt="glotip")
    assert err.value.detail.startswith("glotip.csv: ")
    assert message in err.value.detail
    assert not Value.objects.filter(origin="glotip").exists()
    assert AuditEntry.objects.count() == audit


def test_glotip_header_must_match(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER.replace("txtVALUE", "VALUE") + "\n" + row() + "\n")
    with pytest.raises(
        ix.ImportFileError,
        match=r"bad.csv: line 1: columns do not match \(missing: txtVALUE; unexpected: VALUE\)",
    ):
        ix.data_import_run(actor=None, path=path, fmt="glotip")


def test_international_imports_need_an_analyst_or_the_command_line(
    tmp_path: Path, coordinator: User, stats_analyst: User
) -> None:
    path = glotip_file(tmp_path, row())
    with pytest.raises(ForbiddenError):
        ix.data_import_run(actor=coordinator, path=path, fmt="glotip")
    assert ix.data_import_run(actor=stats_analyst, path=path, fmt="glotip").figures == 1


def ctdc_file(tmp_path: Path, records: list[dict[str, str]]) -> Path:
    path = tmp_path / "CTDC_global_synthetic_data.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=ix.CTDC_COLUMNS)
        writer.writeheader()
        for record in records:
            writer.writerow({c: record.get(c, "") for c in ix.CTDC_COLUMNS})
    return path


def ctdc(
    year: str = "2019",
    gender: str = "Woman",
    age: str = "18-20",
    cit: str = "PHL",
    where: str = "MYS",
    **flags: str,
) -> dict[str, str]:
    return {
        "yearOfRegistration": year,
        "gender": gender,
        "ageBroad": age,
        "citizenship": cit,
        "CountryOfExploitation": where,
        **flags,
    }


def test_ctdc_layout_is_counted_per_country_of_exploitation_and_year(tmp_path: Path) -> None:
    records = [
        ctdc(isSexualExploit="1"),
        ctdc(isSexualExploit="1", meansThreats="1"),
        ctdc(gender="Man", age="9-17", isForcedLabour="1", typeOfLabourAgriculture="1"),
        ctdc(isForcedLabour="1", isSexualExploit="1"),
        ctdc(where=""),  # no country of exploitation: not counted, reported
        ctdc(year="2020", cit="IDN", isOtherExploit="1"),
    ]
    result = ix.data_import_run(
        actor=None, path=ctdc_file(tmp_path, records), fmt="ctdc", public=True
    )
    assert result.rows == 6 and "1 records without a country of exploitation" in result.notes
    figures = Value.objects.filter(origin="ctdc", country_id="MYS", period="2019")
    total = figures.get(sex="_T", age_group="_T", exploitation="_T", citizenship="_T")
    assert total.value == 4
    assert figures.get(exploitation="SEXUAL").value == 2
    assert figures.get(exploitation="MULTIPLE").value == 1
    assert figures.get(sex="M", age_group="Y0T17").value == 1
    assert figures.get(citizenship="PHL").value == 4
    total_2020 = Value.objects.get(
        origin="ctdc", period="2020", citizenship="_T", sex="_T", age_group="_T", exploitation="_T"
    )
    assert total_2020.value == 1 and total_2020.country_id == "MYS"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (ctdc(isSexualExploit="0"), "'isSexualExploit' must be 1 or empty, not '0'"),
        (ctdc(gender="W"), "unknown gender 'W'"),
        (ctdc(year="19"), "'yearOfRegistration' is not a year"),
        (ctdc(cit="Atlantis"), "unknown country 'Atlantis' in 'citizenship'"),
    ],
)
def test_a_bad_ctdc_record_names_its_line(
    tmp_path: Path, record: dict[str, str], message: str
) -> None:
    path = ctdc_file(tmp_path, [ctdc(isSexualExploit="1"), record])
    with pytest.raises(ix.ImportFileError) as err:
        ix.data_import_run(actor=None, path=path, fmt="ctdc")
    assert "line 3: " + message in err.value.detail
    assert not Value.objects.filter(origin="ctdc").exists()


def test_ctdc_needs_its_27_columns(tmp_path: Path) -> None:
    path = tmp_path / "ctdc.csv"
    path.write_text("yearOfRegistration,gender\n2019,Woman\n")
    with pytest.raises(ix.ImportFileError, match="missing: ageBroad, citizenship"):
        ix.data_import_run(actor=None, path=path, fmt="ctdc")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_download_fill_in_and_upload(tmp_path: Path, coordinator: User, fmt: str) -> None:
    content = ix.template_file(
        user=coordinator, dataset="tip-annual", country="BWA", period="2023", fmt=fmt
    )
    path = tmp_path / "template.{}".format(fmt)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(content.decode())))
    else:
        path.write_bytes(content)
        sheet = openpyxl.load_workbook(path).active
        labels, header, *data = list(sheet.iter_rows(values_only=True))
        assert labels[:4] == ("Data set", "Reporting country", "Period", "Indicator")
        rows = [{h: ("" if c is None else c) for h, c in zip(header, r, strict=True)} for r in data]
    assert list(rows[0]) == ix.TEMPLATE_COLUMNS
    assert {
        r["description"]
        for r in rows
        if r["indicator"] == "victims_detected" and r["sex"] == "F" and r["age_group"] == "Y0T17"
    } == {"Victims of trafficking in persons detected, Female, 0 to 17 years"}
    wanted = {"victims_detected": "20", "victims_detected:sex=F:age_group=Y0T17": "<5"}
    from palermo.statistics.validation import cell_id

    for r in rows:
        name = cell_id(
            r["indicator"],
            tuple(
                r[d]
                for d in (
                    "sex",
                    "age_group",
                    "exploitation",
                    "citizenship",
                    "country_of_exploitation",
                    "country_of_repatriation",
                )
            ),
        )
        r["value"] = wanted.get(name, "")
    if fmt == "csv":
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=ix.TEMPLATE_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    else:
        book = openpyxl.Workbook()
        book.active.append(ix.TEMPLATE_COLUMNS)
        for r in rows:
            book.active.append([r[c] for c in ix.TEMPLATE_COLUMNS])
        book.save(path)
    result = ix.data_import_run(actor=coordinator, path=path, fmt=fmt)
    assert result.figures == 2
    assert (
        Value.objects.get(country_id="BWA", sex="_T", indicator__code="victims_detected").value
        == 20
    )
    assert Value.objects.get(country_id="BWA", sex="F").masked


def test_template_upload_errors_name_the_line(
    tmp_path: Path, coordinator: User, other_coordinator: User
) -> None:
    path = tmp_path / "t.csv"
    lines = [",".join(ix.TEMPLATE_COLUMNS)]
    blank = dict.fromkeys(ix.TEMPLATE_COLUMNS, "")
    for indicator, sex, value in [("victims_detected", "_T", "4"), ("victims_detected", "Q", "1")]:
        r = {
            **blank,
            "dataset": "tip-annual",
            "country": "BWA",
            "period": "2023",
            "indicator": indicator,
            "sex": sex,
            "value": value,
        }
        lines.append(",".join(r[c] for c in ix.TEMPLATE_COLUMNS))
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        ix.ImportFileError, match=r"t.csv: line 3: victims_detected:sex=Q: 'Q' is not a code of sex"
    ):
        ix.data_import_run(actor=coordinator, path=path, fmt="csv")
    with pytest.raises(ix.ImportFileError, match="national coordinator of BWA"):
        ix.data_import_run(actor=other_coordinator, path=path, fmt="csv")
    with pytest.raises(ApplicationError, match="--as"):
        ix.data_import_run(actor=None, path=path, fmt="csv")
    assert not Value.objects.filter(country_id="BWA").exists()


def test_exports_csv_xlsx_sdmx(coordinator: User, tmp_path: Path) -> None:
    enter(coordinator, {**GOOD, "victims_detected:exploitation=SEXUAL": "<5"})
    qs = value_list(user=coordinator, filters=ValueFilters(country="BWA"))
    rows = list(csv.DictReader(io.StringIO(ix.values_export(qs, "csv").decode())))
    assert len(rows) == len(GOOD) + 1
    masked = next(r for r in rows if r["exploitation"] == "SEXUAL")
    assert masked["value"] == "" and masked["value_text"] == "<5" and masked["masked"] == "1"
    sdmx = list(csv.DictReader(io.StringIO(ix.values_export(qs, "sdmx-csv").decode())))
    assert list(sdmx[0])[:3] == ["DATAFLOW", "REF_AREA", "INDICATOR"]
    conf = next(r for r in sdmx if r["EXPLOITATION"] == "SEXUAL")
    assert conf["OBS_VALUE"] == "" and conf["CONF_STATUS"] == "C" and conf["COMMENT_OBS"] == "<5"
    total = next(
        r
        for r in sdmx
        if r["INDICATOR"] == "VICTIMS_DETECTED" and r["SEX"] == "_T" and r["EXPLOITATION"] == "_T"
    )
    assert (
        total["OBS_VALUE"] == "20"
        and total["TIME_PERIOD"] == "2023"
        and total["DATAFLOW"] == "PALERMO:TIP_ANNUAL(1.0)"
    )
    path = tmp_path / "x.xlsx"
    path.write_bytes(ix.values_export(qs, "xlsx"))
    sheet = openpyxl.load_workbook(path).active
    assert sheet.max_row == len(GOOD) + 3  # the columns named, their codes, a total row


def test_sdmx_periods() -> None:
    assert ix.sdmx_period("2004-S1") == "2004-S1"
    assert ix.sdmx_period("2004-07") == "2004-M07"
    assert ix.sdmx_period("1998-03/2004-07") == "1998-03-01/2004-07-31"
