"""Reads of single kinds of registry facts: instruments, mechanisms and memberships, legislation,
treaty actions, the directory, the home page's counts, and the "as of" date of a request."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import Country
from palermo.core.permissions import AnyUser, is_authenticated
from palermo.registry.models import (
    DirectoryEntry,
    Instrument,
    Legislation,
    Mechanism,
    Membership,
    TreatyAction,
)


def instrument_list(*, kind: str | None = None) -> QuerySet[Instrument]:
    qs = Instrument.objects.select_related("parent", "adopted_by").prefetch_related(
        "sources__document"
    )
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("adopted", "slug")


def instrument_get(slug: str) -> Instrument:
    instrument = instrument_list().filter(slug=slug).first()
    if instrument is None:
        raise NotFoundError(
            _("No instrument with slug '{}'.").format(slug), code="unknown_instrument"
        )
    return instrument


def mechanism_list() -> QuerySet[Mechanism]:
    return Mechanism.objects.prefetch_related("sources__document").order_by("acronym")


def mechanism_get(acronym: str) -> Mechanism:
    mech = mechanism_list().filter(acronym__iexact=acronym.strip()).first()
    if mech is None:
        raise NotFoundError(
            _("No regional mechanism '{}'.").format(acronym), code="unknown_mechanism"
        )
    return mech


def active_membership_q(as_of: dt.date, prefix: str = "") -> Q:
    """Memberships in force on `as_of` (unknown join date counts as a member throughout)."""
    return (Q(**{prefix + "joined__isnull": True}) | Q(**{prefix + "joined__lte": as_of})) & (
        Q(**{prefix + "left__isnull": True}) | Q(**{prefix + "left__gt": as_of})
    )


def member_codes(mechanism: Mechanism, as_of: dt.date) -> set[str]:
    return set(
        Membership.objects.filter(mechanism=mechanism, role="member")
        .filter(active_membership_q(as_of))
        .order_by()
        .values_list("country_id", flat=True)
    )


def membership_list(
    *, mechanism: Mechanism | None = None, country: Country | None = None
) -> QuerySet[Membership]:
    qs = Membership.objects.select_related("mechanism", "country").prefetch_related(
        "sources__document"
    )
    if mechanism is not None:
        qs = qs.filter(mechanism=mechanism)
    if country is not None:
        qs = qs.filter(country=country)
    return qs


def legislation_list(*, country: Country | None = None, q: str = "") -> QuerySet[Legislation]:
    qs = Legislation.objects.select_related("country", "implements").prefetch_related(
        "sources__document"
    )
    if country is not None:
        qs = qs.filter(country=country)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(summary__icontains=q))
    return qs


def treaty_action_list(
    *, instrument: Instrument | None = None, country: Country | None = None
) -> QuerySet[TreatyAction]:
    qs = TreatyAction.objects.select_related("instrument", "country", "source__document")
    if instrument is not None:
        qs = qs.filter(instrument=instrument)
    if country is not None:
        qs = qs.filter(country=country)
    return qs.order_by("date", "country__name")


def treaty_action_get(pk: int) -> TreatyAction:
    """One treaty action with its instrument, state and source."""
    action = treaty_action_list().filter(pk=pk).first()
    if action is None:
        raise NotFoundError(_("No treaty action {}.").format(pk))
    return action


def directory_list(
    *,
    user: AnyUser | None,
    country: Country | None = None,
    role: str | None = None,
    q: str = "",
    member_of: Mechanism | None = None,
) -> tuple[QuerySet[DirectoryEntry], bool]:
    """Directory entries and whether people's contact details may be shown to this user."""
    qs = DirectoryEntry.objects.select_related(
        "country", "organisation", "mechanism"
    ).prefetch_related("sources__document")
    if country is not None:
        qs = qs.filter(country=country)
    if role:
        qs = qs.filter(role=role)
    if member_of is not None:
        qs = qs.filter(country_id__in=member_codes(member_of, dt.date.today()))  # noqa: DTZ011
    if q:
        qs = qs.filter(
            Q(organisation__name__icontains=q)
            | Q(unit__icontains=q)
            | Q(description__icontains=q)
            | Q(country__name__icontains=q)
        )
    return qs, is_authenticated(user)


def parse_as_of(value: str | dt.date | None) -> dt.date:
    """The date a question is asked "as of": today when none is given."""
    if value is None or value == "":
        return dt.date.today()  # noqa: DTZ011 - a calendar date, not a moment
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApplicationError(
            _("as_of must be a date as YYYY-MM-DD, not '{}'.").format(value), code="invalid_date"
        ) from None


def as_of_or_today(value: str) -> dt.date:
    """The "as of" date of a page: today when the one given is missing or not a date."""
    try:
        return parse_as_of(value)
    except ApplicationError:
        return dt.date.today()  # noqa: DTZ011 - a calendar date, not a moment


def country_list(*, q: str = "") -> QuerySet[Country]:
    """Countries (historical entities too) by name; `q` searches the name."""
    qs = Country.objects.order_by("name")
    if q:
        qs = qs.filter(name__icontains=q)
    return qs


def registry_counts() -> dict[str, int]:
    """Headline numbers for the home page."""
    return {
        "instruments": Instrument.objects.count(),
        "treaty_actions": TreatyAction.objects.count(),
        "mechanisms": Mechanism.objects.count(),
        "countries": Country.objects.filter(historical=False).count(),
        "directory": DirectoryEntry.objects.count(),
        "legislation": Legislation.objects.count(),
    }
