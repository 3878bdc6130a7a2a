"""Writes of the cooperation app: peer nodes, the signed inbox and the retrying outbox.

Delivery is at-least-once: the outbox re-sends a message (same envelope id, fresh timestamp
and signature) until the target answers with a receipt signed by its key; the inbox keeps one
row per (sender, envelope id), so a retry is answered "duplicate" and never stored twice.
Within a request, messages carry seq 1, 2, 3 ...: the outbox never sends seq n+1 before n is
acknowledged, and the inbox refuses seq n+1 (409) while n is missing.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from palermo.cases.access import case_access, case_queryset
from palermo.cases.choices import ConsentPurpose, PersonRole
from palermo.cases.models import Case, Consent
from palermo.cases.services import (
    CONTACT_FIELDS,
    IDENTITY_FIELDS,
    PERSON_FACT_FIELDS,
    has_consent,
    person_identity_read,
)
from palermo.cooperation import access, envelopes, files, handling, selectors, signing
from palermo.cooperation import choices as c
from palermo.cooperation.choices import ReceiptStatus
from palermo.cooperation.models import (
    Attachment,
    InboundMessage,
    Message,
    MessageShare,
    Node,
    OutboundMessage,
    Request,
    SharedCaseExtract,
    StatusChange,
)
from palermo.core.audit import audit_record, model_snapshot
from palermo.core.choices import AuditAction, Role
from palermo.core.crypto import decrypt_json, encrypt_json
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import Country, Organisation, User
from palermo.core.permissions import AnyUser
from palermo.core.services import country_get
from palermo.registry.models import DirectoryEntry, Instrument

INBOX_PATH = "/api/v1/node/inbox"
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_BACKOFF_SECONDS = 300
NODE_FIELDS = ["name", "url", "public_key", "active", "country"]

logger = logging.getLogger(__name__)

# A transport posts (url, body, headers) and returns (status, lower-cased headers, body);
# it raises OSError when the peer cannot be reached.
Transport = Callable[[str, bytes, dict[str, str]], tuple[int, dict[str, str], bytes]]


class NodeRefusal(ApplicationError):
    """The inbox refuses a message; nothing from it is stored."""

    def __init__(self, detail: str, code: str, status: int) -> None:
        super().__init__(detail, code)
        self.status = status
        logger.warning("node inbox refused a message: %s (%s)", code, detail)


class DeliveryError(Exception):
    """A send attempt that did not end with a valid signed receipt."""


# --- nodes -----------------------------------------------------------------------------------


def node_add(
    *,
    name: str,
    url: str,
    public_key: str,
    actor: User | None = None,
    country: str | None = None,
) -> Node:
    """Register a peer node, its Ed25519 public key (checked) and its state; audited."""
    with transaction.atomic():
        node = Node(
            name=name.strip(),
            url=url.strip(),
            public_key=public_key.strip(),
            added_by=actor,
            country=country_get(country) if country else None,
        )
        node.full_clean()  # includes the public key check
        node.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=node,
            after=model_snapshot(node, NODE_FIELDS),
            actor_label="" if actor else "cli",
        )
    return node


def node_get(*, name: str) -> Node:
    node = Node.objects.filter(name=name).first()
    if node is None:
        raise NotFoundError("No node named '{}'.".format(name), code="unknown_node")
    return node


# --- inbox -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedReply:
    status: int
    body: bytes
    headers: dict[str, str]


def _parse_ts(value: object) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("ts")
    ts = dt.datetime.fromisoformat(value)
    if ts.tzinfo is None:
        raise ValueError("ts without time zone")
    return ts


def _check_envelope(envelope: Any, sender: Node) -> None:
    if not isinstance(envelope, dict):
        raise NodeRefusal("The body is not a JSON object.", "invalid", 400)
    if envelope.get("v") != signing.VERSION:
        raise NodeRefusal("Unsupported envelope version.", "invalid", 400)
    try:
        uuid.UUID(str(envelope.get("id")))
    except ValueError:
        raise NodeRefusal("The envelope id is not a UUID.", "invalid", 400) from None
    if envelope.get("from") != sender.name:
        raise NodeRefusal("The envelope's sender is not the signing node.", "bad_signature", 401)
    if not isinstance(envelope.get("kind"), str) or not envelope["kind"]:
        raise NodeRefusal("The envelope has no kind.", "invalid", 400)
    if not isinstance(envelope.get("payload"), dict):
        raise NodeRefusal("The payload is not a JSON object.", "invalid", 400)
    request, seq = envelope.get("request"), envelope.get("seq")
    if request is not None and (not isinstance(request, str) or not 0 < len(request) <= 100):
        raise NodeRefusal("The request reference is not a short string.", "invalid", 400)
    if seq is not None and (
        isinstance(seq, bool) or not isinstance(seq, int) or seq < 1 or request is None
    ):
        raise NodeRefusal("seq is a positive integer within a request.", "invalid", 400)


def inbox_receive(
    *, body: bytes, headers: Mapping[str, str], now: dt.datetime | None = None
) -> SignedReply:
    """Check a signed envelope, store it once, and return the signed receipt.

    Raises NodeRefusal (nothing stored) for an oversized, unsigned, wrongly signed, misaddressed,
    stale, malformed or out-of-order message. A replayed id gets a "duplicate" receipt."""
    now = now or timezone.now()
    if len(body) > settings.PALERMO_NODE_MAX_MESSAGE_BYTES:
        raise NodeRefusal("The message is too large.", "too_large", 413)
    sender_name = headers.get(signing.NODE_HEADER, "")
    sender = Node.objects.filter(name=sender_name, active=True).first() if sender_name else None
    if sender is None:
        raise NodeRefusal("The sending node is not registered here.", "unknown_node", 401)
    signature = headers.get(signing.SIGNATURE_HEADER, "")
    bench_unsigned = signature == signing.UNSIGNED and signing.unsigned_allowed()
    if not bench_unsigned and (
        not signature or not signing.verify(body, signature, sender.public_key)
    ):
        raise NodeRefusal("The signature is missing or does not verify.", "bad_signature", 401)
    try:
        envelope = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise NodeRefusal("The body is not valid JSON.", "invalid", 400) from None
    _check_envelope(envelope, sender)
    if envelope.get("to") != signing.node_name():
        raise NodeRefusal("The message is addressed to another node.", "wrong_recipient", 400)
    try:
        sent_at = _parse_ts(envelope.get("ts"))
    except ValueError:
        raise NodeRefusal("ts is not an ISO-8601 time with a time zone.", "invalid", 400) from None
    if abs(now - sent_at) > MAX_CLOCK_SKEW:
        raise NodeRefusal("The message is stale (ts more than 5 minutes off).", "stale", 400)
    status = _inbox_store(sender=sender, envelope=envelope, sent_at=sent_at, now=now)
    receipt = signing.receipt_build(
        receipt_for=str(envelope["id"]), to=sender.name, status=status, now=now
    )
    if bench_unsigned:
        reply_body, reply_headers = signing.unsigned(receipt)
    else:
        reply_body, reply_headers = signing.signed(receipt)
    return SignedReply(200, reply_body, reply_headers)


def _inbox_store(
    *, sender: Node, envelope: dict[str, Any], sent_at: dt.datetime, now: dt.datetime
) -> str:
    envelope_id = uuid.UUID(str(envelope["id"]))
    request, seq = envelope.get("request"), envelope.get("seq")
    for _attempt in range(2):
        try:
            with transaction.atomic():
                if InboundMessage.objects.filter(sender=sender, envelope_id=envelope_id).exists():
                    return ReceiptStatus.DUPLICATE
                if seq is not None:
                    previous = InboundMessage.objects.filter(
                        sender=sender, request=request, seq__in=[seq - 1, seq]
                    ).values_list("seq", flat=True)
                    seen = set(previous)
                    if seq in seen:
                        raise NodeRefusal(
                            "seq {} of this request came with another id.".format(seq),
                            "seq_conflict",
                            409,
                        )
                    if seq > 1 and seq - 1 not in seen:
                        raise NodeRefusal(
                            "seq {} arrived before seq {}: send again later.".format(seq, seq - 1),
                            "out_of_order",
                            409,
                        )
                message = InboundMessage(
                    sender=sender,
                    envelope_id=envelope_id,
                    kind=envelope["kind"],
                    request=request,
                    seq=seq,
                    payload=envelope["payload"],
                    sent_at=sent_at,
                    received_at=now,
                )
                message.save()
                if envelope["kind"] in envelopes.REQUEST_KINDS:
                    _apply_inbound(sender=sender, envelope=envelope, now=now)
                return ReceiptStatus.ACCEPTED
        except IntegrityError:
            continue  # a concurrent delivery of the same message won: answer as a duplicate
    if InboundMessage.objects.filter(sender=sender, envelope_id=envelope_id).exists():
        return ReceiptStatus.DUPLICATE
    raise NodeRefusal("The message conflicts with one received meanwhile.", "seq_conflict", 409)


# --- outbox ----------------------------------------------------------------------------------


def outbox_enqueue(
    *,
    target: Node,
    kind: str,
    payload: dict[str, Any],
    request: str | None = None,
    now: dt.datetime | None = None,
) -> OutboundMessage:
    """Queue a message for target; within a request it gets the next seq (1, 2, 3 ...)."""
    with transaction.atomic():
        seq = None
        if request is not None:
            # Lock the target row so that concurrent enqueues number one request one by one.
            Node.objects.select_for_update().filter(pk=target.pk).first()
            last = OutboundMessage.objects.filter(target=target, request=request)
            seq = (last.aggregate(m=Max("seq"))["m"] or 0) + 1
        message = OutboundMessage(
            target=target,
            kind=kind,
            payload=payload,
            request=request,
            seq=seq,
            next_attempt_at=now or timezone.now(),
        )
        message.full_clean()
        message.save()
    return message


def http_transport(
    url: str, body: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """POST with urllib; HTTP errors come back as a status, unreachable peers raise OSError."""
    if not url.startswith(("http://", "https://")):
        raise OSError("not an http(s) URL: {}".format(url))
    req = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def inbox_url(node: Node) -> str:
    return node.url.rstrip("/") + INBOX_PATH


def receipt_verify(
    *,
    node: Node,
    envelope_id: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    unsigned: bool = False,
) -> dict[str, Any]:
    """The receipt of a send, checked against the target's key; DeliveryError otherwise."""
    if status != 200:
        try:
            error = json.loads(body)
            detail = "{} {}: {}".format(status, error.get("code"), error.get("detail"))
        except (ValueError, AttributeError):
            detail = "{} {}".format(status, body[:200].decode("utf-8", "replace"))
        raise DeliveryError(detail)
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get(signing.NODE_HEADER.lower()) != node.name:
        raise DeliveryError("the receipt does not come from {}".format(node.name))
    signature = lowered.get(signing.SIGNATURE_HEADER.lower(), "")
    bench_unsigned = unsigned and signature == signing.UNSIGNED and signing.unsigned_allowed()
    if not bench_unsigned and not signing.verify(body, signature, node.public_key):
        raise DeliveryError("the receipt's signature does not verify")
    try:
        receipt = json.loads(body)
    except ValueError:
        raise DeliveryError("the receipt is not JSON") from None
    if not isinstance(receipt, dict) or (
        receipt.get("receipt_for") != envelope_id
        or receipt.get("from") != node.name
        or receipt.get("to") != signing.node_name()
        or receipt.get("status") not in ReceiptStatus.values
    ):
        raise DeliveryError("the receipt does not match the message")
    return receipt


def backoff(attempts: int) -> dt.timedelta:
    """1 s, 2 s, 4 s ... after the 1st, 2nd, 3rd failed attempt, capped at 5 minutes."""
    return dt.timedelta(seconds=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


@dataclass
class DeliveryReport:
    sent: int = 0
    acknowledged: int = 0
    failed: int = 0
    pending: int = 0


def _send_one(
    message: OutboundMessage, transport: Transport, now: dt.datetime, unsigned: bool = False
) -> str:
    """One attempt: "acknowledged", "refused" (the peer answered) or "unreachable"."""
    target = message.target
    envelope = signing.envelope_build(
        to=target.name,
        kind=message.kind,
        payload=message.payload,
        request=message.request,
        seq=message.seq,
        envelope_id=message.envelope_id,
    )  # stamped with the real clock: `now` only drives scheduling
    body, headers = signing.unsigned(envelope) if unsigned else signing.signed(envelope)
    message.envelope = envelope
    message.attempts += 1
    outcome = "unreachable"
    try:
        status, resp_headers, resp_body = transport(inbox_url(target), body, headers)
        outcome = "refused"
        receipt = receipt_verify(
            node=target,
            envelope_id=str(message.envelope_id),
            status=status,
            headers=resp_headers,
            body=resp_body,
            unsigned=unsigned,
        )
    except (OSError, DeliveryError) as exc:
        message.last_error = str(exc)[:2000] or exc.__class__.__name__
        message.next_attempt_at = now + backoff(message.attempts)
        message.save(update_fields=["envelope", "attempts", "last_error", "next_attempt_at"])
        return outcome
    message.receipt = receipt
    message.acknowledged_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["envelope", "attempts", "last_error", "receipt", "acknowledged_at"])
    return "acknowledged"


def outbox_deliver(
    *,
    now: dt.datetime | None = None,
    limit: int = 500,
    transport: Transport | None = None,
    unsigned: bool = False,
) -> DeliveryReport:
    """Send due messages: per (target, request) strictly in seq order, one at a time.

    A failed send (unreachable, 5xx, 409 out of order, bad receipt ...) is retried after a
    back-off; the later messages of its request wait for it. Messages without a request are
    independent. A target that cannot be reached is skipped for the rest of this run.

    `unsigned` (the benchmark's comparison only) is refused unless signing.unsigned_allowed()."""
    if unsigned and not signing.unsigned_allowed():
        raise ApplicationError(
            "Unsigned delivery is only for the benchmark (PALERMO_NODE_UNSIGNED_BENCH with the "
            "test settings).",
            "unsigned_refused",
        )
    send = transport or http_transport
    report = DeliveryReport()
    blocked_groups: set[tuple[int, str]] = set()
    unreachable: set[int] = set()
    pending = (
        OutboundMessage.objects.filter(acknowledged_at__isnull=True, target__active=True)
        .select_related("target")
        .order_by("target_id", "request", "seq", "id")
    )
    for message in pending.iterator(chunk_size=500):
        current = now or timezone.now()
        group = (message.target_id, message.request) if message.request is not None else None
        if message.target_id in unreachable or (group is not None and group in blocked_groups):
            report.pending += 1
            continue
        if message.next_attempt_at > current or report.sent >= limit:
            report.pending += 1
            if group is not None:
                blocked_groups.add(group)
            continue
        report.sent += 1
        outcome = _send_one(message, send, current, unsigned)
        if outcome == "acknowledged":
            report.acknowledged += 1
            continue
        report.failed += 1
        report.pending += 1
        if group is not None:
            blocked_groups.add(group)
        if outcome == "unreachable":
            unreachable.add(message.target_id)
    return report


def node_ping(*, node: Node, transport: Transport | None = None) -> tuple[float, dict[str, Any]]:
    """Send a signed ping to node; return the round trip in ms and its verified receipt."""
    envelope = signing.envelope_build(to=node.name, kind="ping", payload={})
    body, headers = signing.signed(envelope)
    started = time.perf_counter()
    try:
        status, resp_headers, resp_body = (transport or http_transport)(
            inbox_url(node), body, headers
        )
        receipt = receipt_verify(
            node=node,
            envelope_id=envelope["id"],
            status=status,
            headers=resp_headers,
            body=resp_body,
        )
    except (OSError, DeliveryError) as exc:
        raise ApplicationError(
            "Ping to {} failed: {}".format(node.name, exc), "ping_failed"
        ) from exc
    return (time.perf_counter() - started) * 1000, receipt


# =============================================================================================
# The request workflow: requests, their life cycle, messages, attachments, case extracts.
#
# Every step here is applied on this node and, once the request has been sent, travels to the
# other node as a signed envelope through the outbox (kinds in envelopes.py, `request` = the
# request's uuid, `seq` in order per request). The other node applies it in _apply_inbound.
# =============================================================================================

RS = c.RequestStatus
REQUESTER, REQUESTED = c.Side.REQUESTER, c.Side.REQUESTED

# Which side may move a request from which status to which. Sent -> received is the other
# node's automatic acknowledgement; draft -> sent is request_send.
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    REQUESTER: {
        RS.SENT: frozenset({RS.WITHDRAWN}),
        RS.RECEIVED: frozenset({RS.WITHDRAWN}),
        RS.ACCEPTED: frozenset({RS.WITHDRAWN}),
        # "received" again: the information asked for was provided.
        RS.MORE_INFO_REQUESTED: frozenset({RS.RECEIVED, RS.WITHDRAWN}),
        RS.EXECUTED: frozenset({RS.CLOSED}),
        RS.PARTIALLY_EXECUTED: frozenset({RS.CLOSED}),
        RS.REFUSED: frozenset({RS.CLOSED}),
        RS.WITHDRAWN: frozenset({RS.CLOSED}),
    },
    REQUESTED: {
        RS.RECEIVED: frozenset({RS.ACCEPTED, RS.MORE_INFO_REQUESTED, RS.REFUSED}),
        RS.MORE_INFO_REQUESTED: frozenset({RS.ACCEPTED, RS.REFUSED}),
        RS.ACCEPTED: frozenset(
            {RS.EXECUTED, RS.PARTIALLY_EXECUTED, RS.REFUSED, RS.MORE_INFO_REQUESTED}
        ),
        RS.PARTIALLY_EXECUTED: frozenset({RS.EXECUTED, RS.CLOSED}),
        RS.EXECUTED: frozenset({RS.CLOSED}),
        RS.REFUSED: frozenset({RS.CLOSED}),
        RS.WITHDRAWN: frozenset({RS.CLOSED}),
    },
}
RESPONSES = frozenset({RS.ACCEPTED, RS.MORE_INFO_REQUESTED, RS.REFUSED})
COMPLETIONS = frozenset({RS.EXECUTED, RS.PARTIALLY_EXECUTED, RS.REFUSED, RS.WITHDRAWN})
REQUEST_AUDIT_FIELDS = [
    "type",
    "status",
    "subject",
    "urgency",
    "due_date",
    "node",
    "requested_organisation",
    "requested_country",
    "legal_basis_kind",
    "legal_basis_instrument",
    "legal_basis_article",
]
VICTIM_ROLES = frozenset({PersonRole.VICTIM, PersonRole.PRESUMED_VICTIM})
CASE_SHAREABLE_FIELDS = (
    "title",
    "status",
    "opened_on",
    "country",
    "reason_for_incoming_referral",
    "incoming_referral_date",
)
PERSON_SHAREABLE_FIELDS = ("role", *PERSON_FACT_FIELDS, *IDENTITY_FIELDS, *CONTACT_FIELDS)
IDENTIFYING_FIELDS = frozenset(IDENTITY_FIELDS) | frozenset(CONTACT_FIELDS)
REMINDER_INTERVAL = dt.timedelta(days=7)


def allowed_transitions(request: Request) -> set[str]:
    """What this node's side may do next with the request (for pages and the API)."""
    return set(TRANSITIONS[request.side].get(request.status, frozenset()))


def _node_label(node: Node) -> str:
    return "node:{}".format(node.name)


def _enqueue(request: Request, kind: str, payload: dict[str, Any]) -> OutboundMessage | None:
    """Queue an event of a sent request for the other node (nothing for a draft)."""
    if request.status == RS.DRAFT or request.node is None:
        return None
    return outbox_enqueue(target=request.node, kind=kind, payload=payload, request=str(request.pk))


def _locked(request: Request) -> Request:
    """The request row, locked for this transaction (status changes are serialised)."""
    return Request.objects.select_for_update().get(pk=request.pk)


# --- legal basis -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LegalBasisChoice:
    """What the requester relies on: an instrument (slug, article), a bilateral agreement
    (text), reciprocity, or `suggested` (the first instrument the registry suggests)."""

    kind: str
    instrument: str | None = None
    article: str = ""
    text: str = ""


SUGGESTED = "suggested"


def legal_basis_parse(value: str) -> LegalBasisChoice:
    """`untoc`, `untoc:art. 18`, `bilateral:TEXT`, `reciprocity` or `suggested`."""
    text = (value or "").strip()
    head, _, rest = text.partition(":")
    head = head.strip().lower()
    if head == SUGGESTED:
        return LegalBasisChoice(SUGGESTED)
    if head == c.LegalBasisKind.RECIPROCITY:
        return LegalBasisChoice(c.LegalBasisKind.RECIPROCITY, text=rest.strip())
    if head == c.LegalBasisKind.BILATERAL:
        return LegalBasisChoice(c.LegalBasisKind.BILATERAL, text=rest.strip())
    if not head:
        raise ApplicationError(
            "Give a legal basis: an instrument slug (untoc, untoc:art. 18), "
            "bilateral:TEXT, reciprocity or suggested.",
            code="legal_basis_required",
        )
    return LegalBasisChoice(c.LegalBasisKind.INSTRUMENT, instrument=head, article=rest.strip())


def _legal_basis_apply(request: Request, choice: LegalBasisChoice, on: dt.date) -> None:
    kind = choice.kind
    if kind == SUGGESTED:
        snapshot = _suggestion(request, on)
        if not snapshot["suggestions"]:
            raise ApplicationError(
                "No treaty in the registry binds both {} and {} on {} for this type of request: "
                "state a bilateral agreement (bilateral:TEXT) or rely on reciprocity.".format(
                    request.requesting_country_id or "?",
                    request.requested_country_id or "?",
                    on.isoformat(),
                ),
                code="no_suggestion",
            )
        first = snapshot["suggestions"][0]
        choice = LegalBasisChoice(
            c.LegalBasisKind.INSTRUMENT, instrument=first["instrument"], article=first["article"]
        )
        kind = choice.kind
    if kind not in c.LegalBasisKind.values:
        raise ApplicationError(
            "Unknown legal basis '{}': use instrument, bilateral or reciprocity.".format(kind),
            code="unknown_legal_basis",
        )
    request.legal_basis_kind = kind
    request.legal_basis_instrument = None
    request.legal_basis_article = ""
    request.legal_basis_text = choice.text.strip()
    if kind == c.LegalBasisKind.INSTRUMENT:
        instrument = Instrument.objects.filter(slug=(choice.instrument or "").strip()).first()
        if instrument is None:
            raise NotFoundError(
                "No instrument with slug '{}' in the registry.".format(choice.instrument),
                code="unknown_instrument",
            )
        request.legal_basis_instrument = instrument
        article = choice.article.strip()
        if not article:
            article = next(
                (
                    b.article
                    for b in selectors.LEGAL_BASES.get(request.type, ())
                    if b.instrument == instrument.slug
                ),
                "",
            )
        request.legal_basis_article = article[:100]
    elif kind == c.LegalBasisKind.BILATERAL and not request.legal_basis_text:
        raise ApplicationError(
            "Name the bilateral agreement or arrangement (bilateral:TEXT).",
            code="legal_basis_text_required",
        )


def _suggestion(request: Request, on: dt.date) -> dict[str, Any]:
    return selectors.legal_basis_suggest(
        type=request.type,
        requesting=request.requesting_country_id,
        requested=request.requested_country_id,
        on=on,
    )


def legal_basis_label(request: Request) -> str:
    if request.legal_basis_kind == c.LegalBasisKind.INSTRUMENT and request.legal_basis_instrument:
        return "{} {}".format(
            request.legal_basis_instrument.short_name, request.legal_basis_article
        ).strip()
    if request.legal_basis_kind == c.LegalBasisKind.BILATERAL:
        return "Bilateral: {}".format(request.legal_basis_text)
    if request.legal_basis_kind == c.LegalBasisKind.RECIPROCITY:
        return "Reciprocity"
    if request.legal_basis_kind == c.LegalBasisKind.INSTRUMENT:
        return request.legal_basis_text
    return ""


# --- authorities -----------------------------------------------------------------------------


def authority_resolve(value: str) -> tuple[Organisation, DirectoryEntry | None]:
    """An authority named by directory reference key, directory entry id or organisation name."""
    text = (value or "").strip()
    entry = None
    if text:
        entry = DirectoryEntry.objects.select_related("organisation").filter(ref_key=text).first()
        if entry is None and text.isdigit():
            entry = (
                DirectoryEntry.objects.select_related("organisation").filter(pk=int(text)).first()
            )
    if entry is not None:
        return entry.organisation, entry
    org = Organisation.objects.filter(name=text).first() if text else None
    if org is None:
        raise NotFoundError(
            "No authority '{}': give an organisation name, a directory entry id or its "
            "reference key.".format(value),
            code="unknown_authority",
        )
    return org, None


# --- requests --------------------------------------------------------------------------------


def _reference(prefix: str, when: dt.datetime) -> str:
    return "{}-{}-{}".format(prefix, when.year, secrets.token_hex(4).upper())


def _clean_request_fields(  # noqa: PLR0912, PLR0915 - one branch per field
    request: Request,
    *,
    type: str | None = None,  # noqa: A002
    subject: str | None = None,
    description: str | None = None,
    urgency: str | None = None,
    due_date: dt.date | None | str = "",
    node: Node | None | str = "",
    requested_organisation: Organisation | None | str = "",
    requested_authority: DirectoryEntry | None | str = "",
    requested_country: str | None = None,
    case: Case | None | str = "",
    today: dt.date,
) -> None:
    """Set the given fields of a draft (an empty string: leave as it is)."""
    if type is not None:
        if type not in c.RequestType.values:
            raise ApplicationError(
                "Unknown request type '{}': use one of {}.".format(
                    type, ", ".join(c.RequestType.values)
                ),
                code="unknown_type",
            )
        request.type = type
    if subject is not None:
        if not subject.strip():
            raise ApplicationError("Give the request a subject.", code="subject_required")
        request.subject = subject.strip()[:300]
    if description is not None:
        request.description = description
    if urgency is not None:
        if urgency not in c.Urgency.values:
            raise ApplicationError(
                "Unknown urgency '{}': use one of {}.".format(urgency, ", ".join(c.Urgency.values)),
                code="unknown_urgency",
            )
        request.urgency = urgency
    if due_date != "":
        if isinstance(due_date, str):
            due_date = dt.date.fromisoformat(due_date)
        if due_date is not None and due_date < today:
            raise ApplicationError(
                "The due date {} is in the past.".format(due_date), code="invalid_date"
            )
        request.due_date = due_date
    if node != "":
        if isinstance(node, str):
            node = node_get(name=node)
        if node is not None and not node.active:
            raise ApplicationError("The node {} is not active.".format(node.name), "inactive_node")
        request.node = node
    named_only = ""
    if requested_authority != "":
        if isinstance(requested_authority, str):
            try:
                org, entry = authority_resolve(requested_authority)
            except NotFoundError:
                # An authority of the other state that this node does not know: it travels by
                # name, and the other node resolves it (or its national coordinators assign it).
                org, entry, named_only = None, None, requested_authority.strip()[:300]
            request.requested_organisation, request.requested_authority = org, entry
        else:
            request.requested_authority = requested_authority
            if requested_authority is not None:
                request.requested_organisation = requested_authority.organisation
    if requested_organisation != "":
        if isinstance(requested_organisation, str):
            org, entry = authority_resolve(requested_organisation)
            request.requested_organisation = org
            request.requested_authority = entry or request.requested_authority
        else:
            request.requested_organisation = requested_organisation
    if requested_country:
        request.requested_country = country_get(requested_country)
    elif request.requested_country_id is None:
        for candidate in (
            request.requested_authority.country_id if request.requested_authority else None,
            request.requested_organisation.country_id if request.requested_organisation else None,
            request.node.country_id if request.node else None,
        ):
            if candidate:
                request.requested_country_id = candidate
                break
    if request.requested_organisation is not None:
        request.requested_authority_name = _authority_label(
            request.requested_organisation, request.requested_authority
        )
    elif named_only:
        request.requested_authority_name = named_only
    if case != "":
        request.case = case if not isinstance(case, str) else None


def _authority_label(org: Organisation | None, entry: DirectoryEntry | None) -> str:
    if org is None:
        return ""
    if entry is not None and entry.unit:
        return "{} ({})".format(org.name, entry.unit)[:300]
    return org.name[:300]


def _check_case(actor: User, case: Case | None) -> None:
    if case is not None and not case_queryset(actor).filter(pk=case.pk).exists():
        raise NotFoundError("No such case.", code="not_found")


@transaction.atomic
def request_create(
    *,
    actor: AnyUser | None,
    type: str,  # noqa: A002
    subject: str,
    description: str = "",
    node: Node | str | None = None,
    requested_authority: DirectoryEntry | str | None = None,
    requested_organisation: Organisation | str | None = None,
    requested_country: str | None = None,
    urgency: str = c.Urgency.NORMAL,
    due_date: dt.date | str | None = None,
    legal_basis: LegalBasisChoice | str | None = None,
    case: Case | None = None,
    now: dt.datetime | None = None,
) -> Request:
    """A draft request of the actor's organisation (the requesting authority)."""
    user = access.require_cooperation_user(actor)
    now = now or timezone.now()
    org = user.organisation
    assert org is not None  # noqa: S101 - cooperation users have one
    _check_case(user, case)
    request = Request(
        direction=c.Direction.OUTGOING,
        requesting_organisation=org,
        requesting_authority=DirectoryEntry.objects.filter(organisation=org).first(),
        requesting_authority_name=org.name,
        requesting_country_id=org.country_id,
        created_by=user,
        created_at=now,
        subject="-",
        type=c.RequestType.MLA,
    )
    _clean_request_fields(
        request,
        type=type,
        subject=subject,
        description=description,
        urgency=urgency,
        due_date=due_date,
        node=node if node is not None else "",
        requested_authority=requested_authority if requested_authority is not None else "",
        requested_organisation=requested_organisation if requested_organisation is not None else "",
        requested_country=requested_country,
        case=case if case is not None else "",
        today=timezone.localdate(now),
    )
    request.requester_reference = _reference(request.type.upper().replace("_", ""), now)
    if legal_basis is not None:
        choice = legal_basis_parse(legal_basis) if isinstance(legal_basis, str) else legal_basis
        _legal_basis_apply(request, choice, timezone.localdate(now))
    request.full_clean()
    request.save()
    StatusChange.objects.create(
        request=request,
        from_status=RS.DRAFT,
        to_status=RS.DRAFT,
        side=REQUESTER,
        actor=user,
        actor_label=user.username,
        note="Draft created",
        at=now,
    )
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=request,
        after=model_snapshot(request, REQUEST_AUDIT_FIELDS),
    )
    return request


@transaction.atomic
def request_update(
    *,
    actor: AnyUser | None,
    request: Request,
    legal_basis: LegalBasisChoice | str | None = None,
    **fields: Any,
) -> Request:
    """Change a draft (fields as for request_create; only drafts change)."""
    user = access.require_cooperation_user(actor)
    request = access.request_get(user, request.pk)
    if request.status != RS.DRAFT or request.direction != c.Direction.OUTGOING:
        raise ApplicationError(
            "Only a draft can be changed; this request is {}.".format(request.status),
            code="not_a_draft",
        )
    before = model_snapshot(request, REQUEST_AUDIT_FIELDS)
    if "case" in fields:
        _check_case(user, fields["case"])
    unknown = set(fields) - {
        "type",
        "subject",
        "description",
        "urgency",
        "due_date",
        "node",
        "requested_organisation",
        "requested_authority",
        "requested_country",
        "case",
    }
    if unknown:
        raise ApplicationError(
            "These fields cannot be changed: {}.".format(", ".join(sorted(unknown))),
            code="invalid",
        )
    if "requested_authority" in fields or "requested_organisation" in fields:
        request.requested_country = None  # follows the new authority unless given
    _clean_request_fields(request, today=timezone.localdate(), **fields)
    if legal_basis is not None:
        choice = legal_basis_parse(legal_basis) if isinstance(legal_basis, str) else legal_basis
        _legal_basis_apply(request, choice, timezone.localdate())
    request.full_clean()
    request.save()
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=request,
        before=before,
        after=model_snapshot(request, REQUEST_AUDIT_FIELDS),
    )
    return request


def _request_payload(request: Request) -> dict[str, Any]:
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


@transaction.atomic
def request_send(
    *, actor: AnyUser | None, request: Request, now: dt.datetime | None = None
) -> Request:
    """Send a draft: it travels to its node with the messages written so far, in order."""
    user = access.require_cooperation_user(actor)
    request = _locked(access.request_get(user, request.pk))
    now = now or timezone.now()
    if request.status != RS.DRAFT or request.direction != c.Direction.OUTGOING:
        raise ApplicationError(
            "Only a draft can be sent; this request is {}.".format(request.status),
            code="invalid_transition",
        )
    problems = []
    if request.node is None:
        problems.append("the node it goes to")
    elif not request.node.active:
        problems.append("an active node (node {} is inactive)".format(request.node.name))
    if request.requested_country_id is None:
        # Without it, a request whose authority the other node does not know would reach
        # nobody there (its national coordinators assign such requests).
        problems.append("the requested state")
    if not request.legal_basis_kind:
        problems.append(
            "a legal basis (an instrument, a bilateral agreement or reciprocity; "
            "see the suggestion)"
        )
    if problems:
        raise ApplicationError(
            "The request cannot be sent without {}.".format("; ".join(problems)),
            code="incomplete",
        )
    request.legal_basis_suggestion = _suggestion(request, timezone.localdate(now))
    request.sent_at = now
    _change(request, RS.SENT, side=REQUESTER, actor=user, at=now, note="Sent")
    request.save()
    _enqueue(request, envelopes.KIND_CREATE, _request_payload(request))
    for message in request.messages.filter(direction=c.Direction.OUTGOING).order_by(
        "created_at", "id"
    ):
        _enqueue(request, envelopes.KIND_MESSAGE, _message_payload(message))
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=request,
        after={
            "status": RS.SENT,
            "node": request.node.name if request.node else None,
            "legal_basis": legal_basis_label(request),
        },
    )
    return request


def _change(
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


@transaction.atomic
def request_transition(
    *,
    actor: AnyUser | None,
    request: Request,
    to_status: str,
    note: str = "",
    refusal_ground: str = "",
    now: dt.datetime | None = None,
) -> Request:
    """Move a request on (see TRANSITIONS); a refusal needs a ground and the grounds as text.

    Only the requester withdraws; only the requested side accepts, asks for more information,
    executes or refuses; either side closes a finished request."""
    user = access.require_cooperation_user(actor)
    request = _locked(access.request_get(user, request.pk))
    now = now or timezone.now()
    if to_status not in RS.values:
        raise ApplicationError("Unknown status '{}'.".format(to_status), code="unknown_status")
    allowed = allowed_transitions(request)
    if to_status not in allowed:
        raise ApplicationError(
            "The {} side cannot move this request from {} to {}{}.".format(
                request.side,
                request.status,
                to_status,
                " (it may: {})".format(", ".join(sorted(allowed))) if allowed else "",
            ),
            code="invalid_transition",
        )
    if to_status == RS.REFUSED:
        if refusal_ground not in c.RefusalGround.values:
            raise ApplicationError(
                "A refusal needs its ground: one of {}.".format(", ".join(c.RefusalGround.values)),
                code="grounds_required",
            )
        if not note.strip():
            raise ApplicationError(
                "A refusal needs its grounds stated in full.", code="grounds_required"
            )
        request.refusal_ground = refusal_ground
        request.refusal_grounds = note.strip()
    before = request.status
    _change(request, to_status, side=request.side, actor=user, at=now, note=note.strip())
    request.save()
    _enqueue(
        request,
        envelopes.KIND_STATUS,
        envelopes.dump(
            envelopes.StatusPayload(
                from_status=c.RequestStatus(before),
                to_status=c.RequestStatus(to_status),
                at=now,
                actor=_author_label(user),
                note=note.strip(),
                refusal_ground=c.RefusalGround(refusal_ground) if to_status == RS.REFUSED else None,
            )
        ),
    )
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=request,
        before={"status": before},
        after={"status": to_status, "refusal_ground": request.refusal_ground or None},
    )
    return request


def request_withdraw(*, actor: AnyUser | None, request: Request, note: str = "") -> Request:
    return request_transition(actor=actor, request=request, to_status=RS.WITHDRAWN, note=note)


def request_refuse(
    *, actor: AnyUser | None, request: Request, ground: str, grounds: str
) -> Request:
    return request_transition(
        actor=actor, request=request, to_status=RS.REFUSED, note=grounds, refusal_ground=ground
    )


@transaction.atomic
def request_assign(
    *, actor: AnyUser | None, request: Request, organisation: Organisation | str
) -> Request:
    """A national coordinator gives an incoming request without an authority here to one."""
    user = access.require_cooperation_user(actor)
    request = _locked(access.request_get(user, request.pk))
    if user.role != Role.NATIONAL_COORDINATOR:
        raise ForbiddenError("Only national coordinators assign incoming requests.")
    if request.direction != c.Direction.INCOMING or request.requested_organisation_id:
        raise ApplicationError(
            "Only an incoming request without an authority here can be assigned.",
            code="invalid_transition",
        )
    org = (
        organisation
        if isinstance(organisation, Organisation)
        else authority_resolve(organisation)[0]
    )
    request.requested_organisation = org
    request.save(update_fields=["requested_organisation", "updated_at"])
    audit_record(
        actor=user, action=AuditAction.UPDATE, obj=request, after={"requested_organisation": org.pk}
    )
    return request


# --- messages, attachments, case extracts ----------------------------------------------------


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class ExtractSpec:
    """Exactly which fields of a case go: case-level fields and, per person (pseudonym), fields.

    Identifying fields (identity, contact) of a victim need their recorded consent to data
    sharing or a stated legal basis (`legal_basis`)."""

    case: Case
    case_fields: tuple[str, ...] = ()
    persons: dict[str, tuple[str, ...]] = field(default_factory=dict)
    legal_basis: str = ""


def _author_label(user: User) -> str:
    org = user.organisation.name if user.organisation else ""
    name = user.get_full_name() or user.username
    return "{}, {}".format(name, org)[:300] if org else name[:300]


def _check_handling(
    source_reliability: str, information_assessment: str, handling_codes: list[str]
) -> list[str]:
    if source_reliability not in c.SourceReliability.values:
        raise ApplicationError(
            "Source reliability is one of {}.".format(", ".join(c.SourceReliability.values)),
            code="invalid_handling",
        )
    if information_assessment not in c.InformationAssessment.values:
        raise ApplicationError(
            "Information assessment is one of {}.".format(
                ", ".join(c.InformationAssessment.values)
            ),
            code="invalid_handling",
        )
    unknown = sorted(set(handling_codes) - set(c.HandlingCode.values))
    if unknown:
        raise ApplicationError(
            "Unknown handling code(s) {}: use {}.".format(
                ", ".join(unknown), ", ".join(c.HandlingCode.values)
            ),
            code="invalid_handling",
        )
    return sorted(set(handling_codes))


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _extract_build(  # noqa: PLR0912 - one rule per check
    user: User, request: Request, spec: ExtractSpec
) -> tuple[dict[str, Any], dict[str, Any], bool, str, list[dict[str, Any]]]:
    """(fields, data, identifying, basis, consents) of an extract; checks every rule first."""
    access_ = case_access(user, spec.case)
    if not access_.owner:
        raise ForbiddenError("Only the organisation holding the case can share it.")
    bad = sorted(set(spec.case_fields) - set(CASE_SHAREABLE_FIELDS))
    if bad:
        raise ApplicationError(
            "Not shareable case fields: {} (use {}).".format(
                ", ".join(bad), ", ".join(CASE_SHAREABLE_FIELDS)
            ),
            code="unknown_field",
        )
    persons = {p.pseudonym: p for p in spec.case.persons.all()}
    unknown = sorted(set(spec.persons) - set(persons))
    if unknown:
        raise ApplicationError(
            "Not persons of this case: {}.".format(", ".join(unknown)), code="unknown_person"
        )
    consents: list[dict[str, Any]] = []
    identifying = False
    legal_basis = spec.legal_basis.strip()
    for pseudonym, wanted in sorted(spec.persons.items()):
        bad = sorted(set(wanted) - set(PERSON_SHAREABLE_FIELDS))
        if bad:
            raise ApplicationError(
                "Not shareable person fields: {}.".format(", ".join(bad)), code="unknown_field"
            )
        if not IDENTIFYING_FIELDS & set(wanted):
            continue
        identifying = True
        person = persons[pseudonym]
        if person.role not in VICTIM_ROLES:
            continue
        consent = (
            Consent.objects.filter(person=person, purpose=ConsentPurpose.DATA_SHARING)
            .order_by("-given_on")
            .first()
        )
        if has_consent(person, ConsentPurpose.DATA_SHARING) and consent is not None:
            consents.append({"pseudonym": pseudonym, "given_on": consent.given_on.isoformat()})
        elif not legal_basis:
            raise ApplicationError(
                "Sharing {}'s identifying data ({}) needs their recorded consent to data sharing "
                "or a stated legal basis.".format(
                    pseudonym, ", ".join(sorted(IDENTIFYING_FIELDS & set(wanted)))
                ),
                code="consent_or_legal_basis_required",
            )
    reason = "Cooperation request {} to {}".format(
        request.requester_reference or request.requested_reference,
        request.node.name if request.node else "another node",
    )
    data: dict[str, Any] = {
        "case": {f: _json_value(getattr(spec.case, f)) for f in sorted(set(spec.case_fields))},
        "persons": {},
    }
    for pseudonym, wanted in sorted(spec.persons.items()):
        person = persons[pseudonym]
        values = {
            f: _json_value(getattr(person, f)) for f in sorted(set(wanted) - IDENTIFYING_FIELDS)
        }
        if IDENTIFYING_FIELDS & set(wanted):
            # The same audited read as a person's identity page.
            identity = person_identity_read(actor=user, person=person, reason=reason)
            values.update({f: identity.get(f) for f in sorted(IDENTIFYING_FIELDS & set(wanted))})
        data["persons"][pseudonym] = values
    fields = {
        "case": sorted(set(spec.case_fields)),
        "persons": {k: sorted(set(v)) for k, v in sorted(spec.persons.items())},
    }
    if legal_basis:
        basis = c.CaseBasis.LEGAL_BASIS
    elif identifying:
        basis = c.CaseBasis.CONSENT
    else:
        basis = c.CaseBasis.NOT_IDENTIFYING
    return fields, data, identifying, basis, consents


def _message_payload(message: Message) -> dict[str, Any]:
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


def _check_size(attachments: list[NewAttachment]) -> None:
    total = sum(len(a.content) for a in attachments)
    limit = files.max_attachment_bytes()
    if total > limit:
        raise ApplicationError(
            "The attachments of one message may be at most {} bytes together (these are {}): "
            "they travel inside one signed message.".format(limit, total),
            code="too_large",
        )
    for a in attachments:
        if not a.filename.strip() or "/" in a.filename or "\\" in a.filename:
            raise ApplicationError(
                "Give each attachment a plain file name.", code="invalid_filename"
            )


def _safe_filename(name: str) -> str:
    """A file name safe in a download header: printable, no path separators."""
    cleaned = "".join(ch if ch.isprintable() and ch not in '/\\"' else "_" for ch in name)
    return cleaned.strip()[:255] or "attachment"


def _store_attachment(message: Message, new: NewAttachment, pk: uuid.UUID | None = None) -> None:
    digest = files.sha256(new.content)
    attachment = Attachment(
        message=message,
        filename=_safe_filename(new.filename),
        content_type=(new.content_type or "application/octet-stream")[:100],
        size=len(new.content),
        sha256=digest,
        path="",
    )
    if pk is not None:
        attachment.pk = pk
    attachment.path = files.store(new.content, "{}-{}".format(digest, attachment.pk))
    attachment.save()


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
    request = _locked(access.request_get(user, request.pk))
    now = now or timezone.now()
    if request.status == RS.CLOSED:
        raise ApplicationError("The request is closed.", code="closed")
    attachments = list(attachments or [])
    codes = _check_handling(source_reliability, information_assessment, list(handling_codes or []))
    if not body.strip() and not attachments and extract is None:
        raise ApplicationError(
            "A message needs a text, an attachment or a case extract.", code="empty_message"
        )
    _check_size(attachments)
    message = Message(
        request=request,
        direction=c.Direction.OUTGOING,
        kind=kind,
        author=user,
        author_name=_author_label(user),
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
        _store_attachment(message, new)
    extract_row = None
    if extract is not None:
        if (
            request.direction != c.Direction.OUTGOING
            and extract.case.organisation_id != user.organisation_id
        ):
            raise ForbiddenError("Only the organisation holding the case can share it.")
        fields, data, identifying, basis, consents = _extract_build(user, request, extract)
        extract_row = SharedCaseExtract.objects.create(
            request=request,
            message=message,
            direction=c.Direction.OUTGOING,
            case=extract.case,
            case_reference=extract.case.reference,
            fields=fields,
            identifying=identifying,
            basis=basis,
            legal_basis=extract.legal_basis.strip(),
            consents=consents,
            ciphertext=encrypt_json(data),
            shared_by=user,
            created_at=now,
        )
        # What went, to whom, on which basis: never the values themselves.
        audit_record(
            actor=user,
            action=AuditAction.CREATE,
            obj=extract_row,
            after={
                "request": str(request.pk),
                "case": extract.case.reference,
                "to_node": request.node.name if request.node else None,
                "to_authority": request.requested_authority_name
                if request.direction == c.Direction.OUTGOING
                else request.requesting_authority_name,
                "fields": fields,
                "basis": basis,
                "legal_basis": extract.legal_basis.strip(),
                "consents": consents,
            },
        )
    payload = _message_payload(message)
    if request.status != RS.DRAFT:
        limit = settings.PALERMO_NODE_MAX_MESSAGE_BYTES - 4096
        if len(signing.canonical(payload)) > limit:
            raise ApplicationError(
                "This message would be larger than a node accepts ({} bytes): "
                "split it or make the files smaller.".format(limit),
                code="too_large",
            )
    _enqueue(request, envelopes.KIND_MESSAGE, payload)
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
        raise ApplicationError("Say why you need to see this case extract.", code="reason_required")
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.READ,
            obj=extract,
            after={"request": str(extract.request_id), "fields": extract.fields},
            reason=reason.strip()[:500],
        )
    return decrypt_json(extract.ciphertext)


# --- enforcing the handling codes of received content ---------------------------------------


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
        raise ApplicationError("Forward to another request.", code="invalid")
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
        raise ForbiddenError("Only the authority working on the request can share its messages.")
    handling.check([message], handling.SHARE, target=organisation)
    if not reason.strip():
        raise ApplicationError("Give the reason for sharing.", code="reason_required")
    if organisation.pk == user.organisation_id:
        raise ApplicationError("Your organisation already sees it.", code="invalid")
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


EXPORT_PURPOSES = {"record": handling.EXPORT, "court": handling.COURT}


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
            "The purpose of an export is one of: {}.".format(", ".join(EXPORT_PURPOSES)),
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


# --- reminders -------------------------------------------------------------------------------


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind the other node of outgoing requests past their due date (at most weekly each).

    Incoming overdue requests are on this node's own deadline board. Returns how many went."""
    now = now or timezone.now()
    sent = 0
    for request in selectors.overdue_all(today=timezone.localdate(now)).filter(
        direction=c.Direction.OUTGOING
    ):
        if request.last_reminder_at and now - request.last_reminder_at < REMINDER_INTERVAL:
            continue
        if request.status == RS.MORE_INFO_REQUESTED:
            continue  # the requester owes the next step
        with transaction.atomic():
            locked = _locked(request)
            assert locked.due_date is not None  # noqa: S101 - overdue_all filters on it
            message = Message.objects.create(
                request=locked,
                direction=c.Direction.OUTGOING,
                kind=c.MessageKind.REMINDER,
                author_name=locked.requesting_authority_name,
                body="Reminder: this request was due on {} and is {} days overdue.".format(
                    locked.due_date.isoformat(), (timezone.localdate(now) - locked.due_date).days
                ),
                created_at=now,
            )
            _enqueue(locked, envelopes.KIND_MESSAGE, _message_payload(message))
            locked.last_reminder_at = now
            locked.save(update_fields=["last_reminder_at", "updated_at"])
        sent += 1
    return sent


# --- applying what the other node sent ---------------------------------------------------------


def _invalid(detail: str, code: str = "invalid_content") -> NodeRefusal:
    return NodeRefusal(detail, code, 422)


def _apply_inbound(*, sender: Node, envelope: dict[str, Any], now: dt.datetime) -> None:
    """Apply a request event from `sender` (inside the inbox's transaction: all or nothing)."""
    kind = envelope["kind"]
    try:
        request_id = uuid.UUID(str(envelope.get("request")))
    except ValueError:
        raise _invalid("A request event needs the request's uuid in `request`.") from None
    try:
        payload = envelopes.parse(envelopes.PAYLOADS[kind], envelope["payload"])
    except envelopes.InvalidPayload as exc:
        raise _invalid("Invalid {} payload: {}".format(kind, exc)) from None
    if isinstance(payload, envelopes.CreatePayload):
        _apply_create(sender, request_id, payload, now)
        return
    request = Request.objects.select_for_update().filter(pk=request_id, node=sender).first()
    if request is None:
        raise _invalid(
            "No request {} shared with node {}.".format(request_id, sender.name), "unknown_request"
        )
    if isinstance(payload, envelopes.AckPayload):
        _apply_ack(sender, request, payload, now)
    elif isinstance(payload, envelopes.StatusPayload):
        _apply_status(sender, request, payload, now)
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
        raise _invalid("The request in the payload is not the envelope's request.")
    if Request.objects.filter(pk=request_id).exists():
        raise _invalid("Request {} already exists on this node.".format(request_id), "conflict")
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
        requested_reference=_reference("IN", now),
        requesting_organisation=requesting_org,
        requesting_authority=requesting_entry,
        requesting_authority_name=data.requesting_authority.name,
        requested_organisation=requested_org,
        requested_authority=requested_entry,
        requested_authority_name=_authority_label(requested_org, requested_entry)
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
    _change(
        request,
        RS.RECEIVED,
        side=REQUESTED,
        at=now,
        actor_label=_node_label(sender),
        note="Received from {}".format(sender.name),
        remote=False,
    )
    request.save()
    audit_record(
        actor=None,
        actor_label=_node_label(sender),
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
        raise _invalid("Only the requested side acknowledges a request.")
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
        _change(
            request,
            RS.RECEIVED,
            side=REQUESTED,
            at=payload.received_at,
            actor_label=_node_label(sender),
            note="Acknowledged by {}".format(sender.name),
            remote=True,
        )
    request.save()


def _apply_status(
    sender: Node, request: Request, payload: envelopes.StatusPayload, now: dt.datetime
) -> None:
    other = REQUESTED if request.direction == c.Direction.OUTGOING else REQUESTER
    current = request.status
    if current == RS.SENT and other == REQUESTED:
        current = RS.RECEIVED  # the acknowledgement always comes first; be lenient anyway
    to_status = payload.to_status.value
    if to_status == RS.REFUSED and payload.refusal_ground is None:
        raise _invalid("A refusal needs its ground.")
    allowed = TRANSITIONS[other].get(current, frozenset())
    if to_status not in allowed:
        # Crossed with a change made here (e.g. withdrawn while they accepted): keep the
        # record, do not apply it. The later events reconcile the two sides.
        StatusChange.objects.create(
            request=request,
            from_status=payload.from_status.value,
            to_status=to_status,
            side=other,
            actor_label=payload.actor or _node_label(sender),
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
    _change(
        request,
        to_status,
        side=other,
        at=payload.at,
        actor_label=payload.actor or _node_label(sender),
        note=payload.note,
        remote=True,
    )
    request.save()


def _apply_message(
    sender: Node, request: Request, data: envelopes.MessagePayload, now: dt.datetime
) -> None:
    if Message.objects.filter(pk=data.id).exists():
        raise _invalid("Message {} already exists on this node.".format(data.id), "conflict")
    contents: list[tuple[envelopes.AttachmentPayload, bytes]] = []
    for a in data.attachments:
        try:
            content = base64.b64decode(a.content_b64, validate=True)
        except (binascii.Error, ValueError):
            raise _invalid("Attachment {} is not valid base64.".format(a.filename)) from None
        if len(content) != a.size or files.sha256(content) != a.sha256:
            raise _invalid(
                "Attachment {} does not match its size and SHA-256.".format(a.filename),
                "attachment_corrupt",
            )
        contents.append((a, content))
    message = Message.objects.create(
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
    for a, content in contents:
        _store_attachment(message, NewAttachment(a.filename, a.content_type, content), pk=a.id)
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
            actor_label=_node_label(sender),
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
