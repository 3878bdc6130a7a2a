"""What every case service shares: who may act, checks of codes and countries, today, ages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cases.access import CASE_ROLES, case_access, require_edit
from palermo.cases.dates import day_text
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
    """The acting user, when they may work on cases at all (a case role in an organisation)."""
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        raise ForbiddenError(_("Log in to do this."), code="not_authenticated")
    if user.role not in CASE_ROLES or user.organisation_id is None:
        raise ForbiddenError(
            _("Only case workers and investigators of an organisation work on cases.")
        )
    return user


def owner_actor(user: AnyUser | None, case: Case) -> User:
    """The acting user, when their organisation holds the case: a case they may not see does
    not exist for them (NotFoundError), one they see but may not change is forbidden."""
    actor = case_actor(user)
    require_edit(case_access(actor, case))
    return actor


def check_choice(value: str, choices: type[models.TextChoices], name: str) -> str:
    """`value` when it is one of the codes of `choices` (or empty), else an unknown_code error."""
    if value and value not in choices.values:
        raise ApplicationError(
            _("Unknown code for {}: use one of {}.").format(name, ", ".join(choices.values)),
            code="unknown_code",
        )
    return value


def check_multi(
    values: Iterable[str] | None, choices: type[models.TextChoices], name: str
) -> list[str]:
    """The distinct codes, sorted, each checked like check_choice."""
    out = []
    for v in values or []:
        out.append(check_choice(str(v), choices, name))
    return sorted(set(out))


def check_countries(codes: Iterable[str] | None, field: str = "citizenship") -> list[str]:
    """ISO alpha-3 codes of the countries named, sorted (an unknown country is an error)."""
    return sorted({country_get(code, field).iso3 for code in codes or []})


def local_today() -> dt.date:
    """Today in the node's time zone."""
    return timezone.localdate()


def birthdate_of(person: Person) -> dt.date | None:
    """The person's date of birth from their encrypted identity, if recorded."""
    identity = PersonIdentity.objects.filter(person=person).first()
    if identity is None:
        return None
    value = decrypt_json(identity.ciphertext).get("birthdate")
    return dt.date.fromisoformat(value) if value else None


def age_on(birthdate: dt.date, day: dt.date) -> int:
    """Age in whole years on `day`."""
    return day.year - birthdate.year - ((day.month, day.day) < (birthdate.month, birthdate.day))


def check_age_and_birthdate(age: int | None, born: dt.date | None, opened_on: dt.date) -> None:
    """An age at registration and a date of birth that disagree by more than a year (the age the
    date of birth gives on the day the case was opened) are refused: one of them is wrong, and
    the child safeguards depend on them."""
    if age is None or born is None:
        return
    expected = age_on(born, opened_on)
    if abs(int(age) - expected) > 1:
        raise ApplicationError(
            _(
                "The age at registration ({}) and the date of birth disagree: the date of birth "
                "gives {} on the day the case was opened ({}). Correct one of them, or leave the "
                "age empty (it is then computed from the date of birth)."
            ).format(age, expected, day_text(opened_on)),
            code="age_birthdate_mismatch",
        )
