"""Input and output schemas of the core API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema


class MeOut(Schema):
    username: str
    role: str
    organisation: str | None
    country: str | None


class OrganisationIn(Schema):
    name: str = Field(max_length=300)
    kind: str = Field(max_length=30)
    country: str | None = Field(None, max_length=3, description="ISO 3166-1 alpha-3")
    parent: str | None = Field(None, max_length=300)


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    country: str | None
    parent: str | None


class UserIn(Schema):
    username: str = Field(max_length=150)
    organisation: str = Field(max_length=300)
    role: str = Field(max_length=30)
    email: str = Field("", max_length=254)
    password: str | None = Field(None, max_length=4096)


class UserOut(Schema):
    id: int
    username: str
    organisation: str | None
    role: str
    generated_password: str | None = None


class TokenIn(Schema):
    name: str = Field("", max_length=100, description="a label, e.g. the script that uses it")
    expires_days: int | None = Field(
        None, description="days the token is valid (default: the node's PALERMO_TOKEN_DAYS)"
    )


class TokenInfoOut(Schema):
    """A token as listed: never its secret."""

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    state: str = Field(description="active, expired or revoked")


class TokenOut(Schema):
    """A new token: `token` is the secret, shown this once."""

    token: str
    id: int
    name: str
    expires_at: dt.datetime


class AuditOut(Schema):
    sequence: int
    timestamp: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: Any | None
    after: Any | None
    reason: str
    entry_hash: str

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return str(obj.actor_label)


class ChainOut(Schema):
    ok: bool
    checked: int
    first_broken_sequence: int | None
    reason: str
