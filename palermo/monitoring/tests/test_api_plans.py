"""/api/v1/monitoring/plans: a secretariat loads plans from a file, every logged-in user reads
their progress as of a date, a State's coordinator reports a value that a keeper approves;
wrong input answered with 400 naming the problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from palermo.core.choices import Role
from palermo.core.models import User
from palermo.monitoring.models import Plan
from palermo.monitoring.tests.plans import PLANS

API = "/api/v1/monitoring/plans"
Bearer = Callable[[User], dict[str, Any]]
JSON = "application/json"

pytestmark = pytest.mark.django_db


def _upload(client: Client, headers: dict[str, Any], text: str) -> Any:
    return client.post(
        API,
        {"file": SimpleUploadedFile("plans.yaml", text.encode(), "application/yaml")},
        **headers,
    )


def test_plans_through_the_api(
    client: Client, bearer: Bearer, secretariat: User, make_user: Callable[..., User]
) -> None:
    sec = bearer(secretariat)
    made = _upload(client, sec, PLANS)
    assert made.status_code == 201
    assert [p["key"] for p in made.json()] == ["spa-test", "khm-test"]
    worker = bearer(make_user(Role.CASE_WORKER, org="Shelter", country="KHM"))
    listed = client.get(API + "?level=national", **worker).json()
    assert [(p["key"], p["parent"], p["country"]) for p in listed] == [
        ("khm-test", "spa-test", "KHM")
    ]
    spa = client.get(API + "/spa-test?as_of=2011-01-01", **worker).json()
    periods = spa["objectives"][0]["indicators"][0]["periods"]
    assert [(p["end"], p["actual"], p["status"]) for p in periods] == [
        ("2008-12-31", 3.0, "missed"),
        ("2010-12-31", 4.0, "missed"),
    ]
    assert spa["late_activities"] == ["1.1"]
    khm = bearer(make_user(Role.NATIONAL_COORDINATOR, org="Cambodia NCC", country="KHM"))
    body = {
        "period_start": "2009-01-01",
        "period_end": "2009-12-31",
        "value": 1,
        "evidence": "Sub-decree on the national task force",
    }
    put = client.put(API + "/khm-test/indicators/1.a/values", body, content_type=JSON, **khm)
    assert (put.status_code, put.json()["status"]) == (200, "draft")
    value_id = put.json()["id"]
    submitted = client.post(f"{API}/khm-test/values/{value_id}/submit", **khm)
    assert submitted.json()["status"] == "submitted"
    refused = client.post(f"{API}/khm-test/values/{value_id}/approve", **khm)
    assert refused.status_code == 403
    approved = client.post(f"{API}/khm-test/values/{value_id}/approve", **sec)
    assert approved.json()["status"] == "approved"
    spa = client.get(API + "/spa-test?as_of=2010-01-02", **worker).json()
    rolled = spa["objectives"][0]["indicators"][1]["periods"][0]
    assert (rolled["actual"], rolled["contributions"]) == (
        1.0,
        [{"plan": "khm-test", "indicator": "1.a", "actual": 1.0}],
    )
    done = client.post(
        API + "/spa-test/activities/1.1/done", {"done_on": "2009-07-10"}, content_type=JSON, **sec
    )
    assert done.json() == {"number": "1.1", "done_on": "2009-07-10"}
    assert client.get(API + "/spa-test?as_of=2011-01-01", **worker).json()["late_activities"] == []


def test_wrong_input_is_named(client: Client, bearer: Bearer, secretariat: User) -> None:
    sec = bearer(secretariat)
    bad = _upload(client, sec, PLANS.replace("value: 4}", "value: four}"))
    assert bad.status_code == 400
    assert "plans[0] (spa-test) objectives[0] indicators[0] targets[0]" in bad.json()["detail"]
    assert not Plan.objects.exists()
    assert client.get(API + "/nothing", **sec).status_code == 404
    _upload(client, sec, PLANS)
    assert client.get(API + "/spa-test?as_of=2011-02-30", **sec).status_code == 400
    put = client.put(
        API + "/spa-test/indicators/1.a/values",
        {"period_start": "2009-01-01", "period_end": "2009-12-31", "value": 3, "evidence": "x"},
        content_type=JSON,
        **sec,
    )
    assert (put.status_code, "computed" in put.json()["detail"]) == (400, True)
    assert client.get(API).status_code == 401
    docx = client.get(API + "/spa-test/report?format=docx&lang=es", **sec)
    assert docx["Content-Disposition"] == 'attachment; filename="spa-test-es.docx"'
    assert client.get(API + "/spa-test/report?format=odt", **sec).status_code == 400
