"""Writes and audited reads of a request's thread: messages, attachments, case extracts, export.

A message carries the originator's evaluation and handling codes (handling.py), its files
(encrypted at rest, checked against their SHA-256) and optionally an extract of a case held by
the author's organisation, built by the cases app (palermo.cases.sharing) with exactly the
fields chosen. On a draft it waits and goes with the request; otherwise it travels at once.
Received content is forwarded, shared or exported only where its handling codes allow.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cases import sharing
from palermo.cases.sharing import ExtractSpec
from palermo.cooperation import access, envelopes, files, handling, signing
from palermo.cooperation import choices as c
from palermo.cooperation.models import (
    Attachment,
    Message,
    MessageShare,
    Request,
    SharedCaseExtract,
)
from palermo.cooperation.services.events import author_label, enqueue, locked, message_payload
from palermo.cooperation.workflow import legal_basis_label
from palermo.core import filestore
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.crypto import decrypt_json, encrypt_json
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import Organisation, User
from palermo.core.permissions import AnyUser

RS = c.RequestStatus
EXPORT_PURPOSES = {"record": handling.EXPORT, "court": handling.COURT}


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content_type: str
    content: bytes


# --- checks ------------------------------------------------------------------------------------


def _check_handling(
    source_reliability: str, information_assessment: str, handling_codes: list[str]
) -> list[str]:
    if source_reliability not in c.SourceReliability.values:
        raise ApplicationError(
            _("Source reliability is one of {}.").format(", ".join(c.SourceReliability.values)),
            code="invalid_handling",
        )
    if information_assessment not in c.InformationAssessment.values:
        raise ApplicationError(
            _("Information assessment is one of {}.").format(
                ", ".join(c.InformationAssessment.values)
            ),
            code="invalid_handling",
        )
    unknown = sorted(set(handling_codes) - set(c.HandlingCode.values))
    if unknown:
        raise ApplicationError(
            _("Unknown handling code(s) {}: use {}.").format(
                ", ".join(unknown), ", ".join(c.HandlingCode.values)
            ),
            code="invalid_handling",
        )
    return sorted(set(handling_codes))


def _check_size(attachments: list[NewAttachment]) -> None:
    total = sum(len(a.content) for a in attachments)
    limit = files.max_attachment_bytes()
    if total > limit:
        raise ApplicationError(
            _(
                "The attachments of one message may be at most {} bytes together (these are {}): "
                "they travel inside one signed message."
            ).format(limit, total),
            code="too_large",
        )
    for a in attachments:
        if not a.filename.strip() or "/" in a.filename or "\\" in a.filename:
            raise ApplicationError(
                _("Give each attachment a plain file name."), code="invalid_filename"
            )


def attachment_store(message: Message, new: NewAttachment, pk: uuid.UUID | None = None) -> None:
    """Store a file of a message, encrypted under a random name; its SHA-256 is kept to check
    it when read (`pk`: the sender's id)."""
    digest = files.sha256(new.content)
    attachment = Attachment(
        message=message,
        filename=filestore.safe_filename(new.filename, "attachment"),
        content_type=(new.content_type or "application/octet-stream")[:100],
        size=len(new.content),
        sha256=digest,
        path="",
    )
    if pk is not None:
        attachment.pk = pk
    attachment.path = files.store(new.content)
    attachment.save()


# --- messages ----------------------------------------------------------------------------------


def _extract_store(
    user: User, request: Request, message: Message, spec: ExtractSpec, now: dt.datetime
) -> SharedCaseExtract:
    """The case extract of a message, built by the cases app; what went is audited."""
    if request.direction != c.Direction.OUTGOING and not sharing.case_may_share(user, spec.case):
        raise ForbiddenError(_("Only the organisation holding the case can share it."))
    reason = "Cooperation request {} to {}".format(
        request.requester_reference or request.requested_reference,
        request.node.name if request.node else "another node",
    )
    built = sharing.extract_build(actor=user, spec=spec, reason=reason)
    extract = SharedCaseExtract.objects.create(
        request=request,
        message=message,
        direction=c.Direction.OUTGOING,
        case=spec.case,
        case_reference=built.case_reference,
        fields=built.fields,
        identifying=built.identifying,
        basis=c.CaseBasis(built.basis),
        legal_basis=built.legal_basis,
        consents=built.consents,
        ciphertext=encrypt_json(built.data),
        shared_by=user,
        created_at=now,
    )
    # What went, to whom, on which basis: never the values themselves.
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=extract,
        after={
            "request": str(request.pk),
            "case": built.case_reference,
            "to_node": request.node.name if request.node else None,
            "to_authority": request.requested_authority_name
            if request.direction == c.Direction.OUTGOING
            else request.requesting_authority_name,
            "fields": built.fields,
            "basis": built.basis,
            "legal_basis": built.legal_basis,
            "consents": built.consents,
        },
    )
    return extract


@transaction.atomic
def message_post(
    *,
    actor: AnyUser | None,
    request: Request,
    body: str = "",
    attachments: list[NewAttachment] | None = None,
    source_reliability: str = c.SourceReliability.X,
    information_assessment: str = c.InformationAssessment.FOUR,
    handling_codes: list[str] | None = None,
    extract: ExtractSpec | None = None,
    kind: str = c.MessageKind.MESSAGE,
    forwarded_from: Message | None = None,
    now: dt.datetime | None = None,
) -> Message:
    """A message on a request's thread, with its handling codes, files and case extract.

    On a draft it waits and goes with the request; otherwise it travels at once."""
    user = access.require_cooperation_user(actor)
    request = locked(access.request_get(user, request.pk, related=False))
    now = now or timezone.now()
    if request.status == RS.CLOSED:
        raise ApplicationError(_("The request is closed."), code="closed")
    attachments = list(attachments or [])
    codes = _check_handling(source_reliability, information_assessment, list(handling_codes or []))
    if not body.strip() and not attachments and extract is None:
        raise ApplicationError(
            _("A message needs a text, an attachment or a case extract."), code="empty_message"
        )
    _check_size(attachments)
    message = Message(
        request=request,
        direction=c.Direction.OUTGOING,
        kind=kind,
        author=user,
        author_name=author_label(user),
        body=body.strip(),
        source_reliability=source_reliability,
        information_assessment=information_assessment,
        handling_codes=codes,
        forwarded_from=forwarded_from,
        created_at=now,
    )
    message.full_clean()
    message.save()
    for new in attachments:
        attachment_store(message, new)
    extract_row = None
    if extract is not None:
        extract_row = _extract_store(user, request, message, extract, now)
    payload = message_payload(message)
    if request.status != RS.DRAFT:
        limit = settings.PALERMO_NODE_MAX_MESSAGE_BYTES - 4096
        if len(signing.canonical(payload)) > limit:
            raise ApplicationError(
                _(
                    "This message would be larger than a node accepts ({} bytes): "
                    "split it or make the files smaller."
                ).format(limit),
                code="too_large",
            )
    enqueue(request, envelopes.KIND_MESSAGE, payload)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=message,
        after={
            "request": str(request.pk),
            "kind": kind,
            "handling": message.handling_label,
            "attachments": [a.sha256 for a in message.attachments.all()],
            "extract": str(extract_row.pk) if extract_row else None,
        },
    )
    return message


def attachment_read(*, actor: AnyUser | None, attachment: Attachment) -> bytes:
    """The file's bytes (checked against its SHA-256); reads of received files are audited."""
    user = access.require_cooperation_user(actor)
    attachment = access.attachment_get(user, attachment.pk)
    content = files.load(attachment.path, attachment.sha256)
    if attachment.message.direction == c.Direction.INCOMING:
        with transaction.atomic():
            audit_record(
                actor=user,
                action=AuditAction.READ,
                obj=attachment,
                after={"filename": attachment.filename, "sha256": attachment.sha256},
                reason="read a received attachment",
            )
    return content


def extract_read(
    *, actor: AnyUser | None, extract: SharedCaseExtract, reason: str
) -> dict[str, Any]:
    """A case extract's content; every read is audited (on either node) with its reason."""
    user = access.require_cooperation_user(actor)
    extract = access.extract_get(user, extract.pk)
    if not reason.strip():
        raise ApplicationError(
            _("Say why you need to see this case extract."), code="reason_required"
        )
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.READ,
            obj=extract,
            after={"request": str(extract.request_id), "fields": extract.fields},
            reason=reason.strip()[:500],
        )
    return decrypt_json(extract.ciphertext)


# --- received content, where its handling codes allow --------------------------------------------


@transaction.atomic
def message_forward(
    *,
    actor: AnyUser | None,
    message: Message,
    to_request: Request,
    note: str = "",
) -> Message:
    """Forward a message (text and files) to another request; its handling codes go with it.

    Refused (handling_restricted) when the originator marked it no_further_dissemination."""
    user = access.require_cooperation_user(actor)
    message = access.message_get(user, message.pk)
    handling.check([message], handling.FORWARD)
    target = access.request_get(user, to_request.pk)
    if target.pk == message.request_id:
        raise ApplicationError(_("Forward to another request."), code="invalid")
    body = "{}\n\n--- forwarded from request {} ({}) ---\n{}".format(
        note.strip(),
        message.request.local_reference,
        message.author_name,
        message.body,
    ).strip()
    copies = [
        NewAttachment(a.filename, a.content_type, files.load(a.path, a.sha256))
        for a in message.attachments.all()
    ]
    return message_post(
        actor=user,
        request=target,
        body=body,
        attachments=copies,
        source_reliability=message.source_reliability,
        information_assessment=message.information_assessment,
        handling_codes=list(message.handling_codes),
        kind=c.MessageKind.FORWARD,
        forwarded_from=message,
    )


@transaction.atomic
def message_share(
    *, actor: AnyUser | None, message: Message, organisation: Organisation, reason: str
) -> MessageShare:
    """Let another organisation here see a received message, if its handling codes allow."""
    user = access.require_cooperation_user(actor)
    message = access.message_get(user, message.pk)
    if not access.request_queryset(user).filter(pk=message.request_id).exists():
        raise ForbiddenError(_("Only the authority working on the request can share its messages."))
    handling.check([message], handling.SHARE, target=organisation)
    if not reason.strip():
        raise ApplicationError(_("Give the reason for sharing."), code="reason_required")
    if organisation.pk == user.organisation_id:
        raise ApplicationError(_("Your organisation already sees it."), code="invalid")
    share, created = MessageShare.objects.get_or_create(
        message=message,
        organisation=organisation,
        defaults={"reason": reason.strip()[:300], "shared_by": user},
    )
    if created:
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            obj=share,
            after={"message": str(message.pk), "organisation": organisation.pk},
        )
    return share


def request_export(
    *, actor: AnyUser | None, request: Request, purpose: str = "record"
) -> dict[str, Any]:
    """The request and its thread as JSON, to keep outside Palermo or to use in court.

    Refused (handling_restricted) when received content forbids it: no_further_dissemination
    for any export, not_for_court for an export for court. Case extracts are not included."""
    user = access.require_cooperation_user(actor)
    request = access.request_get(user, request.pk)
    if purpose not in EXPORT_PURPOSES:
        raise ApplicationError(
            _("The purpose of an export is one of: {}.").format(", ".join(EXPORT_PURPOSES)),
            code="invalid",
        )
    messages = list(request.messages.prefetch_related("attachments"))
    handling.check(messages, EXPORT_PURPOSES[purpose])
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.READ,
            obj=request,
            after={"export": purpose, "messages": len(messages)},
            reason="export for {}".format(purpose),
        )
    return {
        "request": {
            "id": str(request.pk),
            "type": request.type,
            "status": request.status,
            "requester_reference": request.requester_reference,
            "requested_reference": request.requested_reference,
            "requesting_authority": request.requesting_authority_name,
            "requested_authority": request.requested_authority_name,
            "requesting_country": request.requesting_country_id,
            "requested_country": request.requested_country_id,
            "subject": request.subject,
            "description": request.description,
            "urgency": request.urgency,
            "due_date": request.due_date.isoformat() if request.due_date else None,
            "legal_basis": legal_basis_label(request),
            "refusal_ground": request.refusal_ground or None,
            "refusal_grounds": request.refusal_grounds,
        },
        "purpose": purpose,
        "messages": [
            {
                "id": str(m.pk),
                "direction": m.direction,
                "kind": m.kind,
                "author": m.author_name,
                "written_at": m.created_at.isoformat(),
                "handling": m.handling_label,
                "body": m.body,
                "attachments": [
                    {"filename": a.filename, "size": a.size, "sha256": a.sha256}
                    for a in m.attachments.all()
                ],
            }
            for m in messages
        ],
        "status_changes": [
            {
                "from": ch.from_status,
                "to": ch.to_status,
                "side": ch.side,
                "at": ch.at.isoformat(),
                "by": ch.actor_label,
                "note": ch.note,
                "applied": ch.applied,
            }
            for ch in request.status_changes.all()
        ],
    }
