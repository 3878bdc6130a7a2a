"""Issue 11, D7 and D9: every list pages within bounds (a huge, negative or non-numeric page is
a 4xx, never a 500), every error the API answers is JSON in one shape and documented, the
OpenAPI schema names each schema once, and Swagger UI comes from vendored files."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from palermo.api import api
from palermo.cases.schemas import CaseCommentIn, CaseDeadlineOut, IndicatorListOut
from palermo.cases.tests.factories import CaseFactory, PersonFactory
from palermo.core.api_errors import is_error_shape, message_without_value, validation_detail
from palermo.core.choices import Role
from palermo.core.models import User
from palermo.intake.models import Hotline
from palermo.registry.schemas import PartiesOut
from palermo.statistics.schemas import ValueCommentIn

pytestmark = pytest.mark.django_db
HUGE = "9223372036854775807"
CANARY = "Canary Zqxwv"


@pytest.fixture
def users(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "case_worker": make_user(Role.CASE_WORKER, org="Shelter", kind="ngo"),
        "investigator": make_user(Role.INVESTIGATOR, org="Police", country="BWA"),
        "administrator": make_user(Role.ADMINISTRATOR, org="Node IT"),
    }


def _schema() -> dict[str, Any]:
    return dict(api.get_openapi_schema())


def _paged_lists() -> list[str]:
    """Every GET of the API with a `page` parameter and no path parameter."""
    out = []
    for path, methods in _schema()["paths"].items():
        op = methods.get("get")
        if op and "{" not in path:
            names = {p["name"] for p in op.get("parameters", [])}
            if "page" in names:
                out.append(path)
    return out


def _assert_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    assert is_error_shape(response.content), response.content
    body: dict[str, Any] = response.json()
    return body


def test_every_paged_api_list_refuses_pages_out_of_bounds(
    users: dict[str, User], client: Client, bearer: Callable[[User], dict[str, Any]]
) -> None:
    lists = _paged_lists()
    assert {
        "/api/v1/cases/",
        "/api/v1/audit",
        "/api/v1/cases/referrals/inbox",
        "/api/v1/cases/referrals/outbox",
        "/api/v1/cooperation/requests",
    } <= set(lists)
    tokens = {role: bearer(user) for role, user in users.items()}
    # The hotline's queue is read by its operators: the case worker's organisation is one.
    operators = users["case_worker"].organisation
    assert operators is not None
    Hotline.objects.create(organisation=operators, name="Hotline")
    for path in lists:
        # The first role that may read the list (the registry's are public).
        headers = next(
            (h for h in tokens.values() if client.get(path, **h).status_code == 200), None
        )
        assert headers is not None, path
        for query in (
            "page=" + HUGE,
            "page=-1",
            "page=0",
            "page=abc",
            "page_size=" + HUGE + "000",
            "page_size=0",
        ):
            body = _assert_error(client.get(path + "?" + query, **headers), 422)
            assert body["code"] == "invalid_input", (path, query)
        past = client.get(path + "?page=1000000&page_size=500", **headers)
        assert past.status_code == 200, (path, past.content[:200])
        assert past.json()["items"] == []


def test_pages_show_the_first_or_last_page_for_any_page_number(
    users: dict[str, User], client: Client
) -> None:
    worker = users["case_worker"]
    CaseFactory.create(actor=worker, title="t")
    client.force_login(worker)
    for value in (HUGE, HUGE + "99", "-1", "0", "abc", "1e9", "２"):
        response = client.get("/cases/", {"page": value})
        assert response.status_code == 200, value
    client.force_login(users["investigator"])
    for url in ("/cooperation/", "/cooperation/outbox/"):
        for value in (HUGE, "-5", "x"):
            assert client.get(url, {"page": value}).status_code == 200, (url, value)


def test_unknown_routes_and_methods_answer_the_error_shape(
    users: dict[str, User], client: Client, bearer: Callable[[User], dict[str, Any]]
) -> None:
    headers = bearer(users["case_worker"])
    assert _assert_error(client.get("/api/v1/no-such-thing", **headers), 404)["code"] == (
        "not_found"
    )
    assert _assert_error(client.get("/api/v2/", **headers), 404)["code"] == "not_found"
    body = _assert_error(client.delete("/api/v1/me", **headers), 405)
    assert body["code"] == "method_not_allowed"
    assert _assert_error(client.get("/api/v1/cases/"), 401)["code"] == "not_authenticated"


def test_an_overlong_address_answers_414_in_the_error_shape(
    users: dict[str, User], client: Client, bearer: Callable[[User], dict[str, Any]]
) -> None:
    """gunicorn answered an HTML 414 the schema did not declare (found by the contract run)."""
    headers = bearer(users["case_worker"])
    long_query = "&".join(["page_size=" + CANARY.replace(" ", "+")] * 400)
    body = _assert_error(client.get("/api/v1/cases/referrals/outbox?" + long_query, **headers), 414)
    assert body["code"] == "uri_too_long"
    assert CANARY not in body["detail"]
    assert client.get("/api/v1/cases/referrals/outbox?page_size=5", **headers).status_code == 200
    documented = _schema()["paths"]["/api/v1/cases/referrals/outbox"]["get"]["responses"]
    assert "414" in documented


def test_validation_errors_name_the_field_and_never_echo_the_value(
    users: dict[str, User], client: Client, bearer: Callable[[User], dict[str, Any]]
) -> None:
    worker = users["case_worker"]
    headers = bearer(worker)
    case = CaseFactory.create(actor=worker, title="t")
    person = PersonFactory.create(actor=worker, case=case)
    response = client.post(
        "/api/v1/cases/",
        {"incoming_referral_date": CANARY, "title": "x"},
        content_type="application/json",
        **headers,
    )
    body = _assert_error(response, 422)
    assert "incoming_referral_date" in body["detail"] and CANARY not in body["detail"]
    # D10: a PATCH body that is not an object is refused in the shape.
    for raw in ("[]", '"x"', "42", "null", "{"):
        response = client.patch(
            "/api/v1/cases/persons/{}".format(person.pseudonym),
            raw,
            content_type="application/json",
            **headers,
        )
        assert response.status_code in (400, 422), raw
        _assert_error(response, response.status_code)
    # A domain error names the field, not the value (`Unknown country code 'Maria Gonzalez'`).
    response = client.put(
        "/api/v1/cases/persons/{}/identity".format(person.pseudonym),
        {"mailing_country": CANARY},
        content_type="application/json",
        **headers,
    )
    body = _assert_error(response, 400)
    assert body["code"] == "unknown_country" and "mailing_country" in body["detail"]
    assert CANARY not in body["detail"]


def test_schema_names_are_unique_and_bodies_documented_right() -> None:
    schema = _schema()
    components = schema["components"]["schemas"]

    def ref_of(path: str, method: str, status: str | None = None) -> dict[str, Any]:
        op = schema["paths"][path][method]
        if status is None:
            node = op["requestBody"]["content"]["application/json"]["schema"]
        else:
            node = op["responses"][status]["content"]["application/json"]["schema"]
        if node.get("type") == "array":
            node = node["items"]
        name = node["$ref"].rsplit("/", 1)[1]
        found: dict[str, Any] = components[name]
        return found

    def fields(model: Any) -> set[str]:
        return set(model.model_fields)

    assert set(ref_of("/api/v1/cases/{case_id}/comments", "post")["properties"]) == fields(
        CaseCommentIn
    )
    value_comment = ref_of("/api/v1/statistics/values/{value_id}/comment", "post")
    assert set(value_comment["properties"]) == fields(ValueCommentIn)
    deadlines = ref_of("/api/v1/cases/deadlines", "get", "200")
    assert set(deadlines["properties"]) == fields(CaseDeadlineOut)
    lists = ref_of("/api/v1/cases/indicator-lists", "get", "200")
    assert set(lists["properties"]) == fields(IndicatorListOut)
    parties = ref_of("/api/v1/registry/parties", "get", "200")
    assert set(parties["properties"]) == fields(PartiesOut)
    for old in ("CommentIn", "ShareIn", "ConsentOut", "DeadlineOut", "IndicatorOut"):
        assert old not in components


def test_every_operation_documents_its_errors_with_the_one_shape() -> None:
    schema = _schema()
    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) == {"detail", "code"}
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            for status in ("400", "401", "403", "404", "422", "429"):
                assert status in op["responses"], (method, path, status)
                content = op["responses"][status]["content"]["application/json"]["schema"]
                ref = content.get("$ref", "")
                assert ref.endswith(("/ErrorOut", "/CellErrorsOut")), (method, path, status)


def test_the_api_answers_what_its_schema_declares(
    users: dict[str, User], client: Client, bearer: Callable[[User], dict[str, Any]]
) -> None:
    """The three answers D9 found not matching their schemas, validated against it."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = _schema()
    worker = users["case_worker"]
    headers = bearer(worker)
    for path in (
        "/api/v1/cases/deadlines",
        "/api/v1/cases/indicator-lists",
        "/api/v1/registry/parties?instrument=untoc",
    ):
        response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.content[:200])
        declared = schema["paths"][path.split("?")[0]]["get"]["responses"]["200"]
        body_schema = declared["content"]["application/json"]["schema"]
        resolver_schema = {"components": schema["components"], **body_schema}
        jsonschema.validate(response.json(), resolver_schema)


def test_swagger_ui_is_served_from_vendored_files_without_inline_script(client: Client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/core/vendor/swagger-ui-bundle.js" in html
    assert "/static/core/vendor/swagger-ui.css" in html
    assert "cdn" not in html.lower() and "https://" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "script-src" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_validation_messages_that_quote_the_value_are_replaced() -> None:
    detail = validation_detail(
        [
            {"loc": ("body", "payload", "country"), "type": "value_error", "msg": "bad X"},
            {
                "loc": ("query", "q"),
                "type": "string_too_long",
                "msg": "String should have at most 3 characters, not " + CANARY,
                "input": CANARY,
            },
            {"loc": ("query", "page"), "type": "int_parsing", "msg": "Input should be int"},
        ]
    )
    assert detail == "country: invalid value; q: invalid value; page: Input should be int"


def test_django_validation_messages_leave_the_value_out() -> None:
    """A model field's message quotes the value (`Value %(value)r is not a valid choice.`)."""
    error = ValidationError(
        "Value %(value)r is not a valid choice.", code="invalid_choice", params={"value": CANARY}
    )
    assert CANARY not in message_without_value(error)
    assert message_without_value(ValidationError("Plain.")) == "Plain."
