"""Test data for case management.

Organisations, users, indicator lists and national policies are plain rows (factory_boy). Cases
and persons go through the services (`CaseFactory`, `PersonFactory`): a case row written any
other way would miss its facets, its encryption and its audit entries. `module_rows` writes a
module's shared world once (Django's setUpTestData for pytest).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import time_machine
from django.db import transaction
from factory import declarations
from factory.base import Factory
from factory.django import DjangoModelFactory
from pytest_django import DjangoDbBlocker

from palermo.cases import services
from palermo.cases.choices import IndicatorDimension
from palermo.cases.models import Case, CountryPolicy, Indicator, IndicatorList, Person
from palermo.conftest import PINNED_NOW
from palermo.core.choices import OrganisationKind
from palermo.core.models import Organisation, User
from palermo.core.tests import factories as core_factories

D = dt.date

# factory_boy's declarations are untyped: typed names for the ones used here.
Sequence: Callable[[Callable[[int], Any]], Any] = declarations.Sequence
SubFactory: Callable[[type[Factory[Any]]], Any] = declarations.SubFactory
LazyAttribute: Callable[[Callable[[Any], Any]], Any] = declarations.LazyAttribute
# The six dimensions of the ILO/EC 2009 indicators, in the order `indicator_list` numbers them.
DIMENSIONS = tuple(IndicatorDimension.values)


class OrganisationFactory(core_factories.OrganisationFactory):
    """An organisation in Botswana (an NGO unless told otherwise)."""

    name = Sequence("Organisation {}".format)
    kind = OrganisationKind.NGO


class UserFactory(core_factories.UserFactory):
    """A case worker of a new organisation, who logs in with the tests' PASSWORD."""

    organisation = SubFactory(OrganisationFactory)


def case_user(
    role: str,
    org: str,
    country: str | None = "BWA",
    kind: str = OrganisationKind.GOVERNMENT,
    username: str | None = None,
) -> User:
    """A user of the organisation named `org` (made if new), like the `make_user` fixture."""
    organisation = OrganisationFactory.create(name=org, kind=kind, country_id=country)
    if username is None:
        return UserFactory.create(role=role, organisation=organisation)
    return UserFactory.create(role=role, organisation=organisation, username=username)


class CountryPolicyFactory(DjangoModelFactory[CountryPolicy]):
    """A national policy of the referral mechanism (Botswana's unless told otherwise)."""

    class Meta:
        model = CountryPolicy
        django_get_or_create = ("country_id",)

    country_id = "BWA"


class IndicatorListFactory(DjangoModelFactory[IndicatorList]):
    class Meta:
        model = IndicatorList
        django_get_or_create = ("key", "version")

    key = Sequence("test-list-{}".format)
    version = "1"
    title = "Test"
    target = "adult_labour"
    source = "test"


class IndicatorFactory(DjangoModelFactory[Indicator]):
    class Meta:
        model = Indicator
        django_get_or_create = ("indicator_list", "code")

    indicator_list = SubFactory(IndicatorListFactory)
    code = Sequence("i-{}".format)
    dimension = DIMENSIONS[0]
    strength = "strong"
    text = LazyAttribute(lambda o: "{} {}".format(o.dimension, o.strength))


def indicator_list(target: str = "adult_labour") -> IndicatorList:
    """A small indicator list for `target` covering every dimension with each strength: the
    indicator `{n}-{s|m|w}` is the strong, medium or weak one of the n-th of DIMENSIONS."""
    lst = IndicatorListFactory.create(key="test-{}".format(target), target=target)
    for i, dim in enumerate(DIMENSIONS):
        for strength in ("strong", "medium", "weak"):
            IndicatorFactory.create(
                indicator_list=lst,
                code="{}-{}".format(i, strength[0]),
                dimension=dim,
                strength=strength,
            )
    return lst


class CaseFactory(Factory[Case]):
    """A case opened by `actor` through `case_open` (give `actor`, and what else matters)."""

    class Meta:
        model = Case

    opened_on = D(2026, 1, 10)

    @classmethod
    def _create(cls, model_class: type[Case], *args: Any, **kwargs: Any) -> Case:
        return services.case_open(**kwargs)


class PersonFactory(Factory[Person]):
    """A person added to `case` by `actor` through `person_add` (a presumed victim)."""

    class Meta:
        model = Person

    role = "presumed_victim"

    @classmethod
    def _create(cls, model_class: type[Person], *args: Any, **kwargs: Any) -> Person:
        return services.person_add(**kwargs)


def organisation_of(user: User) -> Organisation:
    """The organisation of a test user (every user made for these tests has one)."""
    assert user.organisation is not None
    return user.organisation


@contextmanager
def module_rows[T](
    blocker: DjangoDbBlocker, build: Callable[[], T], *, pinned: bool = False
) -> Iterator[T]:
    """What `build()` writes, written once for a whole test module (like Django's setUpTestData).

    The rows stay for the module's tests: each test's own transaction is then a savepoint inside
    this one, rolled back after the test, and this one is rolled back after the module. Tests
    must work on a deep copy of what `build()` returned (their fixtures make one). With `pinned`,
    `build()` runs on the `clock` fixture's day (only `build()`: the tests keep their own clock).
    """
    with blocker.unblock(), transaction.atomic():
        if pinned:
            with time_machine.travel(PINNED_NOW, tick=True):
                rows = build()
        else:
            rows = build()
        yield rows
        transaction.set_rollback(True)
