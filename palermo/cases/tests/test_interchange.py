"""HTCDS import and export, the CTDC layout, key rotation and the retention command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError

from palermo.cases import interchange as ix
from palermo.cases import services as s
from palermo.cases.facets import case_facets_check
from palermo.cases.models import Case, Guardian, Person, PersonIdentity, Referral
from palermo.cases.tasks import anonymise_closed_cases
from palermo.core.models import AuditEntry, Organisation

pytestmark = pytest.mark.django_db
D = dt.date
HTCDS_CSV = (
    Path(django_settings.BASE_DIR).parent
    / "shared"
    / "data"
    / "htcds"
    / "htcds_field_standards_2.0.csv"
)
IDENTITY = {
    "first_name": "Amina",
    "second_name": "Okafor",
    "birthdate": "2001-05-05",
    "aliases": ["Mimi; the small one"],
    "mobile_phone": "+39 333 000 000",
    "identity_number": "A1234567",
}
NAMES = ("Amina", "Okafor", "Mimi", "A1234567", "2001-05-05", "+39 333")


@pytest.fixture
def worker(make_user):  # type: ignore[no-untyped-def]
    return make_user("case_worker", org="Shelter Palermo", country="ITA", kind="ngo")


@pytest.fixture
def other_worker(make_user):  # type: ignore[no-untyped-def]
    return make_user("case_worker", org="Shelter Torino", country="ITA", kind="ngo")


@pytest.fixture
def cases(worker):  # type: ignore[no-untyped-def]
    """Two cases with every kind of HTCDS fact, identifying data and free text."""
    police = Organisation.objects.create(name="Squadra mobile", kind="government", country_id="ITA")
    legal = Organisation.objects.create(name="Legal aid", kind="service_provider", country_id="ITA")
    case = s.case_open(
        actor=worker,
        opened_on=D(2025, 3, 1),
        title="Amina's case",
        referring_organisation=police,
        incoming_referral_date=D(2025, 2, 27),
        reason_for_incoming_referral="AdditionalServicesRequired",
        incoming_referral_details="Found by the police in Castel Volturno",
    )
    victim = s.person_add(
        actor=worker,
        case=case,
        role="presumed_victim",
        identity=IDENTITY,
        gender="Feminine",
        citizenship=["NGA"],
        primary_language="en",
        education="LowerSecondaryEducation",
        types_of_exploitation=["SexualExploitation"],
        types_of_sex_exploitation=["Prostitution"],
        methods_of_control=["DebtBondage", "PhysicalThreats"],
        methods_of_recruitment=["ThroughFriendsOrSocialEvents"],
        relationship_to_trafficker="Acquainted",
        age_when_trafficked=22,
        location_of_exploitation="Castel Volturno",
        details_of_vulnerabilities="Owes 30,000 euros to her madam",
        vulnerabilities=["Poverty", "Migration"],
    )
    s.movement_add(
        actor=worker,
        person=victim,
        event_type="Recruitment",
        country="NGA",
        city="Benin City",
        date=D(2024, 6, 1),
    )
    s.movement_add(
        actor=worker,
        person=victim,
        event_type="Transit",
        country="NER",
        city="Agadez",
        date=D(2024, 7, 10),
        end_date=D(2024, 8, 1),
        description="Held in a ghetto; moved on; by truck",
    )
    s.movement_add(actor=worker, person=victim, event_type="Exploitation", country="ITA")
    s.consent_record(actor=worker, person=victim, purpose="assistance", given_on=D(2025, 3, 1))
    sharing = s.consent_record(
        actor=worker, person=victim, purpose="data_sharing", given_on=D(2025, 3, 2), notes="oral"
    )
    s.consent_withdraw(actor=worker, consent=sharing, withdrawn_on=D(2025, 4, 1))
    s.support_plan_add(
        actor=worker,
        person=victim,
        plan_type="Health",
        objectives="Treat injuries",
        planned_end=D(2025, 9, 1),
    )
    s.referral_send(
        actor=worker,
        person=victim,
        to_organisation=legal,
        service="legal_aid",
        scopes=["case_facts"],
        sent_on=D(2025, 3, 5),
    )
    s.person_add(
        actor=worker,
        case=case,
        role="suspect",
        gender="Feminine",
        perpetrator_roles=["RecruiterOrIntermediary", "Exploiter"],
        perpetrator_role_details="the madam",
        citizenship=["NGA"],
    )
    s.comment_add(actor=worker, case=case, text="First interview with an interpreter")
    closed = s.case_open(actor=worker, opened_on=D(2024, 1, 10), country="ITA")
    s.person_add(
        actor=worker,
        case=closed,
        role="presumed_victim",
        gender="Masculine",
        age_at_registration=16,
        citizenship=["BGD"],
        types_of_exploitation=["ForcedLabour"],
        forced_labour_industry="A_AgricultureForestryAndFishing",
    )
    s.case_close(actor=worker, case=closed, reason="Returned home", closed_on=D(2024, 11, 30))
    return [case, closed]


def export(user: Any, org: str, fmt: str = "htcds-json", *extra: str) -> str:
    out = io.StringIO()
    call_command(
        "cases", "export", "--org", org, "--as", user.username, "--format", fmt, *extra, stdout=out
    )
    return out.getvalue()


def records_of(text: str, fmt: str = "htcds-json") -> list[dict[str, Any]]:
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    return list(json.loads(text)["records"])


def comparable(records: list[dict[str, Any]]) -> list[str]:
    """Records without what an import assigns anew (references, pseudonyms, owner, referrals)."""
    out = []
    for record in records:
        kept = {
            k: v
            for k, v in record.items()
            if k not in ("plm_CaseReference", "plm_Pseudonym", "cas_CaseOwner")
            and k not in ("OutgoingReferrals", *(c.name for c in ix.REFERRALS.columns))
        }
        out.append(json.dumps(kept, sort_keys=True, ensure_ascii=False))
    return sorted(out)


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        Person.objects.count(),
        PersonIdentity.objects.count(),
        AuditEntry.objects.count(),
    )


# --- the field map ----------------------------------------------------------------------------


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
            assert home.note.startswith("not stored:"), name
    for col in ix.ALL_COLUMNS:
        if not col.name.startswith("plm_"):
            assert col.name in ix.HTCDS_HOMES, col.name


def test_fields_command_prints_the_map() -> None:
    out = io.StringIO()
    call_command("cases", "fields", "--format", "csv", stdout=out)
    rows = {r["field"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert set(rows) == set(ix.HTCDS_HOMES)
    assert rows["prs_Gender"]["home"] == "cases.Person.gender"
    assert rows["prs_FirstName"]["export"] == "identifying"
    assert rows["hte_Latitude"]["home"] == "not stored"


# --- export -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["htcds-json", "csv"])
def test_de_identified_export_has_no_identity(worker, cases, fmt) -> None:  # type: ignore[no-untyped-def]
    text = export(worker, "Shelter Palermo", fmt)
    for name in NAMES + ("Castel Volturno", "Benin City", "the madam", "interpreter", "oral"):
        assert name not in text
    records = records_of(text, fmt)
    assert len(records) == 3
    identifying = {c.name for c in ix.ALL_COLUMNS if c.identifying}
    for record in records:
        assert not identifying & set(record)
        for group in ix.GROUPS:
            for item in record.get(group.key, []) if fmt == "htcds-json" else []:
                assert not identifying & set(item)
    victim = next(
        r
        for r in records
        if r.get("prs_Citizenship") in (["NGA"], "NGA") and "vic_MethodsOfControl" in r
    )
    assert victim["plm_AgeAtRegistration"] in (23, "23")  # the birthdate reduced to the age
    assert not AuditEntry.objects.filter(action="read", object_type="cases.person").exists()
    assert AuditEntry.objects.filter(action="read", object_type="core.organisation").count() == 1


def test_export_uses_htcds_names_and_values(worker, cases) -> None:  # type: ignore[no-untyped-def]
    records = records_of(export(worker, "Shelter Palermo"))
    victim = next(r for r in records if "vic_MethodsOfControl" in r)
    assert victim["prs_Gender"] == "Feminine"
    assert victim["vic_MethodsOfControl"] == ["DebtBondage", "PhysicalThreats"]
    assert victim["cas_ReferringOrganisation"] == "Squadra mobile"
    assert [m["hte_Type"] for m in victim["HistoricTraffickingEvents"]] == [
        "Recruitment",
        "Transit",
        "Exploitation",
    ]
    assert victim["HistoricTraffickingEvents"][1] == {
        "hte_Type": "Transit",
        "hte_Country": "NER",
        "hte_Date": "2024-07-10",
        "plm_EventEndDate": "2024-08-01",
    }
    assert victim["Consents"][1]["con_Consent"] is False
    assert victim["OutgoingReferrals"][0]["cas_ReferredOrganisation"] == "Legal aid"
    closed = next(r for r in records if r["cas_Status"] == "Closed")
    assert closed["plm_CaseClosedOn"] == "2024-11-30"
    rows = records_of(export(worker, "Shelter Palermo", "csv"), "csv")
    victim_row = next(r for r in rows if r["vic_MethodsOfControl"])
    assert victim_row["vic_MethodsOfControl"] == "DebtBondage;PhysicalThreats"
    assert victim_row["hte_Type"] == "Recruitment;Transit;Exploitation"
    assert victim_row["hte_Date"] == "2024-06-01;2024-07-10;"


@pytest.mark.parametrize(
    ("role", "org"),
    [
        ("analyst", "Shelter Palermo"),
        ("administrator", "Shelter Palermo"),
        ("case_worker", "Shelter Torino"),
        ("national_coordinator", "Coordination Italy"),
    ],
)
def test_identifying_export_refused_for_other_roles(make_user, worker, cases, role, org) -> None:  # type: ignore[no-untyped-def]
    user = make_user(role, org=org, country="ITA")
    before = AuditEntry.objects.count()
    with pytest.raises(CommandError, match="identifying data"):
        export(user, "Shelter Palermo", "htcds-json", "--identifying", "--reason", "transfer")
    assert AuditEntry.objects.count() == before


def test_analyst_exports_nothing_but_a_coordinator_gets_facts(make_user, worker, cases) -> None:  # type: ignore[no-untyped-def]
    analyst = make_user("analyst", org="Shelter Palermo")
    with pytest.raises(CommandError, match="may not export"):
        export(analyst, "Shelter Palermo")
    coordinator = make_user("national_coordinator", org="Coordination Italy", country="ITA")
    assert len(records_of(export(coordinator, "Shelter Palermo"))) == 3


def test_identifying_export_is_audited_per_person(worker, cases, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CommandError, match="reason"):
        export(worker, "Shelter Palermo", "htcds-json", "--identifying")
    out = tmp_path / "full.json"
    export(
        worker,
        "Shelter Palermo",
        "htcds-json",
        "--identifying",
        "--reason",
        "case transfer",
        "-o",
        str(out),
    )
    assert out.stat().st_mode & 0o777 == 0o600
    text = out.read_text()
    for name in NAMES:
        assert name in text
    reads = AuditEntry.objects.filter(action="read", object_type="cases.person")
    assert reads.count() == 3 and {r.reason for r in reads} == {"case transfer"}
    assert all(r.actor == worker for r in reads)
    for r in reads:
        assert "Amina" not in json.dumps(r.after)


# --- import -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["htcds-json", "csv"])
@pytest.mark.parametrize("identifying", [False, True])
def test_round_trip_into_another_organisation(
    worker, other_worker, cases, tmp_path, fmt, identifying
) -> None:  # type: ignore[no-untyped-def]
    extra = ("--identifying", "--reason", "transfer") if identifying else ()
    text = export(worker, "Shelter Palermo", fmt, *extra)
    path = write(tmp_path, "cases." + ("json" if fmt == "htcds-json" else "csv"), text)
    out = io.StringIO()
    call_command(
        "cases",
        "import",
        str(path),
        "--org",
        "Shelter Torino",
        "--as",
        other_worker.username,
        "--new-pseudonyms",
        stdout=out,
    )
    assert "imported 2 cases, 3 persons" in out.getvalue()
    assert "1 outgoing referrals in the file were not imported" in out.getvalue()
    again = export(other_worker, "Shelter Torino", fmt, *extra)
    assert comparable(records_of(again, fmt)) == comparable(records_of(text, fmt))
    imported = Case.objects.filter(organisation__name="Shelter Torino")
    assert imported.count() == 2 and all(c.owner == other_worker for c in imported)
    assert case_facets_check() == []
    assert sorted(imported.values_list("exploitation_types", flat=True)) == sorted(
        Case.objects.filter(organisation__name="Shelter Palermo").values_list(
            "exploitation_types", flat=True
        )
    )
    created = AuditEntry.objects.filter(
        action="create", object_type="cases.case", object_id="import"
    )
    assert created.count() == 1 and len(created.get().after["cases"]) == 2
    if identifying:
        stored = PersonIdentity.objects.filter(
            person__case__organisation__name="Shelter Torino"
        ).get()
        assert "Amina" not in stored.ciphertext


def test_import_keeps_pseudonyms_unless_they_exist(worker, other_worker, cases, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "cases.json", export(worker, "Shelter Palermo"))
    before = counts()
    with pytest.raises(CommandError) as err:
        call_command(
            "cases", "import", str(path), "--org", "Shelter Torino", "--as", other_worker.username
        )
    assert "cases.json: record 1: duplicate pseudonym" in str(err.value)
    assert "nothing was written" in str(err.value)
    assert counts() == before
    pseudonyms = set(Person.objects.values_list("pseudonym", flat=True))
    Referral.objects.all().delete()  # protects its share, which protects the case
    Case.objects.filter(organisation__name="Shelter Palermo").delete()
    call_command(
        "cases",
        "import",
        str(path),
        "--org",
        "Shelter Torino",
        "--as",
        other_worker.username,
        stdout=io.StringIO(),
    )
    assert set(Person.objects.values_list("pseudonym", flat=True)) == pseudonyms


def test_only_case_workers_of_the_organisation_import(make_user, worker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "one.json", [{"plm_Role": "victim"}])
    analyst = make_user("analyst", org="Shelter Palermo")
    for user in (analyst, make_user("case_worker", org="Elsewhere", country="ITA")):
        with pytest.raises(CommandError, match="Only case workers and investigators"):
            call_command(
                "cases", "import", str(path), "--org", "Shelter Palermo", "--as", user.username
            )
    assert Case.objects.count() == 0


GOOD = {
    "plm_CaseReference": "C-1",
    "plm_CaseOpenedOn": "2025-01-10",
    "plm_Role": "presumed_victim",
    "prs_Gender": "Feminine",
    "prs_Citizenship": ["NGA"],
    "vic_TypeOfExploitation": ["SexualExploitation"],
    "HistoricTraffickingEvents": [
        {"hte_Type": "Exploitation", "hte_Country": "ITA", "hte_Date": "2024-12-01"}
    ],
}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"prs_Gender": "Femme"}, "record 2: unknown code 'Femme' for prs_Gender"),
        (
            {"vic_TypeOfExploitation": ["Slavery"]},
            "record 2: unknown code 'Slavery' for vic_TypeOfExploitation",
        ),
        (
            {"plm_CaseOpenedOn": "2025-02-30"},
            "record 2: impossible date '2025-02-30' for plm_CaseOpenedOn",
        ),
        ({"prs_Citizenship": ["XXX"]}, "record 2: unknown country code 'XXX'"),
        ({"prs_Gendr": "Feminine"}, "record 2: unknown field(s) prs_Gendr"),
        (
            {
                "prs_Birthdate": "2010-01-01",
                "HistoricTraffickingEvents": [
                    {"hte_Type": "Exploitation", "hte_Country": "ITA", "hte_Date": "2009-05-01"}
                ],
            },
            "record 2: impossible dates: HistoricTraffickingEvents item 1 (Exploitation on "
            "2009-05-01) is before the person was born",
        ),
        (
            {
                "plm_AgeAtRegistration": 10,
                "HistoricTraffickingEvents": [
                    {"hte_Type": "Exploitation", "hte_Country": "ITA", "hte_Date": "1990-05-01"}
                ],
            },
            "record 2: impossible dates: HistoricTraffickingEvents item 1",
        ),
        (
            {"cas_Status": "Closed", "plm_CaseClosedOn": "2024-01-01"},
            "record 2: impossible dates: the case is closed (2024-01-01) before it was opened",
        ),
        (
            {"plm_CaseOpenedOn": "2999-01-01"},
            "record 2: plm_CaseOpenedOn 2999-01-01 is in the future",
        ),
        ({"plm_Pseudonym": "P-SAME"}, "record 2: duplicate pseudonym 'P-SAME' (also in record 1)"),
        ({"plm_AgeAtRegistration": 20, "vic_AgeWhenTrafficked": 30}, "record 2: impossible ages"),
        (
            {"plm_CaseReference": "C-0", "prs_Gender": "Masculine"},
            "record 2: case C-0 has other plm_CaseOpenedOn than in record 1",
        ),
        (
            {
                "Consents": [
                    {
                        "plm_ConsentPurpose": "research",
                        "plm_ConsentGivenOn": "2025-01-10",
                        "plm_ConsentWithdrawnOn": "2025-01-01",
                    }
                ]
            },
            "record 2: impossible dates: Consents item 1 is withdrawn",
        ),
        (
            {"HistoricTraffickingEvents": {"hte_Type": "Transit"}},
            "record 2: HistoricTraffickingEvents must be a list of objects",
        ),
        ({"hte_Type": "Transit"}, "record 2: hte_Type belong inside HistoricTraffickingEvents"),
    ],
)
def test_bad_json_is_refused_with_record_and_reason(worker, tmp_path, bad, reason) -> None:  # type: ignore[no-untyped-def]
    first = {
        **GOOD,
        "plm_CaseReference": "C-0",
        "plm_CaseOpenedOn": "2025-01-09",
        "plm_Pseudonym": "P-SAME",
    }
    path = write(
        tmp_path, "bad.json", {"htcds_version": "2.0", "records": [first, {**GOOD, **bad}]}
    )
    before = counts()
    with pytest.raises(CommandError) as err:
        call_command(
            "cases", "import", str(path), "--org", "Shelter Palermo", "--as", worker.username
        )
    assert "bad.json: " + reason in str(err.value)
    assert "nothing was written" in str(err.value)
    assert counts() == before


def test_every_bad_record_is_listed(worker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    records = [GOOD, {**GOOD, "prs_Gender": "x"}, {**GOOD, "plm_Role": "boss"}, GOOD]
    path = write(tmp_path, "two.json", records)
    with pytest.raises(CommandError) as err:
        call_command(
            "cases", "import", str(path), "--org", "Shelter Palermo", "--as", worker.username
        )
    message = str(err.value)
    assert "(2 problems)" in message
    assert "two.json: record 2: unknown code 'x' for prs_Gender" in message
    assert "two.json: record 3: unknown code 'boss' for plm_Role" in message
    assert Case.objects.count() == 0


def test_bad_csv_names_line_and_nothing_is_written(worker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    header = "plm_CaseReference,plm_Role,prs_Gender,hte_Type,hte_Country,hte_Date"
    good = "C-1,victim,Feminine,Recruitment;Exploitation,NGA;ITA,2024-01-01;"
    path = write(
        tmp_path,
        "bad.csv",
        "\n".join([header, good, "C-2,victim,Feminine,Transit;Exploitation,NER,"]) + "\n",
    )
    with pytest.raises(CommandError) as err:
        call_command(
            "cases", "import", str(path), "--org", "Shelter Palermo", "--as", worker.username
        )
    assert (
        "bad.csv: record 2 (line 3): the HistoricTraffickingEvents columns hold different "
        "numbers of items" in str(err.value)
    )
    assert Case.objects.count() == 0
    path.write_text("\n".join([header, good]) + "\n")
    call_command(
        "cases",
        "import",
        str(path),
        "--org",
        "Shelter Palermo",
        "--as",
        worker.username,
        stdout=io.StringIO(),
    )
    person = Person.objects.get()
    assert [(m.event_type, m.country_id, m.date) for m in person.movements.order_by("pk")] == [
        ("Recruitment", "NGA", D(2024, 1, 1)),
        ("Exploitation", "ITA", None),
    ]
    write(tmp_path, "cols.csv", "plm_Role,prs_Surname\nvictim,X\n")
    with pytest.raises(CommandError, match=r"cols.csv: unknown column\(s\): prs_Surname"):
        call_command(
            "cases",
            "import",
            str(tmp_path / "cols.csv"),
            "--org",
            "Shelter Palermo",
            "--as",
            worker.username,
        )


def test_minimal_htcds_record_gets_defaults(worker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(
        tmp_path,
        "min.json",
        [
            {"per_RoleInProcess": ["Transporter"]},
            {"vic_TraffickingStatus": "ActualVictimOfTrafficking"},
        ],
    )
    call_command(
        "cases",
        "import",
        str(path),
        "--org",
        "Shelter Palermo",
        "--as",
        worker.username,
        stdout=io.StringIO(),
    )
    roles = sorted(Person.objects.values_list("role", flat=True))
    assert roles == ["suspect", "victim"]
    assert {c.country_id for c in Case.objects.all()} == {"ITA"}


def test_split_and_join_are_inverse() -> None:
    values = ["a;b", "c\\d", "", "plain", ";"]
    assert ix.split_values(ix.join_values(values)) == values


# --- CTDC -------------------------------------------------------------------------------------


def ctdc_file(tmp_path: Path, rows: list[dict[str, str]], name: str = "ctdc.csv") -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(ix.CTDC_COLUMNS))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in ix.CTDC_COLUMNS})
    return write(tmp_path, name, buf.getvalue())


CTDC_ROWS = [
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


def test_ctdc_import_maps_to_htcds_codes(worker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = ctdc_file(tmp_path, CTDC_ROWS)
    out = io.StringIO()
    call_command(
        "cases",
        "import",
        str(path),
        "--org",
        "Shelter Palermo",
        "--as",
        worker.username,
        "--format",
        "ctdc",
        stdout=out,
    )
    assert "imported 3 cases, 3 persons (0 with identifying data)" in out.getvalue()
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
def test_bad_ctdc_rows_are_refused(worker, tmp_path, row, reason) -> None:  # type: ignore[no-untyped-def]
    path = ctdc_file(tmp_path, [CTDC_ROWS[2], {**CTDC_ROWS[2], **row}])
    with pytest.raises(CommandError) as err:
        call_command(
            "cases",
            "import",
            str(path),
            "--org",
            "Shelter Palermo",
            "--as",
            worker.username,
            "--format",
            "ctdc",
        )
    assert "ctdc.csv: " + reason in str(err.value)
    assert Case.objects.count() == 0


def test_ctdc_layout_is_checked(worker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "short.csv", "yearOfRegistration,gender\n2019,Woman\n")
    with pytest.raises(CommandError, match="missing CTDC column"):
        call_command(
            "cases",
            "import",
            str(path),
            "--org",
            "Shelter Palermo",
            "--as",
            worker.username,
            "--format",
            "ctdc",
        )
    with pytest.raises(CommandError, match="this is the CTDC layout; import it with --format ctdc"):
        call_command(
            "cases", "import", str(path), "--org", "Shelter Palermo", "--as", worker.username
        )


# --- key rotation -----------------------------------------------------------------------------


@pytest.fixture
def key_file(tmp_path, monkeypatch, settings):  # type: ignore[no-untyped-def]
    """Keys kept in a data-dir file, as on a development node."""
    monkeypatch.delenv("PALERMO_FIELD_KEYS", raising=False)
    monkeypatch.setenv("PALERMO_DATA_DIR", str(tmp_path))
    old = Fernet.generate_key().decode()
    (tmp_path / "field_keys").write_text(old + "\n")
    settings.FIELD_ENCRYPTION_KEYS = [old]
    return tmp_path / "field_keys"


def test_rotate_key_with_a_new_key(key_file, worker, cases, settings) -> None:  # type: ignore[no-untyped-def]
    old = key_file.read_text().strip()
    victim = Person.objects.filter(identity__isnull=False).get()
    guardian = Guardian.objects.create(
        person=victim,
        appointed_on=D(2025, 3, 2),
        name_ciphertext=Fernet(old.encode()).encrypt(b"Giulia Rossi").decode(),
    )
    before = victim.identity.ciphertext
    out = io.StringIO()
    call_command("cases", "rotate-key", "--new-key", stdout=out)
    assert "1 identities, 0 photos, 1 guardian names" in out.getvalue()
    keys = key_file.read_text().split()
    assert len(keys) == 2 and keys[1] == old and keys == settings.FIELD_ENCRYPTION_KEYS
    assert key_file.stat().st_mode & 0o777 == 0o600
    new = Fernet(keys[0].encode())
    token = PersonIdentity.objects.get(person=victim).ciphertext
    assert token != before
    assert json.loads(new.decrypt(token.encode()))["first_name"] == "Amina"
    with pytest.raises(InvalidToken):
        Fernet(old.encode()).decrypt(token.encode())
    guardian.refresh_from_db()
    assert new.decrypt(guardian.name_ciphertext.encode()) == b"Giulia Rossi"
    # The old token was readable only with the old key, and still is (backups).
    assert json.loads(Fernet(old.encode()).decrypt(before.encode()))["first_name"] == "Amina"
    assert (
        s.person_identity_read(actor=worker, person=victim, reason="check")["first_name"] == "Amina"
    )
    assert AuditEntry.objects.filter(object_type="core.field_keys").exists()


def test_rotate_key_refuses_a_new_key_when_keys_come_from_the_environment(
    worker, cases, monkeypatch, settings
) -> None:  # type: ignore[no-untyped-def]
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("PALERMO_FIELD_KEYS", key)
    with pytest.raises(CommandError, match="put it FIRST in PALERMO_FIELD_KEYS"):
        call_command("cases", "rotate-key", "--new-key")
    # Rotation itself works: a key added to the variable by the operator is used.
    newest = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [newest, *django_settings.FIELD_ENCRYPTION_KEYS]
    call_command("cases", "rotate-key", stdout=io.StringIO())
    token = PersonIdentity.objects.get().ciphertext
    assert json.loads(Fernet(newest.encode()).decrypt(token.encode()))["second_name"] == "Okafor"


# --- retention --------------------------------------------------------------------------------


def test_anonymise_command_and_task(worker, cases) -> None:  # type: ignore[no-untyped-def]
    open_case, closed = cases
    out = io.StringIO()
    call_command("cases", "anonymise", "--today", "2025-12-01", stdout=out)
    assert "anonymised 0 cases" in out.getvalue()
    call_command("cases", "anonymise", "--today", "2029-12-01", stdout=out)
    assert "anonymised 1 case" in out.getvalue()
    closed.refresh_from_db()
    assert closed.anonymised_at is not None and closed.reason_for_closure == ""
    open_case.refresh_from_db()
    assert open_case.anonymised_at is None
    s.case_close(actor=worker, case=open_case, reason="Done", closed_on=D(2025, 6, 1))
    result = anonymise_closed_cases.enqueue(today="2031-01-01")
    assert result.return_value == 1
    assert not PersonIdentity.objects.exists()
    call_command("cases", "anonymise", "--enqueue", stdout=out)
    assert "enqueued retention run" in out.getvalue()


def test_de_identified_export_measures_k_anonymity(worker, cases) -> None:  # type: ignore[no-untyped-def]
    """Before a de-identified file leaves, its k over sex, age, citizenship and country is
    measured (pycanon) and told: these few cases are each alone on those fields."""
    stream = io.StringIO()
    report = ix.cases_export(
        actor=worker, organisation=worker.organisation, stream=stream, fmt="csv"
    )
    assert report.records >= 2 and report.k_anonymity == 1
    err = io.StringIO()
    call_command(
        "cases", "export", "--org", "Shelter Palermo", "--as", worker.username,
        "--format", "csv", stdout=io.StringIO(), stderr=err,
    )  # fmt: skip
    assert "k-anonymity 1 over prs_Gender, plm_AgeAtRegistration" in err.getvalue()
    # Records that share the four fields make the smallest group larger.
    rows = [dict.fromkeys(ix.EXPORT_QUASI_IDENTIFIERS, "x") for _ in range(3)]
    from palermo.disclosure import k_anonymity

    assert k_anonymity(rows, ix.EXPORT_QUASI_IDENTIFIERS) == 3
