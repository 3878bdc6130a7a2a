"""The HTCDS field map: every field of the standard has a home, and `palermo cases fields`."""

from __future__ import annotations

import csv
import io

import pytest
from django.apps import apps
from django.core.management import call_command

from palermo.cases import interchange as ix
from palermo.settings.env import BASE_DIR

HTCDS_CSV = BASE_DIR.parent / "shared" / "data" / "htcds" / "htcds_field_standards_2.0.csv"


def test_every_htcds_field_has_a_home() -> None:
    if not HTCDS_CSV.exists():
        pytest.skip("the HTCDS field standard is not at {} (../shared/data)".format(HTCDS_CSV))
    with HTCDS_CSV.open(encoding="utf-8") as f:
        fields = [
            (row.get("Field Name including Prefix") or "").strip() for row in csv.DictReader(f)
        ]
    fields = [name for name in fields if name and name != "N/A" and "_" in name]
    assert len(fields) > 80
    missing = [name for name in fields if name not in ix.HTCDS_HOMES]
    assert not missing, "HTCDS fields without a home in Palermo: {}".format(missing)
    extra = sorted(set(ix.HTCDS_HOMES) - set(fields))
    assert not extra, "HTCDS_HOMES names fields the standard does not have: {}".format(extra)


def test_every_home_is_a_real_field_and_every_column_has_a_home() -> None:
    for name, home in ix.HTCDS_HOMES.items():
        if home.stored:
            apps.get_model(home.model)._meta.get_field(home.field)  # raises when wrong
        else:
            assert str(home.note).startswith("not stored:"), name
    for col in ix.ALL_COLUMNS:
        if not col.name.startswith("plm_"):
            assert col.name in ix.HTCDS_HOMES, col.name


@pytest.mark.django_db
def test_fields_command_prints_the_map() -> None:
    out = io.StringIO()
    call_command("cases", "fields", "--format", "csv", stdout=out)
    rows = {r["field"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert set(rows) == set(ix.HTCDS_HOMES)
    assert rows["prs_Gender"]["home"] == "cases.Person.gender"
    assert rows["prs_FirstName"]["export"] == "identifying"
    assert rows["hte_Latitude"]["home"] == "not stored"
    assert rows["hte_Latitude"]["note"].startswith("not stored: exact addresses")


def test_split_and_join_are_inverse() -> None:
    values = ["a;b", "c\\d", "", "plain", ";"]
    assert ix.split_values(ix.join_values(values)) == values
