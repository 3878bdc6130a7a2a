"""Figures derived from case records and cooperation requests, traced to pseudonyms or request
references (audited), and route flows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from palermo.cases import services as cs
from palermo.cases.models import Person
from palermo.cooperation.models import Request
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import AuditEntry, User
from palermo.statistics import derivation as dv
from palermo.statistics import services as s
from palermo.statistics.audit_kinds import DERIVATION
from palermo.statistics.models import Value
from palermo.statistics.tests.factories import OrganisationFactory, victim

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter Gaborone", country="BWA", kind="ngo")


@pytest.fixture
def records(worker: User) -> list[Person]:
    """Victims of 2024 (four) and 2023 (one) in Botswana, and a convicted suspect of 2024."""
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


def figure(**cell: Any) -> Value:
    """Botswana's derived figure of victims detected in 2024 for a cell (`cells={dim: code}`)."""
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


def test_coordinator_derives_the_year_from_case_records(
    records: list[Person], coordinator: User
) -> None:
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
    records: list[Person], coordinator: User, worker: User
) -> None:
    dv.derivation_run(actor=coordinator, dataset="tip-annual", country="BWA", period="2024")
    victim(worker, D(2024, 9, 1))
    dv.derivation_run(actor=coordinator, dataset="tip-annual", country="BWA", period="2024")
    assert figure().value == 5
    s.values_submit(actor=coordinator, dataset="tip-annual", country="BWA", period="2024")
    with pytest.raises(ApplicationError, match="already submitted"):
        dv.derivation_run(actor=coordinator, dataset="tip-annual", country="BWA", period="2024")


def test_only_the_country_coordinator_derives(
    records: list[Person], other_coordinator: User, stats_analyst: User, worker: User
) -> None:
    for user in (other_coordinator, stats_analyst, worker):
        with pytest.raises(ForbiddenError):
            dv.derivation_run(actor=user, dataset="tip-annual", country="BWA", period="2024")


def test_trace_to_pseudonyms_is_for_the_coordinator_and_audited(
    records: list[Person], coordinator: User, other_coordinator: User, stats_analyst: User
) -> None:
    dv.derivation_run(actor=coordinator, dataset="tip-annual", country="BWA", period="2024")
    cell = figure(cells={"citizenship": "ZWE"})
    trace = dv.derivation_trace(actor=coordinator, figure=cell, reason="check the 2024 return")
    assert sorted(trace.pseudonyms) == sorted(p.pseudonym for p in records[:3])
    assert not trace.changed
    entry = AuditEntry.objects.latest("sequence")
    assert entry.action == "read" and entry.reason == "check the 2024 return"
    assert entry.after is not None and sorted(entry.after["persons"]) == sorted(trace.pseudonyms)
    for user in (other_coordinator, stats_analyst, None):
        with pytest.raises(ForbiddenError):
            dv.derivation_trace(actor=user, figure=cell, reason="curious")
    with pytest.raises(ApplicationError, match="reason"):
        dv.derivation_trace(actor=coordinator, figure=cell, reason=" ")


def test_route_flows_from_case_movements(
    records: list[Person], coordinator: User, stats_analyst: User, worker: User
) -> None:
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
    records: list[Person],
    make_user: Callable[..., User],
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    nam = make_user("case_worker", org="Shelter Windhoek", country="NAM", kind="ngo")
    victim(nam, D(2024, 2, 1), gender="Masculine", age=12)
    from palermo.statistics.periods import parse_period

    # The grouped query, the code lists and (whole years: the counts per organisation and year)
    # the organisations' countries.
    with django_assert_max_num_queries(4):
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
    years = [parse_period("2023"), parse_period("2024")]
    with django_assert_max_num_queries(4):  # several years in one grouped query too
        tables = dv.country_tables("victims_detected", years, ["sex", "age_group"])
    assert tables == {
        ("BWA", "2023", "F", "Y_GE18"): 1,
        **{(country, "2024", *codes): n for (country, *codes), n in table.items()},
    }
    # Months (not whole years): the counts per month, grouped by country in the database.
    with django_assert_max_num_queries(3):
        half = dv.country_table("victims_detected", parse_period("2024-01/2024-06"), ["sex"])
    assert half == {("BWA", "F"): 2, ("BWA", "M"): 2, ("NAM", "M"): 1}


# --- cooperation requests -----------------------------------------------------------------------


@pytest.fixture
def cooperation_requests(
    make_user: Callable[..., User], client: Client
) -> tuple[list[Request], Request]:
    """Botswana's requests on this node, and others that must not be counted for it:
    returns (the requests BWA sent this year, the request BWA received, this year)."""
    from palermo.cooperation import services as co
    from palermo.cooperation.tests.helpers import _draft, _receive, make_peer
    from palermo.core.models import Country

    bravo = make_peer("bravo")
    bravo.country = Country.objects.get(iso3="ZAF")
    bravo.save()
    saps = OrganisationFactory.create(name="South African Police Service", country_id="ZAF")
    bwa = make_user("investigator", org="Botswana Police Service", country="BWA")
    nam = make_user("investigator", org="Namibian Police", country="NAM")
    year = timezone.localdate().year

    def sent(user: User, on: dt.datetime, **kw: Any) -> Request:
        request = _draft(user, bravo, saps, **kw)
        return co.request_send(actor=user, request=request, now=on)

    counted = [
        sent(bwa, noon(year, 1, 2)),
        sent(bwa, noon(year, 1, 3), type="extradition"),
    ]
    withdrawn = sent(bwa, noon(year, 1, 4))
    counted.append(co.request_withdraw(actor=bwa, request=withdrawn))  # withdrawn, but was sent
    sent(bwa, noon(year - 1, 12, 30))  # the year before
    _draft(bwa, bravo, saps)  # a draft: never sent
    sent(nam, noon(year, 1, 2))  # Namibia's
    received = _receive(
        client,
        id="6d7c6f3e-1f0e-4b7a-9a55-3c1d2f1a0b02",
        requested_country="BWA",
        requested_authority={"name": "Botswana Police Service"},
    )
    _receive(  # made to Namibia
        client,
        id="6d7c6f3e-1f0e-4b7a-9a55-3c1d2f1a0b03",
        requester_reference="EXTRADITION-2026-AAAA0002",
        requested_country="NAM",
        requested_authority={"name": "Namibian Police"},
    )
    return counted, received


def noon(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 12, tzinfo=dt.UTC)


def total(indicator: str, period: str) -> Value:
    """Botswana's total of an indicator for a period."""
    return Value.objects.get(
        indicator__code=indicator,
        country_id="BWA",
        period=period,
        sex="_T",
        age_group="_T",
        exploitation="_T",
        citizenship="_T",
        country_of_exploitation="_T",
        country_of_repatriation="_T",
    )


def test_cooperation_requests_are_counted_from_the_countrys_requests(
    cooperation_requests: tuple[list[Request], Request], coordinator: User, other_coordinator: User
) -> None:
    counted, received = cooperation_requests
    year = str(timezone.localdate().year)
    derivation = dv.derivation_run(
        actor=coordinator, dataset="tip-annual", country="BWA", period=year
    )
    sent = total("cooperation_requests_sent", year)
    assert sent.value == len(counted) == 3  # drafts, other years and other countries left out
    assert sent.origin == "derived" and sent.status == "draft"
    assert sent.derivation_id == derivation.pk
    assert total("cooperation_requests_received", year).value == 1
    # Totals only: a request carries none of the statistics dimensions.
    assert (
        Value.objects.filter(
            indicator__code__startswith="cooperation_requests", country_id="BWA"
        ).count()
        == 2
    )
    assert derivation.persons == 0  # requests are not persons
    entry = AuditEntry.objects.filter(object_type=DERIVATION.name).latest("sequence")
    assert entry.after is not None and entry.after["requests"] == 4
    assert "cooperation_requests_sent" in entry.after["indicators"]
    # The year before: the one request sent then, nothing received.
    dv.derivation_run(
        actor=coordinator, dataset="tip-annual", country="BWA", period=str(int(year) - 1)
    )
    assert total("cooperation_requests_sent", str(int(year) - 1)).value == 1
    assert total("cooperation_requests_received", str(int(year) - 1)).value == 0
    # Namibia's own derivation counts Namibia's requests only.
    dv.derivation_run(actor=other_coordinator, dataset="tip-annual", country="NAM", period=year)
    nam = Value.objects.filter(
        indicator__code__startswith="cooperation_requests", country_id="NAM", period=year
    )
    assert dict(nam.values_list("indicator__code", "value")) == {
        "cooperation_requests_sent": 1,
        "cooperation_requests_received": 1,
    }
    assert received.requested_country_id == "BWA"


def test_trace_lists_exactly_the_counted_requests_and_is_audited(
    cooperation_requests: tuple[list[Request], Request],
    coordinator: User,
    other_coordinator: User,
    stats_analyst: User,
) -> None:
    counted, received = cooperation_requests
    year = str(timezone.localdate().year)
    dv.derivation_run(actor=coordinator, dataset="tip-annual", country="BWA", period=year)
    figure_sent = total("cooperation_requests_sent", year)
    trace = dv.derivation_trace(actor=coordinator, figure=figure_sent, reason="annual report")
    assert trace.requests == sorted(r.requester_reference for r in counted)
    assert trace.pseudonyms == [] and not trace.changed
    entry = AuditEntry.objects.latest("sequence")
    assert entry.action == "read" and entry.object_id == str(figure_sent.pk)
    assert entry.reason == "annual report" and entry.after == {"requests": trace.requests}
    in_trace = dv.derivation_trace(
        actor=coordinator, figure=total("cooperation_requests_received", year), reason="check"
    )
    assert in_trace.requests == [received.requested_reference]
    assert received.requested_reference.startswith("IN-")
    for user in (other_coordinator, stats_analyst, None):
        with pytest.raises(ForbiddenError):
            dv.derivation_trace(actor=user, figure=figure_sent, reason="curious")


@pytest.mark.usefixtures("records")
def test_a_derivation_reports_its_progress_indicator_by_indicator(coordinator: User) -> None:
    """What `palermo stats derive` draws as a progress bar."""
    reports: list[tuple[int, int]] = []
    dv.derivation_run(
        actor=coordinator,
        dataset="tip-annual",
        country="BWA",
        period="2024",
        progress=lambda done, total: reports.append((done, total)),
    )
    total = reports[0][1]
    assert total > 1
    assert reports == [(n, total) for n in range(total + 1)]
