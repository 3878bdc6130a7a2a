"""Prepared queries (palermo/core/prepared.py): compiled once per connection, the same rows and
objects as the queryset they are built from, for every value."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.db import connections
from django.db.models import Field, QuerySet
from django.db.models.sql.compiler import SQLCompiler

from palermo.core.models import Organisation, User
from palermo.core.prepared import Prepared, PreparedQueryError
from palermo.core.tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _org_pk() -> list[Field[Any, Any]]:
    return [Organisation._meta.pk]


def _users_of(org_id: Any) -> QuerySet[User]:
    return (
        User.objects.filter(organisation_id=org_id, is_active=True)
        .select_related("organisation__country")
        .order_by("username")
    )


USERS: Prepared[User] = Prepared(_users_of, value_fields=_org_pk)


def test_the_rows_and_related_objects_are_those_of_the_queryset() -> None:
    first = OrganisationFactory.create(country_id="ITA")
    second = OrganisationFactory.create(country_id="NGA")
    for name in ("c", "a", "b"):
        UserFactory.create(username="{}-{}".format(first.pk, name), organisation=first)
    UserFactory.create(username="x", organisation=second)
    UserFactory.create(username="gone", organisation=first, is_active=False)
    for org in (first, second):
        expected = list(_users_of(org.pk))
        got = USERS.fetch(org.pk)
        assert [u.pk for u in got] == [u.pk for u in expected]
        for user, plain in zip(got, expected, strict=True):
            # converters applied (dates and booleans as Python values), related objects loaded
            assert user.date_joined == plain.date_joined
            assert isinstance(user.date_joined, dt.datetime)
            assert user.is_active is True
            assert user.organisation == org
            assert user.organisation is not None and plain.organisation is not None
            country, expected_country = user.organisation.country, plain.organisation.country
            assert country is not None and expected_country is not None
            assert country.name == expected_country.name
    assert USERS.fetch(10**9) == []


def test_compiled_once_per_connection() -> None:
    org = OrganisationFactory.create()
    UserFactory.create(organisation=org)
    query: Prepared[User] = Prepared(_users_of, value_fields=_org_pk)
    with mock.patch.object(
        SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql
    ) as spy:
        for _ in range(3):
            assert len(query.fetch(org.pk)) == 1
    assert spy.call_count == 2  # the two compilations of the first use, none after
    assert connections["default"] in query._compiled


def test_a_query_the_value_does_not_reach_is_refused() -> None:
    query: Prepared[User] = Prepared(
        lambda _value: User.objects.filter(is_active=True), value_fields=_org_pk
    )
    with pytest.raises(PreparedQueryError, match="does not reach the SQL"):
        query.fetch(1)


def _joined_since(org_id: Any, since: dt.datetime) -> QuerySet[User]:
    return User.objects.filter(organisation_id=org_id, date_joined__gte=since).order_by("pk")


def test_several_values_each_where_it_is_used() -> None:
    org = OrganisationFactory.create()
    old = UserFactory.create(organisation=org, date_joined=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    new = UserFactory.create(organisation=org, date_joined=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    query: Prepared[User] = Prepared(
        _joined_since,
        value_fields=lambda: [Organisation._meta.pk, User._meta.get_field("date_joined")],
    )
    since_2019 = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
    assert [u.pk for u in query.fetch(org.pk, since_2019)] == [old.pk, new.pk]
    assert [u.pk for u in query.fetch(org.pk, dt.datetime(2023, 1, 1, tzinfo=dt.UTC))] == [new.pk]
    assert query.fetch(org.pk + 1, since_2019) == []
    with pytest.raises(TypeError, match="2 values expected, 1 given"):
        query.fetch(org.pk)


def test_a_value_computed_inside_build_is_refused() -> None:
    """`since - 1 day` would be kept in the SQL as computed from the stand-in: refused."""
    query: Prepared[User] = Prepared(
        lambda org_id, since: _joined_since(org_id, since - dt.timedelta(days=1)),
        value_fields=lambda: [Organisation._meta.pk, User._meta.get_field("date_joined")],
    )
    with pytest.raises(PreparedQueryError, match="computed from the values inside build"):
        query.fetch(1, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))


def test_a_constant_that_changes_between_compilations_is_refused() -> None:
    """`timezone.now()` inside build differs between the two compilations: refused."""
    query: Prepared[User] = Prepared(
        lambda org_id: _joined_since(org_id, dt.datetime.now(dt.UTC)),
        value_fields=_org_pk,
    )
    with pytest.raises(PreparedQueryError, match="computed from the values inside build"):
        query.fetch(1)
