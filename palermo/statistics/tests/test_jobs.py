"""Deriving and publishing from the pages, run by the task worker as in production (the database
task backend and `palermo db_worker`): the page of the job first, then the result with its
message, or the refusal where the work was started, with what was asked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from palermo.conftest import PASSWORD
from palermo.core.choices import JobState, Role
from palermo.core.models import Job, User
from palermo.core.tests.worker import worker_run
from palermo.statistics.choices import ValueOrigin
from palermo.statistics.models import DIMENSIONS, TOTAL, Publication, Value
from palermo.statistics.publishing import publication_create
from palermo.statistics.services import values_submit, values_validate
from palermo.statistics.tests.factories import colleague, enter, victim

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def queued(settings: Settings) -> None:
    """Tasks go to the database and wait for the worker, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def html(response: Any) -> str:
    return unescape(response.content.decode())


def login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_derive_runs_in_the_worker_and_ends_on_the_figures(
    coordinator: User, make_user: Callable[..., User]
) -> None:
    worker = make_user(Role.CASE_WORKER, org="Shelter Gaborone", country="BWA", kind="ngo")
    for _ in range(3):
        victim(worker, dt.date(2024, 3, 1))
    client = login(coordinator)
    form = {"dataset": "tip-annual", "period": "2024"}
    response = client.post(reverse("statistics:entry_derive"), form)
    job = Job.objects.get()
    assert response["Location"] == reverse("web:job", args=[job.pk])
    page = html(client.get(response["Location"]))
    assert "Deriving figures from case records" in page and "Waiting to start." in page
    assert "tip-annual · BWA · 2024" in page
    assert not Value.objects.filter(origin=ValueOrigin.DERIVED).exists()  # until the worker runs
    # Clicked again while it waits: the same job.
    assert client.post(reverse("statistics:entry_derive"), form)["Location"] == response["Location"]
    worker_run()
    response = client.get(response["Location"], follow=True)
    grid = reverse("statistics:entry_grid", args=["tip-annual", "BWA", "2024"])
    assert response.redirect_chain == [(grid, 302)]
    assert "Derived " in html(response) and "from 3 person records" in html(response)
    totals = dict.fromkeys(DIMENSIONS, TOTAL)
    total = Value.objects.get(
        indicator__code="victims_detected", origin=ValueOrigin.DERIVED, **totals
    )
    assert total.value == 3


def test_a_refused_derivation_is_told_on_the_figures(coordinator: User) -> None:
    enter(coordinator, {"victims_detected": 4}, period="2024")
    values_submit(actor=coordinator, dataset="tip-annual", country="BWA", period="2024")
    client = login(coordinator)
    response = client.post(
        reverse("statistics:entry_derive"), {"dataset": "tip-annual", "period": "2024"}
    )
    worker_run()
    assert Job.objects.get().state == JobState.FAILED
    response = client.get(response["Location"], follow=True)
    grid = reverse("statistics:entry_grid", args=["tip-annual", "BWA", "2024"])
    assert response.redirect_chain == [(grid, 302)]
    assert "Nothing was derived: Some of these figures are already submitted" in html(response)
    assert not Value.objects.filter(origin=ValueOrigin.DERIVED).exists()


def test_a_regional_table_is_published_by_the_worker(
    coordinator: User, other_coordinator: User, stats_analyst: User
) -> None:
    url = reverse("statistics:publication_new")
    form = {
        "dataset": "tip-annual",
        "period": "2023",
        "table": "victims_detected|",
        "countries": "BWA, NAM",
        "threshold": "5",
    }
    client = login(stats_analyst)
    # Refused by the worker (nothing released yet): back on the form, filled in as asked.
    response = client.post(url, form)
    worker_run()
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[0][0].startswith(url + "?")
    page = html(response)
    assert "Nothing was published: No figures of victims_detected" in page
    assert 'value="BWA, NAM"' in page and 'value="2023"' in page and 'value="5"' in page
    assert not Publication.objects.exists()
    for user, iso3, n in ((coordinator, "BWA", 30), (other_coordinator, "NAM", 3)):
        enter(user, {"victims_detected": n, "victims_detected:sex=F": n}, country=iso3)
        scope = {"dataset": "tip-annual", "country": iso3, "period": "2023"}
        values_submit(actor=user, **scope)
        values_validate(actor=colleague(user), **scope)
        publication_create(
            actor=user,
            dataset="tip-annual",
            indicator="victims_detected",
            period="2023",
            dimensions=["sex"],
            countries=[iso3],
        )
    response = client.post(url, form)
    job = Job.objects.filter(state=JobState.QUEUED).get()
    assert response["Location"] == reverse("web:job", args=[job.pk])
    assert "Publishing a table" in html(client.get(response["Location"]))
    worker_run()
    response = client.get(response["Location"], follow=True)
    publication = Publication.objects.get(country=None)
    assert response.redirect_chain == [
        (reverse("statistics:publication_version", args=[publication.key, 1]), 302)
    ]
    assert "Published: " in html(response)
