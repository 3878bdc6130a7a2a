"""The page of long work (palermo.web.jobs): its starter's only; waiting, then a progress bar that
htmx refreshes; once done, the result with its message; once refused, the reason where the
work was started."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from html import unescape
from typing import Any

import pytest
import time_machine
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from palermo.conftest import PASSWORD
from palermo.core import jobs
from palermo.core.choices import JobState, Role
from palermo.core.models import Job, User
from palermo.core.progress import Progress

pytestmark = pytest.mark.django_db
KIND = "test.pages"
HTMX = {"HX-Request": "true"}


def nothing(actor: User, p: dict[str, Any], progress: Progress) -> jobs.Outcome:
    return jobs.Outcome("Counted.", "/statistics/")


@pytest.fixture(autouse=True)
def kind() -> Iterator[None]:
    jobs.job_kind(jobs.JobKind(KIND, "Counting things", "things", nothing))
    caches["progress"].clear()
    yield
    jobs.KINDS.pop(KIND, None)


def html(response: Any) -> str:
    return unescape(response.content.decode())


def login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def job_of(user: User, **fields: Any) -> Job:
    return Job.objects.create(kind=KIND, actor=user, fingerprint="f", subject="a · b", **fields)


def test_a_waiting_then_running_job_shows_its_progress(make_user: Callable[..., User]) -> None:
    user = make_user(Role.NATIONAL_COORDINATOR)
    with time_machine.travel(dt.datetime(2026, 5, 4, 10, tzinfo=dt.UTC), tick=False):
        job = job_of(user)
    client = login(user)
    url = reverse("web:job", args=[job.pk])
    progress_url = reverse("web:job_progress", args=[job.pk])
    with time_machine.travel(dt.datetime(2026, 5, 4, 10, 0, 5, tzinfo=dt.UTC), tick=False):
        page = html(client.get(url))
        assert "<h1>Counting things</h1>" in page and "a · b" in page
        assert "Waiting to start." in page and "task worker may not be running" not in page
        assert 'hx-get="{}"'.format(progress_url) in page and 'hx-trigger="every 1s"' in page
    with time_machine.travel(dt.datetime(2026, 5, 4, 10, 1, tzinfo=dt.UTC), tick=False):
        part = html(client.get(progress_url, headers=HTMX))
        assert "Still waiting after 60 seconds" in part and "<h1>" not in part
    # Running: what the worker last reported.
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, started_at=dt.datetime(2026, 5, 4, 10, 2, tzinfo=dt.UTC)
    )
    caches["progress"].set("job:{}".format(job.pk), (3, 12, 0.0))
    with time_machine.travel(dt.datetime(2026, 5, 4, 10, 2, 42, tzinfo=dt.UTC), tick=False):
        part = html(client.get(progress_url, headers=HTMX))
    assert "3 of 12 things (25%)" in part and "Running for 42 seconds" in part
    assert '<progress max="12" value="3"' in part
    # Running before its first report: a bar without a value.
    caches["progress"].clear()
    assert "Running." in html(client.get(progress_url, headers=HTMX))


def test_a_finished_job_leads_to_its_result_or_its_refusal(
    make_user: Callable[..., User],
) -> None:
    user = make_user(Role.NATIONAL_COORDINATOR)
    client = login(user)
    done = job_of(
        user, state=JobState.DONE, message="Counted 12 things.", result_url="/account/tokens/"
    )
    # The page's htmx part sends the browser to the job's page, which goes to the result.
    part = client.get(reverse("web:job_progress", args=[done.pk]), headers=HTMX)
    assert part["HX-Redirect"] == reverse("web:job", args=[done.pk])
    response = client.get(reverse("web:job", args=[done.pk]), follow=True)
    assert response.redirect_chain == [("/account/tokens/", 302)]
    assert "Counted 12 things." in html(response)
    # Refused: the reason, on the page that started it.
    refused = job_of(
        user,
        state=JobState.FAILED,
        message="Nothing was derived: no cases.",
        back_url="/account/tokens/",
    )
    response = client.get(reverse("web:job", args=[refused.pk]), follow=True)
    assert response.redirect_chain == [("/account/tokens/", 302)]
    assert "Nothing was derived: no cases." in html(response)
    # ... or on the job's own page when that page is not known.
    lost = job_of(user, state=JobState.FAILED, message="Nothing was derived: no cases.")
    page = html(client.get(reverse("web:job", args=[lost.pk])))
    assert 'role="alert"' in page and "Nothing was derived: no cases." in page
    assert "hx-get" not in page
    # Never to another site.
    away = job_of(user, state=JobState.DONE, message="Done.", result_url="https://example.org/")
    assert client.get(reverse("web:job", args=[away.pk]))["Location"] == reverse("web:home")


def test_a_job_is_its_starters_only(make_user: Callable[..., User]) -> None:
    user = make_user(Role.NATIONAL_COORDINATOR)
    other = make_user(Role.NATIONAL_COORDINATOR)
    job = job_of(user)
    for name in ("web:job", "web:job_progress"):
        url = reverse(name, args=[job.pk])
        assert login(other).get(url).status_code == 404
        assert Client().get(url)["Location"].startswith("/login/")
        assert login(user).get(url).status_code == 200
