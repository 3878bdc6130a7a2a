"""Who may see and change which figures.

- Anyone, logged in or not, sees figures marked public (imported with `--public`, or stated in
  a published document) and publications (frozen, disclosure-controlled tables).
- A national coordinator also sees every figure of their own country, whatever its status, and
  is the only one who enters, submits, validates or derives that country's figures.
- Analysts (regional secretariat, clearing house) see only public figures and publications;
  they may publish disclosure-controlled tables of figures the countries released for
  publication (status `published`: published in the country's own table, or imported as
  already published), never of figures a country has only validated.
- Everyone else (case workers, investigators, registry editors, administrators) sees what an
  anonymous reader sees.
A figure a user may not see does not exist for them: lists leave it out and lookups 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from palermo.core.choices import Role
from palermo.core.errors import ForbiddenError, NotFoundError
from palermo.core.models import Country, User
from palermo.core.permissions import AnyUser, active_user
from palermo.statistics.choices import PublicationMethod
from palermo.statistics.models import Publication, Value


def coordinator_country(user: AnyUser | None) -> str | None:
    """The country whose figures the user coordinates, or None."""
    u = active_user(user)
    if u is None or u.role != Role.NATIONAL_COORDINATOR or u.organisation is None:
        return None
    return u.organisation.country_id


def is_analyst(user: AnyUser | None) -> bool:
    u = active_user(user)
    return u is not None and u.role == Role.ANALYST


def reads_case_flows(user: AnyUser | None) -> bool:
    """Route flows from case records: national coordinators (their country's, exact) and
    analysts (every case on this node, small flows suppressed)."""
    return coordinator_country(user) is not None or is_analyst(user)


def sees_budget_ledger(user: AnyUser | None, publication: Publication) -> bool:
    """A differentially private publication's budget ledger is its country's coordinator's."""
    return (
        publication.method == PublicationMethod.DIFFERENTIAL_PRIVACY
        and publication.country_id is not None
        and coordinator_country(user) == publication.country_id
    )


def value_queryset(user: AnyUser | None) -> QuerySet[Value]:
    """The figures this user may read."""
    country = coordinator_country(user)
    visible = Q(public=True)
    if country:
        visible |= Q(country_id=country)
    return Value.objects.filter(visible)


def require_coordinator(user: AnyUser | None, country: Country | str) -> User:
    """The user when they are the national coordinator of `country`; ForbiddenError otherwise."""
    u = active_user(user)
    if u is None:
        raise ForbiddenError(_("Log in to do this."), code="not_authenticated")
    iso3 = country if isinstance(country, str) else country.iso3
    if coordinator_country(u) != iso3.upper():
        raise ForbiddenError(
            _("Only a national coordinator of {} can change its figures.").format(iso3.upper())
        )
    return u


def require_publisher(user: AnyUser | None, country: str | None) -> User:
    """National coordinators publish their country's tables; analysts publish any country's."""
    u = active_user(user)
    if u is None:
        raise ForbiddenError(_("Log in to do this."), code="not_authenticated")
    if u.role == Role.ANALYST:
        return u
    if u.role == Role.NATIONAL_COORDINATOR and country and coordinator_country(u) == country:
        return u
    raise ForbiddenError(_("Only a national coordinator of the country or an analyst can publish."))


def value_get(user: AnyUser | None, pk: int) -> Value:
    value = value_queryset(user).select_related("indicator", "dataset", "country").filter(pk=pk)
    found = value.first()
    if found is None:
        raise NotFoundError(_("No such figure."))
    return found
