"""Figures derived from case records, traced to pseudonyms (audited), and route flows."""

from __future__ import annotations

import datetime as dt

import pytest

from palermo.cases import services as cs
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import AuditEntry
from palermo.statistics import derivation as dv
from palermo.statistics import services as s
from palermo.statistics.models import Value

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def worker(make_user):
    return make_user("case_worker", org="Shelter Gaborone", country="BWA", kind="ngo")


def victim(
    worker,
    opened,
    *,
    gender="Feminine",
    age=25,
    cit=("ZWE",),
    forms=("SexualExploitation",),
    route=(),
):
    case = cs.case_open(actor=worker, opened_on=opened, title="t")
    person = cs.person_add(
        actor=worker,
        case=case,
        role="victim",
        gender=gender,
        age_at_registration=age,
        citizenship=list(cit),
        types_of_exploitation=list(forms),
    )
    for event, country in route:
        cs.movement_add(actor=worker, person=person, event_type=event, country=country, date=opened)
    return person


@pytest.fixture
def records(worker):
    people = [
        victim(
            worker,
            D(2024, 2, 1),
            route=[("Recruitment", "ZWE"), ("Transit", "ZAF"), ("Exploitation", "BWA")],
        ),
        victim(worker, D(2024, 3, 1), route=[("Recruitment", "ZWE"), ("Exploitation", "BWA")]),
        victim(worker, D(2024, 4, 1), gender="Masculine", age=16, forms=("ForcedLabour",)),
        victim(
            worker,
            D(2024, 5, 1),
            gender="Masculine",
            age=40,
            cit=(),
            forms=("ForcedLabour", "SexualExploitation"),
        ),
        victim(worker, D(2023, 5, 1)),  # another year
    ]
    case = cs.case_open(actor=worker, opened_on=D(2024, 1, 5), title="p")
    suspect = cs.person_add(
        actor=worker, case=case, role="suspect", gender="Masculine", age_at_registration=45
    )
    cs.proceeding_record(
        actor=worker,
        case=case,
        stage="verdict",
        started_on=D(2024, 1, 10),
        suspect=suspect,
        verdict="convicted",
        verdict_on=D(2024, 6, 1),
    )
    return people


def figure(**cell):
    base = {"indicator__code": "victims_detected", "country_id": "BWA", "period": "2024"}
    codes = {
        d: "_T"
        for d in (
            "sex",
            "age_group",
            "exploitation",
            "citizenship",
            "country_of_exploitation",
            "country_of_repatriation",
        )
    }
    codes.update(cell.pop("cells", {}))
    return Value.objects.get(**base, **codes, **cell)


def test_coordinator_derives_the_year_from_case_records(records, coordinator) -> None:
    derivation = dv.derivation_run(
        actor=coordinator, dataset="tip-annual", country="BWA", period="2024"
    )
    assert (
        derivation.persons == 4 + 3
    )  # victims detected 4; investigated, prosecuted, convicted 1 each
    assert figure().value == 4
    assert figure(cells={"sex": "F", "age_group": "Y_GE18"}).value == 2
    assert figure(cells={"sex": "M", "age_group": "Y0T17"}).value == 1
    assert figure(cells={"exploitation": "SEXUAL"}).value == 2
    assert figure(cells={"exploitation": "MULTIPLE"}).value == 1
    assert figure(cells={"citizenship": "ZWE"}).value == 3
    assert figure(cells={"citizenship": "_U"}).value == 1
    assert figure(cells={"country_of_exploitation": "BWA"}).value == 2
    assert figure(cells={"country_of_exploitation": "_U"}).value == 2
    convicted = Value.objects.get(
        indicator__code="persons_convicted",
        country_id="BWA",
        sex="_T",
        age_group="_T",
        citizenship="_T",
    )
    assert convicted.value == 1 and convicted.origin == "derived" and convicted.status == "draft"
    assert (
        Value.objects.get(
            indicator__code="victims_assisted",
            country_id="BWA",
            sex="_T",
            age_group="_T",
            exploitation="_T",
            citizenship="_T",
        ).value
        == 0
    )
    # The derived figures pass the rules and can be submitted like entered ones.
    report = s.values_submit(actor=coordinator, dataset="tip-annual", country="BWA", period="2024")
    assert report.errors == []


def test_deriving_again_replaces_drafts_but_not_submitted_figures(
    records, coordinator, worker
) -> None:
    dv.derivation_run(actor=coordinator, dataset="tip-annual", country="BWA", period="2024")
    victim(worker, D(2024, 9, 1))
    dv.derivation_run(actor=coordinator, dataset="tip-annual", country="BWA", period="2024")
    assert figure().value == 5
    s.values_submit(actor=coordinator, dataset="tip-annual", country="BWA", period="2024")
    with pytest.raises(ApplicationError, match="already submitted"):
        dv.derivation_run(actor=coordinator, dataset="tip-annual", country="BWA", period="2024")


def test_only_the_country_coordinator_derives(
    records, other_coordinator, stats_analyst, worker
) -> None:
    for user in (other_coordinator, stats_analyst, worker):
        with pytest.raises(ForbiddenError):
            dv.derivation_run(actor=user, dataset="tip-annual", country="BWA", period="2024")


def test_trace_to_pseudonyms_is_for_the_coordinator_and_audited(
    records, coordinator, other_coordinator, stats_analyst
) -> None:
    dv.derivation_run(actor=coordinator, dataset="tip-annual", country="BWA", period="2024")
    cell = figure(cells={"citizenship": "ZWE"})
    trace = dv.derivation_trace(actor=coordinator, figure=cell, reason="check the 2024 return")
    assert sorted(trace.pseudonyms) == sorted(p.pseudonym for p in records[:3])
    assert not trace.changed
    entry = AuditEntry.objects.latest("sequence")
    assert entry.action == "read" and entry.reason == "check the 2024 return"
    assert sorted(entry.after["persons"]) == sorted(trace.pseudonyms)
    for user in (other_coordinator, stats_analyst, None):
        with pytest.raises(ForbiddenError):
            dv.derivation_trace(actor=user, figure=cell, reason="curious")
    with pytest.raises(ApplicationError, match="reason"):
        dv.derivation_trace(actor=coordinator, figure=cell, reason=" ")


def test_route_flows_from_case_movements(records, coordinator, stats_analyst, worker) -> None:
    flows = dv.route_flows_from_cases(user=coordinator)
    assert [(f.origin, f.transit, f.destination, f.count) for f in flows] == [
        ("ZWE", "", "BWA", 1),
        ("ZWE", "ZAF", "BWA", 1),
    ]
    # Analysts get only flows of at least 5 persons.
    assert [f.count for f in dv.route_flows_from_cases(user=stats_analyst)] == [None, None]
    for _ in range(5):
        victim(worker, D(2024, 7, 1), route=[("Recruitment", "ZMB"), ("Exploitation", "BWA")])
    analyst_view = dv.route_flows_from_cases(user=stats_analyst, year_from=2024, year_to=2024)
    assert ("ZMB", "", "BWA", 5) in [
        (f.origin, f.transit, f.destination, f.count) for f in analyst_view
    ]
    with pytest.raises(ForbiddenError):
        dv.route_flows_from_cases(user=worker)
    with pytest.raises(ForbiddenError):
        dv.route_flows_from_cases(user=None)


def test_country_table_counts_every_country_in_one_query(
    records, make_user, django_assert_max_num_queries
) -> None:
    nam = make_user("case_worker", org="Shelter Windhoek", country="NAM", kind="ngo")
    victim(nam, D(2024, 2, 1), gender="Masculine", age=12)
    from palermo.statistics.periods import parse_period

    with django_assert_max_num_queries(3):  # the grouped query and the code lists
        table = dv.country_table("victims_detected", parse_period("2024"), ["sex", "age_group"])
    assert table == {
        ("BWA", "F", "Y_GE18"): 2,
        ("BWA", "M", "Y0T17"): 1,
        ("BWA", "M", "Y_GE18"): 1,
        ("NAM", "M", "Y0T17"): 1,
    }
    only = dv.country_table(
        "victims_detected", parse_period("2024"), ["exploitation"], countries=["NAM"]
    )
    assert only == {("NAM", "SEXUAL"): 1}
