"""The outbox's delivery run (`outbox_deliver`): due messages, per (target, request) in seq
order, batched up to batching.BATCH_MAX per POST to a peer's batch inbox and, over HTTP,
pipelined (the next batch goes while the previous one's receipts are checked, see _Sender).

The pieces of one message (its envelope, one send, its failure and acknowledgement) and the
receipt check are in palermo.cooperation.transport.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from urllib.parse import urlsplit

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cooperation import batching, signing
from palermo.cooperation.models import OutboundMessage
from palermo.cooperation.transport import (
    ACK_FIELDS,
    DeliveryError,
    DeliveryReport,
    Transport,
    TransportReply,
    http_transport,
    inbox_url,
    outbound_acknowledged,
    outbound_envelope,
    outbound_failed,
    outbound_send,
    receipt_verify,
)
from palermo.core.errors import ApplicationError

# Peers (by inbox URL) that answered 404 to a batch: they get one envelope per POST.
_no_batch_inbox: set[str] = set()


def _send_batch(
    messages: list[OutboundMessage], transport: Transport, now: dt.datetime, unsigned: bool
) -> list[str] | None:
    """One attempt for several messages to one target in one POST; their outcomes, or None
    when the peer has no batch inbox (nothing was recorded: send them one by one)."""
    url, body, headers = _batch_prepare(messages, unsigned)
    try:
        reply: TransportReply | OSError = transport(url, body, headers)
    except OSError as exc:
        reply = exc
    return _batch_outcomes(messages, reply, now, unsigned)


def _batch_prepare(
    messages: list[OutboundMessage], unsigned: bool
) -> tuple[str, bytes, dict[str, str]]:
    """The URL, body and headers of one POST of several messages to their target's batch
    inbox (each envelope stamped and signed now)."""
    signed = [outbound_envelope(m, unsigned) for m in messages]
    url = messages[0].target.url.rstrip("/") + batching.BATCH_PATH
    return url, batching.batch_body(signed), {signing.NODE_HEADER: signing.node_name()}


def _batch_outcomes(
    messages: list[OutboundMessage],
    reply: TransportReply | OSError,
    now: dt.datetime,
    unsigned: bool,
    held: Callable[[OutboundMessage], bool] | None = None,
) -> list[str] | None:
    """Record what the peer answered to a batch (or that it could not be reached); the
    messages' outcomes, or None when the peer has no batch inbox (nothing was recorded).

    `held`: messages sent while an earlier batch of the same run, whose answer was not known
    yet, failed for their request (or target). Refused, they were not really tried: "skipped",
    nothing recorded (the inbox refuses a seq whose predecessor is missing, so none of them was
    stored out of order)."""
    target = messages[0].target
    try:
        if isinstance(reply, OSError):
            raise reply
        status, _headers, body = reply
        if status == 404:
            _no_batch_inbox.add(inbox_url(target))
            for m in messages:
                m.attempts -= 1
            return None
        if status != 200:
            receipt_verify(node=target, envelope_id="", status=status, headers=_headers, body=body)
        try:
            answers = batching.batch_answers(body, len(messages))
        except ValueError as exc:
            raise DeliveryError(str(exc)) from None
    except (OSError, DeliveryError) as exc:
        return _batch_failed(messages, exc, now, held)
    outcomes = []
    acknowledged: list[OutboundMessage] = []
    with transaction.atomic():  # one commit for the batch's bookkeeping
        for message, answer in zip(messages, answers, strict=True):
            try:
                if answer["status"] != 200:
                    raise DeliveryError(
                        "{} {}: {}".format(
                            answer["status"], answer.get("code"), answer.get("detail")
                        )
                    )
                receipt = receipt_verify(
                    node=target,
                    envelope_id=str(message.envelope_id),
                    status=200,
                    headers={
                        signing.NODE_HEADER: target.name,
                        signing.SIGNATURE_HEADER: str(answer.get("signature", "")),
                    },
                    body=str(answer.get("body", "")).encode("utf-8"),
                    unsigned=unsigned,
                )
            except DeliveryError as exc:
                if held is not None and held(message):
                    message.attempts -= 1
                    outcomes.append("skipped")
                    continue
                outbound_failed(message, str(exc), now)
                outcomes.append("refused")
                continue
            outbound_acknowledged(message, receipt, save=False)
            acknowledged.append(message)
            outcomes.append("acknowledged")
        _acknowledged_save(acknowledged)
    return outcomes


def _batch_failed(
    messages: list[OutboundMessage],
    exc: OSError | DeliveryError,
    now: dt.datetime,
    held: Callable[[OutboundMessage], bool] | None,
) -> list[str]:
    """A batch that got no usable answer: each message failed (or, held, was skipped)."""
    outcome = "unreachable" if isinstance(exc, OSError) else "refused"
    outcomes = []
    with transaction.atomic():
        for m in messages:
            if held is not None and held(m):
                m.attempts -= 1
                outcomes.append("skipped")
            else:
                outbound_failed(m, str(exc) or exc.__class__.__name__, now)
                outcomes.append(outcome)
    return outcomes


# --- pipelined sending -------------------------------------------------------------------------
#
# Over HTTP the outbox does not wait for a batch's answer before sending the next: a background
# thread POSTs the batches one after another, in the order they were made, on its own kept-alive
# connection, while this thread signs the next batch and checks and saves the previous one's
# receipts. So the peer receives batch N+1 as soon as it answered batch N, and the two nodes
# work at the same time.
#
# Why this keeps the guarantees: one thread sends, so the peer gets the batches one at a time
# and in order (it answers a batch after committing it), exactly as without the pipeline. When
# a batch fails for a request (or the peer cannot be reached), the next batch may already be
# on its way with the later messages of that request: the peer refuses them (seq n+1 while n is
# missing, out_of_order), nothing of them is stored, and the outbox records them as not tried
# ("skipped") and sends them after their predecessor, as it would have. Every envelope is still
# signed and checked one by one, every receipt verified, and a message is marked delivered only
# from its own verified receipt; a retry is answered "duplicate".


class _Sender:
    """POSTs for one outbox run, sent in submission order by one background thread."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.down: set[str] = set()  # hosts that could not be reached in this run

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Future[TransportReply]:
        return _sender_thread().submit(self._post, url, body, headers)

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> TransportReply:
        host = urlsplit(url).netloc
        if host in self.down:
            raise OSError("{} could not be reached earlier in this run".format(host))
        try:
            return self.transport(url, body, headers)
        except OSError:
            self.down.add(host)
            raise


_sender_lock = threading.Lock()
_sender_pool: ThreadPoolExecutor | None = None


def _sender_thread() -> ThreadPoolExecutor:
    """The one thread that sends pipelined batches (kept, with its connections, between runs)."""
    global _sender_pool  # noqa: PLW0603 - one per process, made on first use
    with _sender_lock:
        if _sender_pool is None:
            _sender_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="palermo-outbox")
        return _sender_pool


def _acknowledged_save(messages: list[OutboundMessage]) -> None:
    """Save ACK_FIELDS of acknowledged messages: one UPDATE statement run for each row
    (executemany), instead of bulk_update's single UPDATE whose CASE WHEN per field and row costs
    more to build than the rows take to write."""
    if not messages:
        return
    meta = OutboundMessage._meta
    fields = [f for f in meta.concrete_fields if f.name in ACK_FIELDS]
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 - the model's own names
        quote(meta.db_table),
        ", ".join("{} = %s".format(quote(str(f.column))) for f in fields),
        quote(str(meta.pk.column)),
    )
    rows = [
        [f.get_db_prep_save(getattr(m, f.attname), connection) for f in fields] + [m.pk]
        for m in messages
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def outbox_deliver(
    *,
    now: dt.datetime | None = None,
    limit: int = 500,
    transport: Transport | None = None,
    unsigned: bool = False,
    batch: bool | None = None,
    pipeline: bool | None = None,
) -> DeliveryReport:
    """Send due messages: per (target, request) strictly in seq order.

    Over HTTP (no `transport` given, or `batch`) the due messages for one target go up to
    batching.BATCH_MAX per POST to its batch inbox, in order; a peer without one gets one per
    POST. A failed send (unreachable, 5xx, 409 out of order, bad receipt ...) is retried after
    a back-off; the later messages of its request wait for it. Messages without a request are
    independent. A target that cannot be reached is skipped for the rest of this run.

    `pipeline` (by default over HTTP, when batching): the next batch is sent while the previous
    one's answer is checked and saved (see _Sender).

    `unsigned` (the benchmark's comparison only) is refused unless signing.unsigned_allowed()."""
    if unsigned and not signing.unsigned_allowed():
        raise ApplicationError(
            _(
                "Unsigned delivery is only for the benchmark (PALERMO_NODE_UNSIGNED_BENCH with "
                "the test settings)."
            ),
            "unsigned_refused",
        )
    send = transport or http_transport
    batching_on = transport is None if batch is None else batch
    if pipeline is None:
        pipeline = transport is None
    run = _Run(
        send,
        unsigned=unsigned,
        batching=batching_on,
        sender=_Sender(send) if pipeline and batching_on else None,
    )
    pending = (
        OutboundMessage.objects.filter(acknowledged_at__isnull=True, target__active=True)
        .select_related("target")
        .order_by("target_id", "request", "seq", "id")
    )
    report = run.report
    for message in pending.iterator(chunk_size=500):
        if run.queued and (
            message.target_id != run.queued[-1].target_id or len(run.queued) >= batching.BATCH_MAX
        ):
            run.flush()
        run.now = now or timezone.now()
        group = (message.target_id, message.request) if message.request is not None else None
        if message.target_id in run.unreachable or (group is not None and group in run.blocked):
            report.pending += 1
            continue
        if message.next_attempt_at > run.now or report.sent >= limit:
            report.pending += 1
            if group is not None:
                run.blocked.add(group)
            continue
        report.sent += 1
        if len(json.dumps(message.payload)) > batching.BATCH_ENVELOPE_MAX:
            run.flush()  # a large message (attachments) goes alone
            run.queued.append(message)
            run.flush()
            continue
        run.queued.append(message)
    run.flush()
    run.drain()
    return report


@dataclass
class _Run:
    """One run of outbox_deliver: the messages queued for the current target, the batch sent
    whose answer is not checked yet (when pipelined), what failed."""

    send: Transport
    unsigned: bool
    batching: bool
    sender: _Sender | None = None
    now: dt.datetime = dataclass_field(default_factory=timezone.now)
    report: DeliveryReport = dataclass_field(default_factory=DeliveryReport)
    queued: list[OutboundMessage] = dataclass_field(default_factory=list)
    in_flight: tuple[list[OutboundMessage], Future[TransportReply]] | None = None
    blocked: set[tuple[int, str]] = dataclass_field(default_factory=set)
    unreachable: set[int] = dataclass_field(default_factory=set)

    def flush(self) -> None:
        """Send the queued messages (one POST when the target takes batches)."""
        if not self.queued:
            return
        messages = list(self.queued)
        self.queued.clear()
        batch = (
            self.batching
            and len(messages) > 1
            and inbox_url(messages[0].target) not in _no_batch_inbox
        )
        if batch and self.sender is not None:
            sent = self.sender.post(*_batch_prepare(messages, self.unsigned))
            self.drain()  # the previous batch's answer, while this one is sent
            self.in_flight = (messages, sent)
            return
        self.drain()  # before sending on another connection
        outcomes = _send_batch(messages, self.send, self.now, self.unsigned) if batch else None
        self.settle(messages, outcomes)

    def drain(self) -> None:
        """Wait for the batch in flight, record its answer."""
        if self.in_flight is None:
            return
        messages, sent = self.in_flight
        self.in_flight = None
        # What failed in this run before this batch's answer is read: its messages that
        # depend on it were sent too early (see _Sender).
        blocked, unreachable = set(self.blocked), set(self.unreachable)

        def held(message: OutboundMessage) -> bool:
            return message.target_id in unreachable or (
                message.request is not None and (message.target_id, message.request) in blocked
            )

        try:
            reply: TransportReply | OSError = sent.result()
        except OSError as exc:
            reply = exc
        self.settle(messages, _batch_outcomes(messages, reply, self.now, self.unsigned, held))

    def settle(self, messages: list[OutboundMessage], outcomes: list[str] | None) -> None:
        """Tally a batch's outcomes, or send its messages one by one (None: no batch inbox)."""
        if outcomes is None:  # one by one: a failure holds back the rest of its request
            for message in messages:
                group = (message.target_id, message.request)
                if message.target_id in self.unreachable or group in self.blocked:
                    self.tally(message, "skipped")
                else:
                    self.tally(message, outbound_send(message, self.send, self.now, self.unsigned))
            return
        for message, outcome in zip(messages, outcomes, strict=True):
            self.tally(message, outcome)

    def tally(self, message: OutboundMessage, outcome: str) -> None:
        if outcome == "acknowledged":
            self.report.acknowledged += 1
            return
        self.report.pending += 1
        if outcome == "skipped":
            self.report.sent -= 1
            return
        self.report.failed += 1
        if message.request is not None:
            self.blocked.add((message.target_id, message.request))
        if outcome == "unreachable":
            self.unreachable.add(message.target_id)
