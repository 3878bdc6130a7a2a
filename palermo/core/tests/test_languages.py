"""The user's language (palermo/core/languages.py): stored at the first login, changed with the
switcher, used for the pages whatever the browser asks for; API error details in the request's
`Accept-Language` or the token user's language, their `code` the same in every language."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from palermo.core.models import User
from palermo.core.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _in(language: str, text: str) -> str:
    with translation.override(language):
        translated = translation.gettext(text)
    assert translated != text, "{!r} has no {} translation".format(text, language)
    return translated


def _login(client: Client, user: User) -> None:
    resp = client.post(reverse("web:login"), {"username": user.username, "password": PASSWORD})
    assert resp.status_code == 302, resp.content[:300]


def test_the_first_login_keeps_the_language_it_was_made_in(
    make_user: Callable[..., User], client: Client
) -> None:
    user = make_user()
    assert user.language == ""
    client.cookies["django_language"] = "fr"
    _login(client, user)
    user.refresh_from_db()
    assert user.language == "fr"


def test_the_switcher_on_the_login_page_changes_a_stored_language(
    make_user: Callable[..., User], client: Client
) -> None:
    user = make_user(language="ar")
    client.cookies["django_language"] = "zh-hans"
    _login(client, user)
    user.refresh_from_db()
    assert user.language == "zh-hans"
    assert '<html lang="zh-hans"' in client.get(reverse("web:home")).content.decode()


def test_a_chosen_language_wins_over_the_browser(
    make_user: Callable[..., User], client: Client
) -> None:
    user = make_user(language="ru")
    _login(client, user)
    page = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<html lang="ru" dir="ltr">' in page
    assert _in("ru", "Language") in page
    user.refresh_from_db()
    assert user.language == "ru"  # the login did not overwrite it


def test_the_switcher_changes_the_stored_language(
    make_user: Callable[..., User], client: Client
) -> None:
    user = make_user(language="en")
    _login(client, user)
    resp = client.post(reverse("set_language"), {"language": "ar", "next": "/"})
    assert resp.status_code == 302
    user.refresh_from_db()
    assert user.language == "ar"
    page = client.get(reverse("web:home")).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    # A language Palermo does not have changes nothing.
    client.post(reverse("set_language"), {"language": "de", "next": "/"})
    user.refresh_from_db()
    assert user.language == "ar"


def test_the_switcher_without_a_login_sets_only_the_cookie(client: Client) -> None:
    resp = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert resp.status_code == 302
    assert resp.cookies["django_language"].value == "zh-hans"
    page = client.get("/").content.decode()
    assert '<html lang="zh-hans"' in page


@pytest.mark.parametrize("language", ["ar", "es", "fr", "ru", "zh-hans"])
def test_api_error_details_follow_accept_language_and_keep_their_code(
    make_user: Callable[..., User],
    client: Client,
    bearer: Callable[[User], dict[str, Any]],
    language: str,
) -> None:
    user = make_user(language="en")
    url = "/api/v1/cases/{}".format(uuid.uuid4())
    english = client.get(url, **bearer(user)).json()
    assert english == {"detail": "No such case.", "code": "not_found"}
    resp = client.get(url, HTTP_ACCEPT_LANGUAGE=language, **bearer(user))
    assert resp.status_code == 404
    assert resp.json() == {"detail": _in(language, "No such case."), "code": "not_found"}
    assert resp["Content-Language"] == language


def test_a_token_request_without_accept_language_is_in_the_users_language(
    make_user: Callable[..., User], client: Client, bearer: Callable[[User], dict[str, Any]]
) -> None:
    user = make_user(language="es")
    resp = client.get("/api/v1/cases/{}".format(uuid.uuid4()), **bearer(user))
    assert resp.json() == {"detail": _in("es", "No such case."), "code": "not_found"}
    # An explicit header still wins.
    resp = client.get(
        "/api/v1/cases/{}".format(uuid.uuid4()), HTTP_ACCEPT_LANGUAGE="fr", **bearer(user)
    )
    assert resp.json()["detail"] == _in("fr", "No such case.")
