"""Fixtures of the cooperation tests: attachments go to a temporary data dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from palermo.cooperation.models import Node
from palermo.core.choices import OrganisationKind, Role
from palermo.core.models import Country, Organisation, User

from .helpers import bravo_template, make_peer


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def investigator(make_user: Callable[..., User]) -> User:
    """An investigator of the Nigeria Police Force (this node's requesting authority)."""
    return make_user(Role.INVESTIGATOR, org="Nigeria Police Force", country="NGA")


@pytest.fixture
def coordinator(make_user: Callable[..., User]) -> User:
    return make_user(Role.NATIONAL_COORDINATOR, org="Nigeria Police Force", country="NGA")


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    """An investigator of another organisation of the same state."""
    return make_user(Role.INVESTIGATOR, org="Lagos State Police", country="NGA")


@pytest.fixture
def ngo(make_user: Callable[..., User]) -> User:
    return make_user(Role.CASE_WORKER, org="Shelter NGO", country="NGA", kind=OrganisationKind.NGO)


@pytest.fixture
def bravo() -> Node:
    node = make_peer("bravo")
    node.country = Country.objects.get(iso3="ZAF")
    node.save()
    return node


@pytest.fixture
def saps() -> Organisation:
    return Organisation.objects.create(
        name="South African Police Service", kind=OrganisationKind.GOVERNMENT, country_id="ZAF"
    )


@pytest.fixture(scope="session")
def bravo_node(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A second node's data dir and public key, made once per test run (see helpers)."""
    return bravo_template(tmp_path_factory.mktemp("bravo-template"))
