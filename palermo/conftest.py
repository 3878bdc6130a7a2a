"""Shared test fixtures: the reference data is loaded once into the test database."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from pytest_django import DjangoDbBlocker
from pytest_django.live_server_helper import LiveServer

from palermo.cases.identification import indicator_lists_load
from palermo.core.choices import OrganisationKind, Role
from palermo.core.models import User
from palermo.core.services import token_create
from palermo.core.tests.dbsnapshot import Snapshot, restore_database, snapshot_database
from palermo.core.tests.factories import PASSWORD, OrganisationFactory, UserFactory
from palermo.registry.models import Instrument
from palermo.registry.reference import load_reference

__all__ = ["PASSWORD", "reference_ensure", "reference_load"]

# Tests that depend on today's date take the `clock` fixture, which pins "now" to this instant
# (ticking from there), so they pass on any calendar day. `make test` proves it: the SQLite run
# moves the whole clock a year ahead (PALERMO_TEST_SHIFT_DAYS, see palermo.settings.test) and the
# `clock` tests run once more a year back.
PINNED_NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


# On PostgreSQL the suite leaves out what would only repeat the SQLite suite (README, "Tests"):
# - a test that takes no database (neither `db`, `transactional_db` nor `live_server` among its
#   fixtures, no `django_db` marker): nothing in it can differ between the engines, unless it is
#   marked `postgres` (it starts processes on DATABASE_URL itself);
# - the browser tests: a page's requests run through the views, selectors and services that the
#   test client drives in both suites; what the browser adds (the pages' script and htmx swaps,
#   the Content-Security-Policy, what a person sees) does not depend on the engine.
# - the tests that start other nodes (`nodes`): those nodes run on SQLite files of their own in
#   both suites, and what the tests add to the in-process ones that run in both (processes, HTTP,
#   signatures on the wire, restarts) does not depend on this process's engine.
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_setup"}
)


def _repeats_sqlite(item: pytest.Item) -> str | None:
    """Why the PostgreSQL suite leaves `item` out, or None if it runs it."""
    if item.get_closest_marker("browser"):
        return "a browser test: it runs in the SQLite suite"
    if item.get_closest_marker("nodes"):
        return "its other nodes run on SQLite: it runs in the SQLite suite"
    if item.get_closest_marker("postgres") or item.get_closest_marker("django_db"):
        return None
    if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return None
    return "no database in this test: it runs in the SQLite suite"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that takes the `clock` fixture is marked `clock` (so `-m clock` selects them); on
    PostgreSQL, the tests that would only repeat the SQLite suite are skipped."""
    postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if "clock" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.clock)
        if postgres and (reason := _repeats_sqlite(item)):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts in the default language: a request's language (LocaleMiddleware
    activates it, as a server thread's next request would again) stays with the test's thread."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """Today is PINNED_NOW's day for this test (time still passes from there)."""
    with time_machine.travel(PINNED_NOW, tick=True) as traveller:
        yield traveller


def reference_load() -> None:
    """The countries, the registry's reference data and the indicator lists (idempotent)."""
    load_reference()
    indicator_lists_load()


def reference_ensure() -> None:
    """The reference data, loaded again if a transactional test emptied the tables."""
    if not Instrument.objects.exists():
        reference_load()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> None:
    """Countries and registry reference data, loaded once per run (rolled back per test)."""
    with django_db_blocker.unblock():
        reference_load()


@pytest.fixture(scope="session")
def reference_rows(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Snapshot:
    """The session's reference rows, kept in memory (loaded again first if a transactional test
    before emptied the tables)."""
    with django_db_blocker.unblock():
        reference_ensure()
        return snapshot_database()


class _OneRequestAtATime:
    """A WSGI application that lets one request at a time through (see `live_server`)."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            answer = self.app(environ, start_response)
            try:
                return [b"".join(answer)]
            finally:
                if hasattr(answer, "close"):
                    answer.close()


@pytest.fixture(scope="session")
def live_server(django_db_setup: None, live_server: LiveServer) -> LiveServer:
    """pytest-django's live server, started once the test database exists, serving one request
    at a time on the tests' in-memory SQLite database.

    Started before the test database (a session fixture is made when the first test asks for
    it), its request threads opened connections of their own to the shared-cache in-memory
    database, where a write locks a table and another connection's query fails at once ("table
    is locked", no busy wait); started after, they share the test's one connection (Django's
    way), where two requests' transactions at once fail. Either way a page's requests at once
    (the offline app's key, cases and sync; htmx swaps) got 500s under load: the browser tests
    were flaky. So the server starts after the database and its requests take turns
    (palermo/core/tests/test_live_server.py). On PostgreSQL each request thread has its own
    connection and requests run at once."""
    if live_server.thread.connections_override:
        httpd = live_server.thread.httpd
        app = httpd.get_app()
        if app is None:  # set before the thread says it is ready
            pytest.fail("the live server started without its application")
        httpd.set_app(_OneRequestAtATime(app))
    return live_server


@pytest.fixture
def live_reference(reference_rows: Snapshot, transactional_db: None) -> None:
    """For live-server (browser) tests, which are transactional: the database is emptied after
    each of them, so the reference rows are written back from memory (much faster than loading
    the files again); the first such test still has them."""
    if not Instrument.objects.exists():
        restore_database(reference_rows)


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    """make(role, org, country, kind=..., username=...): a user of that organisation (made the
    first time it is named), who logs in with PASSWORD."""

    def make(
        role: str = Role.CASE_WORKER, org: str = "Org A", country: str | None = "BWA", **kw: Any
    ) -> User:
        organisation = OrganisationFactory.create(
            name=org, kind=kw.pop("kind", OrganisationKind.GOVERNMENT), country_id=country
        )
        username = kw.pop("username", "{}-{}".format(role, User.objects.count() + 1))
        return UserFactory.create(username=username, organisation=organisation, role=role, **kw)

    return make


@pytest.fixture
def editor(make_user: Callable[..., User]) -> User:
    return make_user(
        Role.REGISTRY_EDITOR,
        org="Secretariat",
        country=None,
        kind=OrganisationKind.REGIONAL_MECHANISM,
    )


@pytest.fixture
def analyst(make_user: Callable[..., User]) -> User:
    return make_user(
        Role.ANALYST, org="Clearing house", country=None, kind=OrganisationKind.INTERNATIONAL
    )


@pytest.fixture
def admin_user(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMINISTRATOR, org="Node IT", country="BWA")


@pytest.fixture
def bearer() -> Callable[[User], dict[str, Any]]:
    """Headers for the test client: Authorization with a fresh token for a user."""

    def headers(user: User) -> dict[str, Any]:
        return {"HTTP_AUTHORIZATION": "Bearer " + token_create(actor=None, user=user)}

    return headers


@pytest.fixture
def client() -> Client:
    return Client()


CHROMIUM = os.environ.get("PALERMO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("no Chromium at {}: run scripts/ensure-chromium".format(CHROMIUM))
    # A page's answer may take seconds while both suites load the machine (CI): assertions on
    # what a page shows wait as long as actions do (Playwright's default is 5 s).
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[[str], Page]]:
    """Browser contexts on a base URL (one per user and node), each with downloads allowed;
    a JavaScript error on any of their pages fails the test."""
    from palermo.core.tests.browser import errors_watch  # noqa: PLC0415 - browser tests only

    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def make(base_url: str) -> Page:
        context = browser.new_context(
            base_url=base_url,
            locale="en-GB",
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        tab = context.new_page()
        errors_watch(tab, errors)
        return tab

    yield make
    for context in contexts:
        context.close()
    if errors:
        pytest.fail("JavaScript errors: {}".format(errors))


@pytest.fixture(scope="session")
def bravo_node(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A second node's data dir and public key, made once per test run and copied by each test
    that starts a second node (see palermo/cooperation/tests/nodes.py)."""
    from palermo.cooperation.tests.nodes import bravo_template  # noqa: PLC0415 - node tests only

    return bravo_template(tmp_path_factory.mktemp("bravo-template"))
