"""The intake API (issue 18) and the hotline statistics: the queue, a report and a call taken
down for the hotline's operators only; the statistics for anyone, small counts withheld."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from palermo.core.choices import Role
from palermo.core.models import User
from palermo.core.tests.factories import bearer_headers
from palermo.intake import services, statistics, triage
from palermo.intake.accounts import Account
from palermo.intake.models import Hotline, Report

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def hotline(make_user: Callable[..., User]) -> Hotline:
    admin = make_user(Role.ADMINISTRATOR, org="Node", country=None, username="admin")
    op = make_user(Role.CASE_WORKER, org="Hotline NGO", country="ITA", username="op1")
    assert op.organisation is not None
    return services.hotline_set(actor=admin, organisation=op.organisation, name="Hotline")


def _file(hotline: Hotline, i: int, **kw: object) -> Report:
    return services.report_file(
        hotline=hotline,
        account=Account(what="Report {}".format(i), contact=kw.pop("contact", {})),  # type: ignore[arg-type]
        reporter_role="witness",
        now=T0 + dt.timedelta(hours=i),
        **kw,  # type: ignore[arg-type]
    ).report


def test_the_operators_api(
    client: Client, hotline: Hotline, make_user: Callable[..., User]
) -> None:
    op = User.objects.get(username="op1")
    first = _file(hotline, 1, contact={"phone": "+39 2"})
    _file(hotline, 2, danger=True)
    auth = bearer_headers(op)
    rows = client.get("/api/v1/intake/reports", **auth).json()
    assert rows["count"] == 2 and rows["items"][0]["priority"] == "urgent"  # noqa: PLR2004
    assert "what" not in rows["items"][0]  # the queue shows no content
    one = client.get("/api/v1/intake/reports/{}".format(first.reference), **auth).json()
    assert one["what"] == "Report 1" and one["contact"] == {"phone": "+39 2"}
    made = client.post(
        "/api/v1/intake/reports",
        {"channel": "phone", "reporter_role": "family", "what": "My brother's passport is held."},
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201 and len(made.json()["code"]) == 19  # noqa: PLR2004
    wrong = client.post(
        "/api/v1/intake/reports",
        {"channel": "pigeon", "reporter_role": "family", "what": "x"},
        content_type="application/json",
        **auth,
    )
    assert wrong.status_code == 400 and "Choose who is reporting." in wrong.json()["detail"]  # noqa: PLR2004
    other = make_user(Role.CASE_WORKER, org="Shelter", country="ITA")
    assert client.get("/api/v1/intake/reports", **bearer_headers(other)).status_code == 404  # noqa: PLR2004
    denied = client.get(
        "/api/v1/intake/reports/{}".format(first.reference), **bearer_headers(other)
    )
    assert denied.status_code == 404  # noqa: PLR2004
    assert client.get("/api/v1/intake/reports").status_code == 401  # noqa: PLR2004


def test_the_statistics_withhold_small_counts(client: Client, hotline: Hotline) -> None:
    op = User.objects.get(username="op1")
    reports = [_file(hotline, i) for i in range(9)]
    triage.reports_bulk(
        actor=op, references=[r.reference for r in reports[:6]], action="not_trafficking"
    )
    triage.reports_bulk(actor=op, references=[reports[6].reference], action="duplicate")
    (row,) = statistics.table("outcome")
    assert row.month == "2026-11" and row.total == 9  # noqa: PLR2004
    # One duplicate and two open: below 5, withheld; and the six as well, or the total less
    # the six would tell the three (secondary suppression).
    assert row.cells["duplicate"] is None and row.cells["open"] is None
    assert row.cells["not_trafficking"] is None
    assert all(v in (None, 0) or v >= statistics.THRESHOLD for v in row.cells.values())
    body = client.get("/api/v1/intake/statistics", {"by": "channel"}).json()
    assert body == [
        {"month": "2026-11", "cells": {**{k: 0 for k in statistics.CHANNELS}, "web": 9}, "total": 9}
    ]
    page = client.get("/report/statistics/").content.decode()
    assert "2026-11" in page and 'class="suppressed"' in page
