"""HTCDS import: a round trip into another organisation, pseudonyms, who may import, and files
refused as a whole with every bad record named (and nothing written)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import CommandError

from palermo.cases.facets import case_facets_check
from palermo.cases.interchange import importing
from palermo.cases.models import Case, Person, PersonIdentity, Referral
from palermo.cases.tests.interchange_cases import (
    comparable,
    counts,
    export,
    import_file,
    records_of,
    two_cases,
    write,
)
from palermo.core.models import AuditEntry, Organisation, User

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter Palermo", country="ITA", kind="ngo")


@pytest.fixture
def other_worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter Torino", country="ITA", kind="ngo")


@pytest.fixture
def cases(worker: User) -> list[Case]:
    return two_cases(worker)


@pytest.mark.parametrize("fmt", ["htcds-json", "csv"])
@pytest.mark.parametrize("identifying", [False, True])
@pytest.mark.usefixtures("cases")
def test_round_trip_into_another_organisation(
    worker: User, other_worker: User, tmp_path: Path, fmt: str, identifying: bool
) -> None:
    extra = ("--identifying", "--reason", "transfer") if identifying else ()
    text = export(worker, "Shelter Palermo", fmt, *extra)
    path = write(tmp_path, "cases." + ("json" if fmt == "htcds-json" else "csv"), text)
    out = import_file(path, "Shelter Torino", other_worker, "--new-pseudonyms")
    assert "imported 2 cases, 3 persons" in out
    assert "1 outgoing referrals in the file were not imported" in out
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
    entry = created.get()
    assert entry.after is not None and len(entry.after["cases"]) == 2
    if identifying:
        stored = PersonIdentity.objects.filter(
            person__case__organisation__name="Shelter Torino"
        ).get()
        assert "Amina" not in stored.ciphertext


@pytest.mark.usefixtures("cases")
def test_import_keeps_pseudonyms_unless_they_exist(
    worker: User, other_worker: User, tmp_path: Path
) -> None:
    path = write(tmp_path, "cases.json", export(worker, "Shelter Palermo"))
    before = counts()
    with pytest.raises(CommandError) as err:
        import_file(path, "Shelter Torino", other_worker)
    assert "cases.json: record 1: duplicate pseudonym" in str(err.value)
    assert "nothing was written" in str(err.value)
    assert counts() == before
    pseudonyms = set(Person.objects.values_list("pseudonym", flat=True))
    Referral.objects.all().delete()  # protects its share, which protects the case
    Case.objects.filter(organisation__name="Shelter Palermo").delete()
    import_file(path, "Shelter Torino", other_worker)
    assert set(Person.objects.values_list("pseudonym", flat=True)) == pseudonyms


@pytest.mark.usefixtures("worker")
def test_only_case_workers_of_the_organisation_import(
    make_user: Callable[..., User], tmp_path: Path
) -> None:
    path = write(tmp_path, "one.json", [{"plm_Role": "victim"}])
    analyst = make_user("analyst", org="Shelter Palermo")
    for user in (analyst, make_user("case_worker", org="Elsewhere", country="ITA")):
        with pytest.raises(CommandError, match="Only case workers and investigators"):
            import_file(path, "Shelter Palermo", user)
    assert Case.objects.count() == 0


GOOD: dict[str, Any] = {
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
def test_bad_json_is_refused_with_record_and_reason(
    worker: User, tmp_path: Path, bad: dict[str, Any], reason: str
) -> None:
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
        import_file(path, "Shelter Palermo", worker)
    assert "bad.json: " + reason in str(err.value)
    assert "nothing was written" in str(err.value)
    assert counts() == before


def test_every_bad_record_is_listed(worker: User, tmp_path: Path) -> None:
    records = [GOOD, {**GOOD, "prs_Gender": "x"}, {**GOOD, "plm_Role": "boss"}, GOOD]
    path = write(tmp_path, "two.json", records)
    with pytest.raises(CommandError) as err:
        import_file(path, "Shelter Palermo", worker)
    message = str(err.value)
    assert "(2 problems)" in message
    assert "two.json: record 2: unknown code 'x' for prs_Gender" in message
    assert "two.json: record 3: unknown code 'boss' for plm_Role" in message
    assert Case.objects.count() == 0


def test_bad_csv_names_line_and_nothing_is_written(worker: User, tmp_path: Path) -> None:
    header = "plm_CaseReference,plm_Role,prs_Gender,hte_Type,hte_Country,hte_Date"
    good = "C-1,victim,Feminine,Recruitment;Exploitation,NGA;ITA,2024-01-01;"
    path = write(
        tmp_path,
        "bad.csv",
        "\n".join([header, good, "C-2,victim,Feminine,Transit;Exploitation,NER,"]) + "\n",
    )
    with pytest.raises(CommandError) as err:
        import_file(path, "Shelter Palermo", worker)
    assert (
        "bad.csv: record 2 (line 3): the HistoricTraffickingEvents columns hold different "
        "numbers of items" in str(err.value)
    )
    assert Case.objects.count() == 0
    path.write_text("\n".join([header, good]) + "\n")
    import_file(path, "Shelter Palermo", worker)
    person = Person.objects.get()
    assert [(m.event_type, m.country_id, m.date) for m in person.movements.order_by("pk")] == [
        ("Recruitment", "NGA", D(2024, 1, 1)),
        ("Exploitation", "ITA", None),
    ]
    write(tmp_path, "cols.csv", "plm_Role,prs_Surname\nvictim,X\n")
    with pytest.raises(CommandError, match=r"cols.csv: unknown column\(s\): prs_Surname"):
        import_file(tmp_path / "cols.csv", "Shelter Palermo", worker)


def test_minimal_htcds_record_gets_defaults(worker: User, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "min.json",
        [
            {"per_RoleInProcess": ["Transporter"]},
            {"vic_TraffickingStatus": "ActualVictimOfTrafficking"},
        ],
    )
    import_file(path, "Shelter Palermo", worker)
    roles = sorted(Person.objects.values_list("role", flat=True))
    assert roles == ["suspect", "victim"]
    assert {c.country_id for c in Case.objects.all()} == {"ITA"}


@pytest.mark.parametrize(
    ("bad", "reason", "value"),
    [
        (
            {"prs_Birthdate": "2001-13-45"},
            "record 1: impossible date (value not shown) for prs_Birthdate (YYYY-MM-DD)",
            "2001-13-45",
        ),
        (
            {"prs_Birthdate": "2025-02-01"},
            "record 1: impossible dates: prs_Birthdate is after the case was opened (2025-01-10)",
            "2025-02-01",
        ),
        (
            {"prs_Birthdate": "2001-01-01", "plm_AgeAtRegistration": 40},
            "record 1: plm_AgeAtRegistration 40 does not match prs_Birthdate",
            "2001-01-01",
        ),
        ({"prs_MailingCountry": "Narnia"}, "unknown country code (value not shown)", "Narnia"),
        ({"prs_MailingLatitude": "north"}, "must be a number, not (value not shown)", "north"),
    ],
)
def test_a_refusal_never_repeats_an_identifying_value(
    worker: User, tmp_path: Path, bad: dict[str, Any], reason: str, value: str
) -> None:
    path = write(tmp_path, "bad.json", [{**GOOD, **bad}])
    with pytest.raises(CommandError) as err:
        import_file(path, "Shelter Palermo", worker)
    assert reason in str(err.value)
    assert value not in str(err.value)
    assert Case.objects.count() == 0


@pytest.mark.usefixtures("cases")
def test_a_database_refusal_is_one_clear_problem(
    worker: User, other_worker: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if another import had written the same pseudonyms after this one checked them."""
    path = write(tmp_path, "cases.json", export(worker, "Shelter Palermo"))
    monkeypatch.setattr(importing, "_existing_pseudonyms", lambda names: set())
    before = counts()
    with pytest.raises(CommandError) as err:
        import_file(path, "Shelter Torino", other_worker)
    message = str(err.value)
    assert "cases.json: the database refused the import (" in message
    assert "nothing was written" in message
    assert not any(p in message for p in Person.objects.values_list("pseudonym", flat=True))
    assert counts() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("live_reference")  # transactional: the countries written back first
def test_on_sqlite_batches_commit_apart_and_a_refused_batch_undoes_the_earlier_ones(
    worker: User, other_worker: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside a transaction on SQLite each batch commits on its own (other writers get the
    lock between batches); when the database refuses a later batch, the earlier ones go."""
    from django.db import connection

    from palermo.cases.interchange.errors import InterchangeError
    from palermo.cases.models import Case as CaseModel
    from palermo.core.models import Organisation

    if connection.vendor != "sqlite":
        pytest.skip("one transaction on PostgreSQL")
    cases = two_cases(worker)
    text = export(worker, "Shelter Palermo")

    def position(case: CaseModel) -> int:
        return min(text.find(p.pseudonym) for p in case.persons.all())

    first, second = sorted(cases, key=position)  # in the file's order
    for person in first.persons.all():  # the first case comes in under new pseudonyms
        last = "Y" if person.pseudonym.endswith("Z") else "Z"  # a different one, always
        text = text.replace(person.pseudonym, person.pseudonym[:-1] + last)
    path = write(tmp_path, "cases.json", text)
    torino = Organisation.objects.get(name="Shelter Torino")
    from palermo.cases import writer

    real = writer.cases_bulk_create

    def outside_a_transaction(*args: Any, **kw: Any) -> Any:
        assert not connection.in_atomic_block  # no transaction around the batches
        return real(*args, **kw)

    monkeypatch.setattr(importing, "cases_bulk_create", outside_a_transaction)
    monkeypatch.setattr(importing, "_existing_pseudonyms", lambda names: set())
    before = counts()
    with pytest.raises(InterchangeError, match="nothing was written"):
        importing.cases_import(actor=other_worker, organisation=torino, path=path, batch_size=1)
    created = AuditEntry.objects.filter(reason="import from cases.json", action="create")
    assert created.count() == 1  # the first batch was committed ...
    assert counts()[:3] == before[:3]  # cases, persons, identities: as before
    assert not CaseModel.objects.filter(organisation=torino).exists()
    undo = AuditEntry.objects.filter(reason__contains="stopped: undone")
    assert undo.count() == 1  # ... and undone
    assert (undo.get().after or {})["cases"] == (created.get().after or {})["cases"]
    assert second.pk
    # A good file imports in batches as well.
    path = write(tmp_path, "good.json", export(worker, "Shelter Palermo"))
    report = importing.cases_import(
        actor=other_worker, organisation=torino, path=path, new_pseudonyms=True, batch_size=1
    )
    assert report.cases == 2
    assert CaseModel.objects.filter(organisation=torino).count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("live_reference")
def test_on_sqlite_an_import_interrupted_between_batches_leaves_nothing(
    worker: User, other_worker: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (or any error) after a committed batch undoes the batches before it."""
    from django.db import connection

    from palermo.cases import writer
    from palermo.cases.models import Case as CaseModel
    from palermo.core.models import Organisation

    if connection.vendor != "sqlite":
        pytest.skip("one transaction on PostgreSQL")
    two_cases(worker)
    path = write(tmp_path, "cases.json", export(worker, "Shelter Palermo"))
    torino = Organisation.objects.get(name="Shelter Torino")
    real_write = writer._Batch.write
    calls = {"batches": 0}

    def interrupted(self: Any) -> None:
        calls["batches"] += 1
        if calls["batches"] == 2:  # the first batch is committed by now
            raise KeyboardInterrupt
        real_write(self)

    monkeypatch.setattr(writer._Batch, "write", interrupted)
    before = counts()
    with pytest.raises(KeyboardInterrupt):
        importing.cases_import(
            actor=other_worker, organisation=torino, path=path, new_pseudonyms=True, batch_size=1
        )
    assert calls["batches"] == 2
    assert AuditEntry.objects.filter(reason="import from cases.json", action="create").count() == 1
    assert counts()[:3] == before[:3]
    assert not CaseModel.objects.filter(organisation=torino).exists()
    assert AuditEntry.objects.filter(reason="import from cases.json stopped: undone").count() == 1


@pytest.mark.usefixtures("cases")
def test_an_import_reports_its_progress_batch_by_batch(
    worker: User, other_worker: User, tmp_path: Path
) -> None:
    """The CLI draws a progress bar from these reports (palermo.core.progress)."""
    path = write(tmp_path, "cases.json", export(worker, "Shelter Palermo"))
    reports: list[tuple[int, int]] = []
    report = importing.cases_import(
        actor=other_worker,
        organisation=Organisation.objects.get(name="Shelter Torino"),
        path=path,
        new_pseudonyms=True,
        batch_size=1,
        progress=lambda done, total: reports.append((done, total)),
    )
    total = report.cases
    assert total >= 2
    # Written as read (inside the test's transaction): the total is known at the end only.
    assert reports == [*((n, 0) for n in range(total + 1)), (total, total)]


def _ids_told(worker: User, other_worker: User, tmp_path: Path) -> None:
    path = write(tmp_path, "cases.json", export(worker, "Shelter Palermo"))
    torino = Organisation.objects.get(name="Shelter Torino")
    told: list[str] = []
    report = importing.cases_import(
        actor=other_worker,
        organisation=torino,
        path=path,
        new_pseudonyms=True,
        batch_size=1,
        on_cases=told.extend,
    )
    made = {str(pk) for pk in Case.objects.filter(organisation=torino).values_list("pk", flat=True)}
    assert len(told) == report.cases >= 2  # noqa: PLR2004
    assert set(told) == made


@pytest.mark.usefixtures("cases")
def test_an_import_tells_the_ids_of_the_cases_it_made(
    worker: User, other_worker: User, tmp_path: Path
) -> None:
    """Written as read, in the caller's transaction (one reading)."""
    _ids_told(worker, other_worker, tmp_path)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("live_reference")  # transactional: the countries written back first
def test_an_import_committed_batch_by_batch_tells_the_ids_too(
    worker: User, other_worker: User, tmp_path: Path
) -> None:
    """On SQLite outside a transaction the file is read twice and each batch commits."""
    two_cases(worker)
    _ids_told(worker, other_worker, tmp_path)
