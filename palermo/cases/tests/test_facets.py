"""A case's facets (child, roles, forms of exploitation) follow its persons through every writer,
and the case list's filters read them (on PostgreSQL through one partial index each)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.db.models import QuerySet

from palermo.cases import services as s
from palermo.cases.choices import PersonRole
from palermo.cases.facets import case_facets, case_facets_check
from palermo.cases.htcds import TypeOfExploitation
from palermo.cases.models import Case
from palermo.cases.selectors import case_list
from palermo.cases.tests.factories import CaseFactory, OrganisationFactory
from palermo.core.models import User

pytestmark = pytest.mark.django_db
ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's partial indexes and plans"
)
D = dt.date


def test_case_facets_from_person_facts() -> None:
    facets = case_facets(
        [
            {"role": "suspect", "types_of_exploitation": []},
            {
                "role": "victim",
                "types_of_exploitation": ["SexualExploitation", "ForcedLabour"],
                "age_at_registration": 17,
            },
            {"role": "victim", "types_of_exploitation": ["ForcedLabour"], "age_uncertain": True},
        ]
    )
    assert facets == {
        "has_child": True,
        "person_roles": ["suspect", "victim"],
        "exploitation_types": ["ForcedLabour", "SexualExploitation"],
    }
    adult = case_facets([{"role": "witness", "age_at_registration": 18, "age_uncertain": False}])
    assert adult == {"has_child": False, "person_roles": ["witness"], "exploitation_types": []}


def test_services_keep_the_facets(
    clock: time_machine.Traveller, make_user: Callable[..., User]
) -> None:
    worker = make_user("case_worker", org="Shelter", country="BWA", kind="ngo")
    case = CaseFactory.create(actor=worker, opened_on=D(2026, 1, 2))
    stale = Case.objects.get(pk=case.pk)  # loaded before any person: no facets
    adult = s.person_add(
        actor=worker,
        case=case,
        role="presumed_victim",
        age_at_registration=30,
        types_of_exploitation=["ForcedLabour"],
    )
    case.refresh_from_db()
    assert (case.has_child, case.person_roles, case.exploitation_types) == (
        False,
        ["presumed_victim"],
        ["ForcedLabour"],
    )
    s.person_update(actor=worker, person=adult, age_uncertain=True)
    s.person_add(actor=worker, case=case, role="suspect")
    police = OrganisationFactory.create(name="Police", kind="government")
    s.identification_record(
        actor=worker,
        person=adult,
        authority=police,
        decision="identified",
        decision_org_type="Police",
        reasoning="Interview",
        decided_on=D(2026, 1, 20),
    )
    # An ordinary save of a case loaded earlier leaves the facets as the persons made them.
    s.case_update(actor=worker, case=stale, title="Farm workers")
    case.refresh_from_db()
    assert case.title == "Farm workers"
    assert (case.has_child, case.person_roles, case.exploitation_types) == (
        True,
        ["suspect", "victim"],
        ["ForcedLabour"],
    )
    assert case_facets_check() == []
    assert list(case_list(user=worker, child=True)) == [case]
    assert list(case_list(user=worker, role="victim")) == [case]
    assert list(case_list(user=worker, role="presumed_victim")) == []
    assert list(case_list(user=worker, exploitation="ForcedLabour")) == [case]
    assert list(case_list(user=worker, exploitation="SexualExploitation")) == []


def test_a_corrected_date_of_birth_changes_the_child_facet(
    clock: time_machine.Traveller, make_user: Callable[..., User]
) -> None:
    worker = make_user("case_worker", org="Shelter", country="BWA", kind="ngo")
    case = CaseFactory.create(actor=worker, opened_on=D(2026, 1, 2))
    person = s.person_add(
        actor=worker,
        case=case,
        role="presumed_victim",
        age_at_registration=25,
        identity={"birthdate": "2000-05-01"},
    )
    assert list(case_list(user=worker, child=True)) == []
    # (A first date of birth that disagrees with the age is refused: test_person_checks.)
    s.person_identity_set(actor=worker, person=person, identity={"birthdate": "2012-05-01"})
    assert list(case_list(user=worker, child=True)) == [case]
    assert list(case_list(user=worker, child=False)) == []


def test_facets_check_names_a_case_that_disagrees(
    clock: time_machine.Traveller, make_user: Callable[..., User]
) -> None:
    worker = make_user("case_worker", org="Shelter", country="BWA", kind="ngo")
    case = CaseFactory.create(actor=worker, opened_on=D(2026, 1, 2))
    s.person_add(actor=worker, case=case, role="presumed_victim", age_at_registration=9)
    Case.objects.filter(pk=case.pk).update(has_child=False)
    assert case_facets_check() == [case.reference]


def _plan(qs: QuerySet[Case]) -> str:
    # Table scans and bitmap scans off: the cases can then only come from an index, and the
    # plan names the partial index if the filter's condition matches its predicate.
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_bitmapscan = off")
        try:
            return qs.explain()
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_bitmapscan")


@ON_POSTGRESQL
def test_every_form_and_role_has_its_partial_index() -> None:
    """Migration 0005 made one partial index per code; a code added later needs its own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'cases_case' "
            "AND (indexname LIKE 'case_expl_%%' OR indexname LIKE 'case_role_%%')"
        )
        definitions = [row[0] for row in cursor.fetchall()]
    for column, codes in (
        ("exploitation_types", TypeOfExploitation.values),
        ("person_roles", PersonRole.values),
    ):
        for code in codes:
            assert any(
                column in d and "'[\"{}\"]'::jsonb".format(code) in d for d in definitions
            ), (code, definitions)


@ON_POSTGRESQL
@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"exploitation": "SexualExploitation"}, "case_expl_sexualexploitation"),
        ({"role": "suspect", "status": "Active"}, "case_role_suspect"),
        ({"child": True, "country": "BWA"}, "case_child_list"),
    ],
)
def test_person_filters_read_their_partial_index(
    make_user: Callable[..., User], filters: dict[str, Any], index: str
) -> None:
    worker = make_user("case_worker", org="Shelter", country="BWA", kind="ngo")
    assert index in _plan(case_list(user=worker, **filters))
