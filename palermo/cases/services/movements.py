"""Movements: where and when a person was recruited, moved through or exploited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from palermo.cases import htcds as h
from palermo.cases.dates import day_text
from palermo.cases.models import (
    Movement,
    Person,
)
from palermo.cases.services.common import (
    birthdate_of,
    check_choice,
    local_today,
    owner_actor,
)
from palermo.cases.writer import row_save
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError
from palermo.core.permissions import AnyUser
from palermo.core.services import country_get


@transaction.atomic
def movement_add(
    *,
    actor: AnyUser | None,
    person: Person,
    event_type: str,
    country: str,
    date: dt.date | None = None,
    end_date: dt.date | None = None,
    city: str = "",
    state: str = "",
    description: str = "",
) -> Movement:
    user = owner_actor(actor, person.case)
    check_choice(event_type, h.EventType, "event_type")
    born = birthdate_of(person)
    for day in (date, end_date):
        if day and born and day < born:
            raise ApplicationError(
                _("The {} date {} is before the person was born.").format(event_type.lower(), day),
                code="invalid_date",
            )
        if day and day > local_today():
            raise ApplicationError(
                _("The date {} is in the future.").format(day_text(day)), code="date_in_future"
            )
    if date and end_date and end_date < date:
        raise ApplicationError(
            _("The movement ends ({}) before it starts ({}).").format(
                day_text(end_date), day_text(date)
            ),
            code="invalid_date",
        )
    mv = Movement(
        person=person,
        event_type=event_type,
        country=country_get(country),
        date=date,
        end_date=end_date,
        city=city,
        state=state,
        description=description,
    )
    row_save(mv)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=mv,
        after={"person": person.pseudonym, "type": event_type, "country": mv.country_id},
    )
    return mv
