"""The node inbox (POST /api/v1/node/inbox, authenticated by its Ed25519 signature) and the
request workflow API (/api/v1/cooperation/, for users)."""

# No `from __future__ import annotations` here: django-ninja reads `Query[...]` parameter
# annotations at import time.

import base64
import binascii
import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from palermo.cases.access import case_get
from palermo.cases.models import Case
from palermo.cooperation import access, schemas, selectors, services, signing
from palermo.cooperation.witness import witness_answer
from palermo.core.auth import AUTH, api_user
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import Organisation, User
from palermo.core.pagination import MAX_PAGE, MAX_PAGE_SIZE, page_slice

router = Router(tags=["node"], auth=None)


def _inbox_body(request: HttpRequest) -> bytes:
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > settings.PALERMO_NODE_MAX_MESSAGE_BYTES:
        raise services.NodeRefusal(_("The message is too large."), "too_large", 413)
    try:
        return request.body
    except RequestDataTooBig:
        raise services.NodeRefusal(_("The message is too large."), "too_large", 413) from None


@router.post("/inbox", include_in_schema=True, summary="Receive a signed message from a peer node")
def inbox(request: HttpRequest) -> HttpResponse:
    body = _inbox_body(request)
    headers = {
        signing.NODE_HEADER: request.headers.get(signing.NODE_HEADER, ""),
        signing.SIGNATURE_HEADER: request.headers.get(signing.SIGNATURE_HEADER, ""),
    }
    reply = services.inbox_receive(body=body, headers=headers)
    response = HttpResponse(reply.body, status=reply.status, content_type="application/json")
    for name, value in reply.headers.items():
        response[name] = value
    return response


@router.post(
    "/inbox/batch",
    include_in_schema=True,
    summary="Receive several signed messages from a peer node in one request",
)
def inbox_batch(request: HttpRequest) -> HttpResponse:
    """Up to 100 envelopes, each signed as for /inbox, stored in order in one transaction;
    the answer has each one's signed receipt or its refusal (palermo.cooperation.batching)."""
    body = _inbox_body(request)
    headers = {signing.NODE_HEADER: request.headers.get(signing.NODE_HEADER, "")}
    reply = services.inbox_receive_batch(body=body, headers=headers)
    response = HttpResponse(reply, status=200, content_type="application/json")
    response[signing.NODE_HEADER] = signing.node_name()
    return response


@router.post(
    "/witness",
    include_in_schema=True,
    summary="A peer node asks for the copies of its signed audit checkpoints kept here",
)
def witness(request: HttpRequest) -> HttpResponse:
    """A signed `witness.fetch` envelope in; the checkpoints this node keeps for the sender,
    signed by this node, out (palermo.cooperation.witness)."""
    body = _inbox_body(request)
    headers = {
        signing.NODE_HEADER: request.headers.get(signing.NODE_HEADER, ""),
        signing.SIGNATURE_HEADER: request.headers.get(signing.SIGNATURE_HEADER, ""),
    }
    reply, reply_headers = witness_answer(body=body, headers=headers)
    response = HttpResponse(reply, status=200, content_type="application/json")
    for name, value in reply_headers.items():
        response[name] = value
    return response


# =============================================================================================
# The request workflow at /api/v1/cooperation/ (users: session or bearer token).
#
# Investigators/prosecutors and national coordinators of the authority's organisation work on
# its requests; analysts see only /statistics; everyone else gets 403 on lists and 404 on any
# request, message, attachment or extract (its existence is not revealed).
# =============================================================================================

requests_router = Router(tags=["cooperation"], auth=AUTH)

NO_STORE = "no-store"


def _choice(value: schemas.LegalBasisIn | None) -> services.LegalBasisChoice | None:
    if value is None:
        return None
    return services.LegalBasisChoice(
        kind=value.kind, instrument=value.instrument, article=value.article, text=value.text
    )


def _case(user: User, key: str | None) -> Case | None:
    if not key:
        return None
    case, _access = case_get(user, key)
    return case


def _detail(user: User, key: object) -> dict[str, Any]:
    detail = selectors.request_detail(user=user, key=key)
    r = detail.request
    return schemas.request_out(r) | {
        "description": r.description,
        "refusal_grounds": r.refusal_grounds,
        "legal_basis_suggestion": r.legal_basis_suggestion,
        "messages": [schemas.message_out(i.message) for i in detail.thread if i.message],
        "status_changes": [schemas.change_out(i.change) for i in detail.thread if i.change],
        "pending_outbound": detail.pending_outbound,
    }


class RequestFilters(Schema):
    direction: str = Field("", description="outgoing or incoming")
    status: str = ""
    type: str = ""
    country: str = Field("", description="either state, ISO alpha-3")
    q: str = Field("", description="subject or either side's reference")
    open_only: bool = False
    overdue: bool = False
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class RequestPage(Schema):
    items: list[schemas.RequestOut]
    count: int
    page: int
    pages: int


@requests_router.get("/requests", response=RequestPage)
def request_list(request: HttpRequest, filters: Query[RequestFilters]) -> dict[str, Any]:
    """The caller's requests (outgoing and incoming), newest first, filtered and paged."""
    user = access.require_cooperation_user(api_user(request))
    f = filters.dict()
    page, size = f.pop("page"), f.pop("page_size")
    qs = selectors.request_list(user=user, **f)
    rows, count = page_slice(qs, page, size)
    return {
        "items": [schemas.request_out(r) for r in rows],
        "count": count,
        "page": page,
        "pages": max(1, -(-count // size)),
    }


@requests_router.post("/requests", response={201: schemas.RequestDetailOut})
def request_create(request: HttpRequest, payload: schemas.RequestIn) -> Status[dict[str, Any]]:
    """A draft request of the caller's organisation."""
    user = api_user(request)
    created = services.request_create(
        actor=user,
        type=payload.type,
        subject=payload.subject,
        description=payload.description,
        node=payload.node,
        requested_authority=payload.requested_authority,
        requested_country=payload.requested_country,
        urgency=payload.urgency,
        due_date=payload.due_date,
        legal_basis=_choice(payload.legal_basis),
        case=_case(user, payload.case),
    )
    return Status(201, _detail(user, created.pk))


@requests_router.get("/requests/{key}", response=schemas.RequestDetailOut)
def request_get(request: HttpRequest, key: str) -> dict[str, Any]:
    """A request with its thread (messages and status changes, in time order)."""
    return _detail(api_user(request), key)


@requests_router.patch("/requests/{key}", response=schemas.RequestDetailOut)
def request_update(request: HttpRequest, key: str, payload: schemas.RequestPatch) -> dict[str, Any]:
    """Change a draft."""
    user = api_user(request)
    target = access.request_get(user, key)
    fields = payload.dict(exclude_unset=True)
    basis = fields.pop("legal_basis", None)
    services.request_update(
        actor=user,
        request=target,
        legal_basis=_choice(payload.legal_basis) if basis is not None else None,
        **fields,
    )
    return _detail(user, target.pk)


@requests_router.post("/requests/{key}/send", response=schemas.RequestDetailOut)
def request_send(request: HttpRequest, key: str) -> dict[str, Any]:
    """Send a draft to its node (with the messages written so far)."""
    user = api_user(request)
    services.request_send(actor=user, request=access.request_get(user, key))
    return _detail(user, key)


@requests_router.post("/requests/{key}/transition", response=schemas.RequestDetailOut)
def request_transition(
    request: HttpRequest, key: str, payload: schemas.TransitionIn
) -> dict[str, Any]:
    """Accept, ask for more information, execute, refuse (ground + grounds), withdraw, close."""
    user = api_user(request)
    services.request_transition(
        actor=user,
        request=access.request_get(user, key),
        to_status=payload.to_status,
        note=payload.note,
        refusal_ground=payload.refusal_ground,
    )
    return _detail(user, key)


@requests_router.post("/requests/{key}/assign", response=schemas.RequestDetailOut)
def request_assign(request: HttpRequest, key: str, payload: schemas.AssignIn) -> dict[str, Any]:
    """A national coordinator gives an incoming request to an authority here."""
    user = api_user(request)
    target = access.request_get(user, key)
    services.request_assign(actor=user, request=target, organisation=payload.organisation)
    return _detail(user, target.pk)


@requests_router.get("/requests/{key}/messages", response=list[schemas.MessageOut])
def message_list(request: HttpRequest, key: str) -> list[dict[str, Any]]:
    return [
        schemas.message_out(m) for m in selectors.request_messages(user=api_user(request), key=key)
    ]


@requests_router.post("/requests/{key}/messages", response={201: schemas.MessageOut})
def message_post(
    request: HttpRequest, key: str, payload: schemas.MessageIn
) -> Status[dict[str, Any]]:
    """A message with handling codes, attachments (base64) and optionally a case extract."""
    user = api_user(request)
    target = access.request_get(user, key)
    attachments = []
    for a in payload.attachments:
        try:
            content = base64.b64decode(a.content_b64, validate=True)
        except (binascii.Error, ValueError):
            raise ApplicationError(
                _("Attachment {} is not valid base64.").format(a.filename), "invalid_base64"
            ) from None
        attachments.append(services.NewAttachment(a.filename, a.content_type, content))
    extract = None
    if payload.extract is not None:
        case = _case(user, payload.extract.case)
        assert case is not None  # noqa: S101 - _case raises for an unknown case
        extract = services.ExtractSpec(
            case=case,
            case_fields=tuple(payload.extract.case_fields),
            persons={k: tuple(v) for k, v in payload.extract.persons.items()},
            legal_basis=payload.extract.legal_basis,
        )
    message = services.message_post(
        actor=user,
        request=target,
        body=payload.body,
        attachments=attachments,
        source_reliability=payload.source_reliability,
        information_assessment=payload.information_assessment,
        handling_codes=payload.handling_codes,
        extract=extract,
    )
    return Status(201, schemas.message_out(message))


@requests_router.get("/requests/{key}/export")
def request_export(request: HttpRequest, key: str, purpose: str = "record") -> HttpResponse:
    """The request and its thread as JSON (refused when received content's handling codes
    forbid it: 403 `handling_restricted`)."""
    user = api_user(request)
    bundle = services.request_export(
        actor=user, request=access.request_get(user, key), purpose=purpose
    )
    response = HttpResponse(
        json.dumps(bundle, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Cache-Control"] = NO_STORE
    return response


@requests_router.get("/attachments/{attachment_id}")
def attachment_get(request: HttpRequest, attachment_id: str) -> HttpResponse:
    """The file (checked against its SHA-256; reads of received files are audited)."""
    user = api_user(request)
    attachment = access.attachment_get(user, attachment_id)
    content = services.attachment_read(actor=user, attachment=attachment)
    response = HttpResponse(content, content_type=attachment.content_type)
    response["Content-Disposition"] = 'attachment; filename="{}"'.format(
        attachment.filename.replace('"', "")
    )
    response["Cache-Control"] = NO_STORE
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requests_router.get("/extracts/{extract_id}", response=dict[str, Any])
def extract_get(request: HttpRequest, extract_id: str, reason: str = "") -> HttpResponse:
    """A shared case extract's content; `reason` is required and every read is audited."""
    user = api_user(request)
    data = services.extract_read(
        actor=user, extract=access.extract_get(user, extract_id), reason=reason
    )
    response = HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/json")
    response["Cache-Control"] = NO_STORE
    return response


@requests_router.post("/messages/{message_id}/forward", response={201: schemas.MessageOut})
def message_forward(
    request: HttpRequest, message_id: str, payload: schemas.ForwardIn
) -> Status[dict[str, Any]]:
    """Forward a message to another request (403 `handling_restricted` when its codes forbid)."""
    user = api_user(request)
    message = access.message_get(user, message_id)
    forwarded = services.message_forward(
        actor=user,
        message=message,
        to_request=access.request_get(user, payload.request),
        note=payload.note,
    )
    return Status(201, schemas.message_out(forwarded))


@requests_router.post("/messages/{message_id}/share", response={201: dict[str, Any]})
def message_share(
    request: HttpRequest, message_id: str, payload: schemas.RequestShareIn
) -> Status[dict[str, Any]]:
    """Let another organisation here see a received message (if its handling codes allow)."""
    user = api_user(request)
    message = access.message_get(user, message_id)
    org = Organisation.objects.filter(name=payload.organisation).first()
    if org is None:
        raise NotFoundError(
            _("No organisation named '{}'.").format(payload.organisation), "unknown_organisation"
        )
    share = services.message_share(
        actor=user, message=message, organisation=org, reason=payload.reason
    )
    return Status(201, {"message": str(message.pk), "organisation": org.name, "id": share.pk})


@requests_router.get("/legal-basis", response=dict[str, Any])
def legal_basis(
    request: HttpRequest,
    type: str,  # noqa: A002 - the request type
    requesting: str,
    requested: str,
    date: dt.date | None = None,
) -> dict[str, Any]:
    """The instruments both states are bound by on `date` for this type of request."""
    access.require_cooperation_user(api_user(request))
    return selectors.legal_basis_suggest(
        type=type, requesting=requesting, requested=requested, on=date
    )


def _deadline_out(d: selectors.RequestDeadline) -> dict[str, Any]:
    return {
        "day": d.day,
        "request": schemas.request_out(d.request),
        "waiting_for": d.waiting_for,
        "overdue": d.overdue,
        "days": d.days,
    }


@requests_router.get("/overdue", response=schemas.OverdueOut)
def overdue(request: HttpRequest) -> dict[str, Any]:
    """Open requests past their due date: those we owe an answer to, those we wait for."""
    user = access.require_cooperation_user(api_user(request))
    rows = selectors.overdue(user=user)
    return {k: [_deadline_out(d) for d in v] for k, v in rows.items()}


@requests_router.get("/deadlines", response=list[schemas.RequestDeadlineOut])
def deadlines(request: HttpRequest, days: int = 7) -> list[dict[str, Any]]:
    """Open requests due within `days` days or overdue, most pressing first."""
    user = access.require_cooperation_user(api_user(request))
    return [_deadline_out(d) for d in selectors.request_deadlines(user=user, days=days)]


@requests_router.get("/statistics", response=dict[str, Any])
def statistics(
    request: HttpRequest,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    type: str = "",  # noqa: A002
) -> dict[str, Any]:
    """Requests per country pair and type, median/p90 response times, refusal grounds."""
    return selectors.cooperation_statistics(
        user=api_user(request), date_from=date_from, date_to=date_to, type=type
    )
