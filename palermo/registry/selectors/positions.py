"""A state's position on an instrument as of a date, from the treaty actions sources record.

The building blocks that `parties` and `conflicts` share: which statement of an action counts
(a dated one from the most recent document), when an undated action counts from (the date of
the document stating it), and signature / consent / withdrawal as of a date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from palermo.core.models import Source
from palermo.registry.choices import CONSENT_ACTIONS, PartyStatus, TreatyActionKind
from palermo.registry.models import Instrument, TreatyAction


def effective_date(action: TreatyAction) -> dt.date | None:
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
class StatePosition:
    signed: TreatyAction | None
    consent: TreatyAction | None
    withdrawn: TreatyAction | None


def position(actions: list[TreatyAction], as_of: dt.date) -> StatePosition:
    known = [a for a in actions if (effective_date(a) or dt.date.max) <= as_of]
    best = _best_actions(known)
    consent = None
    for kind in CONSENT_ACTIONS:
        candidate = best.get(kind)
        if candidate and (
            consent is None
            or (effective_date(candidate) or dt.date.max) < (effective_date(consent) or dt.date.max)
        ):
            consent = candidate
    withdrawn = best.get(TreatyActionKind.WITHDRAWAL)
    if (
        withdrawn
        and consent
        and (effective_date(withdrawn) or dt.date.min) < (effective_date(consent) or dt.date.min)
    ):
        withdrawn = None  # withdrew, then consented again
    return StatePosition(best.get(TreatyActionKind.SIGNATURE), consent, withdrawn)


def actions_by_state(instrument: Instrument) -> dict[str, list[TreatyAction]]:
    """The instrument's treaty actions per state (ISO alpha-3)."""
    by_state: dict[str, list[TreatyAction]] = defaultdict(list)
    actions = TreatyAction.objects.filter(instrument=instrument).select_related("source__document")
    for action in actions.defer("note", "name_in_source", "ref_key", "created_at", "updated_at"):
        by_state[action.country_id].append(action)
    return by_state


def status_from_actions(actions: list[TreatyAction], as_of: dt.date) -> str | None:
    """Party, signatory or nothing, as of a date."""
    pos = position(actions, as_of)
    if pos.consent and not pos.withdrawn:
        return PartyStatus.PARTY
    if pos.signed:
        return PartyStatus.SIGNATORY
    return None


def dedupe_sources(sources: list[Source]) -> list[dict[str, Any]]:
    """Each source once, as a dict (API and templates)."""
    seen: dict[int, dict[str, Any]] = {}
    for source in sources:
        seen.setdefault(source.pk, source.as_dict())
    return list(seen.values())
