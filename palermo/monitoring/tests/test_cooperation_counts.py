"""What Palermo counts of cooperation for monitoring: requests a State sent or received in the
year before a round's date (pre-filled answers), and the share answered within a number of
days (a plan's indicator); persons assisted below the suppression threshold are not shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from palermo.cooperation.choices import Direction, RequestStatus, RequestType
from palermo.cooperation.models import Request
from palermo.core.choices import Role
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.monitoring.metrics import Scope, measure, metric_check
from palermo.monitoring.prefill import Prefiller, prefill_check
from palermo.monitoring.xlsform import FormPlan, QuestionPlan

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _request(
    user: User, sent: dt.datetime, done_days: int | None, type_: str = RequestType.MLA, **kw: str
) -> Request:
    return Request.objects.create(
        direction=Direction.OUTGOING,
        type=type_,
        subject="Records",
        status=RequestStatus.SENT if done_days is None else RequestStatus.EXECUTED,
        created_by=user,
        sent_at=sent,
        completed_at=None if done_days is None else sent + dt.timedelta(days=done_days),
        **kw,
    )


@pytest.fixture
def requests(make_user: Callable[..., User]) -> None:
    user = make_user(Role.INVESTIGATOR, org="Police", country="THA")
    day = dt.datetime(2009, 6, 1, 9, tzinfo=UTC)
    _request(user, day, 30, requesting_country_id="THA", requested_country_id="KHM")
    _request(user, day, 120, requesting_country_id="THA", requested_country_id="KHM")
    _request(user, day, None, requesting_country_id="VNM", requested_country_id="KHM")
    _request(
        user, day, 10, requesting_country_id="THA", requested_country_id="KHM",
        type_=RequestType.EXTRADITION,
    )  # fmt: skip
    _request(user, dt.datetime(2007, 1, 1, tzinfo=UTC), 5, requesting_country_id="THA",
             requested_country_id="KHM")  # fmt: skip


def test_requests_sent_and_received_are_pre_filled(requests: None) -> None:
    prefiller = Prefiller(dt.date(2010, 3, 29))
    sent = prefiller.requests("requests_sent", "THA")
    assert sent.value == 3  # the 2007 one is more than a year before
    assert sent.source.startswith("Cooperation: 3 requests sent on this node, 2009-03-30 to")
    assert prefiller.requests("requests_received:mla", "KHM").value == 3
    assert prefiller.requests("requests_received", "THA").value == 0
    plan = FormPlan(
        "t", "t", "en", ["en"], [QuestionPlan("n", "text", None, prefill="requests_sent")], [], []
    )
    with pytest.raises(ApplicationError, match="is for a whole number"):
        prefill_check(plan)
    plan.questions[0] = QuestionPlan("n", "integer", None, prefill="requests_sent:visa")
    with pytest.raises(ApplicationError, match="the type is one of"):
        prefill_check(plan)


def test_the_share_answered_within_days(requests: None) -> None:
    khm = Scope(country="KHM")
    got = measure(
        "requests_answered_within:90:mla", khm, dt.date(2009, 1, 1), dt.date(2009, 12, 31)
    )
    assert (got.value, got.detail) == (
        Decimal("33.3"),
        "Cooperation: 1 of 3 requests completed within 90 days",
    )
    all_types = measure(
        "requests_answered_within:90", khm, dt.date(2009, 1, 1), dt.date(2009, 12, 31)
    )
    assert all_types.value == Decimal("50.0")
    none = measure("requests_answered_within:90", khm, dt.date(2011, 1, 1), dt.date(2011, 12, 31))
    assert none.value is None
    with pytest.raises(ApplicationError, match="whole number"):
        metric_check("requests_answered_within:ninety")


def test_persons_assisted_below_the_threshold_are_not_shown() -> None:
    got = measure(
        "victims_assisted", Scope(country="THA"), dt.date(2009, 1, 1), dt.date(2009, 12, 31)
    )
    assert (got.value, got.suppressed) == (None, True)
    assert got.detail == "Cases: fewer than 5 persons assisted (not shown)"
