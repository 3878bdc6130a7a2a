"""Applying what the other node sent about a request: its creation, acknowledgement, status
changes and messages (with their files and case extracts).

`inbound_apply` is the transport's request handler (registered in CooperationConfig.ready): it
runs inside the inbox's transaction, so an event is applied whole or not at all, and an event
that does not make sense here is refused (NodeRefusal, 422) with nothing stored. A status change
that crossed one made here (e.g. withdrawn while they accepted) is recorded, not applied.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from typing import Any

from django.utils.translation import gettext as _

from palermo.cooperation import choices as c
from palermo.cooperation import envelopes, files
from palermo.cooperation.models import Message, Node, Request, SharedCaseExtract, StatusChange
from palermo.cooperation.services.events import (
    authority_label,
    node_label,
    reference_new,
    status_change,
)
from palermo.cooperation.services.messages import NewAttachment, attachment_store
from palermo.cooperation.transport import NodeRefusal, batch_kept, outbox_enqueue
from palermo.cooperation.workflow import REQUESTED, REQUESTER, remote_transitions
from palermo.core.audit import audit_record
from palermo.core.bulk import instance_insert, pk_exists
from palermo.core.choices import AuditAction
from palermo.core.crypto import encrypt_json
from palermo.core.models import Country, Organisation
from palermo.registry.models import DirectoryEntry, Instrument

RS = c.RequestStatus


def _invalid(detail: str, code: str = "invalid_content") -> NodeRefusal:
    return NodeRefusal(detail, code, 422)


def inbound_apply(sender: Node, envelope: dict[str, Any], now: dt.datetime) -> None:
    """Apply a request event from `sender` (inside the inbox's transaction: all or nothing)."""
    kind = envelope["kind"]
    try:
        request_id = uuid.UUID(str(envelope.get("request")))
    except ValueError:
        raise _invalid(_("A request event needs the request's uuid in `request`.")) from None
    try:
        payload = envelopes.parse(envelopes.PAYLOADS[kind], envelope["payload"])
    except envelopes.InvalidPayload as exc:
        raise _invalid(_("Invalid {} payload: {}").format(kind, exc)) from None
    if isinstance(payload, envelopes.CreatePayload):
        _apply_create(sender, request_id, payload, now)
        return
    # In a batch, the messages about one request read (and lock) it once; an event that
    # changes the request (ack, status) makes the next one read it again.
    kept = batch_kept()
    key = ("request", sender.pk, request_id)
    request = kept.get(key) if kept is not None else None
    if request is None:
        request = Request.objects.select_for_update().filter(pk=request_id, node=sender).first()
    if request is None:
        raise _invalid(
            _("No request {} shared with node {}.").format(request_id, sender.name),
            "unknown_request",
        )
    if kept is not None:
        if isinstance(payload, envelopes.MessageEnvelopePayload):
            kept[key] = request
        else:
            kept.pop(key, None)
    if isinstance(payload, envelopes.AckPayload):
        _apply_ack(sender, request, payload, now)
    elif isinstance(payload, envelopes.StatusPayload):
        _apply_status(sender, request, payload)
    elif isinstance(payload, envelopes.MessageEnvelopePayload):
        _apply_message(sender, request, payload.message, now)


def _resolve_remote_authority(
    ref: envelopes.AuthorityRef,
) -> tuple[Organisation | None, DirectoryEntry | None]:
    entry = None
    if ref.directory_ref:
        entry = (
            DirectoryEntry.objects.select_related("organisation")
            .filter(ref_key=ref.directory_ref)
            .first()
        )
    if entry is not None:
        return entry.organisation, entry
    return (Organisation.objects.filter(name=ref.name).first() if ref.name else None), None


def _apply_create(
    sender: Node, request_id: uuid.UUID, payload: envelopes.CreatePayload, now: dt.datetime
) -> None:
    data = payload.request
    if data.id != request_id:
        raise _invalid(_("The request in the payload is not the envelope's request."))
    if Request.objects.filter(pk=request_id).exists():
        raise _invalid(_("Request {} already exists on this node.").format(request_id), "conflict")
    requested_org, requested_entry = _resolve_remote_authority(data.requested_authority)
    requesting_org, requesting_entry = _resolve_remote_authority(data.requesting_authority)
    countries = {
        c_.iso3: c_
        for c_ in Country.objects.filter(
            iso3__in=[x for x in (data.requesting_country, data.requested_country) if x]
        )
    }
    basis = data.legal_basis
    instrument = (
        Instrument.objects.filter(slug=basis.instrument).first() if basis.instrument else None
    )
    text = basis.text
    if basis.kind == c.LegalBasisKind.INSTRUMENT and instrument is None:
        text = "{} {}".format(basis.instrument_title or basis.instrument or "", basis.article)
    request = Request(
        id=request_id,
        direction=c.Direction.INCOMING,
        type=data.type,
        node=sender,
        requester_reference=data.requester_reference,
        requested_reference=reference_new("IN", now),
        requesting_organisation=requesting_org,
        requesting_authority=requesting_entry,
        requesting_authority_name=data.requesting_authority.name,
        requested_organisation=requested_org,
        requested_authority=requested_entry,
        requested_authority_name=authority_label(requested_org, requested_entry)
        or data.requested_authority.name,
        requesting_country=countries.get(data.requesting_country or ""),
        requested_country=countries.get(data.requested_country or ""),
        subject=data.subject,
        description=data.description,
        urgency=data.urgency,
        due_date=data.due_date,
        legal_basis_kind=basis.kind,
        legal_basis_instrument=instrument,
        legal_basis_article=basis.article,
        legal_basis_text=text.strip(),
        legal_basis_suggestion=data.legal_basis_suggestion,
        status=RS.SENT,
        created_at=now,
        sent_at=data.sent_at,
        received_at=now,
    )
    request.save()
    status_change(
        request,
        RS.RECEIVED,
        side=REQUESTED,
        at=now,
        actor_label=node_label(sender),
        note="Received from {}".format(sender.name),
        remote=False,
    )
    request.save()
    audit_record(
        actor=None,
        actor_label=node_label(sender),
        action=AuditAction.CREATE,
        obj=request,
        after={
            "received_from": sender.name,
            "type": request.type,
            "requested_organisation": requested_org.pk if requested_org else None,
        },
    )
    # The automatic acknowledgement travels back at once, with our own reference.
    outbox_enqueue(
        target=sender,
        kind=envelopes.KIND_ACK,
        payload=envelopes.dump(
            envelopes.AckPayload(
                requested_reference=request.requested_reference,
                received_at=now,
                requested_authority=request.requested_authority_name,
            )
        ),
        request=str(request.pk),
    )


def _apply_ack(
    sender: Node, request: Request, payload: envelopes.AckPayload, now: dt.datetime
) -> None:
    if request.direction != c.Direction.OUTGOING:
        raise _invalid(_("Only the requested side acknowledges a request."))
    request.requested_reference = payload.requested_reference
    request.received_at = payload.received_at
    Message.objects.create(
        request=request,
        direction=c.Direction.INCOMING,
        kind=c.MessageKind.ACKNOWLEDGEMENT,
        author_name=payload.requested_authority or sender.name,
        body="Received by {} on {}; their reference {}.".format(
            payload.requested_authority or sender.name,
            payload.received_at.isoformat(timespec="seconds"),
            payload.requested_reference,
        ),
        created_at=payload.received_at,
        received_at=now,
    )
    if request.status == RS.SENT:
        status_change(
            request,
            RS.RECEIVED,
            side=REQUESTED,
            at=payload.received_at,
            actor_label=node_label(sender),
            note="Acknowledged by {}".format(sender.name),
            remote=True,
        )
    request.save()


def _apply_status(sender: Node, request: Request, payload: envelopes.StatusPayload) -> None:
    other = REQUESTED if request.direction == c.Direction.OUTGOING else REQUESTER
    current = request.status
    if current == RS.SENT and other == REQUESTED:
        current = RS.RECEIVED  # the acknowledgement always comes first; be lenient anyway
    to_status = payload.to_status.value
    if to_status == RS.REFUSED and payload.refusal_ground is None:
        raise _invalid(_("A refusal needs its ground."))
    if to_status not in remote_transitions(request, current):
        # Crossed with a change made here (e.g. withdrawn while they accepted): keep the
        # record, do not apply it. The later events reconcile the two sides.
        StatusChange.objects.create(
            request=request,
            from_status=payload.from_status.value,
            to_status=to_status,
            side=other,
            actor_label=payload.actor or node_label(sender),
            note=payload.note,
            remote=True,
            applied=False,
            at=payload.at,
        )
        return
    if to_status == RS.REFUSED and payload.refusal_ground is not None:
        request.refusal_ground = payload.refusal_ground.value
        request.refusal_grounds = payload.note
    request.status = current
    status_change(
        request,
        to_status,
        side=other,
        at=payload.at,
        actor_label=payload.actor or node_label(sender),
        note=payload.note,
        remote=True,
    )
    request.save()


def _apply_message(
    sender: Node, request: Request, data: envelopes.MessagePayload, now: dt.datetime
) -> None:
    if pk_exists(Message, data.id):
        raise _invalid(_("Message {} already exists on this node.").format(data.id), "conflict")
    contents: list[tuple[envelopes.AttachmentPayload, bytes]] = []
    for a in data.attachments:
        try:
            content = base64.b64decode(a.content_b64, validate=True)
        except (binascii.Error, ValueError):
            raise _invalid(_("Attachment {} is not valid base64.").format(a.filename)) from None
        if len(content) != a.size or files.sha256(content) != a.sha256:
            raise _invalid(
                _("Attachment {} does not match its size and SHA-256.").format(a.filename),
                "attachment_corrupt",
            )
        contents.append((a, content))
    message = Message(
        id=data.id,
        request=request,
        direction=c.Direction.INCOMING,
        kind=data.kind,
        author_name=data.author or sender.name,
        body=data.body,
        source_reliability=data.source_reliability,
        information_assessment=data.information_assessment,
        handling_codes=[x.value for x in data.handling_codes],
        created_at=data.created_at,
        received_at=now,
    )
    instance_insert(message)  # its INSERT built once, not compiled for each message of a batch
    for a, content in contents:
        attachment_store(message, NewAttachment(a.filename, a.content_type, content), pk=a.id)
    for e in data.extracts:
        extract = SharedCaseExtract.objects.create(
            id=e.id,
            request=request,
            message=message,
            direction=c.Direction.INCOMING,
            case_reference=e.case_reference,
            fields=e.fields,
            identifying=e.identifying,
            basis=e.basis,
            legal_basis=e.legal_basis,
            consents=e.consents,
            ciphertext=encrypt_json(e.data),
            created_at=now,
        )
        audit_record(
            actor=None,
            actor_label=node_label(sender),
            action=AuditAction.CREATE,
            obj=extract,
            after={
                "received_from": sender.name,
                "request": str(request.pk),
                "case": e.case_reference,
                "fields": e.fields,
                "basis": e.basis,
                "identifying": e.identifying,
            },
        )
