"""Input and output schemas of the cooperation requests API (/api/v1/cooperation/).

Requests are named by uuid or by either side's reference; authorities by organisation name,
directory entry id or directory reference key; countries by ISO alpha-3; instruments by their
registry slug. Codes are checked by the services, which answer an unknown one with the list."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ninja import Field, Schema

from palermo.cooperation import handling
from palermo.cooperation.limits import BASIS_MAX, LETTER_MAX
from palermo.cooperation.models import Attachment, Message, Request, StatusChange
from palermo.cooperation.workflow import allowed_transitions, legal_basis_label
from palermo.core.textlimits import Note, Text

# --- inputs ----------------------------------------------------------------------------------


class LegalBasisIn(Schema):
    kind: str = Field(description="instrument, bilateral, reciprocity or suggested")
    instrument: str | None = Field(None, description="registry slug, e.g. untoc")
    article: str = ""
    text: Text = Field("", description="the bilateral agreement, or how it is cited")


class RequestIn(Schema):
    type: str = Field(
        description="mla, extradition, jit, information, return_verification, tracing or assets"
    )
    subject: str
    description: str = Field("", max_length=LETTER_MAX)
    node: str | None = Field(None, description="name of the node it goes to")
    requested_authority: str | None = Field(
        None, description="organisation name, directory entry id or directory reference key"
    )
    requested_country: str | None = None
    urgency: str = "normal"
    due_date: dt.date | None = None
    legal_basis: LegalBasisIn | None = None
    case: str | None = Field(None, description="id or reference of one of your cases")


class RequestPatch(Schema):
    type: str | None = None
    subject: str | None = None
    description: str | None = Field(None, max_length=LETTER_MAX)
    node: str | None = None
    requested_authority: str | None = None
    requested_country: str | None = None
    urgency: str | None = None
    due_date: dt.date | None = None
    legal_basis: LegalBasisIn | None = None


class TransitionIn(Schema):
    to_status: str
    note: Text = Field("", description="a note; for a refusal, the grounds in full")
    refusal_ground: str = ""


class AttachmentIn(Schema):
    filename: str
    content_type: str = "application/octet-stream"
    content_b64: str


class ExtractIn(Schema):
    case: str = Field(description="id or reference of a case your organisation holds")
    case_fields: list[str] = []
    persons: dict[str, list[str]] = Field(
        default_factory=dict, description="pseudonym -> fields of that person"
    )
    legal_basis: str = Field(
        "",
        max_length=BASIS_MAX,
        description="needed for a victim's identifying data without their consent",
    )


class MessageIn(Schema):
    body: str = Field("", max_length=LETTER_MAX)
    source_reliability: str = "X"
    information_assessment: str = "4"
    handling_codes: list[str] = []
    attachments: list[AttachmentIn] = []
    extract: ExtractIn | None = None


class ForwardIn(Schema):
    request: str = Field(description="uuid or reference of the request to forward to")
    note: Note = ""


class RequestShareIn(Schema):
    organisation: str = Field(description="organisation name")
    reason: str = Field(max_length=300)


class AssignIn(Schema):
    organisation: str


# --- outputs ---------------------------------------------------------------------------------


class AttachmentOut(Schema):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int
    sha256: str


class MessageOut(Schema):
    id: uuid.UUID
    request: uuid.UUID
    direction: str
    kind: str
    author: str
    body: str
    source_reliability: str
    information_assessment: str
    handling_codes: list[str]
    handling: str
    allowed: dict[str, bool] = Field(
        description="for a received message: which of forward, share, export, court its "
        "handling codes allow here"
    )
    written_at: dt.datetime
    received_at: dt.datetime | None
    attachments: list[AttachmentOut]
    extracts: list[uuid.UUID]


class StatusChangeOut(Schema):
    from_status: str
    to_status: str
    side: str
    by: str
    note: str
    remote: bool
    applied: bool
    at: dt.datetime


class RequestOut(Schema):
    id: uuid.UUID
    direction: str
    side: str
    type: str
    status: str
    subject: str
    urgency: str
    due_date: dt.date | None
    reference: str
    requester_reference: str
    requested_reference: str
    node: str | None
    requesting_authority: str
    requested_authority: str
    requesting_country: str | None
    requested_country: str | None
    legal_basis: dict[str, Any]
    refusal_ground: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    received_at: dt.datetime | None
    responded_at: dt.datetime | None
    completed_at: dt.datetime | None
    closed_at: dt.datetime | None
    allowed_transitions: list[str]


class RequestDetailOut(RequestOut):
    description: str
    refusal_grounds: str
    legal_basis_suggestion: dict[str, Any] | None
    messages: list[MessageOut]
    status_changes: list[StatusChangeOut]
    pending_outbound: int


class RequestDeadlineOut(Schema):
    day: dt.date
    request: RequestOut
    waiting_for: str
    overdue: bool
    days: int


class OverdueOut(Schema):
    ours: list[RequestDeadlineOut]
    theirs: list[RequestDeadlineOut]


# --- serialisation ---------------------------------------------------------------------------


def request_out(r: Request) -> dict[str, Any]:
    return {
        "id": r.pk,
        "direction": r.direction,
        "side": r.side,
        "type": r.type,
        "status": r.status,
        "subject": r.subject,
        "urgency": r.urgency,
        "due_date": r.due_date,
        "reference": r.local_reference,
        "requester_reference": r.requester_reference,
        "requested_reference": r.requested_reference,
        "node": r.node.name if r.node else None,
        "requesting_authority": r.requesting_authority_name,
        "requested_authority": r.requested_authority_name,
        "requesting_country": r.requesting_country_id,
        "requested_country": r.requested_country_id,
        "legal_basis": {
            "kind": r.legal_basis_kind,
            "instrument": r.legal_basis_instrument.slug if r.legal_basis_instrument else None,
            "article": r.legal_basis_article,
            "text": r.legal_basis_text,
            "label": legal_basis_label(r),
        },
        "refusal_ground": r.refusal_ground,
        "created_at": r.created_at,
        "sent_at": r.sent_at,
        "received_at": r.received_at,
        "responded_at": r.responded_at,
        "completed_at": r.completed_at,
        "closed_at": r.closed_at,
        "allowed_transitions": sorted(allowed_transitions(r)),
    }


def attachment_out(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
    }


def message_out(m: Message) -> dict[str, Any]:
    return {
        "id": m.pk,
        "request": m.request_id,
        "direction": m.direction,
        "kind": m.kind,
        "author": m.author_name,
        "body": m.body,
        "source_reliability": m.source_reliability,
        "information_assessment": m.information_assessment,
        "handling_codes": list(m.handling_codes),
        "handling": m.handling_label,
        "allowed": {op: handling.allowed(m, op) for op in handling.OPERATIONS},
        "written_at": m.created_at,
        "received_at": m.received_at,
        "attachments": [attachment_out(a) for a in m.attachments.all()],
        "extracts": [e.pk for e in m.extracts.all()],
    }


def change_out(ch: StatusChange) -> dict[str, Any]:
    return {
        "from_status": ch.from_status,
        "to_status": ch.to_status,
        "side": ch.side,
        "by": ch.actor_label,
        "note": ch.note,
        "remote": ch.remote,
        "applied": ch.applied,
        "at": ch.at,
    }
