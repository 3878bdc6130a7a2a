"""The statistics API: who reads what, entry with cell-level errors, files, publications."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from palermo.core.models import User
from palermo.statistics import services as s
from palermo.statistics.models import Value
from palermo.statistics.tests.factories import GOOD, colleague, enter

pytestmark = pytest.mark.django_db
BASE = "/api/v1/statistics"
SCOPE = {"dataset": "tip-annual", "country": "BWA", "period": "2023"}


def post(client: Client, path: str, body: dict[str, Any], headers: dict[str, Any]) -> Any:
    """POST a JSON body to the statistics API."""
    return client.post(
        BASE + path, data=json.dumps(body), content_type="application/json", **headers
    )


def test_definitions_are_public(client: Client) -> None:
    datasets = client.get(BASE + "/datasets").json()
    assert {"tip-annual", "tip-quarterly", "glotip", "ctdc", "survey-2005"} <= {
        d["code"] for d in datasets
    }
    detail = client.get(BASE + "/datasets/tip-annual").json()
    assert "victims_detected" in detail["indicators"]
    assert any(r["code"] == "disaggregations-sum-to-total" for r in detail["rule_definitions"])
    assert client.get(BASE + "/indicators").status_code == 200
    assert any(d["code"] == "sex" for d in client.get(BASE + "/dimensions").json())
    assert client.get(BASE + "/datasets/nope").json()["code"] == "not_found"


def test_values_filter_by_country_indicator_period_and_disaggregation(client: Client) -> None:
    r = client.get(
        BASE + "/values",
        {"country": "UKR", "indicator": "investigations_initiated", "period": "2001"},
    )
    assert r.status_code == 200
    (item,) = r.json()["items"]
    assert item["value"] == 90 and item["source"] == "E/CN.15/2005/7, para. 21"
    r = client.get(
        BASE + "/values", {"country": "UKR", "indicator": "victims_returned", "age_group": "Y0T17"}
    )
    assert [i["value"] for i in r.json()["items"]] == [40]
    r = client.get(
        BASE + "/values", {"country": "UKR", "indicator": "victims_returned", "age_group": "_T"}
    )
    assert [i["value"] for i in r.json()["items"]] == [377]


def test_who_sees_which_figures(
    client: Client,
    bearer: Callable[[User], dict[str, Any]],
    coordinator: User,
    other_coordinator: User,
    stats_analyst: User,
    make_user: Callable[..., User],
) -> None:
    enter(coordinator, GOOD)
    private = Value.objects.filter(country_id="BWA")[0]
    mine = client.get(BASE + "/values", {"country": "BWA"}, **bearer(coordinator)).json()
    assert mine["count"] == len(GOOD)
    for user in (
        other_coordinator,
        stats_analyst,
        make_user("case_worker"),
        make_user("administrator"),
    ):
        seen = client.get(BASE + "/values", {"country": "BWA"}, **bearer(user)).json()
        assert seen["count"] == 0
        assert client.get(BASE + "/values/{}".format(private.pk), **bearer(user)).status_code == 404
        export = client.get(
            BASE + "/values/export", {"country": "BWA", "format": "csv"}, **bearer(user)
        )
        assert len(list(csv.DictReader(io.StringIO(export.content.decode())))) == 0
    assert client.get(BASE + "/values", {"country": "BWA"}).json()["count"] == 0
    assert client.get(BASE + "/values/{}".format(private.pk)).status_code == 404
    export = client.get(
        BASE + "/values/export", {"country": "BWA", "format": "sdmx-csv"}, **bearer(coordinator)
    )
    assert export.status_code == 200 and "no-store" in export["Cache-Control"]
    assert export.content.decode().count("PALERMO:TIP_ANNUAL") == len(GOOD)


def test_entry_errors_are_cell_level(
    client: Client, bearer: Callable[[User], dict[str, Any]], coordinator: User, stats_analyst: User
) -> None:
    body = {
        **SCOPE,
        "cells": [
            {"cell": "victims_detected", "value": 5},
            {"cell": "victims_detected:sex=Z", "value": 1},
        ],
    }
    r = post(client, "/values", body, bearer(coordinator))
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_cells"
    assert r.json()["errors"] == [
        {
            "cell": "victims_detected:sex=Z",
            "message": "'Z' is not a code of sex",
            "severity": "error",
        }
    ]
    assert not Value.objects.filter(country_id="BWA").exists()
    assert post(client, "/values", body, bearer(stats_analyst)).status_code == 403
    assert post(client, "/values", body, {}).status_code == 401


def test_entry_check_comment_submit_validate(
    client: Client, bearer: Callable[[User], dict[str, Any]], coordinator: User
) -> None:
    h = bearer(coordinator)
    cells = [
        {"cell": "persons_prosecuted", "value": 3},
        {"cell": "persons_convicted", "value": "4"},
    ]
    assert post(client, "/values", {**SCOPE, "cells": cells}, h).status_code == 200
    check = post(client, "/values/check", SCOPE, h).json()
    assert (check["errors"], check["warnings"], check["unexplained"]) == (0, 1, 1)
    r = post(client, "/values/submit", SCOPE, h)
    assert r.status_code == 400 and r.json()["errors"][0]["cell"] == "persons_convicted"
    value_id = check["issues"][0]["value_id"]
    r = post(client, "/values/{}/comment".format(value_id), {"comment": "Cohort of 2022."}, h)
    assert r.json()["comment"] == "Cohort of 2022."
    assert post(client, "/values/submit", SCOPE, h).status_code == 200
    r = post(client, "/values/validate", SCOPE, h)  # the submitter: separation of duties
    assert r.status_code == 403 and r.json()["code"] == "separation_of_duties"
    assert "cannot validate" in r.json()["detail"]
    other = bearer(colleague(coordinator))
    assert post(client, "/values/validate", SCOPE, other).json() == {"figures": 2}
    assert post(client, "/values/return", {**SCOPE, "reason": "court correction"}, h).json() == {
        "figures": 2
    }


def test_template_download_and_upload(
    client: Client,
    bearer: Callable[[User], dict[str, Any]],
    coordinator: User,
    other_coordinator: User,
) -> None:
    r = client.get(
        BASE + "/datasets/tip-annual/template",
        {"country": "BWA", "period": "2023"},
        **bearer(coordinator),
    )
    assert r.status_code == 200 and r["Content-Disposition"].endswith('tip-annual-BWA-2023.csv"')
    rows = list(csv.DictReader(io.StringIO(r.content.decode())))
    for row in rows:
        row["value"] = (
            "7"
            if row["indicator"] == "victims_detected"
            and row["sex"] == "_T"
            and row["exploitation"] == "_T"
            and row["citizenship"] == "_T"
            and row["country_of_exploitation"] == "_T"
            else ""
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = SimpleUploadedFile("filled.csv", out.getvalue().encode(), content_type="text/csv")
    r = client.post(BASE + "/upload", {"file": upload, "format": "csv"}, **bearer(coordinator))
    assert r.status_code == 200, r.content
    assert r.json()["figures"] == 1
    assert Value.objects.get(country_id="BWA").value == 7
    assert (
        client.get(
            BASE + "/datasets/tip-annual/template",
            {"country": "BWA", "period": "2023"},
            **bearer(other_coordinator),
        ).status_code
        == 403
    )
    bad = SimpleUploadedFile(
        "bad.csv",
        b"dataset,country,period,indicator,sex,value\ntip-annual,BWA,2023,victims_detected,Q,1\n",
    )
    r = client.post(BASE + "/upload", {"file": bad, "format": "csv"}, **bearer(coordinator))
    assert r.status_code == 400 and r.json()["detail"].startswith(
        "bad.csv: line 2: victims_detected:sex=Q"
    )


def test_publications_are_public_and_analysts_see_only_them(
    client: Client, bearer: Callable[[User], dict[str, Any]], coordinator: User, stats_analyst: User
) -> None:
    enter(
        coordinator,
        {"victims_detected": 30, "victims_detected:sex=F": 27, "victims_detected:sex=M": 3},
    )
    s.values_submit(actor=coordinator, **SCOPE)
    s.values_validate(actor=colleague(coordinator), **SCOPE)
    body = {
        "dataset": "tip-annual",
        "indicator": "victims_detected",
        "period": "2023",
        "dimensions": ["sex"],
        "countries": ["BWA"],
    }
    r = post(client, "/publications", body, bearer(stats_analyst))
    assert r.status_code == 400  # validated, not released: only BWA's coordinator publishes it
    assert "released for publication" in r.json()["detail"]
    r = post(client, "/publications", body, bearer(coordinator))
    assert r.status_code == 201
    pub = r.json()
    cells = {tuple(c["key"]): c for c in pub["cells"]}
    assert cells[("M",)]["value"] is None and cells[("M",)]["flag"] == "primary"
    assert cells[("F",)]["value"] is None  # else M = total - F
    # Anyone reads it, with its method.
    r = client.get(BASE + "/publications/{}".format(pub["key"]))
    assert r.json()["parameters"]["threshold"] == 5 and r.json()["method"] == "suppression"
    exported = client.get(
        BASE + "/publications/{}/export".format(pub["key"]), {"format": "csv"}
    ).content.decode()
    assert "suppression" in exported and ",3," not in exported
    # The analyst still sees none of the country's figures themselves.
    assert (
        client.get(BASE + "/values", {"country": "BWA"}, **bearer(stats_analyst)).json()["count"]
        == 0
    )
    assert client.get(BASE + "/publications").json()["count"] == 1


def test_flows_completeness_budget_and_openapi(
    client: Client, bearer: Callable[[User], dict[str, Any]], coordinator: User, stats_analyst: User
) -> None:
    enter(coordinator, {"victims_detected:citizenship=ZWE": 6})
    assert client.get(BASE + "/flows", {"country": "BWA"}).json() == []
    mine = client.get(BASE + "/flows", {"country": "BWA"}, **bearer(coordinator)).json()
    assert mine == [
        {"origin": "ZWE", "transit": "", "destination": "BWA", "count": 6, "display": "6"}
    ]
    assert client.get(BASE + "/flows", {"source": "cases"}).status_code == 403
    assert (
        client.get(BASE + "/flows", {"source": "cases"}, **bearer(stats_analyst)).status_code == 200
    )
    board = client.get(BASE + "/completeness").json()
    assert board["cells"] == [
        {"country": "BWA", "period": "2023", "figures": 1, "indicators": 1, "status": "draft"}
    ]
    ledger = client.get(
        BASE + "/budget", {"dataset": "tip-annual", "country": "BWA"}, **bearer(coordinator)
    ).json()
    assert ledger["budget"] == 3.0 and ledger["left"] == 3.0 and ledger["releases"] == []
    assert (
        client.get(
            BASE + "/budget", {"dataset": "tip-annual", "country": "BWA"}, **bearer(stats_analyst)
        ).status_code
        == 403
    )
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/statistics/values" in paths and "/api/v1/statistics/publications/dp" in paths


def test_derive_trace_and_dp_release_over_the_api(
    client: Client,
    bearer: Callable[[User], dict[str, Any]],
    coordinator: User,
    other_coordinator: User,
    stats_analyst: User,
    make_user: Callable[..., User],
) -> None:
    import datetime as dt

    from palermo.cases import services as cs
    from palermo.cases.models import Case

    worker = make_user("case_worker", org="Shelter", country="BWA", kind="ngo")
    for _ in range(3):
        case = cs.case_open(actor=worker, opened_on=dt.date(2024, 2, 1), title="x")
        cs.person_add(
            actor=worker, case=case, role="victim", gender="Feminine", age_at_registration=20
        )
    h = bearer(coordinator)
    scope = {"dataset": "tip-annual", "country": "BWA", "period": "2024"}
    assert post(client, "/derivations", scope, bearer(stats_analyst)).status_code == 403
    r = post(client, "/derivations", scope, h)
    assert r.status_code == 201 and r.json()["persons"] == 3
    total = Value.objects.get(
        country_id="BWA",
        period="2024",
        indicator__code="victims_detected",
        sex="_T",
        age_group="_T",
        exploitation="_T",
        citizenship="_T",
        country_of_exploitation="_T",
    )
    r = post(client, "/values/{}/trace".format(total.pk), {"reason": "audit of the 2024 report"}, h)
    assert r.status_code == 200 and len(r.json()["pseudonyms"]) == 3
    assert all(p.startswith("P-") for p in r.json()["pseudonyms"])
    references = set(Case.objects.values_list("reference", flat=True))
    assert {c["case_reference"] for c in r.json()["cases"]} == references
    assert [c["pseudonym"] for c in r.json()["cases"]] == r.json()["pseudonyms"]
    for user in (other_coordinator, stats_analyst):  # the draft figure does not exist for them
        assert (
            post(
                client, "/values/{}/trace".format(total.pk), {"reason": "x"}, bearer(user)
            ).status_code
            == 404
        )
    body = {**scope, "indicator": "victims_detected", "dimensions": ["sex"], "epsilon": 2.0}
    r = post(client, "/publications/dp", body, h)
    assert r.status_code == 201 and r.json()["method"] == "dp"
    r = post(client, "/publications/dp", {**body, "epsilon": 1.5}, h)
    assert r.status_code == 400 and r.json()["code"] == "budget_exceeded"
    ledger = client.get(BASE + "/budget", {"dataset": "tip-annual", "country": "BWA"}, **h).json()
    assert ledger["spent"] == pytest.approx(2.0) and len(ledger["releases"]) == 1


def test_a_partial_breakdown_with_a_computed_remainder(
    client: Client, bearer: Callable[[User], dict[str, Any]], coordinator: User
) -> None:
    h = bearer(coordinator)
    cells = [
        {"cell": "victims_detected", "value": 20},
        {"cell": "victims_detected:citizenship=NGA", "value": 7},
    ]
    rest = [{"indicator": "victims_detected", "dimension": "citizenship"}]
    r = post(client, "/values", {**SCOPE, "cells": cells, "remainders": rest}, h)
    assert r.status_code == 200
    assert Value.objects.get(country_id="BWA", citizenship="_R").value == 13
    cells = [{"cell": "victims_detected:citizenship=NGA", "value": 30}]
    r = post(client, "/values", {**SCOPE, "cells": cells, "remainders": rest}, h)
    assert r.status_code == 400 and r.json()["code"] == "parts_exceed_total"
    assert "add up to 30, more than the total 20" in r.json()["detail"]
    assert Value.objects.get(country_id="BWA", citizenship="NGA").value == 7
