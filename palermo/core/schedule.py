"""The node's periodic jobs: what runs on a schedule, registered by each app.

Owns the registry of periodic jobs. An app registers its jobs from `AppConfig.ready`
(`periodic_register("cooperation.reminders", every=dt.timedelta(days=1), run=...)`); the node's
scheduler (`palermo serve`) runs each one when it is due. A job is a function without arguments
that returns a short summary for the log (counts, never personal data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


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
