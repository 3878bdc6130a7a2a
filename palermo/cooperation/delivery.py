"""The outbox delivery loop: `palermo cooperation deliver --loop`, one of the parts `palermo
serve` runs (palermo.core.serve).

It sends what is due (outbox.outbox_deliver), then sleeps until a new message is committed
(outbox_enqueue wakes it through palermo.core.wake), a failed message's retry is due, or
`poll` seconds pass (the fallback for messages written on another machine, e.g. a web server
elsewhere on the same PostgreSQL database).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from dataclasses import dataclass

from django.db import close_old_connections, connection
from django.db.models import Min
from django.utils import timezone

from palermo.cooperation.models import OutboundMessage
from palermo.cooperation.outbox import outbox_deliver
from palermo.cooperation.transport import DELIVERY_LOOP, DeliveryReport
from palermo.core.schedule import error_summary
from palermo.core.wake import Wakeup, wake

logger = logging.getLogger(__name__)


@dataclass
class LoopTotals:
    runs: int = 0
    sent: int = 0
    acknowledged: int = 0
    failed: int = 0


def next_due_in(now: dt.datetime | None = None) -> float | None:
    """Seconds until the earliest pending message is due (0 if one is due), None if none."""
    now = now or timezone.now()
    earliest = OutboundMessage.objects.filter(
        acknowledged_at__isnull=True, target__active=True
    ).aggregate(m=Min("next_attempt_at"))["m"]
    if not isinstance(earliest, dt.datetime):
        return None
    return max((earliest - now).total_seconds(), 0.0)


def delivery_loop(
    stop: threading.Event,
    *,
    limit: int = 500,
    poll: float = 5.0,
) -> LoopTotals:
    """Deliver until `stop` is set (the caller's signal handler also calls `delivery_stop`)."""
    totals = LoopTotals()
    with Wakeup(DELIVERY_LOOP) as wakeup, contextlib.closing(connection):
        while not stop.is_set():
            report = _run_once(limit)
            totals.runs += 1
            totals.sent += report.sent
            totals.acknowledged += report.acknowledged
            totals.failed += report.failed
            if report.sent:
                logger.info(
                    "delivery: sent %s acknowledged %s failed %s pending %s",
                    report.sent,
                    report.acknowledged,
                    report.failed,
                    report.pending,
                )
            if report.sent >= limit and report.failed == 0:
                continue  # more is waiting
            wait = poll
            if report.pending:  # a retry is due later (at least 1 s: the shortest back-off)
                due = _next_due_in_logged()
                if due is not None:
                    wait = min(poll, max(due, 1.0))
            close_old_connections()
            wakeup.wait(wait)
    return totals


def delivery_stop(stop: threading.Event) -> None:
    """Ask a running loop to stop now (from a signal handler: it is waiting on its socket)."""
    stop.set()
    wake(DELIVERY_LOOP)


def _run_once(limit: int) -> DeliveryReport:
    try:
        return outbox_deliver(limit=limit)
    except Exception as exc:  # the database went away, a bug: log, wait, try again
        logger.error("delivery run failed: %s", error_summary(exc))
        close_old_connections()
        return DeliveryReport(failed=1, pending=1)


def _next_due_in_logged() -> float | None:
    try:
        return next_due_in()
    except Exception as exc:
        logger.error("delivery: next due time unknown: %s", error_summary(exc))
        return None
