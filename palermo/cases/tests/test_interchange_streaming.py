"""The streaming import (issue 14): the file is read twice, never held whole, and the result is
the one the import gave when it read the whole file first.

`old_import` below is that import's checking, kept as the reference: every record parsed, then
the rules between records (a case's records agree with its first record, a pseudonym belongs to
the first record that gives it, pseudonyms that exist already) applied in memory, and the cases
planned in memory. Files with every kind of problem, and files whose cases' records are apart,
are refused with the same lines, or written with the same cases. A refusal found only at the end
of the file, or a write refused in a later batch, leaves nothing. The readers give what
`json.loads` and `io.StringIO` give, a chunk at a time. Memory itself is measured by
`bench/bench_cases.py`, not here.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, models
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.cases.facets import case_facets_check
from palermo.cases.interchange import ALL_COLUMNS, importing, reading
from palermo.cases.interchange.checking import Checker
from palermo.cases.interchange.errors import InterchangeError, RecordError
from palermo.cases.interchange.fields import MOVEMENTS
from palermo.cases.interchange.ledger import Ledger
from palermo.cases.interchange.reading import RawRecord, read_csv, read_json
from palermo.cases.interchange.values import Values
from palermo.cases.models import Case, Person
from palermo.cases.tests.interchange_cases import comparable, counts, export, records_of
from palermo.cases.writer import CasePlan, cases_bulk_create
from palermo.conftest import PINNED_NOW
from palermo.core.models import AuditEntry, Organisation, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter Palermo", country="ITA", kind="ngo")


@pytest.fixture
def other(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter Torino", country="ITA", kind="ngo")


# --- the import before streaming, as the reference -------------------------------------------


def old_import(  # noqa: PLR0912 - the import before issue 14, kept as it was
    path: Path, organisation: Organisation, *, csv_mode: bool, new_pseudonyms: bool = False
) -> list[CasePlan] | InterchangeError:
    """What the import did before issue 14, in memory: its plans, or its refusal."""
    records = read_csv(path) if csv_mode else read_json(path)
    checker = Checker(file_name=path.name, organisation=organisation, csv_mode=csv_mode)
    cases: dict[str, CasePlan] = {}
    case_values: dict[str, dict[str, Any]] = {}
    first_record: dict[str, int] = {}
    pseudonyms: dict[str, RawRecord] = {}
    for record in records:
        try:
            parsed = checker.record(record)
        except RecordError as exc:
            checker.fail(record, str(exc))
            continue
        key, fields = parsed.key, parsed.case
        if key in cases:
            if any(v != case_values[key][n] for n, v in fields.items()):
                first = first_record[key]
                checker.fail(record, checker.case_differs(key, fields, case_values[key], first))
                continue
        else:
            cases[key] = CasePlan(**fields)
            case_values[key] = fields
            first_record[key] = record.number
        pseudonym = parsed.person.pseudonym
        if pseudonym:
            if pseudonym in pseudonyms:
                checker.fail(
                    record,
                    "duplicate pseudonym '{}' (also in record {})".format(
                        pseudonym, pseudonyms[pseudonym].number
                    ),
                )
                continue
            pseudonyms[pseudonym] = record
        cases[key].comments.extend(parsed.comments)
        cases[key].persons.append(parsed.person)
    if not new_pseudonyms:
        taken = set(
            Person.objects.filter(pseudonym__in=list(pseudonyms)).values_list(
                "pseudonym", flat=True
            )
        )
        for name in sorted(taken, key=lambda n: pseudonyms[n].number):
            checker.fail(
                pseudonyms[name],
                "duplicate pseudonym '{}': a person with it exists already (import with "
                "--new-pseudonyms to give new ones)".format(name),
            )
    if checker.total:
        return InterchangeError(checker.problems, checker.total)
    if new_pseudonyms:
        for plan in cases.values():
            for person in plan.persons:
                person.pseudonym = ""
    return list(cases.values())


def new_import(
    path: Path, organisation: Organisation, actor: User, **kw: Any
) -> importing.ImportReport | InterchangeError:
    try:
        return importing.cases_import(actor=actor, organisation=organisation, path=path, **kw)
    except InterchangeError as exc:
        return exc


# --- files -----------------------------------------------------------------------------------

BASE: dict[str, Any] = {
    "plm_CaseOpenedOn": "2025-01-10",
    "plm_Role": "presumed_victim",
    "prs_Gender": "Feminine",
    "prs_Citizenship": ["NGA"],
    "vic_TypeOfExploitation": ["SexualExploitation"],
    "HistoricTraffickingEvents": [
        {"hte_Type": "Exploitation", "hte_Country": "ITA", "hte_Date": "2024-12-01"}
    ],
    "Consents": [{"con_Consent": True, "plm_ConsentGivenOn": "2025-01-10"}],
    "CaseComments": [{"cco_CaseComment": "seen"}],
}
# Problems a record may have on its own (each is one reason of a refusal).
BAD: list[dict[str, Any]] = [
    {"prs_Gender": "Femme"},
    {"plm_CaseOpenedOn": "2025-02-30"},
    {"prs_Citizenship": ["XXX"]},
    {"plm_AgeAtRegistration": 20, "vic_AgeWhenTrafficked": 30},
    {"prs_Gendr": "x"},
    {"HistoricTraffickingEvents": {"hte_Type": "Transit"}},
    {"plm_CaseOpenedOn": "2999-01-01", "prs_Gender": "Femme"},  # the first reason is named
]


def a_file(rng: random.Random, n: int, *, taken: list[str], problems: bool) -> list[dict[str, Any]]:
    """n records of a few cases, records of one case apart, some records without a case
    reference (a case each); with `problems`, some records have problems of every kind: bad
    values, a case whose records disagree, pseudonyms given twice or existing already."""
    records = []
    for i in range(n):
        record = dict(BASE)
        if rng.random() >= 0.1:
            record["plm_CaseReference"] = "C-{}".format(rng.randrange(max(1, n // 3)))
        roll = rng.random()
        if roll < 0.5:
            record["plm_Pseudonym"] = "P-{}".format(i)
        elif roll < 0.6 and problems:
            record["plm_Pseudonym"] = "P-{}".format(rng.randrange(max(1, i)))  # perhaps twice
        elif roll < 0.65 and problems:
            record["plm_Pseudonym"] = rng.choice(taken)
        if rng.random() < 0.08 and problems:
            record["plm_CaseOpenedOn"] = "2025-01-11"  # disagrees if not its case's first
        if rng.random() < 0.08 and problems:
            record.update(rng.choice(BAD))
        if rng.random() < 0.3:
            record["prs_Gender"] = "Masculine"
            record["plm_Role"] = "suspect"
        records.append(record)
    return records


def write_json(tmp_path: Path, records: list[dict[str, Any]], name: str = "f.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"htcds_version": "2.0", "records": records}), encoding="utf-8")
    return path


def imported(organisation: Organisation, user: User) -> list[str]:
    return comparable(records_of(export(user, organisation.name)))


@pytest.mark.parametrize("readings", [1, 2])
@pytest.mark.parametrize("seed", range(6))
def test_refusals_and_cases_are_those_of_the_import_before(
    clock: time_machine.Traveller,
    worker: User,
    other: User,
    make_user: Callable[..., User],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
    readings: int,
) -> None:
    """In one reading (PostgreSQL, or inside a transaction: written as read, checked at the
    end, checked again for the reasons of a refusal) and in two (SQLite: checked, then
    written)."""
    monkeypatch.setattr(importing, "_in_one_reading", lambda: readings == 1)
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    palermo = Organisation.objects.get(name="Shelter Palermo")
    torino = Organisation.objects.get(name="Shelter Torino")
    # Pseudonyms that exist already (a file may give them again).
    existing = write_json(
        tmp_path, [dict(BASE, plm_Pseudonym="P-OLD-{}".format(i)) for i in range(3)], "old.json"
    )
    importing.cases_import(actor=worker, organisation=palermo, path=existing)
    taken = ["P-OLD-{}".format(i) for i in range(3)]
    outcomes = set()
    for n, problems in ((5, True), (30, True), (90, True), (30, False), (90, False)):
        path = write_json(tmp_path, a_file(rng, n, taken=taken, problems=problems))
        for new_pseudonyms in (False, True):
            before = counts()
            expected = old_import(path, torino, csv_mode=False, new_pseudonyms=new_pseudonyms)
            got = new_import(path, torino, other, new_pseudonyms=new_pseudonyms, batch_size=4)
            if isinstance(expected, InterchangeError):
                assert isinstance(got, InterchangeError), (n, new_pseudonyms)
                assert str(got) == str(expected)
                assert counts() == before  # nothing written
                outcomes.add("refused")
                continue
            assert isinstance(got, importing.ImportReport), str(got)
            outcomes.add("written")
            # The same cases: the old plans, written into a third organisation, export equal.
            assert got.cases == len(expected)
            assert case_facets_check() == []
            written = imported(torino, other)
            Case.objects.filter(organisation=torino).delete()
            third = make_user("case_worker", org="Shelter {}-{}".format(n, problems), country="ITA")
            assert third.organisation is not None
            cases_bulk_create(
                expected, actor=third, organisation=third.organisation, label="t", reason="t"
            )
            assert written == imported(third.organisation, third)
            Case.objects.filter(organisation=third.organisation).delete()
    assert outcomes == {"refused", "written"}


def test_a_file_whose_last_record_is_wrong_writes_nothing(
    clock: time_machine.Traveller, worker: User, tmp_path: Path
) -> None:
    """Only the end of the file shows the problem: the last record repeats the first one's
    pseudonym, or gives a bad code; batches of one case would have been written by then."""
    palermo = Organisation.objects.get(name="Shelter Palermo")
    records = [
        dict(BASE, plm_CaseReference="C-{}".format(i), plm_Pseudonym="P-{}".format(i))
        for i in range(40)
    ]
    for last, reason in (
        ({"plm_Pseudonym": "P-0"}, "record 41: duplicate pseudonym 'P-0' (also in record 1)"),
        ({"prs_Gender": "Femme"}, "record 41: unknown code 'Femme' for prs_Gender"),
    ):
        path = write_json(tmp_path, [*records, dict(BASE, plm_CaseReference="C-X", **last)])
        before = counts()
        with pytest.raises(InterchangeError) as err:
            importing.cases_import(actor=worker, organisation=palermo, path=path, batch_size=1)
        assert "f.json: " + reason in str(err.value)
        assert "(1 problem)" in str(err.value)
        assert counts() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("live_reference")
def test_a_write_refused_in_a_later_batch_leaves_nothing(
    clock: time_machine.Traveller,
    worker: User,
    other: User,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As if another import wrote a pseudonym of the file's last case after the check: the
    database refuses the batch that holds it, the tenth. On PostgreSQL the one transaction is
    rolled back; on SQLite the nine batches committed are deleted again."""
    palermo = Organisation.objects.get(name="Shelter Palermo")
    torino = Organisation.objects.get(name="Shelter Torino")
    importing.cases_import(
        actor=worker,
        organisation=palermo,
        path=write_json(tmp_path, [dict(BASE, plm_Pseudonym="P-9")], "one.json"),
    )
    records = [
        dict(BASE, plm_CaseReference="C-{}".format(i), plm_Pseudonym="P-{}".format(i))
        for i in range(10)
    ]
    path = write_json(tmp_path, records)
    monkeypatch.setattr(importing, "_existing_pseudonyms", lambda names: set())
    before = counts()
    created = AuditEntry.objects.filter(
        action="create", object_id="import", reason="import from f.json"
    )
    with pytest.raises(InterchangeError, match="the database refused the import"):
        importing.cases_import(actor=other, organisation=torino, path=path, batch_size=1)
    assert not Case.objects.filter(organisation=torino).exists()
    if connection.vendor == "sqlite":
        assert created.count() == 9  # committed one by one ...
        undone = AuditEntry.objects.filter(reason="import from f.json stopped: undone")
        assert sorted(c for e in undone for c in (e.after or {})["cases"]) == sorted(
            c for e in created for c in (e.after or {})["cases"]
        )  # ... and every one deleted again
        assert counts()[:3] == before[:3]
    else:
        assert created.count() == 0
        assert counts() == before


def test_a_write_that_fails_in_a_later_batch_leaves_nothing(
    clock: time_machine.Traveller, worker: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any failure while a later batch is written (here the third) leaves nothing."""
    from palermo.cases import writer

    palermo = Organisation.objects.get(name="Shelter Palermo")
    path = write_json(tmp_path, [dict(BASE, plm_CaseReference="C-{}".format(i)) for i in range(5)])
    real = writer._Batch.write
    calls = {"n": 0}

    def third_fails(self: writer._Batch) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise IntegrityError("refused")
        real(self)

    monkeypatch.setattr(writer._Batch, "write", third_fails)
    before = counts()
    with pytest.raises(InterchangeError, match="nothing was written"):
        importing.cases_import(actor=worker, organisation=palermo, path=path, batch_size=1)
    assert calls["n"] == 3
    assert counts()[:3] == before[:3]


def test_foreign_keys_are_checked_at_the_commit_again_after_an_import(
    clock: time_machine.Traveller, worker: User, tmp_path: Path
) -> None:
    """On PostgreSQL the import checks foreign keys statement by statement while it writes
    (`bulkwriting.foreign_keys_checked_as_written`); the rest of the caller's transaction (here
    the test's) checks them at the commit again, as Django declares them: a comment may name a
    case created later in the transaction."""
    from palermo.cases.models import CaseComment

    palermo = Organisation.objects.get(name="Shelter Palermo")
    path = write_json(tmp_path, [dict(BASE, plm_CaseReference="C-1", plm_Pseudonym="P-1")])
    importing.cases_import(actor=worker, organisation=palermo, path=path)
    # And after an import the database refuses (its pseudonym exists), rolled back.
    with pytest.raises(InterchangeError, match="exists already"):
        importing.cases_import(actor=worker, organisation=palermo, path=path)
    later = Case.objects.get(organisation=palermo).pk
    Case.objects.filter(pk=later).delete()
    comment = CaseComment.objects.create(case_id=later, author=worker, text="before its case")
    recreated = Case.objects.create(
        id=later,
        reference="C-LATER",
        organisation=palermo,
        owner=worker,
        title="later",
        opened_on=dt.date(2024, 1, 1),
        country_id="ITA",
    )
    assert CaseComment.objects.get(pk=comment.pk).case == recreated


def test_a_file_changed_between_its_readings_is_refused(
    clock: time_machine.Traveller, worker: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read twice (SQLite, outside a transaction), the file must not change in between; an
    import in one reading reads it once."""
    monkeypatch.setattr(importing, "_in_one_reading", lambda: False)
    palermo = Organisation.objects.get(name="Shelter Palermo")
    records = [dict(BASE, plm_CaseReference="C-{}".format(i)) for i in range(6)]
    path = write_json(tmp_path, records)
    real = Ledger.problems

    def then_changed(self: Ledger, limit: int) -> Any:
        found = real(self, limit)
        write_json(tmp_path, [*records, dict(BASE)])  # a record more, after the check
        return found

    monkeypatch.setattr(Ledger, "problems", then_changed)
    before = counts()
    with pytest.raises(
        InterchangeError, match="f.json: the file changed while it was being imported"
    ):
        importing.cases_import(actor=worker, organisation=palermo, path=path, batch_size=2)
    assert counts() == before


def test_a_case_whose_records_are_apart_is_one_case(
    clock: time_machine.Traveller, worker: User, tmp_path: Path
) -> None:
    """Records 1 and 4 are of case A, sorted apart (say by role): one case with both persons,
    its facets from both, as the import that read the whole file made it."""
    palermo = Organisation.objects.get(name="Shelter Palermo")
    child = {"plm_AgeAtRegistration": 15, "vic_TypeOfExploitation": ["ForcedLabour"]}
    records = [
        dict(BASE, plm_CaseReference="A", plm_Pseudonym="P-A1"),
        dict(BASE, plm_CaseReference="B"),
        dict(BASE, plm_CaseReference="C"),
        dict(BASE, plm_CaseReference="A", plm_Pseudonym="P-A2", **child),
        dict(BASE, plm_CaseReference="B", plm_Role="suspect"),
    ]
    report = importing.cases_import(
        actor=worker, organisation=palermo, path=write_json(tmp_path, records), batch_size=1
    )
    assert report.cases == 3 and report.persons == 5
    case = Person.objects.get(pseudonym="P-A1").case
    assert sorted(case.persons.values_list("pseudonym", flat=True)) == ["P-A1", "P-A2"]
    assert case.has_child and case.exploitation_types == ["ForcedLabour", "SexualExploitation"]
    assert case_facets_check() == []
    assert case.comments.count() == 2


@pytest.mark.parametrize("readings", [1, 2])
def test_the_first_reading_reports_its_progress(
    clock: time_machine.Traveller,
    worker: User,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    readings: int,
) -> None:
    """How much of the file is read (per cent), and how many cases are written: of a total
    known from the first reading when there are two, of an unknown total (0) until the last
    report when the import writes as it reads."""
    monkeypatch.setattr(importing, "_in_one_reading", lambda: readings == 1)
    palermo = Organisation.objects.get(name="Shelter Palermo")
    monkeypatch.setattr(reading, "CHUNK", 512)  # several chunks
    records = [dict(BASE, plm_CaseReference="C-{}".format(i)) for i in range(30)]
    checking: list[tuple[int, int]] = []
    writing: list[tuple[int, int]] = []
    importing.cases_import(
        actor=worker,
        organisation=palermo,
        path=write_json(tmp_path, records),
        checking=lambda done, total: checking.append((done, total)),
        progress=lambda done, total: writing.append((done, total)),
    )
    assert checking[0] == (0, 100) and checking[-1] == (100, 100)
    assert len(checking) > 3 and [d for d, _ in checking] == sorted({d for d, _ in checking})
    assert writing[0] == (0, 30 if readings == 2 else 0) and writing[-1] == (30, 30)


def test_the_csv_import_is_the_import_before(
    clock: time_machine.Traveller,
    worker: User,
    other: User,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same for CSV, read in small chunks (lines cut anywhere, quoted newlines)."""
    palermo = Organisation.objects.get(name="Shelter Palermo")
    torino = Organisation.objects.get(name="Shelter Torino")
    importing.cases_import(
        actor=worker,
        organisation=palermo,
        path=write_json(
            tmp_path,
            [
                dict(
                    BASE,
                    plm_CaseReference="A",
                    plm_Pseudonym="P-1",
                    CaseComments=[{"cco_CaseComment": 'two\nlines, "quoted"'}],
                ),
                dict(BASE, plm_CaseReference="A", plm_Role="suspect"),
                dict(BASE, plm_CaseReference="B", plm_Pseudonym="P-2"),
            ],
        ),
    )
    text = export(worker, "Shelter Palermo", "csv").replace("\n", "\r\n")
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(reading, "CHUNK", 7)
    expected = old_import(path, torino, csv_mode=True, new_pseudonyms=True)
    assert isinstance(expected, list)
    importing.cases_import(actor=other, organisation=torino, path=path, new_pseudonyms=True)
    assert imported(torino, other) == imported(palermo, worker)
    # Bad values and a duplicate: the same refusal.
    bad = text.replace("Feminine", "Femme", 1).replace("P-2", "P-1")
    path.write_text(bad, encoding="utf-8")
    expected_error = old_import(path, torino, csv_mode=True)
    assert isinstance(expected_error, InterchangeError)
    got = new_import(path, torino, other)
    assert str(got) == str(expected_error)


# --- the readers -----------------------------------------------------------------------------


def test_json_records_are_those_of_json_loads_in_any_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Valid files give json.loads' records; broken ones json.loads' reason and position."""
    rng = random.Random(7)  # noqa: S311 - test data, not secrets
    records = [
        dict(BASE, plm_CaseReference="C-{}".format(i), n=i * 1.5, big=10**20, text='é\u2028ü"\\')
        for i in range(12)
    ]
    base = json.dumps({"htcds_version": "2.0", "records": records}, indent=rng.choice([None, 1]))
    path = tmp_path / "r.json"
    mismatches = []
    for i in range(400):
        chars = list(base)
        k = rng.randrange(len(chars))
        roll = rng.random()
        if roll < 0.25:
            del chars[k]
        elif roll < 0.5:
            chars.insert(k, rng.choice('{}[]",:1 \nx'))
        elif roll < 0.6:
            chars = chars[:k]
        text = "".join(chars)
        path.write_text(text, encoding="utf-8")
        monkeypatch.setattr(reading, "CHUNK", rng.choice([1, 2, 3, 16, 100, 1 << 20]))
        try:
            data = json.loads(text)
            expected: Any = None
        except json.JSONDecodeError as exc:
            expected = "r.json: not valid JSON ({})".format(exc)
        try:
            got: Any = [r.data for r in read_json(path)]
        except InterchangeError as exc:
            got = exc.problems[0]
        if (
            expected is None
            and isinstance(data, dict)
            and isinstance(data.get("records"), list)
            and all(isinstance(r, dict) for r in data["records"])
        ):
            expected = data["records"]
        if expected is not None and got != expected:
            mismatches.append((i, expected, got))
    assert mismatches == []


def test_csv_lines_are_those_of_stringio_in_any_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)  # noqa: S311 - test data, not secrets
    for _ in range(200):
        text = "".join(rng.choice(["a", "b", ",", '"', "\n", "\r", "\r\n", "é"]) for _ in range(60))
        pieces = []
        start = 0
        while start < len(text):
            size = rng.randint(1, 9)
            pieces.append(text[start : start + size])
            start += size
        assert list(reading._lines(iter(pieces))) == list(io.StringIO(text, newline=""))


def test_text_that_is_not_utf8_is_refused_with_its_byte_position(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "CHUNK", 4)
    path = tmp_path / "bad.json"
    path.write_bytes(b'[{"a": "Am\xe9lie"}]')  # Latin-1, not UTF-8
    with pytest.raises(InterchangeError) as err:
        read_json(path)
    assert "bad.json: not valid JSON ('utf-8' codec can't decode byte 0xe9 in position 10" in str(
        err.value
    )
    assert "lie" not in str(err.value)


# --- each column's parser and the reference parser -------------------------------------------

RAW = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-5, max_value=200),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        st.sampled_from(
            [
                "",
                " ",
                "ITA",
                " nga ",
                "NG",
                "xx",
                "2025-01-10",
                " 2025-01-10",
                "2025-02-30",
                "1899-12-31",
                "12",
                "007",
                "true",
                "no",
                "en",
                "EN",
                "xx-YY",
                "Feminine",
                "SexualExploitation",
                "Poverty",
                "victim",
                "Demo org",
                "a;b",
                "Feminine;Masculine",
                "ITA;NGA",
                "x" * 300,
                "Poverty;\\;x",
            ]
        ),
        st.text(max_size=5),
    ),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=4,
)


def _outcome(parse: Callable[[Any], Any], raw: Any) -> tuple[str, Any]:
    try:
        return "value", parse(raw)
    except RecordError as exc:
        return "refused", str(exc)


@settings(
    max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(data=st.data())
def test_each_columns_parser_is_the_reference_parser(
    data: st.DataObject, make_user: Callable[..., User]
) -> None:
    make_user("case_worker", org="Demo org", country="ITA")
    for csv_mode in (False, True):
        values = Values(csv_mode=csv_mode)
        col = data.draw(st.sampled_from(ALL_COLUMNS))
        raw = data.draw(RAW)
        if csv_mode and raw is not None and not isinstance(raw, str):
            raw = str(raw)
        reference = functools.partial(values.value, col)
        assert _outcome(values.parser(col), raw) == _outcome(reference, raw)


def test_a_date_of_today_is_checked_against_the_pinned_clock(
    clock: time_machine.Traveller, worker: User, tmp_path: Path
) -> None:
    """The future is the pinned clock's: a case opened tomorrow is refused on both readings."""
    palermo = Organisation.objects.get(name="Shelter Palermo")
    tomorrow = PINNED_NOW.date() + dt.timedelta(days=1)
    path = write_json(tmp_path, [dict(BASE, plm_CaseOpenedOn=tomorrow.isoformat())])
    with pytest.raises(InterchangeError, match="plm_CaseOpenedOn 2026-11-21 is in the future"):
        importing.cases_import(actor=worker, organisation=palermo, path=path)


def test_rows_insert_stores_the_values_its_field_by_field_way_stores(
    clock: time_machine.Traveller, worker: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rows_insert takes a row's values in one step (itemgetter); a row it cannot take so goes
    field by field. Both store the same values (every column but ids and timestamps)."""
    from palermo.core import bulk

    palermo = Organisation.objects.get(name="Shelter Palermo")
    rich = dict(
        BASE,
        plm_AgeAtRegistration=30,
        plm_AgeUncertain=True,
        prs_Deceased=False,
        prs_NumberOfChildren=2,
        prs_PrimaryLanguage="en",
        vic_MethodsOfControl=["DebtBondage", "PhysicalThreats"],
        SupportPlans=[{"spl_Type": "Health", "spl_PlannedEndDate": "2025-09-01"}],
    )

    def stored() -> list[dict[str, Any]]:
        skip = {"id", "pseudonym", "case_id", "person_id", "created_at", "updated_at"}
        out = []
        for model in (Case, Person):
            for row in model.objects.values().order_by("created_at"):
                out.append({k: v for k, v in row.items() if k not in skip and k != "reference"})
        return out

    importing.cases_import(
        actor=worker, organisation=palermo, path=write_json(tmp_path, [rich, rich], "a.json")
    )
    fast = stored()
    Case.objects.all().delete()

    def no_itemgetter(*names: str) -> Callable[[Any], Any]:
        def fail(row: Any) -> Any:
            raise KeyError(names[0])

        return fail

    monkeypatch.setattr(bulk, "itemgetter", no_itemgetter)
    importing.cases_import(
        actor=worker, organisation=palermo, path=write_json(tmp_path, [rich, rich], "b.json")
    )
    assert stored() == fast
    assert len(fast) == 4


def test_each_value_is_prepared_for_insert_as_its_field_prepares_it(
    clock: time_machine.Traveller, worker: User
) -> None:
    """rows_insert's short ways (SQLite: text, numbers, booleans, dates, UUIDs, foreign keys)
    give what each field's own preparation gives, for every value of an import's rows."""
    from palermo.cases import writer
    from palermo.core.bulk import _insert_prep

    palermo = Organisation.objects.get(name="Shelter Palermo")
    checker = Checker(file_name="x.json", organisation=palermo, csv_mode=False)
    record = dict(
        BASE,
        plm_AgeAtRegistration=30,
        prs_NumberOfChildren=2,
        prs_PrimaryLanguage="en",
        prs_FirstName="Amina",
        SupportPlans=[{"spl_Type": "Health", "spl_PlannedEndDate": "2025-09-01"}],
    )
    parsed = checker.record(RawRecord(1, record))
    plan = CasePlan(**parsed.case, persons=[parsed.person], comments=parsed.comments)
    batch = writer._Batch(actor=worker, organisation=palermo)
    batch.case(plan)
    seen = 0
    for name, model in writer.TABLES:
        for row in batch.tables[name]:
            for f in model._meta.concrete_fields:
                if f.attname in row:
                    value = row[f.attname]
                    short = _insert_prep(f, connection)(value)
                    own = f.get_db_prep_save(value, connection)
                    # psycopg's JSON wrappers compare by identity: their values are compared.
                    assert getattr(short, "obj", short) == getattr(own, "obj", own), (
                        name,
                        f.name,
                        value,
                    )
                    seen += 1
            # And what rows_insert or another caller may give any field: None, timestamps.
            for f in model._meta.concrete_fields:
                values: list[Any] = [None]
                if isinstance(f, models.DateTimeField):
                    values += [
                        timezone.now(),
                        dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC),
                        dt.datetime(2026, 3, 29, 3, 30, tzinfo=ZoneInfo("Europe/Rome")),
                    ]
                for value in values:
                    short = _insert_prep(f, connection)(value)
                    own = f.get_db_prep_save(value, connection)
                    assert getattr(short, "obj", short) == getattr(own, "obj", own), (f, value)
                    seen += 1
    assert seen > 60


def test_json_text_is_that_of_json_dumps() -> None:
    """COPY and SQLite's INSERT take JSON fields as text from an encoder made once: the text
    json.dumps gives, for every kind of value (an unknown type refused the same way, and the
    encoder still right after it)."""
    from palermo.core.bulk import _json_text

    text = _json_text(None)
    values: list[Any] = [
        [],
        {},
        ["ZWE", "ZAF"],
        ["Ünïcode ✓", 'quote " and \\ and \n'],
        {"b": [1, 2.5, None, True, False], "a": {"nested": ["x"]}, "é": 1e20},
        [float("inf"), -0.0, 10**30],
        "text",
        7,
        None,
    ]
    for value in values:
        assert text(value) == json.dumps(value)
    with pytest.raises(TypeError):
        json.dumps([dt.date(2024, 1, 1)])
    with pytest.raises(TypeError):
        text([dt.date(2024, 1, 1)])
    assert text(values[4]) == json.dumps(values[4])


def test_copy_json_text_of_repeated_lists_is_that_of_json_dumps() -> None:
    """COPY takes the text of a list of text values made once per batch and field: the same
    text json.dumps gives, and lists that are equal as tuples but not as JSON ([1], [True],
    [1.0]) or hold objects each get their own."""
    from palermo.cases import htcds as h
    from palermo.cases.models import Person
    from palermo.core.bulk import _copy_prep

    prep = _copy_prep(Person._meta.get_field("methods_of_control"))
    assert prep is not None
    values: list[Any] = [
        ["DebtBondage", "PhysicalThreats"],
        ["DebtBondage", "PhysicalThreats"],
        ["PhysicalThreats", "DebtBondage"],
        [h.TypeOfExploitation.FORCED_LABOUR],
        ["ForcedLabour"],
        [1],
        [True],
        [1.0],
        ["1"],
        [{"a": 1}],
        [{"a": 1}],
        ['quote " and \\ and \n', "Ünïcode"],
        [],
    ]
    for value in values:
        assert prep(value) == json.dumps(value), value
    assert prep(None) is None
    with pytest.raises(TypeError):
        prep([dt.date(2024, 1, 1)])


def test_an_item_with_two_bad_values_is_refused_for_the_first_in_column_order(
    clock: time_machine.Traveller,
) -> None:
    """A group's item is parsed by the fields it holds; a bad one is reported as the columns'
    order has it, whatever the item's order of fields, and an item's fields it does not hold
    get their empty values (a list of its own for each item)."""
    values = Values(csv_mode=False)
    movements = MOVEMENTS
    bad = {"hte_Date": "2024-13-40", "hte_Country": "XXX", "hte_Type": "Exploitation"}
    with pytest.raises(RecordError, match="item 1: unknown country code 'XXX' for hte_Country"):
        values.group(movements, {"HistoricTraffickingEvents": [bad]})
    record = {"HistoricTraffickingEvents": [{"hte_Country": "ita", "hte_Type": "Exploitation"}]}
    (item,) = values.group(movements, record)
    assert item == {
        "event_type": "Exploitation",
        "country": "ITA",
        "state": "",
        "city": "",
        "date": None,
        "end_date": None,
        "description": "",
    }
    assert list(item) == [col.attr for col in movements.columns]
