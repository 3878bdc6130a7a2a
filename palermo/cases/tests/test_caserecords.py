"""The case's records read with prepared queries (palermo/cases/caserecords.py): the same records
as Django's own relations, in the models' order within each person, readable without a query."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from palermo.cases import caserecords
from palermo.cases.models import Case, Person
from palermo.core.models import User

ORG = "Records shelter"


@pytest.fixture
def cases(make_user: Callable[..., User]) -> list[Case]:
    make_user("case_worker", org=ORG, country="ITA", kind="ngo")
    call_command("demo_data", "--cases", "12", "--org", ORG, "--seed", "5", stdout=io.StringIO())
    return list(Case.objects.filter(organisation__name=ORG).order_by("reference"))


def test_the_records_are_those_of_each_person_in_the_models_order(cases: list[Case]) -> None:
    seen: set[str] = set()
    for stored in cases:
        case = Case.objects.get(pk=stored.pk)
        caserecords.case_records_load(case)
        with CaptureQueriesContext(connection) as reads:
            persons = list(case.persons.all())
            loaded = {
                (person.pk, name): [(r.pk, r.person is person) for r in getattr(person, name).all()]
                for person in persons
                for name, _query in caserecords.RECORDS
            }
        assert len(reads) == 0  # everything was loaded
        expected_persons = list(Person.objects.filter(case=stored).order_by("pseudonym"))
        assert [p.pk for p in persons] == [p.pk for p in expected_persons]
        assert all(p.case is case for p in persons)
        for person in expected_persons:
            for name, _query in caserecords.RECORDS:
                expected = list(getattr(person, name).all())  # the relation, default ordering
                got = loaded[person.pk, name]
                assert all(same for _pk, same in got)  # each record's person is the person
                assert sorted(pk for pk, _same in got) == sorted(r.pk for r in expected)
                if expected:
                    seen.add(name)
    # The demo data has every kind of record somewhere, so every query was checked on rows.
    assert seen == {name for name, _query in caserecords.RECORDS}


def test_a_filter_on_a_loaded_relation_still_filters_by_its_person(cases: list[Case]) -> None:
    case = next(c for c in cases if c.persons.filter(movements__isnull=False).count() >= 1)
    others = Person.objects.exclude(case=case).filter(movements__isnull=False)
    assert others.exists()
    caserecords.case_records_load(case)
    person = next(p for p in case.persons.all() if p.movements.all())
    filtered = list(person.movements.filter(date__isnull=False))
    assert {m.person_id for m in filtered} <= {person.pk}
    assert len(filtered) == len([m for m in person.movements.all() if m.date is not None])


def test_comments_shares_and_proceedings_of_the_case_only(cases: list[Case]) -> None:
    for case in cases:
        comments = caserecords.case_comments(case)
        assert [c.pk for c in comments] == [
            c.pk for c in case.comments.order_by("created_at", "pk")
        ]
        assert all(c.case is case and c.author.username for c in comments)
        assert [s.pk for s in caserecords.case_shares(case)] == sorted(
            case.shares.values_list("pk", flat=True)
        )
        assert [s.pk for s in caserecords.case_shares(case, active_only=True)] == sorted(
            case.shares.filter(revoked_at__isnull=True).values_list("pk", flat=True)
        )
        assert [p.pk for p in caserecords.case_proceedings(case)] == [
            p.pk for p in case.proceedings.order_by("started_on", "pk")
        ]
    assert any(caserecords.case_comments(c) for c in cases)
    assert any(caserecords.case_proceedings(c) for c in cases)
