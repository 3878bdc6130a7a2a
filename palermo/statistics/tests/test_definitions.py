"""The definitions and the seed figures as data: validated, atomic, idempotent, versioned."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from palermo.core.models import AuditEntry
from palermo.registry.reference import ReferenceDataError
from palermo.statistics.choices import Qualifier, ValueOrigin
from palermo.statistics.definitions import DATA_DIR, definitions_load
from palermo.statistics.models import (
    DataSet,
    DefinitionRevision,
    Dimension,
    Indicator,
    ValidationRule,
    Value,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_definitions_are_loaded_with_ics_tip_indicators_and_disaggregations() -> None:
    codes = set(Indicator.objects.values_list("code", flat=True))
    assert {
        "victims_detected",
        "persons_investigated",
        "persons_prosecuted",
        "persons_convicted",
        "victims_assisted",
        "victims_returned",
        "cooperation_requests_sent",
        "cooperation_requests_received",
    } <= codes
    detected = Indicator.objects.get(code="victims_detected")
    assert set(detected.dimensions) >= {
        "sex",
        "age_group",
        "exploitation",
        "citizenship",
        "country_of_exploitation",
    }
    assert detected.glotip_name == "Detected trafficking victims"
    assert DataSet.objects.get(code="tip-annual").period_type == "year"
    assert DataSet.objects.get(code="tip-quarterly").period_type == "quarter"
    assert (
        ValidationRule.objects.get(code="convictions-not-above-prosecutions").severity == "warning"
    )
    assert Dimension.objects.get(code="sex").code_labels()["F"] == "Female"


def test_loading_twice_changes_nothing() -> None:
    entries = AuditEntry.objects.count()
    report = definitions_load()
    assert report.changed == 0
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize(
    ("para", "country", "indicator", "period", "value"),
    [
        ("para. 14", "LTU", "persons_prosecuted", "1999/2002", 62),
        ("para. 14", "LTU", "persons_convicted", "2003", 7),
        ("para. 15", "PAK", "persons_arrested", "2002", 353),
        ("para. 20", "TUR", "victims_detected", "2004-S1", 40),
        ("para. 21", "UKR", "investigations_initiated", "2001", 90),
        ("para. 21", "UKR", "investigations_initiated", "2004-Q1", 182),
        ("para. 13", "LVA", "investigations_initiated", "2000-01/2004-11", 60),
        ("para. 19", "SVN", "investigations_initiated", "2003", 21),
        ("para. 22", "UZB", "investigations_initiated", "2001/2003", 60),
    ],
)
def test_seed_figures_are_shipped_with_their_paragraph(
    para: str, country: str, indicator: str, period: str, value: int
) -> None:
    figure = Value.objects.get(
        dataset__code="survey-2005",
        country_id=country,
        indicator__code=indicator,
        period=period,
        sex="_T",
        age_group="_T",
    )
    assert figure.value == value
    assert figure.origin == ValueOrigin.SEED and figure.public
    assert figure.source is not None
    assert figure.source.document.symbol == "E/CN.15/2005/7"
    assert figure.source.locator == para


def test_seed_qualifiers_and_breakdowns() -> None:
    uzb = Value.objects.get(
        dataset__code="survey-2005", country_id="UZB", indicator__code="persons_investigated"
    )
    assert uzb.qualifier == Qualifier.AT_LEAST and uzb.display == "> 100"
    minors = Value.objects.get(
        dataset__code="survey-2005",
        country_id="UKR",
        indicator__code="victims_returned",
        age_group="Y0T17",
    )
    assert minors.value == 40
    yearly = Value.objects.filter(
        dataset__code="survey-2005", country_id="UKR", indicator__code="investigations_initiated"
    ).exclude(period="1998-03/2004-07")
    assert sum(v.value or 0 for v in yearly) == 785  # the yearly figures add up to the stated total


def test_a_malformed_record_stops_the_load_and_writes_nothing(data_dir: Path) -> None:
    path = data_dir / "survey_2005.yaml"
    text = path.read_text()
    text = text.replace("value: 62,", "value: 63,")  # a valid change ...
    text = text.replace(
        'period: "2002", value: 61', 'period: "2002", value: -1'
    )  # ... and a bad one
    path.write_text(text)
    before = AuditEntry.objects.count()
    with pytest.raises(ReferenceDataError) as err:
        definitions_load(data_dir)
    assert err.value.path == "survey_2005.yaml"
    assert "not negative" in err.value.reason
    assert err.value.line > 1
    assert Value.objects.get(country_id="LTU", indicator__code="persons_prosecuted").value == 62
    assert AuditEntry.objects.count() == before


def test_unknown_codes_name_file_and_line(data_dir: Path) -> None:
    path = data_dir / "survey_2005.yaml"
    path.write_text(
        path.read_text().replace("sex: F, locator: para. 14", "sex: X, locator: para. 14")
    )
    with pytest.raises(
        ReferenceDataError, match="survey_2005.yaml:[0-9]+: unknown code 'X' for sex"
    ):
        definitions_load(data_dir)


def test_a_changed_definition_needs_a_new_version(data_dir: Path) -> None:
    path = data_dir / "indicators.yaml"
    text = path.read_text().replace(
        "name: Persons convicted\n", "name: Persons convicted at first instance\n"
    )
    path.write_text(text)
    with pytest.raises(ReferenceDataError, match="changed but its version is still 1"):
        definitions_load(data_dir)
    text = text.replace(
        "- code: persons_convicted\n  version: 1", "- code: persons_convicted\n  version: 2"
    )
    path.write_text(text)
    report = definitions_load(data_dir)
    assert report.counts["indicator"]["updated"] == 1
    assert Indicator.objects.get(code="persons_convicted").version == 2
    versions = DefinitionRevision.objects.filter(kind="indicator", code="persons_convicted")
    assert sorted(versions.values_list("version", flat=True)) == [1, 2]
    old = versions.get(version=1)
    assert old.content["name"] == "Persons convicted"


def test_an_older_version_is_refused(data_dir: Path) -> None:
    Indicator.objects.filter(code="persons_convicted").update(version=3)
    with pytest.raises(ReferenceDataError, match="older than the loaded version 3"):
        definitions_load(data_dir)
