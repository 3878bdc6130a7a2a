"""HTCDS export: de-identified by default, HTCDS names and values, who may export, the audit,
and the k-anonymity of a de-identified file."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from palermo.cases import interchange as ix
from palermo.cases.models import Case
from palermo.cases.tests.interchange_cases import NAMES, export, records_of, two_cases
from palermo.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter Palermo", country="ITA", kind="ngo")


@pytest.fixture
def cases(worker: User) -> list[Case]:
    return two_cases(worker)


@pytest.mark.usefixtures("cases")
@pytest.mark.parametrize("fmt", ["htcds-json", "csv"])
def test_de_identified_export_has_no_identity(worker: User, fmt: str) -> None:
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


@pytest.mark.usefixtures("cases")
def test_export_uses_htcds_names_and_values(worker: User) -> None:
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


@pytest.mark.usefixtures("worker", "cases")
@pytest.mark.parametrize(
    ("role", "org"),
    [
        ("analyst", "Shelter Palermo"),
        ("administrator", "Shelter Palermo"),
        ("case_worker", "Shelter Torino"),
        ("national_coordinator", "Coordination Italy"),
    ],
)
def test_identifying_export_refused_for_other_roles(
    make_user: Callable[..., User], role: str, org: str
) -> None:
    user = make_user(role, org=org, country="ITA")
    before = AuditEntry.objects.count()
    with pytest.raises(CommandError, match="identifying data"):
        export(user, "Shelter Palermo", "htcds-json", "--identifying", "--reason", "transfer")
    assert AuditEntry.objects.count() == before


@pytest.mark.usefixtures("worker", "cases")
def test_analyst_exports_nothing_but_a_coordinator_gets_facts(
    make_user: Callable[..., User],
) -> None:
    analyst = make_user("analyst", org="Shelter Palermo")
    with pytest.raises(CommandError, match="may not export"):
        export(analyst, "Shelter Palermo")
    coordinator = make_user("national_coordinator", org="Coordination Italy", country="ITA")
    assert len(records_of(export(coordinator, "Shelter Palermo"))) == 3


@pytest.mark.usefixtures("cases")
def test_identifying_export_is_audited_per_person(worker: User, tmp_path: Path) -> None:
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


@pytest.mark.usefixtures("cases")
def test_de_identified_export_measures_k_anonymity(worker: User) -> None:
    """Before a de-identified file leaves, its k over sex, age, citizenship and country is
    measured (pycanon) and told: these few cases are each alone on those fields."""
    assert worker.organisation is not None
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
    from palermo.disclosure import k_anonymity  # NumPy, SciPy and pandas come with it

    rows: list[dict[str, object]] = [
        dict.fromkeys(ix.EXPORT_QUASI_IDENTIFIERS, "x") for _ in range(3)
    ]
    assert k_anonymity(rows, ix.EXPORT_QUASI_IDENTIFIERS) == 3
