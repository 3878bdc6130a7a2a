"""Input and output schemas of the core API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class MeOut(Schema):
    username: str
    role: str
    organisation: str | None
    country: str | None


class OrganisationIn(Schema):
    name: str
    kind: str
    country: str | None = None
    parent: str | None = None


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    country: str | None
    parent: str | None


class UserIn(Schema):
    username: str
    organisation: str
    role: str
    email: str = ""
    password: str | None = None


class UserOut(Schema):
    id: int
    username: str
    organisation: str | None
    role: str
    generated_password: str | None = None


class TokenIn(Schema):
    name: str = ""


class TokenOut(Schema):
    token: str


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
