"""Core endpoints: who am I, organisations, users, tokens, the audit log (administrators)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from palermo.core.audit import audit_verify
from palermo.core.auth import AUTH, api_token_of, api_user
from palermo.core.choices import Role
from palermo.core.errors import ForbiddenError
from palermo.core.models import AuditEntry, Organisation
from palermo.core.pagination import Pagination
from palermo.core.permissions import require_role
from palermo.core.schemas import (
    AuditOut,
    ChainOut,
    MeOut,
    OrganisationIn,
    OrganisationOut,
    TokenIn,
    TokenInfoOut,
    TokenOut,
    UserIn,
    UserOut,
)
from palermo.core.selectors import token_row, tokens_of
from palermo.core.services import organisation_create, token_issue, token_revoke, user_create

router = Router(tags=["core"], auth=AUTH)


def _org_out(org: Organisation) -> dict[str, Any]:
    return {
        "id": org.pk,
        "name": org.name,
        "kind": org.kind,
        "country": org.country_id,
        "parent": org.parent.name if org.parent else None,
    }


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> dict[str, Any]:
    user = api_user(request)
    org = user.organisation
    return {
        "username": user.username,
        "role": user.role,
        "organisation": org.name if org else None,
        "country": org.country_id if org else None,
    }


@router.get("/organisations", response=list[OrganisationOut])
@paginate(Pagination)
def organisation_list(request: HttpRequest) -> list[dict[str, Any]]:
    require_role(api_user(request), Role.ADMINISTRATOR)
    return [_org_out(o) for o in Organisation.objects.select_related("parent").order_by("name")]


@router.post("/organisations", response={201: OrganisationOut})
def organisation_add(request: HttpRequest, payload: OrganisationIn) -> Status[dict[str, Any]]:
    org = organisation_create(actor=api_user(request), **payload.dict())
    return Status(201, _org_out(org))


@router.post("/users", response={201: UserOut})
def user_add(request: HttpRequest, payload: UserIn) -> Status[dict[str, Any]]:
    user, generated = user_create(actor=api_user(request), **payload.dict())
    return Status(
        201,
        {
            "id": user.pk,
            "username": user.username,
            "organisation": user.organisation.name if user.organisation else None,
            "role": user.role,
            "generated_password": generated,
        },
    )


@router.get("/tokens", response=list[TokenInfoOut])
@paginate(Pagination)
def token_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's own API tokens, newest first (never their secrets)."""
    return [token_row(t) for t in tokens_of(api_user(request))]


@router.post("/tokens", response={201: TokenOut})
def token_add(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    """A new token for the caller. Only a logged-in session can issue tokens: a request
    authenticated by a token cannot (403)."""
    if api_token_of(request) is not None:
        raise ForbiddenError(
            _(
                "A request authenticated by an API token cannot issue tokens: log in, or use "
                "'palermo token create'."
            ),
            code="token_cannot_issue_tokens",
        )
    user = api_user(request)
    token, secret = token_issue(
        actor=user, user=user, name=payload.name, expires_days=payload.expires_days
    )
    return Status(
        201, {"token": secret, "id": token.pk, "name": token.name, "expires_at": token.expires_at}
    )


@router.delete("/tokens/{token_id}", response={204: None})
def token_delete(request: HttpRequest, token_id: int) -> Status[None]:
    """Revoke one of the caller's tokens (administrators: anyone's); it gets 401 from then on."""
    token_revoke(actor=api_user(request), token_id=token_id)
    return Status(204, None)


@router.get("/audit", response=list[AuditOut])
@paginate(Pagination)
def audit_list(request: HttpRequest, object_type: str = "") -> QuerySet[AuditEntry]:
    require_role(api_user(request), Role.ADMINISTRATOR)
    qs = AuditEntry.objects.order_by("-sequence")
    if object_type:
        qs = qs.filter(object_type=object_type)
    return qs


@router.get("/audit/verify", response=ChainOut)
def audit_chain(request: HttpRequest) -> dict[str, Any]:
    require_role(api_user(request), Role.ADMINISTRATOR)
    report = audit_verify()
    return {
        "ok": report.ok,
        "checked": report.checked,
        "first_broken_sequence": report.first_broken_sequence,
        "reason": report.reason,
    }
