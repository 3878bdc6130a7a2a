"""Core API: bearer tokens, sessions, roles on every endpoint, health check."""

from __future__ import annotations

import pytest
from django.test import Client

from palermo.core.models import ApiToken, AuditEntry, Organisation, User

pytestmark = pytest.mark.django_db


def test_healthz_answers_with_the_database(client) -> None:  # type: ignore[no-untyped-def]
    res = client.get("/healthz")
    assert res.status_code == 200 and res.json()["status"] == "ok"


def test_me_needs_authentication(client, analyst, bearer) -> None:  # type: ignore[no-untyped-def]
    res = client.get("/api/v1/me")
    assert res.status_code == 401 and res.json() == {
        "detail": "Authentication required: log in or send a bearer token.",
        "code": "not_authenticated",
    }
    res = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer plm_wrong")
    assert res.status_code == 401
    res = client.get("/api/v1/me", **bearer(analyst))
    assert res.status_code == 200 and res.json()["role"] == "analyst"
    client.force_login(analyst)
    assert client.get("/api/v1/me").json()["username"] == analyst.username


def test_revoked_token_and_inactive_user_are_refused(client, analyst, bearer) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(analyst)
    ApiToken.objects.filter(user=analyst).update(revoked_at="2026-01-01T00:00:00Z")
    assert client.get("/api/v1/me", **headers).status_code == 401
    headers = bearer(analyst)
    User.objects.filter(pk=analyst.pk).update(is_active=False)
    assert client.get("/api/v1/me", **headers).status_code == 401


@pytest.mark.parametrize(
    "role", ["case_worker", "investigator", "national_coordinator", "analyst", "registry_editor"]
)
def test_administration_endpoints_refuse_other_roles(client, make_user, bearer, role) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(make_user(role))
    for method, path, body in [
        ("get", "/api/v1/organisations", None),
        ("post", "/api/v1/organisations", {"name": "X", "kind": "ngo"}),
        ("post", "/api/v1/users", {"username": "x", "organisation": "Org A", "role": "analyst"}),
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
    client, admin_user, bearer
) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(admin_user)
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


def test_session_writes_need_csrf(analyst) -> None:  # type: ignore[no-untyped-def]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(analyst)
    res = strict.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    assert res.status_code in (401, 403)
    assert not ApiToken.objects.filter(user=analyst).exists()


def test_user_issues_own_token(client, analyst, bearer) -> None:  # type: ignore[no-untyped-def]
    res = client.post(
        "/api/v1/tokens", {"name": "laptop"}, content_type="application/json", **bearer(analyst)
    )
    assert res.status_code == 201
    token = res.json()["token"]
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer " + token).status_code == 200
