"""Who is bound by an instrument as of a date, and from when it is in force for each party.

The as-of rules follow UNTOC art. 38 and Trafficking Protocol art. 17: an instrument enters
into force on the Nth day after the deposit of the required number of instruments (a
supplementing protocol not before its parent); for a state depositing later, on the 30th day
after its own deposit; a protocol is in force for a state not before its parent is.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from palermo.core.collation import collated
from palermo.core.models import Country
from palermo.core.pickers import country_names
from palermo.registry.choices import PartyStatus
from palermo.registry.models import Instrument, Mechanism, TreatyAction
from palermo.registry.selectors.conflicts import instrument_conflicts
from palermo.registry.selectors.facts import member_codes
from palermo.registry.selectors.positions import (
    actions_by_state,
    dedupe_sources,
    effective_date,
    position,
)


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
    # False when no source dates the consent: `consent_date` is then the date of the document
    # stating it, the latest day it can have happened.
    consent_date_known: bool = True

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


@dataclass
class EntryIntoForce:
    """When an instrument entered (or enters) into force generally, and how that was found
    (`method`, for people)."""

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
        own = EntryIntoForce(instrument.entry_into_force, threshold, _("recorded"))
    elif instrument.eif_instruments_required:
        if by_state is None:
            by_state = actions_by_state(instrument)
        deposits = sorted(d for d in _consent_dates(by_state).values() if d is not None)
        if len(deposits) >= instrument.eif_instruments_required:
            threshold = deposits[instrument.eif_instruments_required - 1]
            own = EntryIntoForce(
                threshold + dt.timedelta(days=instrument.eif_days_after_threshold or 0),
                threshold,
                _("computed from deposits"),
            )
        else:
            own = EntryIntoForce(None, None, _("not enough deposits recorded"))
    else:
        own = EntryIntoForce(None, None, _("unknown"))
    if instrument.parent_id and own.date and instrument.parent is not None:
        parent = general_entry_into_force(instrument.parent)
        if parent.date and parent.date > own.date:
            return EntryIntoForce(
                parent.date,
                own.threshold_date,
                _("{}, not before its parent").format(own.method),
            )
    return own


def _consent_dates(by_state: dict[str, list[TreatyAction]]) -> dict[str, dt.date | None]:
    out: dict[str, dt.date | None] = {}
    for state, actions in by_state.items():
        pos = position(actions, dt.date.max)
        if pos.consent and not pos.withdrawn:
            out[state] = effective_date(pos.consent)
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


def parties(
    *,
    instrument: Instrument,
    as_of: dt.date,
    member_of: Mechanism | None = None,
    status: str | None = None,
    with_conflicts: bool = True,
    language: str = "en",
) -> list[PartyRow]:
    """Every state that signed or consented to be bound on or before `as_of`, by name in
    `language` (names and order: the API and the CLI answer in English, pages in the reader's
    language)."""
    by_state = actions_by_state(instrument)
    members = member_codes(member_of, as_of) if member_of is not None else None
    general = general_entry_into_force(instrument, by_state)
    parent_rows: dict[str, PartyRow] = {}
    if instrument.parent_id and instrument.parent is not None:
        parent_rows = {
            r.country: r
            for r in parties(
                instrument=instrument.parent,
                as_of=as_of,
                member_of=member_of,
                with_conflicts=False,
            )
        }
    conflicts_by_state: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if with_conflicts:
        for conflict in instrument_conflicts(instrument, by_state):
            if conflict.country:
                conflicts_by_state[conflict.country].append(conflict.as_dict())
    names = country_names(by_state.keys(), language)
    rows: list[PartyRow] = []
    for state, actions in by_state.items():
        if members is not None and state not in members:
            continue
        pos = position(actions, as_of)
        bound = pos.consent is not None and pos.withdrawn is None
        if not bound and pos.signed is None:
            continue
        consent_date = effective_date(pos.consent) if bound and pos.consent else None
        in_force = state_entry_into_force(instrument, consent_date, general) if bound else None
        if bound and instrument.parent_id:
            parent = parent_rows.get(state)
            parent_force = (
                parent.in_force if parent and parent.status == PartyStatus.PARTY else None
            )
            in_force = max(in_force, parent_force) if in_force and parent_force else None
        used = [a for a in (pos.signed, pos.consent if bound else None) if a is not None]
        sources = dedupe_sources([a.source for a in used])
        rows.append(
            PartyRow(
                country=state,
                country_name=names.get(state, state),
                status=PartyStatus.PARTY if bound else PartyStatus.SIGNATORY,
                signed=effective_date(pos.signed) if pos.signed else None,
                consent_action=pos.consent.action if bound and pos.consent else None,
                consent_date=consent_date,
                in_force=in_force,
                sources=sources,
                conflicts=conflicts_by_state.get(state, []),
                consent_date_known=not (bound and pos.consent and pos.consent.date is None),
            )
        )
    if status:
        rows = [r for r in rows if r.status == status]
    return collated(rows, lambda r: r.country_name, language)


def ratification_matrix(
    *, mechanism: Mechanism, instruments: list[Instrument], as_of: dt.date, language: str = "en"
) -> list[dict[str, Any]]:
    """For each member of `mechanism` (by name in `language`), its status on each instrument as
    of a date."""
    members = collated(
        Country.objects.filter(iso3__in=member_codes(mechanism, as_of)),
        lambda c: c.localized_name(language),
        language,
    )
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
