"""The administration pages through Django's test client: only administrators; every change
goes through the service the CLI uses, with its rules, and is audited."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from palermo.core.choices import AuditAction, Role
from palermo.core.models import ApiToken, AuditEntry, Organisation, User
from palermo.core.services import token_create, token_digest

pytestmark = pytest.mark.django_db

PAGES = [
    "/administration/",
    "/administration/users/new/",
    "/administration/organisations/",
    "/administration/tokens/",
    "/administration/audit/",
]


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("url", PAGES)
def test_pages_exist_only_for_administrators(
    client: Client, analyst: User, admin_user: User, url: str
) -> None:
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(analyst)
    assert client.get(url).status_code == 404
    client.force_login(admin_user)
    res = client.get(url)
    assert res.status_code == 200 and "no-store" in res["Cache-Control"]


def test_a_non_administrator_cannot_change_a_user(
    client: Client, analyst: User, make_user: Callable[..., User]
) -> None:
    other = make_user(username="other")
    client.force_login(analyst)
    res = client.post("/administration/users/{}/deactivate/".format(other.pk))
    assert res.status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_administration_is_in_the_navigation_of_administrators_only(
    client: Client, analyst: User, admin_user: User
) -> None:
    client.force_login(analyst)
    assert 'href="/administration/"' not in client.get("/").content.decode()
    client.force_login(admin_user)
    assert 'href="/administration/"' in client.get("/").content.decode()


def test_create_an_organisation_audited_and_the_services_rules(admin_client: Client) -> None:
    res = admin_client.post(
        "/administration/organisations/",
        {"name": "Shelter North", "kind": "service_provider", "country": "ita"},
    )
    assert res.status_code == 302
    org = Organisation.objects.get(name="Shelter North")
    assert org.country_id == "ITA"
    entry = AuditEntry.objects.filter(object_type="core.organisation").last()
    assert entry is not None and entry.action == AuditAction.CREATE
    assert entry.object_id == str(org.pk)
    again = admin_client.post(
        "/administration/organisations/",
        {"name": "Shelter North", "kind": "ngo", "country": ""},
    )
    assert again.status_code == 400
    assert "already exists" in again.content.decode()
    bad = admin_client.post(
        "/administration/organisations/", {"name": "X", "kind": "ngo", "country": "ZZZ"}
    )
    assert bad.status_code == 400 and "Unknown country code" in bad.content.decode()


def test_create_a_user_with_a_generated_password_shown_once(
    admin_client: Client, admin_user: User
) -> None:
    res = admin_client.post(
        "/administration/users/new/",
        {
            "username": "maria",
            "organisation": admin_user.organisation.name,  # type: ignore[union-attr]
            "role": Role.CASE_WORKER,
            "email": "maria@example.org",
            "access": "password",
        },
    )
    assert res.status_code == 200 and "no-store" in res["Cache-Control"]
    password = re.search(r'id="generated-password"[^>]*value="([^"]+)"', res.content.decode())
    assert password is not None
    user = User.objects.get(username="maria")
    assert user.check_password(password.group(1)) and user.role == Role.CASE_WORKER
    assert AuditEntry.objects.filter(
        object_type="core.user", object_id=str(user.pk), action=AuditAction.CREATE
    ).exists()
    assert password.group(1) not in admin_client.get("/administration/").content.decode()

    # A one-time password: the user chooses their own before anything else.
    maria = Client()
    assert maria.login(username="maria", password=password.group(1))
    res = maria.get("/cases/")
    assert res.status_code == 302 and res["Location"] == "/account/password/"
    assert maria.get("/api/v1/me").json()["code"] == "password_change_required"
    new = "maria's own long passphrase 4"
    res = maria.post(
        "/account/password/",
        {"old_password": password.group(1), "new_password1": new, "new_password2": new},
    )
    assert res.status_code == 302 and res["Location"] == "/"
    user.refresh_from_db()
    assert user.check_password(new) and not user.must_change_password
    assert maria.get("/api/v1/me").status_code == 200  # still logged in, free to go
    assert AuditEntry.objects.filter(
        object_id=str(user.pk), action=AuditAction.PASSWORD, actor=user
    ).exists()


def test_invitation_link_sets_the_password_once(
    admin_client: Client, admin_user: User, client: Client
) -> None:
    res = admin_client.post(
        "/administration/users/new/",
        {
            "username": "amaka",
            "organisation": admin_user.organisation.name,  # type: ignore[union-attr]
            "role": Role.INVESTIGATOR,
            "access": "link",
        },
    )
    link = re.search(r'id="invitation-link"[^>]*value="([^"]+)"', res.content.decode())
    assert link is not None
    user = User.objects.get(username="amaka")
    assert AuditEntry.objects.filter(object_id=str(user.pk), action=AuditAction.INVITE).exists()
    path = link.group(1).removeprefix("http://testserver")
    visitor = Client()
    form = visitor.get(path, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    done = visitor.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a long new passphrase 7", "new_password2": "a long new passphrase 7"},
    )
    assert done.status_code == 302 and done["Location"] == "/login/"
    user.refresh_from_db()
    assert user.check_password("a long new passphrase 7")
    assert AuditEntry.objects.filter(
        object_id=str(user.pk), action=AuditAction.PASSWORD, actor=user
    ).exists()
    used = Client().get(path, follow=True)
    assert "no longer valid" in used.content.decode()


def test_change_role_audited_and_the_last_administrator_is_kept(
    admin_client: Client, admin_user: User, make_user: Callable[..., User]
) -> None:
    worker = make_user(username="worker")
    res = admin_client.post(
        "/administration/users/{}/role/".format(worker.pk), {"role": Role.ANALYST}
    )
    assert res.status_code == 302
    worker.refresh_from_db()
    assert worker.role == Role.ANALYST
    entry = AuditEntry.objects.filter(object_id=str(worker.pk), action=AuditAction.UPDATE).last()
    assert entry is not None
    assert entry.before == {"role": Role.CASE_WORKER} and entry.after == {"role": Role.ANALYST}
    res = admin_client.post(
        "/administration/users/{}/role/".format(admin_user.pk), {"role": Role.ANALYST}, follow=True
    )
    assert "last active administrator" in res.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMINISTRATOR


def test_deactivate_and_reactivate_a_user_and_not_oneself(
    admin_client: Client, admin_user: User, make_user: Callable[..., User]
) -> None:
    worker = make_user(username="worker")
    secret = token_create(actor=None, user=worker)
    res = admin_client.post("/administration/users/{}/deactivate/".format(worker.pk), follow=True)
    assert "worker is deactivated: 1 API tokens revoked" in res.content.decode()
    worker.refresh_from_db()
    assert not worker.is_active
    assert ApiToken.objects.get(digest=token_digest(secret)).revoked_at is not None
    admin_client.post("/administration/users/{}/reactivate/".format(worker.pk))
    worker.refresh_from_db()
    assert worker.is_active
    actions = list(
        AuditEntry.objects.filter(object_id=str(worker.pk), object_type="core.user").values_list(
            "action", flat=True
        )
    )
    assert actions[-2:] == [AuditAction.DEACTIVATE, AuditAction.REACTIVATE]
    res = admin_client.post(
        "/administration/users/{}/deactivate/".format(admin_user.pk), follow=True
    )
    assert "You cannot deactivate yourself." in res.content.decode()


def test_unlock_a_locked_out_user(admin_client: Client, make_user: Callable[..., User]) -> None:
    worker = make_user(username="worker")
    AccessAttempt.objects.create(
        username="worker",
        ip_address="10.0.0.9",
        user_agent="x",
        failures_since_start=50,
        attempt_time=timezone.now(),
    )
    page = admin_client.get("/administration/?q=worker").content.decode()
    assert "locked out" in page
    res = admin_client.post("/administration/users/{}/unlock/".format(worker.pk), follow=True)
    assert "Logins of worker unlocked" in res.content.decode()
    assert not AccessAttempt.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.UNLOCK).exists()


def test_list_and_revoke_any_users_token(
    admin_client: Client, make_user: Callable[..., User]
) -> None:
    worker = make_user(username="worker")
    secret = token_create(actor=None, user=worker, name="script")
    token = ApiToken.objects.get(digest=token_digest(secret))
    page = admin_client.get("/administration/tokens/?user=worker").content.decode()
    assert "script" in page and token.prefix in page and secret not in page
    res = admin_client.post("/administration/tokens/", {"token": token.pk}, follow=True)
    assert "is revoked" in res.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEntry.objects.filter(action=AuditAction.TOKEN_REVOKE).exists()


def test_audit_search_filters_and_verify(
    admin_client: Client, make_user: Callable[..., User]
) -> None:
    worker = make_user(username="worker")
    admin_client.post("/administration/users/{}/deactivate/".format(worker.pk))
    res = admin_client.get("/administration/audit/?action=deactivate")
    body = res.content.decode()
    assert "1 entry" in body and "User deactivated" in body
    none = admin_client.get("/administration/audit/?action=deactivate&date_to=2000-01-01")
    assert "No entry matches the search." in none.content.decode()
    by_actor = admin_client.get("/administration/audit/?actor=nobody-at-all")
    assert "No entry matches the search." in by_actor.content.decode()
    backwards = admin_client.get("/administration/audit/?date_from=2020-02-01&date_to=2020-01-01")
    assert "before its start" in backwards.content.decode()
    verified = admin_client.post("/administration/audit/?action=deactivate").content.decode()
    assert "Audit chain intact." in verified and "1 entry" in verified


def test_audit_verify_shows_a_broken_chain(admin_client: Client) -> None:
    entry = AuditEntry.objects.order_by("sequence").last()
    assert entry is not None
    AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    body = admin_client.post("/administration/audit/").content.decode()
    assert "Audit chain broken at entry #{}".format(entry.sequence) in body
