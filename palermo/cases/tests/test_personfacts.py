"""What the statistics count of each person (`cases.personfacts`) and the counts kept from it
stay equal to a fresh computation through every write path: the services, the bulk writer
(import, bulk demo data), demo data through the services, deletes of cases and persons (the
import's undo deletes its cases directly), a case saved with another opening date or
organisation, and the fills of migrations 0013 and 0014; the database's triggers move the counts
with any write of the facts."""

from __future__ import annotations

import datetime as dt
import importlib
import json
import uuid
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases import services as cs
from palermo.cases.demo import demo_cases_create
from palermo.cases.models import (
    Case,
    Movement,
    NodeRouteCount,
    Person,
    PersonFacts,
    RouteCount,
    RouteTotal,
    VictimCount,
    VictimYearCount,
)
from palermo.cases.personfacts import (
    counts_check,
    facts_compute,
    person_facts_check,
    person_facts_fill,
)
from palermo.cases.writer import CasePlan, PersonPlan, ReturnPlan, cases_bulk_create, row_save
from palermo.core.models import Organisation, User

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter Gaborone", country="BWA", kind="ngo")


def org(user: User) -> Organisation:
    assert user.organisation is not None
    return user.organisation


def consistent() -> None:
    """Every person's stored facts are those of their records, every count adds them up."""
    assert person_facts_check() == []
    assert counts_check() == []


def facts(person: Person) -> PersonFacts:
    return PersonFacts.objects.get(pk=person.pk)


def routes() -> dict[tuple[str, str, str], int]:
    return {
        (r.origin, r.transit, r.destination): r.persons
        for r in RouteTotal.objects.all()
        if r.persons
    }


def node_routes() -> dict[tuple[str, str, str], int]:
    """The node's counts per route: kept on SQLite only (an unknown country stored as "_U")."""
    return {(r.origin, r.transit, r.destination): r.persons for r in NodeRouteCount.objects.all()}


SQLITE = connection.vendor == "sqlite"


def test_the_services_keep_a_victims_facts_and_counts(worker: User) -> None:
    case = cs.case_open(actor=worker, opened_on=D(2024, 3, 9), title="t")
    person = cs.person_add(
        actor=worker,
        case=case,
        role="victim",
        gender="Feminine",
        age_at_registration=16,
        citizenship=["ZWE", "ZAF"],
        types_of_exploitation=["SexualExploitation", "ForcedLabour", "SexualExploitation"],
    )
    f = facts(person)
    assert (f.organisation_id, f.opened_on, f.role, f.gender, f.age_code) == (
        worker.organisation_id,
        D(2024, 3, 9),
        "victim",
        "Feminine",
        "Y0T17",
    )
    assert json.loads(f.forms) == ["ForcedLabour", "SexualExploitation"]
    first = Person.objects.get(pk=person.pk).citizenship[0]  # as the service stored them
    assert (f.citizenship, f.origin, f.transit, f.destination) == (first, "", "", "")
    month = VictimCount.objects.get()
    assert (month.month, month.persons) == (D(2024, 3, 1), 1)
    year = VictimYearCount.objects.get()
    assert (year.year, year.gender, year.persons) == (2024, "Feminine", 1)
    assert not RouteTotal.objects.exists() and not NodeRouteCount.objects.exists()  # no route yet
    consistent()

    # The route: the first movement of each kind by date (then the one recorded first).
    cs.movement_add(actor=worker, person=person, event_type="Exploitation", country="BWA")
    assert node_routes() == ({("_U", "", "BWA"): 1} if SQLITE else {})  # origin not known
    cs.movement_add(
        actor=worker, person=person, event_type="Recruitment", country="ZWE", date=D(2024, 1, 2)
    )
    cs.movement_add(
        actor=worker, person=person, event_type="Recruitment", country="MOZ", date=D(2023, 12, 1)
    )
    cs.movement_add(
        actor=worker, person=person, event_type="Transit", country="ZAF", date=D(2024, 1, 5)
    )
    f = facts(person)
    assert (f.origin, f.transit, f.destination) == ("MOZ", "ZAF", "BWA")
    assert routes() == {("MOZ", "ZAF", "BWA"): 1}
    assert node_routes() == ({("MOZ", "ZAF", "BWA"): 1} if SQLITE else {})
    assert RouteCount.objects.get().year == 2024
    consistent()

    # The person's facts change: their counts move with them.
    cs.person_update(actor=worker, person=person, gender="Masculine", age_at_registration=30)
    assert (facts(person).gender, facts(person).age_code) == ("Masculine", "Y_GE18")
    assert VictimCount.objects.get().gender == "Masculine"  # the old key's row is gone
    assert VictimYearCount.objects.get().gender == "Masculine"
    consistent()

    # No longer a victim: counted nowhere, but still has facts (suspects' indicators).
    cs.person_update(actor=worker, person=person, role="witness")
    assert facts(person).role == "witness"
    assert not VictimCount.objects.exists() and not RouteTotal.objects.exists()
    assert not VictimYearCount.objects.exists() and not NodeRouteCount.objects.exists()
    cs.person_update(actor=worker, person=person, role="presumed_victim")
    assert VictimCount.objects.get().persons == 1 and routes() == {("MOZ", "ZAF", "BWA"): 1}
    consistent()


def test_a_completed_return_and_an_identity_are_followed(worker: User) -> None:
    case = cs.case_open(actor=worker, opened_on=D(2024, 2, 1), title="t")
    person = cs.person_add(actor=worker, case=case, role="victim", age_at_registration=30)
    assert facts(person).returned_to == ""
    ret = cs.return_plan(
        actor=worker,
        person=person,
        destination="ZWE",
        risk_level="low",
        risk_assessment="assessed",
        voluntary_consent=True,
        consent_on=D(2024, 3, 1),
    )
    assert facts(person).returned_to == ""  # planned, not completed
    cs.return_decide(actor=worker, ret=ret, decided_on=D(2024, 3, 2))
    cs.return_complete(actor=worker, ret=ret, return_date=D(2024, 4, 1))
    assert facts(person).returned_to == "ZWE"
    assert VictimCount.objects.get().returned_to == "ZWE"
    consistent()
    # An age from the date of birth (person_save): the age group follows.
    other = cs.person_add(actor=worker, case=case, role="victim")
    assert facts(other).age_code == ""  # not known
    cs.person_identity_set(actor=worker, person=other, identity={"birthdate": "2010-05-01"})
    other.refresh_from_db()
    assert other.age_at_registration == 13 and facts(other).age_code == "Y0T17"
    consistent()


def test_a_case_saved_with_another_opening_or_organisation_moves_its_persons(
    worker: User, make_user: Callable[..., User]
) -> None:
    case = cs.case_open(actor=worker, opened_on=D(2023, 12, 30), title="t")
    for _ in range(2):
        person = cs.person_add(actor=worker, case=case, role="victim", age_at_registration=20)
        cs.movement_add(actor=worker, person=person, event_type="Recruitment", country="NAM")
    other = make_user("case_worker", org="Shelter Windhoek", country="NAM", kind="ngo")
    case.opened_on = D(2024, 1, 2)
    case.organisation = org(other)
    row_save(case)  # no service changes these today; the writer keeps the facts anyway
    assert set(PersonFacts.objects.values_list("opened_on", "organisation_id")) == {
        (D(2024, 1, 2), other.organisation_id)
    }
    assert list(RouteCount.objects.values_list("year", "persons")) == [(2024, 2)]
    assert list(VictimYearCount.objects.values_list("year", "organisation_id", "persons")) == [
        (2024, other.organisation_id, 2)
    ]
    consistent()


def test_bulk_writes_and_demo_data_keep_them(worker: User) -> None:
    organisation = org(worker)
    plans = [
        CasePlan(
            opened_on=D(2022, 5, 17),
            country="BWA",
            persons=[
                PersonPlan(
                    facts={"role": "victim", "gender": "Feminine", "age_uncertain": True},
                    movements=[
                        {"event_type": "Recruitment", "country": "ZWE", "date": None},
                        {"event_type": "Recruitment", "country": "MOZ", "date": D(2022, 1, 1)},
                        {"event_type": "Exploitation", "country": "BWA", "date": D(2022, 2, 1)},
                    ],
                ),
                PersonPlan(facts={"role": "suspect", "gender": "Masculine"}),
            ],
        )
        for _ in range(3)
    ]
    report = cases_bulk_create(
        plans, actor=worker, organisation=organisation, label="import", reason="test", batch_size=2
    )
    assert PersonFacts.objects.count() == 6
    # The first recruitment as the database orders an unknown date: SQLite first, PostgreSQL
    # last (as the statistics did at each request).
    origin = "ZWE" if connection.vendor == "sqlite" else "MOZ"
    assert routes() == {(origin, "", "BWA"): 3}
    assert node_routes() == ({(origin, "", "BWA"): 3} if SQLITE else {})
    assert VictimCount.objects.get().age_code == "Y0T17"  # age uncertain: presumed a child
    consistent()
    imported = routes()
    demo_cases_create(organisation=organisation, actor=worker, count=12, seed=7, bulk=True)
    demo_cases_create(organisation=organisation, actor=worker, count=3, seed=8)
    assert PersonFacts.objects.count() == Person.objects.count()
    consistent()
    both = routes()
    # The import's undo deletes its cases directly: the facts go with the persons, the counts
    # with the facts.
    Case.objects.filter(pk__in=report.case_ids).delete()
    left = {k: n - imported.get(k, 0) for k, n in both.items() if n != imported.get(k, 0)}
    assert routes() == left
    assert sum(node_routes().values()) == (sum(left.values()) if SQLITE else 0)
    consistent()
    # A person deleted on their own, then their case.
    again = cases_bulk_create(
        plans[:1], actor=worker, organisation=organisation, label="import", reason="test"
    )
    Person.objects.filter(case_id__in=again.case_ids, role=c.PersonRole.VICTIM).delete()
    assert routes() == left
    consistent()
    Case.objects.filter(pk__in=again.case_ids).delete()
    consistent()


def test_the_fill_of_existing_persons_gives_the_same_facts_and_counts(worker: User) -> None:
    organisation = org(worker)
    demo_cases_create(organisation=organisation, actor=worker, count=10, seed=3, bulk=True)
    stored = {r["person_id"]: r for r in PersonFacts.objects.values()}
    victims = sorted(VictimCount.objects.values_list("month", "gender", "persons"))
    PersonFacts.objects.all().delete()  # as before migration 0013
    assert not VictimCount.objects.exists() and not RouteTotal.objects.exists()
    assert person_facts_fill(batch=7) == len(stored)
    assert {r["person_id"]: r for r in PersonFacts.objects.values()} == stored
    assert sorted(VictimCount.objects.values_list("month", "gender", "persons")) == victims
    assert person_facts_fill() == 0  # nothing left without facts
    consistent()


def test_the_checks_find_what_a_write_past_the_writer_leaves_wrong(worker: User) -> None:
    case = cs.case_open(actor=worker, opened_on=D(2024, 3, 9), title="t")
    person = cs.person_add(actor=worker, case=case, role="victim", age_at_registration=20)
    consistent()
    Movement.objects.create(person=person, event_type=h.EventType.EXPLOITATION, country_id="NAM")
    assert person_facts_check() == [person.pseudonym]
    assert counts_check() == []  # the counts follow the stored facts, which are stale
    VictimCount.objects.update(persons=5)
    wrong = counts_check()
    assert len(wrong) == 1 and "stored 5, counted 1" in wrong[0]
    VictimCount.objects.update(persons=1)
    VictimYearCount.objects.update(persons=3)
    wrong = counts_check()
    assert len(wrong) == 1 and wrong[0].startswith("year ") and "stored 3, counted 1" in wrong[0]
    VictimYearCount.objects.update(persons=1)
    # A count per route over the node that no victim's facts give (and none on PostgreSQL).
    NodeRouteCount.objects.create(origin="NAM", transit="", destination="_U", persons=1)
    wrong = counts_check()
    assert len(wrong) == 1 and wrong[0].startswith("node ") and "counted None" in wrong[0]


def test_the_triggers_follow_raw_writes_of_the_facts(worker: User) -> None:
    case = cs.case_open(actor=worker, opened_on=D(2024, 3, 9), title="t")
    people = [
        cs.person_add(actor=worker, case=case, role="victim", age_at_registration=20)
        for _ in range(3)
    ]
    for p in people:
        cs.movement_add(actor=worker, person=p, event_type="Recruitment", country="ZWE")
    assert routes() == {("ZWE", "", ""): 3}
    assert node_routes() == ({("ZWE", "", "_U"): 3} if SQLITE else {})
    # One statement changing several rows (PostgreSQL: one trigger call over all of them).
    PersonFacts.objects.filter(pk__in=[p.pk for p in people[:2]]).update(origin="NAM")
    assert routes() == {("ZWE", "", ""): 1, ("NAM", "", ""): 2}
    PersonFacts.objects.filter(pk=people[2].pk).update(role="suspect")
    assert routes() == {("NAM", "", ""): 2}
    assert node_routes() == ({("NAM", "", "_U"): 2} if SQLITE else {})
    assert VictimCount.objects.get().persons == 2
    assert VictimYearCount.objects.get().persons == 2
    PersonFacts.objects.filter(pk=people[0].pk).update(opened_on=D(2023, 12, 31))
    assert sorted(VictimYearCount.objects.values_list("year", "persons")) == [(2023, 1), (2024, 1)]
    assert counts_check() == []  # the facts are not their records' now, the counts are theirs
    PersonFacts.objects.all().delete()
    assert not VictimCount.objects.exists() and not RouteTotal.objects.exists()
    assert not VictimYearCount.objects.exists() and not NodeRouteCount.objects.exists()
    # Computing the facts again from the records puts everything back.
    person_facts_fill()
    assert routes() == {("ZWE", "", ""): 3}
    consistent()


def test_facts_are_computed_for_many_persons_in_one_query(
    worker: User, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    organisation = org(worker)
    demo_cases_create(organisation=organisation, actor=worker, count=8, seed=5, bulk=True)
    with django_assert_max_num_queries(1):
        computed = facts_compute(Person.objects.all())
    assert len(computed) == Person.objects.count()


def test_the_bulk_writer_computes_the_facts_the_database_gives_back(worker: User) -> None:
    """The bulk writer computes each person's facts from the rows it builds, without a query:
    the same values as from the stored records, the database's order of unknown dates and
    ties (the row written first) included; persons added to a case an earlier plan wrote are
    computed from the database."""
    organisation = org(worker)

    def returned(destination: str, status: str, day: dt.date | None) -> ReturnPlan:
        return ReturnPlan(destination=destination, status=status, risk_level="low", return_date=day)

    victim = PersonPlan(
        facts={
            "role": "victim",
            "gender": "Feminine",
            "age_at_registration": 19,
            "citizenship": ["ZWE", "ZAF"],
            "types_of_exploitation": ["ForcedLabour", "SexualExploitation", "ForcedLabour"],
        },
        movements=[
            {"event_type": "Transit", "country": "ZAF", "date": D(2022, 1, 5)},
            {"event_type": "Transit", "country": "MOZ", "date": D(2022, 1, 5)},
            {"event_type": "Transit", "country": "NAM", "date": None},
            {"event_type": "Exploitation", "country": "BWA", "date": None},
            {"event_type": "Exploitation", "country": "NAM", "date": None},
            {"event_type": "Recruitment", "country": "ZWE", "date": None},
        ],
        returns=[
            returned("ZWE", c.ReturnStatus.COMPLETED, D(2022, 3, 1)),
            returned("MOZ", c.ReturnStatus.COMPLETED, None),
            returned("ZAF", c.ReturnStatus.COMPLETED, D(2022, 3, 1)),
            returned("NAM", c.ReturnStatus.PLANNED, D(2022, 4, 1)),
        ],
    )
    plain = PersonPlan(facts={"role": "presumed_victim", "age_uncertain": True})
    suspect = PersonPlan(facts={"role": "suspect", "gender": "Masculine"})
    plan = CasePlan(opened_on=D(2022, 5, 17), country="BWA", persons=[victim, plain, suspect])
    with CaptureQueriesContext(connection) as ctx:
        report = cases_bulk_create(
            [plan], actor=worker, organisation=organisation, label="import", reason="test"
        )
    reads = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    assert not [q for q in reads if "cases_movement" in q or "cases_return" in q]
    consistent()
    f = PersonFacts.objects.get(person__role="victim")
    sqlite = connection.vendor == "sqlite"
    assert (f.origin, f.transit, f.destination, f.returned_to) == (
        "ZWE",
        "NAM" if sqlite else "ZAF",  # an unknown date first on SQLite, last on PostgreSQL
        "BWA",  # two unknown dates: the movement written first
        "ZAF" if sqlite else "MOZ",  # the last completed return: by date, then written last
    )
    assert (f.citizenship, f.forms, f.age_code) == (
        "ZWE",
        '["ForcedLabour","SexualExploitation"]',
        "Y_GE18",
    )
    # More persons of that case, planned apart (an import file's case whose records are not
    # next to each other): computed from the database, as its case is not in the batch.
    later = CasePlan(
        opened_on=D(2022, 5, 17),
        country="BWA",
        persons=[victim],
        id=uuid.UUID(report.case_ids[0]),
        exists=True,
    )
    cases_bulk_create([later], actor=worker, organisation=organisation, label="import", reason="t")
    assert PersonFacts.objects.filter(person__case_id=report.case_ids[0]).count() == 4
    consistent()


def test_the_fill_of_migration_0014_gives_the_counts_the_triggers_keep(worker: User) -> None:
    organisation = org(worker)
    demo_cases_create(organisation=organisation, actor=worker, count=10, seed=4, bulk=True)
    case = cs.case_open(actor=worker, opened_on=D(2021, 6, 1), title="t")
    person = cs.person_add(actor=worker, case=case, role="victim", age_at_registration=20)
    cs.movement_add(actor=worker, person=person, event_type="Transit", country="ZAF")
    years = sorted(VictimYearCount.objects.values_list("organisation_id", "year", "persons"))
    node = node_routes()
    assert years and (node or not SQLITE)
    # As before the migration: the new counts empty, the facts and the other counts there.
    VictimYearCount.objects.all().delete()
    NodeRouteCount.objects.all().delete()
    assert counts_check() != []
    migration = importlib.import_module(
        "palermo.cases.migrations.0014_counts_by_year_and_node_routes"
    )
    with connection.cursor() as cursor:
        migration.fill_and_triggers(cursor, connection.vendor)
    assert (
        sorted(VictimYearCount.objects.values_list("organisation_id", "year", "persons")) == years
    )
    assert node_routes() == node
    consistent()
    # The triggers it makes again keep them.
    cs.person_update(actor=worker, person=person, role="witness")
    consistent()


def test_the_forms_text_is_that_of_json_dumps() -> None:
    from palermo.cases.personfacts import forms_text

    for types in (None, [], ["ForcedLabour"], ["b", "a", "b"], ['Ünï "q" \\ \n', "ForcedLabour"]):
        expected = json.dumps(sorted(set(types or ())), separators=(",", ":"))
        assert forms_text(types) == expected
