"""Case selectors: search never reveals who else is in a shared case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine
from django.db import connection
from django.db.models import Q

from palermo.cases import services as s
from palermo.cases.models import Case
from palermo.cases.selectors import case_list, deadline_board
from palermo.cases.tests.factories import (
    CaseFactory,
    OrganisationFactory,
    PersonFactory,
    organisation_of,
)
from palermo.core.models import User

pytestmark = pytest.mark.django_db
ON_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's partial indexes and plans"
)


def test_pseudonym_search_respects_person_limited_shares(
    clock: time_machine.Traveller, make_user: Callable[..., User]
) -> None:
    worker = make_user("case_worker", org="Shelter", country="BWA", kind="ngo")
    case = CaseFactory.create(actor=worker, opened_on=dt.date(2026, 1, 1))
    a = PersonFactory.create(
        actor=worker, case=case, role="presumed_victim", age_at_registration=30
    )
    b = PersonFactory.create(
        actor=worker, case=case, role="presumed_victim", age_at_registration=31
    )
    clinic_org = OrganisationFactory.create(name="Clinic", kind="service_provider")
    clinic = make_user("case_worker", org="Clinic")
    s.referral_send(
        actor=worker, person=a, to_organisation=clinic_org, service="medical", scopes=["case_facts"]
    )
    assert list(case_list(user=clinic, q=a.pseudonym)) == [case]
    assert list(case_list(user=clinic, q=b.pseudonym)) == []
    assert list(case_list(user=worker, q=b.pseudonym)) == [case]


def test_deadline_board_shows_what_ends_this_week_and_overdue(
    clock: time_machine.Traveller, make_user: Callable[..., User]
) -> None:
    worker = make_user("case_worker", org="Shelter", country="BWA", kind="ngo")
    other = make_user("case_worker", org="Elsewhere", country="BWA", kind="ngo")
    case = CaseFactory.create(actor=worker, opened_on=dt.date(2026, 1, 1))
    p = PersonFactory.create(
        actor=worker, case=case, role="presumed_victim", age_at_registration=30
    )
    today = dt.date(2026, 3, 10)
    s.measure_grant(
        actor=worker,
        person=p,
        kind="reflection_period",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 3, 12),
    )
    s.measure_grant(
        actor=worker,
        person=p,
        kind="residence_permit",
        starts_on=dt.date(2026, 1, 1),
        ends_on=dt.date(2026, 3, 1),
    )
    s.measure_grant(
        actor=worker,
        person=p,
        kind="residence_permit",
        starts_on=dt.date(2026, 3, 13),
        ends_on=dt.date(2026, 9, 1),
    )
    board = deadline_board(user=worker, today=today)
    assert [(d.kind, d.overdue) for d in board] == [
        ("residence_permit", True),
        ("reflection_period", False),
    ]
    assert deadline_board(user=other, today=today) == []


def test_list_filters_give_the_same_cases_with_or_without_shares(
    clock: time_machine.Traveller, make_user: Callable[..., User]
) -> None:
    """Visibility leaves out the shares condition when nothing is shared: the same answer."""
    worker = make_user("case_worker", org="Shelter", country="BWA", kind="ngo")
    mine = CaseFactory.create(actor=worker, opened_on=dt.date(2026, 1, 2))
    PersonFactory.create(actor=worker, case=mine, role="presumed_victim", age_at_registration=15)
    other = make_user("case_worker", org="Clinic", country="BWA", kind="service_provider")
    theirs = CaseFactory.create(actor=other, opened_on=dt.date(2026, 1, 1))
    child = PersonFactory.create(
        actor=other, case=theirs, role="presumed_victim", age_at_registration=16
    )
    assert list(case_list(user=worker, child=True)) == [mine]
    s.referral_send(
        actor=other,
        person=child,
        to_organisation=organisation_of(worker),
        service="shelter",
        scopes=["case_facts"],
    )
    assert list(case_list(user=worker, child=True)) == [mine, theirs]
    assert list(case_list(user=other, child=True)) == [theirs]


@ON_POSTGRESQL
def test_search_reads_the_trigram_indexes(
    clock: time_machine.Traveller, make_user: Callable[..., User]
) -> None:
    """`q` is a substring match (icontains): only migration 0006's trigram indexes serve it."""
    worker = make_user("case_worker", org="Shelter", country="BWA", kind="ngo")
    case = CaseFactory.create(
        actor=worker, opened_on=dt.date(2026, 1, 2), title="Farm workers, Ghanzi"
    )
    assert list(case_list(user=worker, q="farm work")) == [case]
    assert list(case_list(user=worker, q=case.reference[2:9].lower())) == [case]
    # The search's own conditions, unordered, with table scans and plain index scans off: only
    # a bitmap scan is left, and it can only use the trigram indexes if their expression is
    # exactly the SQL Django writes for icontains.
    search = Case.objects.filter(
        Q(reference__icontains="farm") | Q(title__icontains="farm")
    ).order_by()
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_indexscan = off")
        try:
            plan = search.explain()
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_indexscan")
    assert "case_reference_trgm" in plan and "case_title_trgm" in plan, plan


def test_person_filters_on_a_shared_case_see_only_the_shared_persons(
    clock: time_machine.Traveller, make_user: Callable[..., User]
) -> None:
    """A referral of one adult must not tell, through a filter, that the case holds a child, a
    suspect or a form of exploitation the share does not show."""
    owner = make_user("case_worker", org="Shelter", country="BWA", kind="ngo")
    case = CaseFactory.create(actor=owner, opened_on=dt.date(2026, 1, 2))
    adult = PersonFactory.create(
        actor=owner,
        case=case,
        role="presumed_victim",
        age_at_registration=30,
        types_of_exploitation=["ForcedLabour"],
    )
    PersonFactory.create(
        actor=owner,
        case=case,
        role="presumed_victim",
        age_at_registration=12,
        types_of_exploitation=["SexualExploitation"],
    )
    PersonFactory.create(actor=owner, case=case, role="suspect")
    clinic_org = OrganisationFactory.create(name="Clinic", kind="service_provider")
    clinic = make_user("case_worker", org="Clinic")
    s.referral_send(
        actor=owner,
        person=adult,
        to_organisation=clinic_org,
        service="medical",
        scopes=["protection"],
    )
    # The owner's filters read the facets of the whole case.
    for filters in ({"child": True}, {"role": "suspect"}, {"exploitation": "SexualExploitation"}):
        assert list(case_list(user=owner, **filters)) == [case], filters
    # The clinic sees one adult presumed victim, with protection measures but not case facts.
    assert list(case_list(user=clinic)) == [case]
    assert list(case_list(user=clinic, child=False)) == [case]
    assert list(case_list(user=clinic, role="presumed_victim")) == [case]
    for filters in (
        {"child": True},
        {"role": "suspect"},
        {"exploitation": "SexualExploitation"},
        {"exploitation": "ForcedLabour"},  # facts not shared
    ):
        assert list(case_list(user=clinic, **filters)) == [], filters
    # With the case facts shared, the adult's form of exploitation (only) becomes a filter.
    s.referral_send(
        actor=owner,
        person=adult,
        to_organisation=clinic_org,
        service="legal_aid",
        scopes=["case_facts"],
    )
    assert list(case_list(user=clinic, exploitation="ForcedLabour")) == [case]
    assert list(case_list(user=clinic, exploitation="SexualExploitation")) == []
