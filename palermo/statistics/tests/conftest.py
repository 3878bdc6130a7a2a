"""Fixtures of the statistics tests: definitions loaded once, coordinators and analysts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from palermo.conftest import reference_ensure
from palermo.core.choices import OrganisationKind, Role
from palermo.core.models import User
from palermo.statistics.definitions import definitions_load


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The project's reference data (parent fixture; loaded again if a transactional test
    emptied the tables before the first statistics test), then the statistics definitions."""
    with django_db_blocker.unblock():
        reference_ensure()
        definitions_load()


@pytest.fixture
def coordinator(make_user: Callable[..., User]) -> User:
    """A national coordinator of Botswana."""
    return make_user(Role.NATIONAL_COORDINATOR, org="BWA task force", country="BWA")


@pytest.fixture
def other_coordinator(make_user: Callable[..., User]) -> User:
    """A national coordinator of Namibia."""
    return make_user(Role.NATIONAL_COORDINATOR, org="NAM task force", country="NAM")


@pytest.fixture
def stats_analyst(make_user: Callable[..., User]) -> User:
    """An analyst of a regional secretariat."""
    return make_user(
        Role.ANALYST,
        org="Regional secretariat",
        country=None,
        kind=OrganisationKind.REGIONAL_MECHANISM,
    )
