"""Node-to-node transport: peer nodes, the signed inbox, the retrying outbox, ping.

Delivery is at-least-once: the outbox re-sends a message (same envelope id, fresh timestamp
and signature) until the target answers with a receipt signed by its key; the inbox keeps one
row per (sender, envelope id), so a retry is answered "duplicate" and never stored twice.
Within a request, messages carry seq 1, 2, 3 ...: the outbox sends them in order (seq n+1
after n in the same batch, or in a later batch on the same connection: outbox._Sender) and
holds back the rest of a request after a failure; the inbox refuses seq n+1 (409) while n is
missing, so nothing is ever stored out of order. The delivery run itself (batches, pipeline)
is palermo.cooperation.outbox.

Transport knows nothing of what the envelopes mean: an envelope is handed, inside the inbox's
transaction, to the handler registered for its kind with `kind_handler_register` (the request
workflow registers its kinds, envelopes.REQUEST_KINDS, in CooperationConfig.ready). An envelope
of a kind nobody handles is only stored.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cooperation import batching, envelopes, signing
from palermo.cooperation.choices import ReceiptStatus
from palermo.cooperation.models import InboundMessage, Node, OutboundMessage
from palermo.core.audit import audit_record, model_snapshot
from palermo.core.bulk import instance_insert
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import User
from palermo.core.services import country_get
from palermo.core.wake import wake

INBOX_PATH = "/api/v1/node/inbox"
MAX_CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_BACKOFF_SECONDS = 300
DELIVERY_LOOP = "delivery"  # the name the delivery loop is woken by (palermo.core.wake)
NODE_FIELDS = ["name", "url", "public_key", "active", "country"]

logger = logging.getLogger(__name__)

# A transport posts (url, body, headers) and returns (status, lower-cased headers, body);
# it raises OSError when the peer cannot be reached.
TransportReply = tuple[int, dict[str, str], bytes]
Transport = Callable[[str, bytes, dict[str, str]], TransportReply]
# Applies an envelope (sender, envelope, now) inside the inbox's transaction; raises
# NodeRefusal to refuse it (then nothing of it is stored).
KindHandler = Callable[[Node, dict[str, Any], dt.datetime], None]

_kind_handlers: dict[str, KindHandler] = {}


def kind_handler_register(kinds: Iterable[str], handler: KindHandler) -> None:
    """Who applies the envelopes of these kinds received from a peer (one handler per kind;
    registering again replaces it, so that a reloaded app does not apply an envelope twice)."""
    for kind in kinds:
        _kind_handlers[kind] = handler


def request_handler_register(handler: KindHandler) -> None:
    """Who applies request events (envelopes.REQUEST_KINDS) received from a peer."""
    kind_handler_register(envelopes.REQUEST_KINDS, handler)


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
        raise NotFoundError(_("No node named '{}'.").format(name), code="unknown_node")
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
        raise NodeRefusal(_("The body is not a JSON object."), "invalid", 400)
    if envelope.get("v") != signing.VERSION:
        raise NodeRefusal(_("Unsupported envelope version."), "invalid", 400)
    try:
        uuid.UUID(str(envelope.get("id")))
    except ValueError:
        raise NodeRefusal(_("The envelope id is not a UUID."), "invalid", 400) from None
    if envelope.get("from") != sender.name:
        raise NodeRefusal(_("The envelope's sender is not the signing node."), "bad_signature", 401)
    if not isinstance(envelope.get("kind"), str) or not envelope["kind"]:
        raise NodeRefusal(_("The envelope has no kind."), "invalid", 400)
    if not isinstance(envelope.get("payload"), dict):
        raise NodeRefusal(_("The payload is not a JSON object."), "invalid", 400)
    request, seq = envelope.get("request"), envelope.get("seq")
    if request is not None and (not isinstance(request, str) or not 0 < len(request) <= 100):
        raise NodeRefusal(_("The request reference is not a short string."), "invalid", 400)
    if seq is not None and (
        isinstance(seq, bool) or not isinstance(seq, int) or seq < 1 or request is None
    ):
        raise NodeRefusal(_("seq is a positive integer within a request."), "invalid", 400)


def inbox_sender(headers: Mapping[str, str]) -> Node | None:
    """The active peer node named in the request's X-Palermo-Node header, if any."""
    name = headers.get(signing.NODE_HEADER, "")
    return Node.objects.filter(name=name, active=True).first() if name else None


def envelope_open(
    *,
    body: bytes,
    headers: Mapping[str, str],
    now: dt.datetime,
    sender: Node | None = None,
) -> tuple[Node, dict[str, Any], dt.datetime]:
    """The sending node, the envelope and its time, once `body` is checked: not too large,
    signed by a registered peer, well formed, addressed to this node and not stale; NodeRefusal
    otherwise. `sender`: the node of the header, already looked up."""
    if len(body) > settings.PALERMO_NODE_MAX_MESSAGE_BYTES:
        raise NodeRefusal(_("The message is too large."), "too_large", 413)
    sender = sender or inbox_sender(headers)
    if sender is None:
        raise NodeRefusal(_("The sending node is not registered here."), "unknown_node", 401)
    signature = headers.get(signing.SIGNATURE_HEADER, "")
    bench_unsigned = signature == signing.UNSIGNED and signing.unsigned_allowed()
    if not bench_unsigned and (
        not signature or not signing.verify(body, signature, sender.public_key)
    ):
        raise NodeRefusal(_("The signature is missing or does not verify."), "bad_signature", 401)
    try:
        envelope = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise NodeRefusal(_("The body is not valid JSON."), "invalid", 400) from None
    _check_envelope(envelope, sender)
    if envelope.get("to") != signing.node_name():
        raise NodeRefusal(_("The message is addressed to another node."), "wrong_recipient", 400)
    try:
        sent_at = _parse_ts(envelope.get("ts"))
    except ValueError:
        raise NodeRefusal(
            _("ts is not an ISO-8601 time with a time zone."), "invalid", 400
        ) from None
    if abs(now - sent_at) > MAX_CLOCK_SKEW:
        raise NodeRefusal(_("The message is stale (ts more than 5 minutes off)."), "stale", 400)
    return sender, envelope, sent_at


def inbox_receive(
    *,
    body: bytes,
    headers: Mapping[str, str],
    now: dt.datetime | None = None,
    sender: Node | None = None,
) -> SignedReply:
    """Check a signed envelope, store it once, and return the signed receipt.

    Raises NodeRefusal (nothing stored) for an oversized, unsigned, wrongly signed, misaddressed,
    stale, malformed or out-of-order message. A replayed id gets a "duplicate" receipt.
    `sender`: the node of the header, already looked up (a batch does it once)."""
    now = now or timezone.now()
    sender, envelope, sent_at = envelope_open(body=body, headers=headers, now=now, sender=sender)
    status = _inbox_store(sender=sender, envelope=envelope, sent_at=sent_at, now=now)
    receipt = signing.receipt_build(
        receipt_for=str(envelope["id"]), to=sender.name, status=status, now=now
    )
    if headers.get(signing.SIGNATURE_HEADER) == signing.UNSIGNED:  # allowed: envelope_open
        reply_body, reply_headers = signing.unsigned(receipt)
    else:
        reply_body, reply_headers = signing.signed(receipt)
    return SignedReply(200, reply_body, reply_headers)


# Within one batch's transaction: what its envelopes read and locked for the later ones (the
# request their messages are about); None outside a batch. Emptied when an envelope is refused
# (its savepoint's rollback may have released a row lock taken in it).
_batch_kept: ContextVar[dict[Any, Any] | None] = ContextVar("palermo_batch_kept", default=None)


def batch_kept() -> dict[Any, Any] | None:
    """What earlier envelopes of the batch being received kept for later ones (None outside
    a batch)."""
    return _batch_kept.get()


def _batch_forget() -> None:
    kept = _batch_kept.get()
    if kept:
        kept.clear()


@dataclass
class _BatchSeen:
    """What the sender's earlier messages are, for a batch's duplicate and seq checks: read in
    one query before the batch (instead of one per envelope) and kept up to date as its
    envelopes are stored. Only what was read is known: `ids` were looked up, and for each
    request the seqs from `ranges[request][0]` to `[1]`; anything else is looked up."""

    ids: set[uuid.UUID]
    known_ids: set[uuid.UUID]
    ranges: dict[str, tuple[int, int]]
    seqs: dict[str, set[int]]

    def answers(
        self, envelope_id: uuid.UUID, request: Any, seq: int | None
    ) -> tuple[bool, set[int]] | None:
        """(already received, the request's seqs among seq - 1 and seq) when known."""
        if envelope_id not in self.ids:
            return None
        if seq is None:
            return envelope_id in self.known_ids, set()
        lo_hi = self.ranges.get(request)
        if lo_hi is None or not (lo_hi[0] <= seq - 1 and seq <= lo_hi[1]):
            return None
        return envelope_id in self.known_ids, self.seqs[request] & {seq - 1, seq}

    def stored(self, envelope_id: uuid.UUID, request: Any, seq: int | None) -> None:
        self.known_ids.add(envelope_id)
        if seq is not None and request in self.seqs:
            self.seqs[request].add(seq)


# The batch being received: its _BatchSeen (None outside a batch, or once it may be stale).
_batch_seen: ContextVar[_BatchSeen | None] = ContextVar("palermo_batch_seen", default=None)


def _batch_seen_read(items: list[batching.BatchItem], sender: Node | None) -> _BatchSeen | None:
    """One query for what the batch's envelopes need to know of the sender's earlier messages
    (read from the bodies before their signatures are checked: it only saves lookups, each
    envelope is still checked in full)."""
    if sender is None:
        return None
    ids: set[uuid.UUID] = set()
    bounds: dict[str, tuple[int, int]] = {}
    for item in items:
        try:
            data = json.loads(item.body)
            ids.add(uuid.UUID(str(data["id"])))
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
        request, seq = data.get("request"), data.get("seq")
        if isinstance(request, str) and isinstance(seq, int) and not isinstance(seq, bool):
            lo, hi = bounds.get(request, (seq - 1, seq))
            bounds[request] = (min(lo, seq - 1), max(hi, seq))
    if not ids:
        return None
    known = Q(sender=sender, envelope_id__in=ids)
    for request, (lo, hi) in bounds.items():
        known |= Q(sender=sender, request=request, seq__gte=lo, seq__lte=hi)
    seen = _BatchSeen(ids=ids, known_ids=set(), ranges=bounds, seqs={r: set() for r in bounds})
    rows = (
        InboundMessage.objects.filter(known).order_by().values_list("envelope_id", "request", "seq")
    )
    for found_id, request, seq in rows:
        if found_id in ids:
            seen.known_ids.add(found_id)
        if request in bounds and seq is not None:
            seen.seqs[request].add(seq)
    return seen


def inbox_receive_batch(*, body: bytes, headers: Mapping[str, str]) -> bytes:
    """Receive a batch (palermo.cooperation.batching): the JSON answer with one entry per
    envelope, each checked, stored and applied as by inbox_receive, in order, in one
    transaction. Raises transport.NodeRefusal for a batch that is too large or malformed."""
    if len(body) > settings.PALERMO_NODE_MAX_MESSAGE_BYTES:
        raise NodeRefusal(_("The message is too large."), "too_large", 413)
    try:
        items = batching.batch_parse(body)
    except ValueError as exc:
        raise NodeRefusal(str(exc), "invalid", 400) from None
    sender = headers.get(signing.NODE_HEADER, "")
    node = inbox_sender(headers)  # once for the batch
    now = timezone.now()
    answers: list[dict[str, Any]] = []
    kept = _batch_kept.set({})
    seen: Token[_BatchSeen | None] | None = None
    try:
        with transaction.atomic():  # one commit for the whole batch
            seen = _batch_seen.set(_batch_seen_read(items, node))
            _batch_items(items, sender, node, now, answers)
    finally:
        _batch_kept.reset(kept)
        if seen is not None:
            _batch_seen.reset(seen)
    return json.dumps({"v": signing.VERSION, "receipts": answers}).encode("utf-8")


def _batch_items(
    items: list[batching.BatchItem],
    sender: str,
    node: Node | None,
    now: dt.datetime,
    answers: list[dict[str, Any]],
) -> None:
    for item in items:
        try:
            reply = inbox_receive(
                body=item.body,
                headers={signing.NODE_HEADER: sender, signing.SIGNATURE_HEADER: item.signature},
                now=now,
                sender=node,
            )
        except NodeRefusal as refusal:
            _batch_forget()
            answers.append(
                {"status": refusal.status, "code": refusal.code, "detail": refusal.detail}
            )
            continue
        answers.append(
            {
                "status": reply.status,
                "body": reply.body.decode("utf-8"),
                "signature": reply.headers[signing.SIGNATURE_HEADER],
            }
        )


def _apply(sender: Node, envelope: dict[str, Any], now: dt.datetime) -> None:
    handler = _kind_handlers.get(envelope["kind"])
    if handler is not None:
        handler(sender, envelope, now)
    elif envelope["kind"] in envelopes.REQUEST_KINDS:  # no app start-up: a set-up error
        raise NodeRefusal(_("This node does not take request events."), "invalid_content", 422)


def _inbox_store(
    *, sender: Node, envelope: dict[str, Any], sent_at: dt.datetime, now: dt.datetime
) -> str:
    envelope_id = uuid.UUID(str(envelope["id"]))
    request, seq = envelope.get("request"), envelope.get("seq")
    batch_seen = _batch_seen.get()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                answers = batch_seen.answers(envelope_id, request, seq) if batch_seen else None
                if answers is None:
                    answers = _inbox_seen(sender, envelope_id, request, seq)
                duplicate, seen = answers
                if duplicate:
                    return ReceiptStatus.DUPLICATE
                if seq is not None:
                    if seq in seen:
                        raise NodeRefusal(
                            _("seq {} of this request came with another id.").format(seq),
                            "seq_conflict",
                            409,
                        )
                    if seq > 1 and seq - 1 not in seen:
                        raise NodeRefusal(
                            _("seq {} arrived before seq {}: send again later.").format(
                                seq, seq - 1
                            ),
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
                instance_insert(message)
                _apply(sender, envelope, now)
        except IntegrityError:
            _batch_forget()
            # A concurrent delivery of the same message won: answer as a duplicate. What the
            # batch read before may be stale: its later envelopes look up for themselves.
            _batch_seen.set(batch_seen := None)
            continue
        if batch_seen is not None:
            batch_seen.stored(envelope_id, request, seq)
        return ReceiptStatus.ACCEPTED
    if InboundMessage.objects.filter(sender=sender, envelope_id=envelope_id).exists():
        return ReceiptStatus.DUPLICATE
    raise NodeRefusal(_("The message conflicts with one received meanwhile."), "seq_conflict", 409)


def _inbox_seen(
    sender: Node, envelope_id: uuid.UUID, request: Any, seq: int | None
) -> tuple[bool, set[int]]:
    """One query: whether this envelope came before, and which of its request's seq - 1 and
    seq came. The sender is in each branch of the OR, so that each uses its unique index
    (SQLite's multi-index OR) instead of scanning all the sender's messages."""
    known = Q(sender=sender, envelope_id=envelope_id)
    if seq is not None:
        known |= Q(sender=sender, request=request, seq__in=[seq - 1, seq])
    found = list(InboundMessage.objects.filter(known).order_by().values_list("envelope_id", "seq"))
    duplicate = any(found_id == envelope_id for found_id, _seq in found)
    return duplicate, {found_seq for _id, found_seq in found if found_seq is not None}


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
        # The delivery loop sends it as soon as it is committed (not at its next poll).
        transaction.on_commit(delivery_wake)
    return message


def delivery_wake() -> None:
    """Wake this node's delivery loop (`palermo cooperation deliver --loop`)."""
    wake(DELIVERY_LOOP)


def http_transport(url: str, body: bytes, headers: dict[str, str]) -> TransportReply:
    """POST on a kept-alive connection; HTTP errors come back as a status, unreachable peers
    raise OSError (batching.http_post)."""
    return batching.http_post(url, body, headers)


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


def outbound_envelope(message: OutboundMessage, unsigned: bool) -> tuple[bytes, dict[str, str]]:
    """The message's envelope, stamped and signed now (the real clock; `now` only schedules)."""
    envelope = signing.envelope_build(
        to=message.target.name,
        kind=message.kind,
        payload=message.payload,
        request=message.request,
        seq=message.seq,
        envelope_id=message.envelope_id,
    )
    message.envelope = envelope
    message.attempts += 1
    return signing.unsigned(envelope) if unsigned else signing.signed(envelope)


def outbound_failed(message: OutboundMessage, error: str, now: dt.datetime) -> None:
    message.last_error = error[:2000]
    message.next_attempt_at = now + backoff(message.attempts)
    message.save(update_fields=["envelope", "attempts", "last_error", "next_attempt_at"])


ACK_FIELDS = ["envelope", "attempts", "last_error", "receipt", "acknowledged_at"]


def outbound_acknowledged(
    message: OutboundMessage, receipt: dict[str, Any], *, save: bool = True
) -> None:
    message.receipt = receipt
    message.acknowledged_at = timezone.now()
    message.last_error = ""
    if save:
        message.save(update_fields=ACK_FIELDS)


def outbound_send(
    message: OutboundMessage, transport: Transport, now: dt.datetime, unsigned: bool = False
) -> str:
    """One attempt: "acknowledged", "refused" (the peer answered) or "unreachable"."""
    target = message.target
    body, headers = outbound_envelope(message, unsigned)
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
        outbound_failed(message, str(exc) or exc.__class__.__name__, now)
        return outcome
    outbound_acknowledged(message, receipt)
    return "acknowledged"


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
            _("Ping to {} failed: {}").format(node.name, exc), "ping_failed"
        ) from exc
    return (time.perf_counter() - started) * 1000, receipt
