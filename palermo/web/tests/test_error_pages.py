"""The error pages: 400, 403, 404, 413 (a post over the size limit), 500 and a failed CSRF check
in the site's layout with a way back, no exception detail; the API keeps its JSON error shape."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client
from pytest_django.fixtures import Settings

from palermo.core.api_errors import is_error_shape
from palermo.core.models import Organisation, User
from palermo.web.views import HomeView

pytestmark = pytest.mark.django_db


def in_layout(body: str) -> None:
    assert 'class="site-header"' in body and 'class="site-footer"' in body
    assert "data-history-back" in body and "Home page" in body


def test_unknown_page_is_the_404_page_in_the_layout(client: Client) -> None:
    res = client.get("/no/such/page/")
    body = res.content.decode()
    assert res.status_code == 404
    in_layout(body)
    assert "Page not found" in body and "no-store" in res["Cache-Control"]


def test_a_404_never_shows_the_exceptions_message(client: Client) -> None:
    res = client.get("/registry/countries/QQQ/")
    body = res.content.decode()
    assert res.status_code == 404 and "Page not found" in body
    assert "QQQ" not in body.split('<main id="main"')[1].split("</main>")[0]


def test_forbidden_is_the_403_page(client: Client, analyst: User) -> None:
    client.force_login(analyst)
    res = client.get("/registry/edit/directory/new/")
    body = res.content.decode()
    assert res.status_code == 403
    in_layout(body)
    assert "Not permitted" in body and "registry_editor" not in body


def test_server_error_is_the_500_page_without_details(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret detail of maria-okafor")

    monkeypatch.setattr(HomeView, "get", boom)
    res = Client(raise_request_exception=False).get("/")
    body = res.content.decode()
    assert res.status_code == 500
    in_layout(body)
    assert "Something went wrong" in body
    assert "secret detail" not in body and "RuntimeError" not in body and "okafor" not in body


def test_bad_request_is_the_400_page(monkeypatch: pytest.MonkeyPatch) -> None:
    def bad(*args: Any, **kwargs: Any) -> None:
        raise SuspiciousOperation("forged thing from maria-okafor")

    monkeypatch.setattr(HomeView, "get", bad)
    res = Client(raise_request_exception=False).get("/")
    body = res.content.decode()
    assert res.status_code == 400
    in_layout(body)
    assert "Bad request" in body and "okafor" not in body


def test_a_post_over_the_size_limit_is_explained(
    settings: Settings, make_user: Callable[..., User]
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    admin = make_user("administrator", org="Node IT")
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    page = client.get("/administration/organisations/").content.decode()
    assert 'data-upload-max-bytes="2000"' in page and 'id="too-large-message"' in page
    token = client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""
    res = client.post(
        "/administration/organisations/",
        {"name": "x" * 5000, "kind": "ngo", "csrfmiddlewaretoken": token},
    )
    body = res.content.decode()
    assert res.status_code == 413
    in_layout(body)
    assert "larger than this node accepts: at most 2.0\xa0KB of text" in body
    assert "your browser keeps what you typed" in body
    assert not Organisation.objects.filter(kind="ngo").exists()


def test_the_api_answers_too_large_in_its_json_shape(
    settings: Settings, client: Client, bearer: Callable[[User], dict[str, Any]], admin_user: User
) -> None:
    headers = bearer(admin_user)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    res = client.post(
        "/api/v1/cases/",
        data=json.dumps({"title": "x" * 5000}),
        content_type="application/json",
        **headers,
    )
    assert res.status_code == 413 and is_error_shape(res.content)
    assert res.json()["code"] == "too_large"


def test_an_unknown_api_route_keeps_the_json_shape(client: Client) -> None:
    res = client.get("/api/v1/no-such-thing")
    assert res.status_code == 404 and is_error_shape(res.content)


def test_a_stale_form_gets_the_expired_form_page() -> None:
    res = Client(enforce_csrf_checks=True).post("/login/", {"username": "a", "password": "b"})
    body = res.content.decode()
    assert res.status_code == 403
    in_layout(body)
    assert "The form has expired" in body and "CSRF cookie" not in body
