"""Long work from a page, in headless Chromium: a national coordinator derives the year's
figures; the task worker is not running yet, so the job's page says it waits, with a progress
bar; once the worker has run it, the page (htmx asking every second) takes the coordinator to
the derived figures with the message, without a click."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings

from palermo.core.choices import JobState
from palermo.core.models import Job, User
from palermo.core.tests.browser import log_in
from palermo.statistics.definitions import definitions_load
from palermo.statistics.models import DataSet
from palermo.web.tests.demo import demo_node_make

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))
DEMO_DAY = "2026-11-20"


@pytest.fixture(autouse=True)
def reference(live_reference: None) -> None:
    if not DataSet.objects.exists():
        definitions_load()


def test_derive_waits_for_the_worker_then_shows_the_figures(
    page: Page, settings: Settings, tmp_path: Path
) -> None:
    demo_node_make(settings, tmp_path, cases=12, today=DEMO_DAY)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    coordinator = User.objects.get(username="coordinator")
    log_in(page, coordinator.username)
    page.goto("/statistics/entry/")
    page.get_by_label("Period").fill("2025")
    page.get_by_role("button", name="Derive from cases").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Deriving figures from case records")
    status = page.get_by_role("status").filter(has_text="Waiting to start.")
    expect(status).to_be_visible()
    expect(status.locator("progress")).to_be_visible()
    job = Job.objects.get()
    assert page.url.endswith("/jobs/{}/".format(job.pk)) and job.state == JobState.QUEUED
    page.screenshot(path=str(SCREENSHOTS / "job-waiting.png"), full_page=True)

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    # No click: the page's htmx part finds the job done and goes to the figures.
    expect(page).to_have_url(re.compile(r"/statistics/entry/tip-annual/ITA/2025/$"))
    expect(page.locator(".messages")).to_contain_text("draft figures from")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Italy, 2025")
    page.screenshot(path=str(SCREENSHOTS / "job-done.png"), full_page=True)
