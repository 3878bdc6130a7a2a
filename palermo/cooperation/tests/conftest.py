"""Fixtures of the cooperation tests: attachments go to a temporary data dir; the users of the
Nigerian authority, the peer node of South Africa and its police; a second node's template."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_django import Settings

from palermo.cooperation.models import Node
from palermo.core.choices import OrganisationKind, Role
from palermo.core.models import Organisation, User

from .factories import SAPS, NodeFactory, OrganisationFactory


@pytest.fixture(autouse=True)
def _data_dir(settings: Settings, tmp_path: Path) -> None:
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
def bravo(db: None) -> Node:
    """The peer node of South Africa (it signs with factories.PEER_KEY)."""
    return NodeFactory.create(country_id="ZAF")


@pytest.fixture
def saps(db: None) -> Organisation:
    return OrganisationFactory.create(name=SAPS, country_id="ZAF")
