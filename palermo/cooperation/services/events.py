"""What a request's steps leave behind and send: status changes, and events for the other node.

Every step of a request is applied on this node and, once the request has been sent, travels
to the other node as a signed envelope through the outbox (kinds in envelopes.py, `request` =
the request's uuid, `seq` in order per request). The other node applies it in
services.inbound. This module owns the pieces every step shares: recording a status change
with its timestamps, the payloads of a request and of a message, queuing them, the labels of
authors and nodes, and the references each side gives a request.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from typing import Any

from palermo.cooperation import choices as c
from palermo.cooperation import envelopes, files
from palermo.cooperation.models import Message, Node, OutboundMessage, Request, StatusChange
from palermo.cooperation.transport import outbox_enqueue
from palermo.cooperation.workflow import COMPLETIONS, RESPONSES
from palermo.core.crypto import decrypt_json
from palermo.core.models import Organisation, User
from palermo.registry.models import DirectoryEntry

RS = c.RequestStatus


def node_label(node: Node) -> str:
    """How a peer node appears as the actor of what it did here."""
    return "node:{}".format(node.name)


def author_label(user: User) -> str:
    """A user as the other side reads them: name, organisation."""
    org = user.organisation.name if user.organisation else ""
    name = user.get_full_name() or user.username
    return "{}, {}".format(name, org)[:300] if org else name[:300]


def authority_label(org: Organisation | None, entry: DirectoryEntry | None) -> str:
    """An authority: its organisation and, if the directory entry names one, its unit."""
    if org is None:
        return ""
    if entry is not None and entry.unit:
        return "{} ({})".format(org.name, entry.unit)[:300]
    return org.name[:300]


def reference_new(prefix: str, when: dt.datetime) -> str:
    """A side's reference of a request: PREFIX-YEAR-8 random hex digits."""
    return "{}-{}-{}".format(prefix, when.year, secrets.token_hex(4).upper())


def locked(request: Request) -> Request:
    """The request row, locked for this transaction (status changes are serialised)."""
    return Request.objects.select_for_update().get(pk=request.pk)


def enqueue(request: Request, kind: str, payload: dict[str, Any]) -> OutboundMessage | None:
    """Queue an event of a sent request for the other node (nothing for a draft)."""
    if request.status == RS.DRAFT or request.node is None:
        return None
    return outbox_enqueue(target=request.node, kind=kind, payload=payload, request=str(request.pk))


def status_change(
    request: Request,
    to_status: str,
    *,
    side: str,
    at: dt.datetime,
    actor: User | None = None,
    actor_label: str = "",
    note: str = "",
    remote: bool = False,
) -> StatusChange:
    """Record a status change and its timestamps (the caller saves the request)."""
    change = StatusChange.objects.create(
        request=request,
        from_status=request.status,
        to_status=to_status,
        side=side,
        actor=actor,
        actor_label=actor_label or (actor.username if actor else ""),
        note=note,
        remote=remote,
        at=at,
    )
    request.status = to_status
    if to_status in RESPONSES and request.responded_at is None:
        request.responded_at = at
    if to_status in COMPLETIONS and request.completed_at is None:
        request.completed_at = at
    if to_status == RS.CLOSED:
        request.closed_at = at
    return change


def request_payload(request: Request) -> dict[str, Any]:
    """The request as it travels when it is sent (envelopes.CreatePayload)."""
    assert request.sent_at is not None  # noqa: S101 - only sent requests travel
    instrument = request.legal_basis_instrument
    payload = envelopes.CreatePayload(
        request=envelopes.RequestPayload(
            id=request.pk,
            type=c.RequestType(request.type),
            subject=request.subject,
            description=request.description,
            urgency=c.Urgency(request.urgency),
            due_date=request.due_date,
            requester_reference=request.requester_reference,
            requesting_authority=envelopes.AuthorityRef(
                name=request.requesting_authority_name,
                directory_ref=request.requesting_authority.ref_key
                if request.requesting_authority
                else None,
            ),
            requested_authority=envelopes.AuthorityRef(
                name=request.requested_organisation.name
                if request.requested_organisation
                else request.requested_authority_name,
                directory_ref=request.requested_authority.ref_key
                if request.requested_authority
                else None,
            ),
            requesting_country=request.requesting_country_id,
            requested_country=request.requested_country_id,
            legal_basis=envelopes.LegalBasisPayload(
                kind=c.LegalBasisKind(request.legal_basis_kind),
                instrument=instrument.slug if instrument else None,
                instrument_title=instrument.title if instrument else "",
                article=request.legal_basis_article,
                text=request.legal_basis_text,
            ),
            legal_basis_suggestion=request.legal_basis_suggestion,
            sent_at=request.sent_at,
        )
    )
    return envelopes.dump(payload)


def message_payload(message: Message) -> dict[str, Any]:
    """A message as it travels, with its files and case extracts (envelopes.MessagePayload)."""
    attachments = [
        envelopes.AttachmentPayload(
            id=a.pk,
            filename=a.filename,
            content_type=a.content_type,
            size=a.size,
            sha256=a.sha256,
            content_b64=base64.b64encode(files.load(a.path, a.sha256)).decode(),
        )
        for a in message.attachments.all()
    ]
    extracts = [
        envelopes.ExtractPayload(
            id=e.pk,
            case_reference=e.case_reference,
            fields=e.fields,
            identifying=e.identifying,
            basis=c.CaseBasis(e.basis),
            legal_basis=e.legal_basis,
            consents=e.consents,
            data=decrypt_json(e.ciphertext),
        )
        for e in message.extracts.all()
    ]
    return envelopes.dump(
        envelopes.MessageEnvelopePayload(
            message=envelopes.MessagePayload(
                id=message.pk,
                kind=c.MessageKind(message.kind),
                author=message.author_name,
                body=message.body,
                source_reliability=c.SourceReliability(message.source_reliability),
                information_assessment=c.InformationAssessment(message.information_assessment),
                handling_codes=[c.HandlingCode(x) for x in message.handling_codes],
                created_at=message.created_at,
                attachments=attachments,
                extracts=extracts,
            )
        )
    )
