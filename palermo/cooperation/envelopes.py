"""The payloads of the request workflow's envelopes, one kind per event.

Both nodes build and read them with these models, so what one node sends is exactly what the
other checks. A payload that does not validate is refused by the inbox (422 `invalid_content`)
and nothing from it is stored. Attachments travel base64-encoded inside the payload, so the
envelope's Ed25519 signature covers their bytes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from palermo.cooperation import choices as c
from palermo.cooperation.limits import BASIS_MAX, LETTER_MAX, TEXT_MAX

KIND_CREATE = "request.create"
KIND_ACK = "request.ack"
KIND_STATUS = "request.status"
KIND_MESSAGE = "request.message"
REQUEST_KINDS = frozenset({KIND_CREATE, KIND_ACK, KIND_STATUS, KIND_MESSAGE})


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class AuthorityRef(_Payload):
    """An authority as the sender names it: its organisation and, if any, its directory entry."""

    name: str = Field(default="", max_length=300)
    directory_ref: str | None = Field(default=None, max_length=200)


class LegalBasisPayload(_Payload):
    kind: c.LegalBasisKind
    instrument: str | None = Field(default=None, max_length=100)
    instrument_title: str = Field(default="", max_length=500)
    article: str = Field(default="", max_length=100)
    text: str = Field(default="", max_length=TEXT_MAX)


class RequestPayload(_Payload):
    id: uuid.UUID
    type: c.RequestType
    subject: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=LETTER_MAX)
    urgency: c.Urgency = c.Urgency.NORMAL
    due_date: dt.date | None = None
    requester_reference: str = Field(default="", max_length=40)
    requesting_authority: AuthorityRef
    requested_authority: AuthorityRef
    requesting_country: str | None = Field(default=None, min_length=3, max_length=3)
    requested_country: str | None = Field(default=None, min_length=3, max_length=3)
    legal_basis: LegalBasisPayload
    legal_basis_suggestion: dict[str, Any] | None = None
    sent_at: dt.datetime


class CreatePayload(_Payload):
    request: RequestPayload


class AckPayload(_Payload):
    requested_reference: str = Field(min_length=1, max_length=40)
    received_at: dt.datetime
    requested_authority: str = Field(default="", max_length=300)


class StatusPayload(_Payload):
    from_status: c.RequestStatus
    to_status: c.RequestStatus
    at: dt.datetime
    actor: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=TEXT_MAX)
    refusal_ground: c.RefusalGround | None = None


class AttachmentPayload(_Payload):
    id: uuid.UUID
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=1, max_length=100)
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    content_b64: str


class ExtractPayload(_Payload):
    id: uuid.UUID
    case_reference: str = Field(default="", max_length=40)
    fields: dict[str, Any]
    identifying: bool
    basis: c.CaseBasis
    legal_basis: str = Field(default="", max_length=BASIS_MAX)
    consents: list[dict[str, Any]] = Field(default_factory=list)
    data: dict[str, Any]


class MessagePayload(_Payload):
    id: uuid.UUID
    kind: c.MessageKind = c.MessageKind.MESSAGE
    author: str = Field(default="", max_length=300)
    body: str = Field(default="", max_length=LETTER_MAX)
    source_reliability: c.SourceReliability
    information_assessment: c.InformationAssessment
    handling_codes: list[c.HandlingCode] = Field(default_factory=list)
    created_at: dt.datetime
    attachments: list[AttachmentPayload] = Field(default_factory=list)
    extracts: list[ExtractPayload] = Field(default_factory=list)

    @field_validator("handling_codes")
    @classmethod
    def _unique(cls, value: list[c.HandlingCode]) -> list[c.HandlingCode]:
        return sorted(set(value))


class MessageEnvelopePayload(_Payload):
    message: MessagePayload


PAYLOADS: dict[str, type[_Payload]] = {
    KIND_CREATE: CreatePayload,
    KIND_ACK: AckPayload,
    KIND_STATUS: StatusPayload,
    KIND_MESSAGE: MessageEnvelopePayload,
}


class InvalidPayload(Exception):
    """A payload that does not match its kind; the text says where and why."""


def parse[P: _Payload](model: type[P], payload: dict[str, Any]) -> P:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        parts = []
        for err in exc.errors()[:5]:
            loc = ".".join(str(p) for p in err.get("loc", ()))
            parts.append("{}: {}".format(loc, err.get("msg")) if loc else str(err.get("msg")))
        raise InvalidPayload("; ".join(parts)) from None


def dump(model: _Payload) -> dict[str, Any]:
    """JSON-ready dict (dates as ISO strings, enums as their values)."""
    return model.model_dump(mode="json")
