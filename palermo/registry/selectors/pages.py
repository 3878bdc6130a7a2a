"""What each registry page shows: one selector per page, so the views only pick a template.

Reads are public; people's contact details in the directory only for logged-in users. Countries
are named and sorted in the page's language (the active one; palermo.core.collation).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import get_language

from palermo.core.collation import collated, country_order
from palermo.core.errors import ApplicationError
from palermo.core.models import Country
from palermo.core.pagination import page_get
from palermo.core.permissions import AnyUser
from palermo.core.services import country_get
from palermo.registry.choices import DirectoryRole
from palermo.registry.models import Instrument, Mechanism
from palermo.registry.selectors.conflicts import conflict_list
from palermo.registry.selectors.facts import (
    directory_list,
    instrument_get,
    instrument_list,
    legislation_list,
    mechanism_get,
    mechanism_list,
    membership_list,
    treaty_action_list,
)
from palermo.registry.selectors.parties import (
    general_entry_into_force,
    parties,
    ratification_matrix,
)
from palermo.registry.selectors.standing import (
    coverage,
    coverage_map,
    standings_for_country,
)

# The instruments every mechanism's ratification matrix starts with.
MATRIX_INSTRUMENTS = ["untoc", "trafficking-protocol", "smuggling-protocol"]


def _language() -> str:
    return get_language() or "en"


def instrument_overview() -> QuerySet[Instrument]:
    """Every instrument with its number of recorded treaty actions."""
    return instrument_list().annotate(n_actions=Count("actions"))


def instrument_page(*, slug: str, as_of: dt.date) -> dict[str, Any]:
    """An instrument: its entry into force, timeline, parties as of a date and conflicts."""
    inst = instrument_get(slug)
    return {
        "instrument": inst,
        "eif": general_entry_into_force(inst),
        "actions": treaty_action_list(instrument=inst),
        "rows": parties(instrument=inst, as_of=as_of, language=_language()),
        "as_of": as_of,
        "current_to": coverage(inst),
        "conflicts": conflict_list(instrument=inst),
        "supplements": inst.supplements.all(),
    }


def parties_page(*, instrument: str, member_of: str, as_of: dt.date) -> dict[str, Any]:
    """Parties and signatories of an instrument as of a date, optionally among one mechanism's
    members; an unknown instrument or mechanism is an `error` on the page."""
    page: dict[str, Any] = {
        "instruments": Instrument.objects.filter(actions__isnull=False).distinct().order_by("slug"),
        "mechanisms": mechanism_list(),
        "selected": instrument,
        "member_of": member_of,
        "as_of": as_of,
        "error": "",
    }
    try:
        inst = instrument_get(instrument)
        mech = mechanism_get(member_of) if member_of else None
        page.update(
            instrument=inst,
            rows=parties(instrument=inst, as_of=as_of, member_of=mech, language=_language()),
            current_to=coverage(inst),
        )
    except ApplicationError as exc:
        page["error"] = exc.detail
    return page


def country_overview(*, q: str = "") -> list[Country]:
    """Current countries, and historical ones the registry has facts about, by name in the page's
    language; `q` searches the name (in English or in that language) or matches the ISO code."""
    countries = Country.objects.annotate(
        n_actions=Count("treaty_actions", distinct=True),
        n_laws=Count("legislation", distinct=True),
        n_memberships=Count("memberships", distinct=True),
    ).filter(Q(n_actions__gt=0) | Q(n_laws__gt=0) | Q(n_memberships__gt=0) | Q(historical=False))
    language = _language()
    found = list(countries)
    if q:
        needle = q.casefold()
        found = [
            c
            for c in found
            if needle in c.name.casefold()
            or needle in c.localized_name(language).casefold()
            or c.iso3 == q.upper()
        ]
    return collated(found, lambda c: c.localized_name(language), language)


def country_profile(country: Country, as_of: dt.date) -> dict[str, Any]:
    """Everything the registry knows about one country: its status on every instrument the
    registry holds treaty actions for (party, signatory or no record, with the date the
    registry's sources reach)."""
    listed = _status_instruments()
    standings = standings_for_country(country=country.iso3, as_of=as_of, instruments=listed)
    instruments = [
        {"instrument": inst, "position": st} for inst, st in zip(listed, standings, strict=True)
    ]
    return {
        "country": country,
        "instruments": instruments,
        "actions": treaty_action_list(country=country),
        "legislation": legislation_list(country=country),
        "memberships": membership_list(country=country),
        "conflicts": conflict_list(country=country),
    }


def _status_instruments() -> list[Instrument]:
    return list(
        Instrument.objects.filter(actions__isnull=False).distinct().order_by("adopted", "slug")
    )


def country_page(
    *, user: AnyUser | None, iso3: str, as_of: dt.date, language: str
) -> dict[str, Any]:
    """A country's profile with its directory entries (contacts only for logged-in users)."""
    country = country_get(iso3)
    page = country_profile(country, as_of)
    entries, show_contacts = directory_list(user=user, country=country)
    page.update(
        as_of=as_of,
        directory=entries,
        show_contacts=show_contacts,
        localized_name=country.localized_name(language),
    )
    return page


def mechanism_overview() -> QuerySet[Mechanism]:
    """Every mechanism with its number of memberships."""
    return mechanism_list().annotate(n_members=Count("memberships"))


def mechanism_page(*, acronym: str, as_of: dt.date) -> dict[str, Any]:
    """A mechanism: its members' ratification matrix as of a date (the UN instruments and those
    it adopted), its memberships and instruments."""
    mech = mechanism_get(acronym)
    slugs = MATRIX_INSTRUMENTS + list(
        mech.instruments.filter(actions__isnull=False).values_list("slug", flat=True).distinct()
    )
    by_slug = Instrument.objects.in_bulk(slugs, field_name="slug")
    instruments = [by_slug[s] for s in dict.fromkeys(slugs) if s in by_slug]
    covered = coverage_map()
    return {
        "mechanism": mech,
        "as_of": as_of,
        "instruments": instruments,
        "matrix": ratification_matrix(
            mechanism=mech, instruments=instruments, as_of=as_of, language=_language()
        ),
        "current_to": [covered.get(i.slug) for i in instruments],
        "memberships": membership_list(mechanism=mech),
        "adopted": mech.instruments.all(),
    }


DIRECTORY_PAGE_SIZE = 25


def directory_page(
    *, user: AnyUser | None, q: str, role: str, country: str, page: object = 1
) -> dict[str, Any]:
    """Authorities and focal points found by text, role and country (an unknown country code
    filters nothing), by country (then the regional bodies' entries), a page of
    DIRECTORY_PAGE_SIZE at a time; people's contacts only for logged-in users."""
    found = Country.objects.filter(iso3=country.upper()).first() if country else None
    entries, show_contacts = directory_list(user=user, q=q, role=role or None, country=found)
    entries = entries.order_by(
        country_order(_language()),
        "mechanism__acronym",
        "role",
        "organisation__name",
        "pk",
    )
    current = page_get(entries, page, DIRECTORY_PAGE_SIZE)
    return {
        "page": current,
        "entries": current.object_list,
        "show_contacts": show_contacts,
        "q": q,
        "role": role,
        "country": country,
        "roles": DirectoryRole.choices,
    }
