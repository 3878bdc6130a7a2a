"""Core API: bearer tokens, sessions, roles on every endpoint, health check."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from palermo.core.choices import Role
from palermo.core.models import ApiToken, AuditEntry, Organisation, User
from palermo.core.tests.factories import UserFactory, bearer_headers

pytestmark = pytest.mark.django_db


def test_healthz_answers_with_the_database(client: Client) -> None:
    res = client.get("/healthz")
    assert res.status_code == 200 and res.json()["status"] == "ok"


def test_me_needs_authentication(client: Client, analyst: User) -> None:
    res = client.get("/api/v1/me")
    assert res.status_code == 401 and res.json() == {
        "detail": "Authentication required: log in or send a bearer token.",
        "code": "not_authenticated",
    }
    res = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer plm_wrong")
    assert res.status_code == 401
    res = client.get("/api/v1/me", **bearer_headers(analyst))
    assert res.status_code == 200 and res.json()["role"] == "analyst"
    client.force_login(analyst)
    assert client.get("/api/v1/me").json()["username"] == analyst.username


def test_revoked_token_and_inactive_user_are_refused(client: Client, analyst: User) -> None:
    headers = bearer_headers(analyst)
    ApiToken.objects.filter(user=analyst).update(revoked_at=timezone.now())
    assert client.get("/api/v1/me", **headers).status_code == 401
    headers = bearer_headers(analyst)
    User.objects.filter(pk=analyst.pk).update(is_active=False)
    assert client.get("/api/v1/me", **headers).status_code == 401


@pytest.mark.parametrize(
    "role",
    [
        Role.CASE_WORKER,
        Role.INVESTIGATOR,
        Role.NATIONAL_COORDINATOR,
        Role.ANALYST,
        Role.REGISTRY_EDITOR,
    ],
)
def test_administration_endpoints_refuse_other_roles(client: Client, role: Role) -> None:
    user = UserFactory.create(role=role)
    assert user.organisation is not None
    headers = bearer_headers(user)
    for method, path, body in [
        ("get", "/api/v1/organisations", None),
        ("post", "/api/v1/organisations", {"name": "X", "kind": "ngo"}),
        (
            "post",
            "/api/v1/users",
            {"username": "x", "organisation": user.organisation.name, "role": "analyst"},
        ),
        ("get", "/api/v1/audit", None),
        ("get", "/api/v1/audit/verify", None),
    ]:
        res = (
            getattr(client, method)(path, body, content_type="application/json", **headers)
            if body
            else getattr(client, method)(path, **headers)
        )
        assert res.status_code == 403, (path, res.content)
        assert res.json()["code"] == "forbidden"
    assert not Organisation.objects.filter(name="X").exists()
    assert not User.objects.filter(username="x").exists()


def test_administrator_creates_organisations_and_users_and_reads_the_audit(
    client: Client, admin_user: User
) -> None:
    headers = bearer_headers(admin_user)
    res = client.post(
        "/api/v1/organisations",
        {"name": "Shelter", "kind": "service_provider", "country": "BWA"},
        content_type="application/json",
        **headers,
    )
    assert res.status_code == 201 and res.json()["country"] == "BWA"
    res = client.post(
        "/api/v1/users",
        {"username": "sw1", "organisation": "Shelter", "role": "case_worker"},
        content_type="application/json",
        **headers,
    )
    assert res.status_code == 201 and len(res.json()["generated_password"]) >= 16
    audit = client.get("/api/v1/audit", {"object_type": "core.user"}, **headers).json()
    assert audit["items"][0]["after"]["username"] == "sw1"
    assert audit["items"][0]["actor"] == admin_user.username
    assert client.get("/api/v1/audit/verify", **headers).json()["ok"] is True
    res = client.post(
        "/api/v1/organisations",
        {"name": "Bad", "kind": "club"},
        content_type="application/json",
        **headers,
    )
    assert res.status_code == 400 and res.json()["code"] == "unknown_kind"
    assert (
        AuditEntry.objects.filter(object_type="core.organisation", after__name="Shelter").count()
        == 1
    )


def test_session_writes_need_csrf(analyst: User) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(analyst)
    res = strict.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert res.status_code in (401, 403)
    assert not ApiToken.objects.filter(user=analyst).exists()


def test_user_issues_own_token(client: Client, analyst: User) -> None:
    client.force_login(analyst)  # a session: a token cannot issue tokens (test_tokens.py)
    res = client.post("/api/v1/tokens", {"name": "laptop"}, content_type="application/json")
    client.logout()
    assert res.status_code == 201
    token = res.json()["token"]
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer " + token).status_code == 200
