"""The bulk writer's rows as the database stores them: `core.bulk` writes COPY's text format
with psycopg's own row formatter on PostgreSQL (`_copy_text`), and one executemany
INSERT elsewhere. Whatever a value holds (tabs, line ends, backslashes, the text of a NULL,
other scripts), what is stored is the value given, on both databases."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DataError, connection, transaction

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.models import Case, CaseComment, Person
from palermo.cases.writer import CasePlan, PersonPlan, cases_bulk_create
from palermo.core.bulk import (
    PreparedRows,
    _copy_text,
    _stamp_texts,
    rows_insert,
    rows_prepare,
    rows_write,
)
from palermo.core.models import User

pytestmark = pytest.mark.django_db

TEXTS = [
    "plain",
    "a\ttab",
    "two\nlines",
    "carriage\rreturn and\r\nboth",
    "back\\slash",
    "\\N",  # the text of a NULL in COPY, as a value
    "\\\\N",
    "\\",
    "ends with a tab\t",
    "",
    "  spaces kept  ",
    "Ünïcødé 中文 عربي русский",
    "\u2028line separator and \x1b escape",
]


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Copy shelter", country="ITA", kind="ngo")


def _case(worker: User, **fields: object) -> Case:
    assert worker.organisation is not None
    plan = CasePlan(
        opened_on=dt.date(2025, 2, 1),
        country="ITA",
        persons=[PersonPlan(facts={"role": c.PersonRole.PRESUMED_VICTIM})],
        **fields,  # type: ignore[arg-type]  # CasePlan's own fields
    )
    report = cases_bulk_create(
        [plan], actor=worker, organisation=worker.organisation, label="t", reason="a test"
    )
    return Case.objects.get(pk=report.case_ids[0])


def test_every_text_is_stored_as_given(worker: User) -> None:
    case = _case(worker)
    rows = [{"case_id": case.pk, "author_id": worker.pk, "text": text} for text in TEXTS]
    rows_insert(CaseComment, rows)
    stored = list(
        CaseComment.objects.filter(case=case).order_by("pk").values_list("text", flat=True)
    )
    assert stored == TEXTS


def test_a_row_of_every_kind_of_value_is_stored_as_given(worker: User) -> None:
    """Text with tabs and line ends, a choice (a str subclass, dumped by psycopg), dates,
    None, a boolean, JSON holding quotes, backslashes and other scripts: as the ORM reads them
    back."""
    case = _case(
        worker,
        title="Title\twith a tab\nand a line",
        status=h.CaseStatus.CLOSED,
        closed_on=dt.date(2025, 6, 30),
        reason_for_closure='Closed: "done" \\ finished',
        incoming_referral_date=None,
    )
    assert case.title == "Title\twith a tab\nand a line"
    assert case.status == "Closed" and case.closed_on == dt.date(2025, 6, 30)
    assert case.reason_for_closure == 'Closed: "done" \\ finished'
    assert case.incoming_referral_date is None
    person = Person.objects.get(case=case)
    person_id = person.pk
    Person.objects.filter(pk=person_id).delete()
    row = {
        f.attname: getattr(person, f.attname)
        for f in Person._meta.concrete_fields
        if f.attname not in ("created_at", "updated_at")
    }
    row.update(
        id=uuid.UUID(int=person_id.int),
        deceased=True,
        methods_of_control=["Debt \\ bondage", 'Said "no"', "Долг\tдолг"],
        details_of_vulnerabilities="Notes\r\nover lines",
    )
    rows_insert(Person, [row])
    again = Person.objects.get(pk=person_id)
    assert again.deceased is True
    assert again.methods_of_control == ["Debt \\ bondage", 'Said "no"', "Долг\tдолг"]
    assert again.details_of_vulnerabilities == "Notes\r\nover lines"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY: PostgreSQL")
def test_a_text_with_a_nul_character_is_refused_and_nothing_is_written(worker: User) -> None:
    case = _case(worker)
    rows = [
        {"case_id": case.pk, "author_id": worker.pk, "text": "fine"},
        {"case_id": case.pk, "author_id": worker.pk, "text": "nul \x00 inside"},
    ]
    with pytest.raises(DataError, match="NUL"), transaction.atomic():
        rows_insert(CaseComment, rows)
    assert not CaseComment.objects.filter(case=case).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY: PostgreSQL")
def test_copy_text_escapes_what_needs_it_in_chunks_of_rows() -> None:
    connection.ensure_connection()
    when = dt.datetime(2026, 12, 7, 17, 0, 0, 1, tzinfo=dt.UTC)
    row: list[Any] = [
        "a",
        None,
        True,
        7,
        uuid.UUID(int=1),
        dt.date(2026, 1, 2),
        h.CaseStatus.CLOSED,
    ]
    rows = [row, ["a\tb", "\\N", None, "x\ny\rz\\"]] * 1500
    chunks = _copy_text(connection, iter(rows))
    assert len(chunks) == 2  # 2,000 rows, then 1,000
    lines = b"".join(chunks).decode().splitlines(keepends=True)
    assert len(lines) == 3000
    assert lines[0] == "a\t\\N\tt\t7\t{:032x}\t2026-01-02\tClosed\n".format(1)
    assert lines[1] == "a\\tb\t\\\\N\t\\N\tx\\ny\\rz\\\\\n"
    assert "".join(lines[2:4]) == "".join(lines[:2])
    assert _copy_text(connection, iter([[when.isoformat()]])) == [
        (when.isoformat() + "\n").encode()
    ]


def test_prepared_rows_of_several_batches_are_written_by_one_statement(worker: User) -> None:
    case = _case(worker)
    first = rows_prepare(CaseComment, [{"case_id": case.pk, "author_id": worker.pk, "text": "1"}])
    second = rows_prepare(
        CaseComment, [{"case_id": case.pk, "author_id": worker.pk, "text": t} for t in "23"]
    )
    first.extend(second)
    assert first.rows == 3
    with pytest.raises(ValueError, match="another table"):
        first.extend(PreparedRows(Case, ["id"]))
    rows_write(first)
    assert list(
        CaseComment.objects.filter(case=case).order_by("created_at").values_list("text", flat=True)
    ) == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("microsecond", "n"),
    [(0, 3), (1, 5), (999_998, 5), (500_000, 0), (0, 1_000_002)],
)
def test_timestamp_texts_are_those_of_isoformat_a_microsecond_apart(
    microsecond: int, n: int
) -> None:
    now = dt.datetime(2026, 12, 31, 23, 59, 59, microsecond, tzinfo=dt.UTC)
    texts = _stamp_texts(now, n)
    assert len(texts) == n
    for i in {0, 1, n // 2, n - 2, n - 1} & set(range(n)):
        assert texts[i] == (now + dt.timedelta(microseconds=i)).isoformat()
    naive = now.replace(tzinfo=None)
    assert _stamp_texts(naive, 2) == [
        naive.isoformat(),
        (naive + dt.timedelta(0, 0, 1)).isoformat(),
    ]


def test_bulk_rows_keep_their_order_in_their_timestamps(worker: User) -> None:
    case = _case(worker)
    rows = [{"case_id": case.pk, "author_id": worker.pk, "text": str(i)} for i in range(50)]
    rows_insert(CaseComment, rows)
    stored = list(CaseComment.objects.filter(case=case).order_by("created_at"))
    assert [c.text for c in stored] == [str(i) for i in range(50)]
    gaps = {(b.created_at - a.created_at) for a, b in zip(stored, stored[1:], strict=False)}
    assert gaps == {dt.timedelta(microseconds=1)}
    person = Person.objects.get(case=case)  # two timestamps in a row: the same
    assert case.created_at == case.updated_at and person.created_at == person.updated_at
