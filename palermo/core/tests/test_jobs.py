"""Long work started from pages (palermo.core.jobs): handed to the task worker, run in the
starter's language, its progress kept outside the database, its outcome recorded; refusals and
failures told without anything else; the same work asked twice is one job."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.core.cache import caches
from django.utils import translation
from django.utils.translation import gettext as _
from pytest_django.fixtures import Settings

from palermo.core import jobs
from palermo.core.choices import JobState, Role
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import Job, User
from palermo.core.progress import Progress
from palermo.core.tests.worker import worker_run

pytestmark = pytest.mark.django_db

KIND = "test.count"
SEEN: list[Any] = []


def count(actor: User, p: dict[str, Any], progress: Progress) -> jobs.Outcome:
    """A runner: counts to p["n"], reporting each step, and records what it saw."""
    n = int(p["n"])
    if p.get("refuse"):
        raise ApplicationError("Nothing to count in {}.".format(p["refuse"]))
    if p.get("crash"):
        raise RuntimeError("secret-value-of-a-record")
    for i in range(n + 1):
        progress(i, n)
        if i == n // 2:  # what the page would read halfway
            SEEN.append(jobs.job_progress(Job.objects.get(kind=KIND, state=JobState.RUNNING)))
    SEEN.append((actor.username, translation.get_language()))
    return jobs.Outcome(_("Save"), "/done/{}/".format(n))


@pytest.fixture(autouse=True)
def kind() -> Iterator[None]:
    jobs.job_kind(jobs.JobKind(KIND, "Counting", "steps", count))
    SEEN.clear()
    caches["progress"].clear()
    yield
    jobs.KINDS.pop(KIND, None)


@pytest.fixture
def queued(settings: Settings) -> None:
    """Tasks go to the database and wait for a worker, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_a_job_runs_with_its_progress_and_records_its_outcome(
    make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0)  # every report is written
    user = make_user(Role.NATIONAL_COORDINATOR)
    job = jobs.job_start(actor=user, kind=KIND, parameters={"n": 10}, subject="ten")
    # The immediate backend of the tests ran it at once.
    assert (job.state, job.message, job.result_url, job.subject) == (
        JobState.DONE,
        "Save",
        "/done/10/",
        "ten",
    )
    assert job.started_at is not None and job.finished_at is not None
    halfway, (who, _language) = SEEN
    assert isinstance(halfway, jobs.JobProgress) and (halfway.done, halfway.total) == (5, 10)
    assert halfway.percent == 50
    assert jobs.job_progress(job) is None  # a finished job keeps no progress


def test_progress_is_written_at_most_every_so_often(
    make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 3600)
    jobs.job_start(actor=make_user(Role.NATIONAL_COORDINATOR), kind=KIND, parameters={"n": 10})
    halfway = SEEN[0]
    assert isinstance(halfway, jobs.JobProgress) and (halfway.done, halfway.total) == (0, 10)


def test_a_job_runs_in_the_language_of_its_starter(make_user: Callable[..., User]) -> None:
    user = make_user(Role.NATIONAL_COORDINATOR, language="fr")
    job = jobs.job_start(actor=user, kind=KIND, parameters={"n": 1})
    assert SEEN[-1] == (user.username, "fr")
    assert job.message == "Enregistrer"


def test_a_refusal_is_the_outcome_and_a_failure_is_logged_without_its_message(
    make_user: Callable[..., User], caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user(Role.NATIONAL_COORDINATOR)
    refused = jobs.job_start(actor=user, kind=KIND, parameters={"n": 1, "refuse": "2024"})
    assert (refused.state, refused.message, refused.result_url) == (
        JobState.FAILED,
        "Nothing to count in 2024.",
        "",
    )
    with caplog.at_level(logging.ERROR):
        crashed = jobs.job_start(actor=user, kind=KIND, parameters={"n": 1, "crash": True})
    assert crashed.state == JobState.FAILED
    assert "unexpected error" in crashed.message and str(crashed.pk) in crashed.message
    assert "secret-value" not in crashed.message
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert str(crashed.pk) in logged and "RuntimeError" in logged
    assert "secret-value" not in caplog.text


def test_the_worker_runs_queued_jobs_and_the_same_work_is_one_job(
    make_user: Callable[..., User], queued: None
) -> None:
    user = make_user(Role.NATIONAL_COORDINATOR)
    other = make_user(Role.NATIONAL_COORDINATOR)
    first = jobs.job_start(actor=user, kind=KIND, parameters={"n": 3})
    assert first.state == JobState.QUEUED and not SEEN
    # Asked again while it waits: the same job; another user's or other work is another job.
    assert jobs.job_start(actor=user, kind=KIND, parameters={"n": 3}).pk == first.pk
    assert jobs.job_start(actor=other, kind=KIND, parameters={"n": 3}).pk != first.pk
    assert jobs.job_start(actor=user, kind=KIND, parameters={"n": 4}).pk != first.pk
    worker_run()
    first.refresh_from_db()
    assert (first.state, first.result_url) == (JobState.DONE, "/done/3/")
    assert Job.objects.filter(state=JobState.DONE).count() == 3
    # Once done, the same work asked again is new work.
    assert jobs.job_start(actor=user, kind=KIND, parameters={"n": 3}).pk != first.pk
    # A job that is not waiting is never run twice.
    assert "not waiting" in jobs.job_run(str(first.pk))


def test_jobs_are_their_starters_only_and_unknown_work_is_refused(
    make_user: Callable[..., User],
) -> None:
    user = make_user(Role.NATIONAL_COORDINATOR)
    other = make_user(Role.NATIONAL_COORDINATOR)
    job = jobs.job_start(actor=user, kind=KIND, parameters={"n": 1})
    assert jobs.job_get(actor=user, job_id=job.pk) == job
    with pytest.raises(NotFoundError):
        jobs.job_get(actor=other, job_id=job.pk)
    with pytest.raises(NotFoundError):
        jobs.job_get(actor=user, job_id="not-a-uuid")
    with pytest.raises(ApplicationError, match="Unknown kind of work 'nothing'"):
        jobs.job_start(actor=user, kind="nothing", parameters={})
    with pytest.raises(ApplicationError, match="not plain values"):
        jobs.job_start(actor=user, kind=KIND, parameters={"n": object()})


def test_finished_jobs_are_pruned_after_a_week(make_user: Callable[..., User]) -> None:
    user = make_user(Role.NATIONAL_COORDINATOR)
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        old = jobs.job_start(actor=user, kind=KIND, parameters={"n": 1})
        waiting = Job.objects.create(kind=KIND, actor=user, fingerprint="x")
    with time_machine.travel(dt.datetime(2026, 3, 8, 11, tzinfo=dt.UTC), tick=False):
        recent = jobs.job_start(actor=user, kind=KIND, parameters={"n": 2})
        assert jobs.jobs_prune() == "0 finished jobs older than 7 days deleted"
    with time_machine.travel(dt.datetime(2026, 3, 8, 13, tzinfo=dt.UTC), tick=False):
        assert jobs.jobs_prune() == "1 finished jobs older than 7 days deleted"
    assert set(Job.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}
    assert not Job.objects.filter(pk=old.pk).exists()
