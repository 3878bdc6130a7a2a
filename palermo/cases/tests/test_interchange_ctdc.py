"""Importing the CTDC layout: every column mapped to HTCDS codes, bad rows and layouts refused."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from palermo.cases import interchange as ix
from palermo.cases.facets import case_facets_check
from palermo.cases.models import Case, Person, PersonIdentity
from palermo.cases.tests.interchange_cases import import_file, write
from palermo.core.models import User

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter Palermo", country="ITA", kind="ngo")


def ctdc_file(tmp_path: Path, rows: list[dict[str, str]], name: str = "ctdc.csv") -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(ix.CTDC_COLUMNS))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in ix.CTDC_COLUMNS})
    return write(tmp_path, name, buf.getvalue())


CTDC_ROWS: list[dict[str, str]] = [
    {
        "yearOfRegistration": "2019",
        "gender": "Woman",
        "ageBroad": "9--17",
        "citizenship": "PHL",
        "CountryOfExploitation": "MYS",
        "traffickMonths": "13--24",
        "meansAbusePsyPhySex": "1",
        "meansWithholdDocs": "1",
        "isForcedLabour": "1",
        "typeOfLabourDomesticWork": "1",
        "typeOfLabourHospitality": "1",
        "recruiterRelationFriend": "1",
    },
    {
        "yearOfRegistration": "2021",
        "gender": "Trans/Transgender/NonConforming",
        "ageBroad": "48+",
        "isSexualExploit": "1",
        "typeOfSexProstitution": "1",
        "recruiterRelationFamily": "1",
        "recruiterRelationOther": "1",
    },
    {"yearOfRegistration": "2020", "gender": "Man", "ageBroad": "18-20", "citizenship": "UA"},
]


def test_ctdc_import_maps_to_htcds_codes(worker: User, tmp_path: Path) -> None:
    path = ctdc_file(tmp_path, CTDC_ROWS)
    out = import_file(path, "Shelter Palermo", worker, "--format", "ctdc")
    assert "imported 3 cases, 3 persons (0 with identifying data)" in out
    assert not PersonIdentity.objects.exists()
    assert case_facets_check() == []
    assert Case.objects.filter(has_child=True).count() == 1
    child, older, young = (
        Person.objects.get(case__opened_on=D(year, 1, 1)) for year in (2019, 2021, 2020)
    )
    assert (child.gender, child.age_at_registration, child.is_child) == ("Feminine", 9, True)
    assert child.citizenship == ["PHL"]
    assert child.methods_of_control == [
        "PhysicalAbuse",
        "PsychologicalAbuse",
        "SexualAbuse",
        "WithholdsDocuments",
    ]
    assert child.types_of_exploitation == ["ForcedLabour"]
    assert child.forced_labour_industry == "T_ActivitiesOfHouseholdsAsEmployers"
    assert child.relationship_to_trafficker == "Acquainted"
    assert child.role == "victim" and child.trafficking_status == "ActualVictimOfTrafficking"
    movement = child.movements.get()
    assert (movement.event_type, movement.country_id) == ("Exploitation", "MYS")
    assert "13-24 months" in movement.description
    assert (older.gender, older.age_at_registration) == ("NonConforming", 48)
    assert older.types_of_sex_exploitation == ["Prostitution"]
    assert older.relationship_to_trafficker == "Familial"
    assert (young.gender, young.age_at_registration, young.is_child) == ("Masculine", 18, False)
    assert young.citizenship == ["UKR"]
    case = child.case
    assert (case.status, case.closed_on, case.country_id) == ("Closed", D(2019, 1, 1), "ITA")
    for person in Person.objects.all():  # every stored code is an HTCDS code
        for col in ix.FACT_COLUMNS:
            if col.choices is not None:
                value = getattr(person, col.attr)
                for code in value if isinstance(value, list) else [value] if value else []:
                    assert code in col.choices.values


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"meansThreats": "0"}, "record 2 (line 3): meansThreats must be 1 or empty, not '0'"),
        ({"gender": "Femme"}, "record 2 (line 3): unknown code 'Femme' for gender"),
        ({"ageBroad": "10-20"}, "record 2 (line 3): unknown code '10-20' for ageBroad"),
        ({"yearOfRegistration": "2999"}, "record 2 (line 3): impossible yearOfRegistration '2999'"),
        (
            {"CountryOfExploitation": "Atlantis"},
            "record 2 (line 3): unknown country code 'Atlantis'",
        ),
    ],
)
def test_bad_ctdc_rows_are_refused(
    worker: User, tmp_path: Path, row: dict[str, str], reason: str
) -> None:
    path = ctdc_file(tmp_path, [CTDC_ROWS[2], {**CTDC_ROWS[2], **row}])
    with pytest.raises(CommandError) as err:
        import_file(path, "Shelter Palermo", worker, "--format", "ctdc")
    assert "ctdc.csv: " + reason in str(err.value)
    assert Case.objects.count() == 0


def test_ctdc_layout_is_checked(worker: User, tmp_path: Path) -> None:
    path = write(tmp_path, "short.csv", "yearOfRegistration,gender\n2019,Woman\n")
    with pytest.raises(CommandError, match="missing CTDC column"):
        import_file(path, "Shelter Palermo", worker, "--format", "ctdc")
    with pytest.raises(CommandError, match="this is the CTDC layout; import it with --format ctdc"):
        import_file(path, "Shelter Palermo", worker)
