"""The "API tokens" page through Django's test client: list, issue (shown once), revoke."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from palermo.core.models import ApiToken, User
from palermo.core.services import TOKEN_PREFIX, token_authenticate, token_create, token_digest

pytestmark = pytest.mark.django_db


def test_the_page_needs_a_login(client: Client) -> None:
    res = client.get("/account/tokens/")
    assert res.status_code == 302 and "/login/" in res["Location"]


def test_issue_shows_the_secret_once_and_lists_the_token(client: Client, analyst: User) -> None:
    client.force_login(analyst)
    page = client.get("/account/tokens/")
    assert page.status_code == 200 and "You have no API tokens." in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    res = client.post("/account/tokens/", {"name": "laptop", "expires_days": "30"})
    body = res.content.decode()
    token = ApiToken.objects.get(user=analyst)
    secret = body.split('id="new-token-secret" class="secret" type="text" value="')[1].split('"')[0]
    assert secret.startswith(TOKEN_PREFIX) and token.digest == token_digest(secret)
    assert "no-store" in res["Cache-Control"]
    assert token_authenticate(secret) == analyst
    again = client.get("/account/tokens/").content.decode()
    assert secret not in again and "laptop" in again and token.prefix in again


def test_issue_refuses_a_bad_expiry(client: Client, analyst: User) -> None:
    client.force_login(analyst)
    res = client.post("/account/tokens/", {"name": "x", "expires_days": "9999"})
    assert res.status_code == 200 and "less than or equal to 366" in res.content.decode()
    assert not ApiToken.objects.exists()


def test_revoke_own_token_but_not_anothers(
    client: Client, analyst: User, make_user: Callable[..., User]
) -> None:
    mine = token_create(actor=None, user=analyst, name="mine")
    theirs = token_create(actor=None, user=make_user(username="other"), name="theirs")
    mine_id = ApiToken.objects.get(digest=token_digest(mine)).pk
    theirs_id = ApiToken.objects.get(digest=token_digest(theirs)).pk
    client.force_login(analyst)
    assert "theirs" not in client.get("/account/tokens/").content.decode()
    assert client.post("/account/tokens/{}/revoke/".format(theirs_id)).status_code == 404
    assert token_authenticate(theirs) is not None
    res = client.post("/account/tokens/{}/revoke/".format(mine_id), HTTP_HX_REQUEST="true")
    assert res.status_code == 200 and "it no longer works" in res.content.decode()
    assert "<html" not in res.content.decode()  # the partial, for htmx
    assert token_authenticate(mine) is None
    res = client.post("/account/tokens/{}/revoke/".format(mine_id))
    assert res.status_code == 302 and res["Location"] == "/account/tokens/"
