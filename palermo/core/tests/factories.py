"""Factories for core test data: organisations, users (with the test password) and API tokens.

Call `Factory.create(...)` (typed: it returns the model) rather than `Factory(...)`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.utils import timezone
from factory.declarations import LazyAttribute, LazyFunction, Sequence, SubFactory
from factory.django import DjangoModelFactory, Password

from palermo.core.choices import OrganisationKind, Role
from palermo.core.models import ApiToken, Organisation, User
from palermo.core.services import TOKEN_PREFIX, token_digest

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - test users only


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = Sequence("Test organisation {}".format)
    kind = OrganisationKind.GOVERNMENT
    country_id = "BWA"


class UserFactory(DjangoModelFactory[User]):
    """A user who logs in with PASSWORD; a case worker of a test organisation by default."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = Sequence("user-{}".format)
    organisation = SubFactory(OrganisationFactory)
    role = Role.CASE_WORKER
    password = Password(PASSWORD)


class ApiTokenFactory(DjangoModelFactory[ApiToken]):
    """A token whose secret is `secret` (only its digest is stored, as `token_create` does), valid
    90 days."""

    class Meta:
        model = ApiToken
        exclude = ("secret",)

    user = SubFactory(UserFactory)
    name = "test"
    secret = Sequence(lambda n: "{}test-token-{:032d}".format(TOKEN_PREFIX, n))
    prefix = LazyAttribute(lambda o: o.secret[:12])
    digest = LazyAttribute(lambda o: token_digest(o.secret))
    expires_at = LazyFunction(lambda: timezone.now() + dt.timedelta(days=90))


def bearer_headers(user: User) -> dict[str, Any]:
    """Headers for Django's test client: `Authorization: Bearer` with a new token of `user`."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(24)
    ApiTokenFactory.create(user=user, secret=secret)
    return {"HTTP_AUTHORIZATION": "Bearer " + secret}
