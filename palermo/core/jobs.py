"""Long work started from a page, run by the task worker, its progress shown on a page.

A page whose work can take more than a few seconds (deriving a country's figures from a million
case records, publishing a table with secondary suppression) does not run it in the request:

- `job_start` records a `Job` (who, which kind of work, its parameters: codes and numbers, never
  a person's data) and enqueues `job_task` (django-tasks: the database backend,
  run by the task worker `palermo db_worker`, which `palermo serve` runs beside the web server).
  The same work asked again by the same user while it waits or runs is the same job.
- The page then shows the job (`palermo.web.jobs`): a progress bar that htmx refreshes every
  second, and once the work has finished, its outcome (the message and the page of the result).
- `job_run` runs the kind's runner in the language of the user who started it, with a
  `Progress` that writes to the "progress" cache (files under the data directory): the runner's
  service works in one transaction, which on PostgreSQL no one else sees before it commits and
  on SQLite holds the only write lock, so progress cannot be kept in the database meanwhile.
  What it keeps: how much of how much, and when; nothing else.
- A domain error (`ApplicationError`) is the job's outcome, shown to the user as any page shows
  it (the services write nothing then: their transactions are rolled back). Any other error is
  logged without its message (palermo.core.logs) and the user is told the work failed.

Apps register their kinds of work with `job_kind` (the statistics app in its `ready`); core
knows none of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.tasks import task
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from palermo.core.choices import JobState
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import Job, User
from palermo.core.progress import Progress

logger = logging.getLogger(__name__)

# How often a running job writes its progress at most (seconds); the page asks every second.
PROGRESS_EVERY = 0.25
# Finished jobs are kept this long (their outcome page), then pruned by the scheduler.
KEEP_DAYS = 7


@dataclass(frozen=True)
class Outcome:
    """What a job's runner returns: a message for the user and the page of the result."""

    message: str
    url: str


@dataclass(frozen=True)
class JobKind:
    """A kind of long work: `title` ("Deriving figures"), the `unit` its progress counts
    ("indicators"), and `run(actor, parameters, progress) -> Outcome` (raises ApplicationError
    to refuse, with nothing written)."""

    code: str
    title: str | Promise
    unit: str | Promise
    run: Callable[[User, dict[str, Any], Progress], Outcome]


KINDS: dict[str, JobKind] = {}


def job_kind(kind: JobKind) -> JobKind:
    """Register a kind of work (once per code; registering it again replaces it)."""
    KINDS[kind.code] = kind
    return kind


@dataclass(frozen=True)
class JobProgress:
    """How far a running job is: `done` of `total` (`total` 0: not known yet)."""

    done: int
    total: int
    at: float  # time.time() of the report

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.done / self.total)) if self.total else 0


def _key(job_id: uuid.UUID | str) -> str:
    return "job:{}".format(job_id)


def _fingerprint(kind: str, parameters: dict[str, Any]) -> str:
    text = json.dumps([kind, parameters], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def job_start(
    *, actor: User, kind: str, parameters: dict[str, Any], subject: str = "", back_url: str = ""
) -> Job:
    """Record the work and hand it to the task worker; the job (already finished when the task
    backend runs tasks at once). `back_url`: the page that started it, where a refusal is told.
    The same work by the same user still waiting or running is returned instead of starting it
    twice."""
    if kind not in KINDS:
        raise ApplicationError(_("Unknown kind of work '{}'.").format(kind), code="invalid_kind")
    try:
        fingerprint = _fingerprint(kind, parameters)
    except TypeError as exc:  # a runner takes codes and numbers only
        raise ApplicationError(_("The work's parameters are not plain values.")) from exc
    pending = Job.objects.filter(
        actor=actor,
        fingerprint=fingerprint,
        state__in=(JobState.QUEUED, JobState.RUNNING),
    ).first()
    if pending is not None:
        return pending
    job = Job.objects.create(
        kind=kind,
        actor=actor,
        subject=subject[:200],
        parameters=parameters,
        fingerprint=fingerprint,
        back_url=back_url[:500],
    )
    # The database backend's task row is written in the same transaction as the job's, so the
    # worker finds both once they are committed (an immediate backend runs it now).
    job_task.enqueue(str(job.pk))
    job.refresh_from_db()
    return job


@task()
def job_task(job_id: str) -> str:
    """The task worker's entry: run the job; what became of it, in a line for the worker's log
    (no personal data)."""
    return job_run(job_id)


def job_run(job_id: str) -> str:
    """Run a queued job (the task worker calls this through `job_task`): its
    state, in the end "done" or "failed" with the outcome. A job that is no longer queued (run
    by another worker already) is left alone."""
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "job {} is not waiting to run".format(job_id)
    job = Job.objects.select_related("actor").get(pk=job_id)
    kind = KINDS.get(job.kind)
    state, message, url = JobState.FAILED, "", ""
    with translation.override(job.actor.language or settings.LANGUAGE_CODE):
        try:
            if kind is None:
                raise ApplicationError(_("Unknown kind of work '{}'.").format(job.kind))
            outcome = kind.run(job.actor, dict(job.parameters), _reporter(job.pk))
        except ApplicationError as exc:
            message = exc.detail
        except Exception:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
            message = _(
                "The work stopped on an unexpected error and nothing was changed. The "
                "administrator finds the error in the task worker's log (job {})."
            ).format(job.pk)
        else:
            state, message, url = JobState.DONE, outcome.message, outcome.url
    Job.objects.filter(pk=job.pk).update(
        state=state, message=message, result_url=url, finished_at=timezone.now()
    )
    caches["progress"].delete(_key(job.pk))
    return "job {} {}".format(job.pk, state)


def _reporter(job_id: uuid.UUID) -> Progress:
    """A `Progress` writing to the progress cache, at most every PROGRESS_EVERY seconds (and
    always the first and the last report)."""
    cache = caches["progress"]
    last = 0.0

    def report(done: int, total: int) -> None:
        nonlocal last
        now = time.time()
        if now - last < PROGRESS_EVERY and 0 < done < total:
            return
        last = now
        cache.set(_key(job_id), (int(done), int(total), now))

    return report


def job_progress(job: Job) -> JobProgress | None:
    """How far a running job is, when it has said so."""
    value = caches["progress"].get(_key(job.pk))
    if not isinstance(value, tuple) or len(value) != 3:  # noqa: PLR2004 - (done, total, at)
        return None
    done, total, at = value
    return JobProgress(int(done), int(total), float(at))


def job_get(*, actor: User, job_id: uuid.UUID | str) -> Job:
    """A job of the user who started it (no one else's: "no such job")."""
    try:
        return Job.objects.get(pk=job_id, actor=actor)
    except (Job.DoesNotExist, ValueError, ValidationError) as exc:
        raise NotFoundError(_("No such job.")) from exc


def jobs_prune(keep_days: int = KEEP_DAYS) -> str:
    """Delete the finished jobs older than `keep_days` (the scheduler runs it daily)."""
    old = timezone.now() - dt.timedelta(days=keep_days)
    finished: QuerySet[Job] = Job.objects.filter(
        state__in=(JobState.DONE, JobState.FAILED), finished_at__lte=old
    )
    deleted, _by_model = finished.delete()
    return "{} finished jobs older than {} days deleted".format(deleted, keep_days)
