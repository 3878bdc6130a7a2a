"""Fixtures of the monitoring tests: the statistics definitions (indicators a question answers)
loaded once, and a secretariat's analyst."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

from palermo.conftest import reference_ensure
from palermo.core.choices import OrganisationKind, Role
from palermo.core.models import User
from palermo.statistics.definitions import definitions_load
from palermo.statistics.models import DataSet


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The project's reference data, then the statistics definitions (idempotent)."""
    with django_db_blocker.unblock():
        reference_ensure()
        definitions_load()


@pytest.fixture
def secretariat(make_user: Callable[..., User]) -> User:
    """An analyst of UNODC, a secretariat that writes questionnaires."""
    return make_user(
        Role.ANALYST, org="UNODC", country=None, kind=OrganisationKind.INTERNATIONAL, username="sec"
    )


@pytest.fixture
def page(new_context: Callable[[str], Page], live_server: Any) -> Page:
    """A browser tab on this node's live server (browser tests)."""
    return new_context(live_server.url)


@pytest.fixture
def live_definitions(live_reference: None) -> None:
    """The live-server tests' reference rows and the statistics definitions (the indicators a
    question answers), written back after a previous live-server test emptied them."""
    if not DataSet.objects.exists():
        definitions_load()
