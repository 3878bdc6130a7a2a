"""Reads of the registry: instruments, who is bound as of a date, conflicts, the directory.

The as-of rules follow UNTOC art. 38 and Trafficking Protocol art. 17: an instrument enters
into force on the Nth day after the deposit of the required number of instruments (a
supplementing protocol not before its parent); for a state depositing later, on the 30th day
after its own deposit; a protocol is in force for a state not before its parent is.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import Country, Source
from palermo.core.permissions import AnyUser, is_authenticated
from palermo.registry.choices import CONSENT_ACTIONS, PartyStatus, TreatyActionKind
from palermo.registry.models import (
    DirectoryEntry,
    Instrument,
    Legislation,
    Listing,
    Mechanism,
    Membership,
    StatusClaim,
    TreatyAction,
)

# --- simple lookups --------------------------------------------------------------------------


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
        raise NotFoundError("No instrument with slug '{}'.".format(slug), code="unknown_instrument")
    return instrument


def mechanism_list() -> QuerySet[Mechanism]:
    return Mechanism.objects.prefetch_related("sources__document").order_by("acronym")


def mechanism_get(acronym: str) -> Mechanism:
    mech = mechanism_list().filter(acronym__iexact=acronym.strip()).first()
    if mech is None:
        raise NotFoundError("No regional mechanism '{}'.".format(acronym), code="unknown_mechanism")
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
    if value is None or value == "":
        return dt.date.today()  # noqa: DTZ011 - a calendar date, not a moment
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApplicationError(
            "as_of must be a date as YYYY-MM-DD, not '{}'.".format(value), code="invalid_date"
        ) from None


# --- who is bound as of a date ---------------------------------------------------------------


@dataclass
class PartyRow:
    """One state's position on an instrument as of a date."""

    country: str
    country_name: str
    status: str
    signed: dt.date | None
    consent_action: str | None
    consent_date: dt.date | None
    in_force: dt.date | None
    sources: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "country": self.country,
            "country_name": self.country_name,
            "status": self.status,
            "signed": self.signed,
            "consent": (
                {"action": self.consent_action, "date": self.consent_date}
                if self.consent_action
                else None
            ),
            "in_force": self.in_force,
            "sources": self.sources,
            "conflicts": self.conflicts,
        }


def _effective_date(action: TreatyAction) -> dt.date | None:
    """The action's date, or when unknown the date of the document stating it (an upper bound)."""
    return action.date or action.source.document.date


def _best_actions(actions: list[TreatyAction]) -> dict[str, TreatyAction]:
    """Per action kind, the statement to use: a dated one from the most recent document."""
    best: dict[str, TreatyAction] = {}
    for action in actions:
        current = best.get(action.action)
        if current is None or _rank(action) > _rank(current):
            best[action.action] = action
    return best


def _rank(action: TreatyAction) -> tuple[int, dt.date, int]:
    doc_date = action.source.document.date or dt.date.min
    return (1 if action.date else 0, doc_date, -action.pk)


@dataclass
class _StatePosition:
    signed: TreatyAction | None
    consent: TreatyAction | None
    withdrawn: TreatyAction | None


def _position(actions: list[TreatyAction], as_of: dt.date) -> _StatePosition:
    known = [a for a in actions if (_effective_date(a) or dt.date.max) <= as_of]
    best = _best_actions(known)
    consent = None
    for kind in CONSENT_ACTIONS:
        candidate = best.get(kind)
        if candidate and (
            consent is None
            or (_effective_date(candidate) or dt.date.max)
            < (_effective_date(consent) or dt.date.max)
        ):
            consent = candidate
    withdrawn = best.get(TreatyActionKind.WITHDRAWAL)
    if (
        withdrawn
        and consent
        and (_effective_date(withdrawn) or dt.date.min) < (_effective_date(consent) or dt.date.min)
    ):
        withdrawn = None  # withdrew, then consented again
    return _StatePosition(best.get(TreatyActionKind.SIGNATURE), consent, withdrawn)


@dataclass
class EntryIntoForce:
    """When an instrument entered (or enters) into force generally, and how that was found."""

    date: dt.date | None
    threshold_date: dt.date | None
    method: str


def general_entry_into_force(
    instrument: Instrument, by_state: dict[str, list[TreatyAction]] | None = None
) -> EntryIntoForce:
    """The general entry-into-force date: recorded, else computed from the required deposits.

    `by_state` (the instrument's actions per state) may be passed when already loaded."""
    own: EntryIntoForce
    if instrument.entry_into_force:
        threshold = (
            instrument.entry_into_force - dt.timedelta(days=instrument.eif_days_after_threshold)
            if instrument.eif_days_after_threshold is not None
            else None
        )
        own = EntryIntoForce(instrument.entry_into_force, threshold, "recorded")
    elif instrument.eif_instruments_required:
        if by_state is None:
            by_state = _actions_by_state(instrument)
        deposits = sorted(d for d in _consent_dates(by_state).values() if d is not None)
        if len(deposits) >= instrument.eif_instruments_required:
            threshold = deposits[instrument.eif_instruments_required - 1]
            own = EntryIntoForce(
                threshold + dt.timedelta(days=instrument.eif_days_after_threshold or 0),
                threshold,
                "computed from deposits",
            )
        else:
            own = EntryIntoForce(None, None, "not enough deposits recorded")
    else:
        own = EntryIntoForce(None, None, "unknown")
    if instrument.parent_id and own.date:
        parent = general_entry_into_force(instrument.parent)  # type: ignore[arg-type]
        if parent.date and parent.date > own.date:
            return EntryIntoForce(
                parent.date, own.threshold_date, own.method + ", not before its parent"
            )
    return own


def _consent_dates(by_state: dict[str, list[TreatyAction]]) -> dict[str, dt.date | None]:
    out: dict[str, dt.date | None] = {}
    for state, actions in by_state.items():
        pos = _position(actions, dt.date.max)
        if pos.consent and not pos.withdrawn:
            out[state] = _effective_date(pos.consent)
    return out


def state_entry_into_force(
    instrument: Instrument, consent_date: dt.date | None, general: EntryIntoForce
) -> dt.date | None:
    """From which date the instrument is in force for a state that consented on `consent_date`."""
    if consent_date is None or general.date is None:
        return None
    if general.threshold_date is None or consent_date <= general.threshold_date:
        return max(general.date, consent_date)
    later = consent_date + dt.timedelta(days=instrument.eif_days_after_later_deposit or 0)
    return max(later, general.date)


def _actions_by_state(instrument: Instrument) -> dict[str, list[TreatyAction]]:
    by_state: dict[str, list[TreatyAction]] = defaultdict(list)
    actions = TreatyAction.objects.filter(instrument=instrument).select_related("source__document")
    for action in actions.defer("note", "name_in_source", "ref_key", "created_at", "updated_at"):
        by_state[action.country_id].append(action)
    return by_state


def parties(
    *,
    instrument: Instrument,
    as_of: dt.date,
    member_of: Mechanism | None = None,
    status: str | None = None,
    with_conflicts: bool = True,
) -> list[PartyRow]:
    """Every state that signed or consented to be bound on or before `as_of`."""
    by_state = _actions_by_state(instrument)
    members = member_codes(member_of, as_of) if member_of is not None else None
    general = general_entry_into_force(instrument, by_state)
    parent_rows: dict[str, PartyRow] = {}
    if instrument.parent_id:
        parent_rows = {
            r.country: r
            for r in parties(
                instrument=instrument.parent,  # type: ignore[arg-type]
                as_of=as_of,
                member_of=member_of,
                with_conflicts=False,
            )
        }
    conflicts_by_state: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if with_conflicts:
        for conflict in _instrument_conflicts(instrument, by_state):
            if conflict.country:
                conflicts_by_state[conflict.country].append(conflict.as_dict())
    names = dict(Country.objects.filter(iso3__in=by_state.keys()).values_list("iso3", "name"))
    rows: list[PartyRow] = []
    for state, actions in by_state.items():
        if members is not None and state not in members:
            continue
        pos = _position(actions, as_of)
        bound = pos.consent is not None and pos.withdrawn is None
        if not bound and pos.signed is None:
            continue
        consent_date = _effective_date(pos.consent) if bound and pos.consent else None
        in_force = state_entry_into_force(instrument, consent_date, general) if bound else None
        if bound and instrument.parent_id:
            parent = parent_rows.get(state)
            parent_force = (
                parent.in_force if parent and parent.status == PartyStatus.PARTY else None
            )
            in_force = max(in_force, parent_force) if in_force and parent_force else None
        used = [a for a in (pos.signed, pos.consent if bound else None) if a is not None]
        sources = _dedupe_sources([a.source for a in used])
        rows.append(
            PartyRow(
                country=state,
                country_name=names.get(state, state),
                status=PartyStatus.PARTY if bound else PartyStatus.SIGNATORY,
                signed=_effective_date(pos.signed) if pos.signed else None,
                consent_action=pos.consent.action if bound and pos.consent else None,
                consent_date=consent_date,
                in_force=in_force,
                sources=sources,
                conflicts=conflicts_by_state.get(state, []),
            )
        )
    if status:
        rows = [r for r in rows if r.status == status]
    rows.sort(key=lambda r: r.country_name)
    return rows


def _dedupe_sources(sources: list[Source]) -> list[dict[str, Any]]:
    seen: dict[int, dict[str, Any]] = {}
    for source in sources:
        seen.setdefault(source.pk, source.as_dict())
    return list(seen.values())


def ratification_matrix(
    *, mechanism: Mechanism, instruments: list[Instrument], as_of: dt.date
) -> list[dict[str, Any]]:
    """For each member of `mechanism`, its status on each instrument as of a date."""
    members = Country.objects.filter(iso3__in=member_codes(mechanism, as_of)).order_by("name")
    statuses = {
        inst.slug: {
            r.country: r
            for r in parties(
                instrument=inst, as_of=as_of, member_of=mechanism, with_conflicts=False
            )
        }
        for inst in instruments
    }
    return [
        {
            "country": c,
            "cells": [statuses[inst.slug].get(c.iso3) for inst in instruments],
        }
        for c in members
    ]


# --- conflicts between sources ---------------------------------------------------------------


@dataclass
class Conflict:
    """Two sources that disagree on one fact; both statements are kept."""

    kind: str
    instrument: str
    country: str | None
    description: str
    statements: list[dict[str, Any]]

    @property
    def key(self) -> str:
        digest = hashlib.sha1(self.description.encode("utf-8"), usedforsecurity=False).hexdigest()
        return "{}:{}:{}:{}".format(self.kind, self.instrument, self.country or "-", digest[:10])

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "instrument": self.instrument,
            "country": self.country,
            "description": self.description,
            "statements": self.statements,
        }


def _statement(source: Source, says: str) -> dict[str, Any]:
    return {"source": source.as_dict(), "says": says}


def _status_from_actions(actions: list[TreatyAction], as_of: dt.date) -> str | None:
    pos = _position(actions, as_of)
    if pos.consent and not pos.withdrawn:
        return PartyStatus.PARTY
    if pos.signed:
        return PartyStatus.SIGNATORY
    return None


CLAIM_DESCRIPTIONS: dict[str, str] = {
    PartyStatus.PARTY: "party (ratified, acceded or otherwise bound)",
    PartyStatus.SIGNATORY: "signatory only",
    PartyStatus.LISTED: "listed without a status or date",
    PartyStatus.NOT_PARTY: "not a party",
}


def _describe_claim(claim_status: str) -> str:
    return CLAIM_DESCRIPTIONS.get(claim_status, claim_status)


def conflict_list(
    *, instrument: Instrument | None = None, country: Country | None = None
) -> list[Conflict]:
    """Every disagreement between sources, computed from the stored facts."""
    if instrument is not None:
        instruments = [instrument]
    elif country is not None:
        instruments = list(
            Instrument.objects.filter(
                Q(actions__country=country) | Q(listings__claims__country=country)
            ).distinct()
        )
    else:
        instruments = list(
            Instrument.objects.filter(
                Q(actions__isnull=False) | Q(listings__isnull=False)
            ).distinct()
        )
    conflicts: list[Conflict] = []
    for inst in instruments:
        conflicts += _instrument_conflicts(inst, _actions_by_state(inst))
    if country is not None:
        conflicts = [c for c in conflicts if c.country == country.iso3]
    return conflicts


def _instrument_conflicts(
    inst: Instrument, by_state: dict[str, list[TreatyAction]]
) -> list[Conflict]:
    listings = list(
        Listing.objects.filter(instrument=inst)
        .select_related("source__document", "scope")
        .prefetch_related(Prefetch("claims", queryset=StatusClaim.objects.order_by("country_id")))
    )
    return (
        _date_conflicts(inst, by_state)
        + _claim_vs_action_conflicts(inst, listings, by_state)
        + _listing_conflicts(inst, listings)
    )


def _date_conflicts(inst: Instrument, by_state: dict[str, list[TreatyAction]]) -> list[Conflict]:
    out = []
    for state, actions in sorted(by_state.items()):
        by_kind: dict[str, list[TreatyAction]] = defaultdict(list)
        for a in actions:
            if a.date:
                by_kind["consent" if a.action in CONSENT_ACTIONS else a.action].append(a)
        for kind, items in sorted(by_kind.items()):
            dates = {a.date for a in items}
            if len(dates) > 1:
                out.append(
                    Conflict(
                        kind="date",
                        instrument=inst.slug,
                        country=state,
                        description="Sources give different {} dates for {}: {}.".format(
                            kind, state, ", ".join(sorted(str(d) for d in dates))
                        ),
                        statements=[
                            _statement(a.source, "{} on {}".format(a.action, a.date)) for a in items
                        ],
                    )
                )
    return out


def _claim_vs_action_conflicts(
    inst: Instrument, listings: list[Listing], by_state: dict[str, list[TreatyAction]]
) -> list[Conflict]:
    out = []
    # Sources whose own listing names a state are compared list to list instead.
    listed_by: dict[str, set[int]] = defaultdict(set)
    for listing in listings:
        for claim in listing.claims.all():
            listed_by[claim.country_id].add(listing.source_id)
    for listing in listings:
        horizon = listing.as_of or listing.source.document.date or dt.date.max
        for claim in listing.claims.all():
            others = [
                a
                for a in by_state.get(claim.country_id, [])
                if a.source_id != listing.source_id
                and a.source_id not in listed_by[claim.country_id]
            ]
            if not others:
                continue
            derived = _status_from_actions(others, horizon)
            if claim.status in (PartyStatus.LISTED, derived):
                continue
            if claim.status == PartyStatus.NOT_PARTY and derived != PartyStatus.PARTY:
                continue
            sources = _dedupe_sources([a.source for a in others])
            out.append(
                Conflict(
                    kind="status",
                    instrument=inst.slug,
                    country=claim.country_id,
                    description="{} says {} is {}; other sources record it as {}.".format(
                        listing.source,
                        claim.country_id,
                        _describe_claim(claim.status),
                        _describe_claim(derived) if derived else "without signature or consent",
                    ),
                    statements=[_statement(listing.source, _describe_claim(claim.status))]
                    + [
                        {"source": s, "says": _describe_claim(derived) if derived else "no action"}
                        for s in sources
                    ],
                )
            )
    return out


def _listing_conflicts(inst: Instrument, listings: list[Listing]) -> list[Conflict]:
    out = []
    for i, a in enumerate(listings):
        for b in listings[i + 1 :]:
            # Lists are comparable when they cover the same scope at the same moment.
            if a.scope_id != b.scope_id or _listing_date(a) != _listing_date(b):
                continue
            claims_a = {c.country_id: c for c in a.claims.all()}
            claims_b = {c.country_id: c for c in b.claims.all()}
            if claims_a and claims_b:
                for state in sorted(set(claims_a) | set(claims_b)):
                    ca, cb = claims_a.get(state), claims_b.get(state)
                    if ca and cb:
                        if ca.status != cb.status:
                            out.append(_pair_conflict(inst, state, a, ca.status, b, cb.status))
                    elif ca and b.exhaustive:
                        out.append(_missing_conflict(inst, state, a, ca.status, b))
                    elif cb and a.exhaustive:
                        out.append(_missing_conflict(inst, state, b, cb.status, a))
            out += _count_conflicts(inst, a, b) + _count_conflicts(inst, b, a)
        out += _count_conflicts(inst, a, a)
    return out


def _listing_date(listing: Listing) -> dt.date | None:
    return listing.as_of or listing.source.document.date


def _pair_conflict(
    inst: Instrument, state: str, a: Listing, sa: str, b: Listing, sb: str
) -> Conflict:
    return Conflict(
        kind="status",
        instrument=inst.slug,
        country=state,
        description="{} lists {} as {}; {} lists it as {}.".format(
            a.source, state, _describe_claim(sa), b.source, _describe_claim(sb)
        ),
        statements=[
            _statement(a.source, _describe_claim(sa)),
            _statement(b.source, _describe_claim(sb)),
        ],
    )


def _missing_conflict(
    inst: Instrument, state: str, has: Listing, status: str, lacks: Listing
) -> Conflict:
    scope = lacks.scope.acronym if lacks.scope else "worldwide"
    return Conflict(
        kind="listing",
        instrument=inst.slug,
        country=state,
        description="{} lists {} as {}; {} (complete for {}) does not list it.".format(
            has.source, state, _describe_claim(status), lacks.source, scope
        ),
        statements=[
            _statement(has.source, _describe_claim(status)),
            _statement(lacks.source, "not listed"),
        ],
    )


def _listing_counts(listing: Listing) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for claim in listing.claims.all():
        counts[claim.status] += 1
    counts["total"] = counts[PartyStatus.PARTY] + counts[PartyStatus.SIGNATORY]
    return counts


def _count_conflicts(inst: Instrument, stated: Listing, counted: Listing) -> list[Conflict]:
    """A listing's stated counts against the entries of a listing (itself or another)."""
    if not stated.stated_counts or not counted.claims.all():
        return []
    if stated.pk != counted.pk and not counted.exhaustive:
        return []  # a partial list cannot contradict a stated total
    counts = _listing_counts(counted)
    out = []
    for status, number in sorted(stated.stated_counts.items()):
        if counts.get(status, 0) != number:
            same = stated.pk == counted.pk
            out.append(
                Conflict(
                    kind="count",
                    instrument=inst.slug,
                    country=None,
                    description="{} states {} {}; {} names {}.".format(
                        stated.source,
                        number,
                        status,
                        "the same list" if same else counted.source,
                        counts.get(status, 0),
                    ),
                    statements=[
                        _statement(stated.source, "{} {}".format(number, status)),
                        _statement(
                            counted.source, "{} {} named".format(counts.get(status, 0), status)
                        ),
                    ],
                )
            )
    return out


# --- countries -------------------------------------------------------------------------------


def country_profile(country: Country, as_of: dt.date) -> dict[str, Any]:
    """Everything the registry knows about one country."""
    instruments = []
    for inst in (
        Instrument.objects.filter(actions__country=country).distinct().order_by("adopted", "slug")
    ):
        row = next(
            iter(r for r in parties(instrument=inst, as_of=as_of) if r.country == country.iso3),
            None,
        )
        instruments.append({"instrument": inst, "position": row})
    return {
        "country": country,
        "instruments": instruments,
        "actions": treaty_action_list(country=country),
        "legislation": legislation_list(country=country),
        "memberships": membership_list(country=country),
        "conflicts": conflict_list(country=country),
    }


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
