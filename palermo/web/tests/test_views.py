"""The home page, logging in and out, through Django's test client."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from palermo.conftest import PASSWORD
from palermo.core.models import User
from palermo.registry.models import TreatyAction
from palermo.registry.tests.factories import TreatyActionFactory

pytestmark = pytest.mark.django_db


def html(response: Any) -> str:
    return str(response.content.decode())


def test_home_shows_the_registry_counts(client: Client) -> None:
    before = html(client.get("/"))
    n = TreatyAction.objects.count()
    assert "<strong>{}</strong> treaty actions".format(n) in before
    TreatyActionFactory.create()
    after = html(client.get("/"))
    assert "<strong>{}</strong> treaty actions".format(n + 1) in after


def test_home_is_never_stored_for_a_logged_in_user(client: Client, editor: User) -> None:
    assert "no-store" not in client.get("/").get("Cache-Control", "")
    client.force_login(editor)
    assert "no-store" in client.get("/")["Cache-Control"]


def test_login_and_logout(client: Client, editor: User) -> None:
    response = client.post("/login/", {"username": editor.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    home = html(client.get("/"))
    who = '<span class="who"><bdi>{}</bdi> · Registry editor</span>'.format(editor.username)
    assert who in home
    assert 'action="/logout/"' in home
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    home = html(client.get("/"))
    assert editor.username not in home
    assert 'href="/login/?next=/"' in home


def test_login_follows_next(client: Client, analyst: User) -> None:
    response = client.post(
        "/login/?next=/registry/directory/",
        {"username": analyst.username, "password": PASSWORD, "next": "/registry/directory/"},
    )
    assert response.status_code == 302 and response["Location"] == "/registry/directory/"


def test_login_refuses_external_next(client: Client, analyst: User) -> None:
    response = client.post(
        "/login/",
        {"username": analyst.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_login_with_wrong_password(client: Client, editor: User) -> None:
    response = client.post(
        "/login/", {"username": editor.username, "password": "wrong-password-123"}
    )
    assert response.status_code == 200
    page = html(response)
    assert 'class="error" role="alert"' in page
    assert "correct username and password" in page
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(client: Client, editor: User) -> None:
    client.force_login(editor)
    assert client.get("/logout/").status_code == 405
    assert editor.username in html(client.get("/"))
