"""The node's periodic jobs: what runs on a schedule, registered by each app.

Owns the registry of periodic jobs. An app registers its jobs from `AppConfig.ready`
(`periodic_register("cooperation.reminders", every=dt.timedelta(days=1), run=...)`); the node's
scheduler (`palermo serve`) runs each one when it is due. A job is a function without arguments
that returns a short summary for the log (counts, never personal data).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone


@dataclass(frozen=True)
class PeriodicJob:
    """A job: its name (`app.thing`), how often it runs, and the function that runs it."""

    name: str
    every: dt.timedelta
    run: Callable[[], object]


_JOBS: dict[str, PeriodicJob] = {}


def periodic_register(name: str, *, every: dt.timedelta, run: Callable[[], object]) -> PeriodicJob:
    """Register (or replace, for a reloaded app) a periodic job."""
    if every <= dt.timedelta(0):
        raise ValueError("a periodic job runs at a positive interval")
    job = PeriodicJob(name, every, run)
    _JOBS[name] = job
    return job


def periodic_jobs() -> list[PeriodicJob]:
    """Every registered job, by name."""
    return [_JOBS[name] for name in sorted(_JOBS)]


# --- the scheduler loop (`palermo scheduler`, and `palermo serve` runs it) --------------------

logger = logging.getLogger(__name__)
STATE_FILE = "scheduler-state.json"


def _state_path() -> Path:
    return Path(settings.DATA_DIR) / STATE_FILE


def scheduler_state() -> dict[str, dt.datetime]:
    """When each job last ran (kept in the data directory, so a restart does not run a daily
    job again)."""
    try:
        raw = json.loads(_state_path().read_text())
    except (OSError, ValueError):
        return {}
    state: dict[str, dt.datetime] = {}
    if isinstance(raw, dict):
        for name, value in raw.items():
            with contextlib.suppress(TypeError, ValueError):
                state[str(name)] = dt.datetime.fromisoformat(value)
    return state


def _state_save(state: dict[str, dt.datetime]) -> None:
    path = _state_path()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({k: v.isoformat() for k, v in sorted(state.items())}))
    tmp.chmod(0o600)
    tmp.replace(path)


def error_summary(exc: BaseException) -> str:
    """An exception for the log without its message (which may quote data): its class and
    where it was raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    package = str(Path(__file__).resolve().parent.parent)  # palermo/
    ours = [f for f in frames if f.filename.startswith(package)] or frames
    where = "{}:{}".format(Path(ours[-1].filename).name, ours[-1].lineno) if ours else "?"
    return "{} at {}".format(type(exc).__name__, where)


def periodic_run(job: PeriodicJob) -> bool:
    """Run one job in its own transaction; log its summary, or only the kind of error and where
    it happened (never its message). True when it succeeded."""
    started = time.monotonic()
    try:
        with transaction.atomic():
            summary = job.run()
    except Exception as exc:  # a failing job must not stop the others
        logger.error("periodic job %s failed: %s", job.name, error_summary(exc))
        return False
    finally:
        close_old_connections()
    logger.info("periodic job %s done in %.1f s: %s", job.name, time.monotonic() - started, summary)
    return True


def periodic_due(
    now: dt.datetime, state: dict[str, dt.datetime], jobs: list[PeriodicJob] | None = None
) -> list[PeriodicJob]:
    """The jobs that never ran or whose interval has passed since they last did."""
    return [
        job
        for job in (periodic_jobs() if jobs is None else jobs)
        if job.name not in state or now - state[job.name] >= job.every
    ]


def scheduler_tick(now: dt.datetime | None = None) -> tuple[int, float]:
    """Run the jobs that are due; returns (how many ran, seconds until the next is due)."""
    now = now or timezone.now()
    state = scheduler_state()
    due = periodic_due(now, state)
    for job in due:
        periodic_run(job)  # a failed job waits for its next interval, like a succeeded one
        state[job.name] = now
    if due:
        _state_save(state)
    waits = [(state[j.name] + j.every - now).total_seconds() for j in periodic_jobs()]
    return len(due), max(min(waits, default=60.0), 0.0)


def scheduler_loop(stop: threading.Event, *, max_sleep: float = 60.0) -> None:
    """Run the periodic jobs at their intervals until `stop` is set."""
    logger.info("scheduler: %s", ", ".join(j.name for j in periodic_jobs()) or "no jobs")
    while not stop.is_set():
        _ran, wait = scheduler_tick()
        stop.wait(min(max(wait, 1.0), max_sleep))
