"""What every case service shares: who may act, checks of codes and countries, today, ages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import models
from django.utils import timezone

from palermo.cases.access import CASE_ROLES, case_access, require_edit
from palermo.cases.models import (
    Case,
    Person,
    PersonIdentity,
)
from palermo.core.crypto import decrypt_json
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import User
from palermo.core.permissions import AnyUser
from palermo.core.services import country_get


def case_actor(user: AnyUser | None) -> User:
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        raise ForbiddenError("Log in to do this.", code="not_authenticated")
    if user.role not in CASE_ROLES or user.organisation_id is None:
        raise ForbiddenError(
            "Only case workers and investigators of an organisation work on cases."
        )
    return user


def owner_actor(user: AnyUser | None, case: Case) -> User:
    """The acting user, when their organisation holds the case: a case they may not see does
    not exist for them (NotFoundError), one they see but may not change is forbidden."""
    actor = case_actor(user)
    require_edit(case_access(actor, case))
    return actor


def check_choice(value: str, choices: type[models.TextChoices], name: str) -> str:
    if value and value not in choices.values:
        raise ApplicationError(
            "Unknown code '{}' for {}: use one of {}.".format(
                value, name, ", ".join(choices.values)
            ),
            code="unknown_code",
        )
    return value


def check_multi(
    values: Iterable[str] | None, choices: type[models.TextChoices], name: str
) -> list[str]:
    out = []
    for v in values or []:
        out.append(check_choice(str(v), choices, name))
    return sorted(set(out))


def check_countries(codes: Iterable[str] | None) -> list[str]:
    return sorted({country_get(code).iso3 for code in codes or []})


def local_today() -> dt.date:
    return timezone.localdate()


def birthdate_of(person: Person) -> dt.date | None:
    identity = PersonIdentity.objects.filter(person=person).first()
    if identity is None:
        return None
    value = decrypt_json(identity.ciphertext).get("birthdate")
    return dt.date.fromisoformat(value) if value else None


def age_on(birthdate: dt.date, day: dt.date) -> int:
    return day.year - birthdate.year - ((day.month, day.day) < (birthdate.month, birthdate.day))
