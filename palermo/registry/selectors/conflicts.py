"""Where sources disagree: different dates for one action, a listing's status against the
recorded actions, two complete listings that do not name the same states, stated counts that
do not match the names given. Every statement is kept; the conflict is computed, never stored.

A conflict's `description` is for people (in the active language); its `key` is stable (made
from the untranslated description).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Prefetch, Q
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from palermo.core.models import Country, Source
from palermo.registry.choices import CONSENT_ACTIONS, PartyStatus
from palermo.registry.locators import locator_text
from palermo.registry.models import Instrument, Listing, StatusClaim, TreatyAction
from palermo.registry.selectors.positions import (
    actions_by_state,
    dedupe_sources,
    status_from_actions,
)


@dataclass
class Conflict:
    """Two sources that disagree on one fact; both statements are kept."""

    kind: str
    instrument: str
    country: str | None
    description: str
    statements: list[dict[str, Any]]
    key: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "instrument": self.instrument,
            "country": self.country,
            "description": self.description,
            "statements": self.statements,
        }


def _conflict(
    *,
    kind: str,
    instrument: Instrument,
    country: str | None,
    template: str,
    args: Sequence[object],
    statements: list[dict[str, Any]],
) -> Conflict:
    """A conflict described by `template` (marked with gettext_noop) filled with `args` (lazy
    translations among them are rendered in the active language, and untranslated for the key)."""
    description = _(template).format(*(_shown(a) for a in args))
    with translation.override(None):
        untranslated = template.format(*(str(a) for a in args))
    digest = hashlib.sha1(untranslated.encode("utf-8"), usedforsecurity=False).hexdigest()
    return Conflict(
        kind=kind,
        instrument=instrument.slug,
        country=country,
        description=description,
        statements=statements,
        key="{}:{}:{}:{}".format(kind, instrument.slug, country or "-", digest[:10]),
    )


def _shown(arg: object) -> str:
    """An argument of a description as the reader reads it: a source with its locator's
    citation words in the active language."""
    if isinstance(arg, Source):
        locator = locator_text(arg.locator)
        return "{}, {}".format(arg.document, locator) if locator else str(arg.document)
    return str(arg)


def _statement(source: Source, says: str | Promise) -> dict[str, Any]:
    return {"source": source.as_dict(), "says": str(says)}


CLAIM_DESCRIPTIONS: dict[str, Promise] = {
    PartyStatus.PARTY: gettext_lazy("party (ratified, acceded or otherwise bound)"),
    PartyStatus.SIGNATORY: gettext_lazy("signatory only"),
    PartyStatus.LISTED: gettext_lazy("listed without a status or date"),
    PartyStatus.NOT_PARTY: gettext_lazy("not a party"),
}


COUNT_LABELS: dict[str, Promise] = {
    PartyStatus.PARTY: gettext_lazy("parties"),
    PartyStatus.SIGNATORY: gettext_lazy("signatories only"),
    PartyStatus.LISTED: gettext_lazy("listed without a status"),
    PartyStatus.NOT_PARTY: gettext_lazy("not parties"),
    "total": gettext_lazy("parties and signatories in all"),
}


def _count_label(status: str) -> str | Promise:
    """What a listing's count of `status` counts, in the reader's language."""
    return COUNT_LABELS.get(status, status)


def _describe_claim(claim_status: str) -> str | Promise:
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
        conflicts += instrument_conflicts(inst, actions_by_state(inst))
    if country is not None:
        conflicts = [c for c in conflicts if c.country == country.iso3]
    return conflicts


def instrument_conflicts(
    inst: Instrument, by_state: dict[str, list[TreatyAction]]
) -> list[Conflict]:
    """The conflicts about one instrument (`by_state`: its actions per state, already loaded)."""
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
                    _conflict(
                        kind="date",
                        instrument=inst,
                        country=state,
                        template=gettext_noop("Sources give different {} dates for {}: {}."),
                        args=(kind, state, ", ".join(sorted(str(d) for d in dates))),
                        statements=[
                            _statement(a.source, _("{} on {}").format(a.action, a.date))
                            for a in items
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
        horizon = _horizon(listing)
        for claim in listing.claims.all():
            others = [
                a
                for a in by_state.get(claim.country_id, [])
                if a.source_id != listing.source_id
                and a.source_id not in listed_by[claim.country_id]
            ]
            if not others:
                continue
            derived = status_from_actions(others, horizon)
            if claim.status in (PartyStatus.LISTED, derived):
                continue
            if _listing_date(listing) is None and claim.status == status_from_actions(
                others, dt.date.max
            ):
                # An undated list may be later than the last date it prints: a consent another
                # source dates after that day agrees with it.
                continue
            if claim.status == PartyStatus.NOT_PARTY and derived != PartyStatus.PARTY:
                continue
            sources = dedupe_sources([a.source for a in others])
            says = _describe_claim(derived) if derived else gettext_lazy("no action")
            out.append(
                _conflict(
                    kind="status",
                    instrument=inst,
                    country=claim.country_id,
                    template=gettext_noop("{} says {} is {}; other sources record it as {}."),
                    args=(
                        listing.source,
                        claim.country_id,
                        _describe_claim(claim.status),
                        _describe_claim(derived)
                        if derived
                        else gettext_lazy("without signature or consent"),
                    ),
                    statements=[_statement(listing.source, _describe_claim(claim.status))]
                    + [{"source": s, "says": str(says)} for s in sources],
                )
            )
    return out


def _horizon(listing: Listing) -> dt.date:
    """The day a listing speaks for: its own date, its document's, or for an undated document
    the latest date the document itself states (a later ratification recorded by another
    source does not contradict it)."""
    known = listing.as_of or listing.source.document.date
    if known:
        return known
    latest = TreatyAction.objects.filter(source__document_id=listing.source.document_id).aggregate(
        d=Max("date")
    )["d"]
    return latest or dt.date.max


def _listing_conflicts(inst: Instrument, listings: list[Listing]) -> list[Conflict]:
    out = []
    for i, a in enumerate(listings):
        for b in listings[i + 1 :]:
            # Lists are comparable when they cover the same scope at the same moment. Two
            # undated lists speak for the same moment only when one document states both.
            if a.scope_id != b.scope_id or _listing_date(a) != _listing_date(b):
                continue
            if _listing_date(a) is None and a.source.document_id != b.source.document_id:
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
    return _conflict(
        kind="status",
        instrument=inst,
        country=state,
        template=gettext_noop(
            "{} lists {} with the status “{}”; {} lists it with the status “{}”."
        ),
        args=(a.source, state, _describe_claim(sa), b.source, _describe_claim(sb)),
        statements=[
            _statement(a.source, _describe_claim(sa)),
            _statement(b.source, _describe_claim(sb)),
        ],
    )


def _missing_conflict(
    inst: Instrument, state: str, has: Listing, status: str, lacks: Listing
) -> Conflict:
    scope = lacks.scope.acronym if lacks.scope else gettext_lazy("worldwide")
    return _conflict(
        kind="listing",
        instrument=inst,
        country=state,
        template=gettext_noop(
            "{} lists {} with the status “{}”; {}, a complete list for {}, does not list it."
        ),
        args=(has.source, state, _describe_claim(status), lacks.source, scope),
        statements=[
            _statement(has.source, _describe_claim(status)),
            _statement(lacks.source, _("not listed")),
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
                _conflict(
                    kind="count",
                    instrument=inst,
                    country=None,
                    template=gettext_noop("{} states {} “{}”; {} names {}."),
                    args=(
                        stated.source,
                        number,
                        _count_label(status),
                        gettext_lazy("the same list") if same else counted.source,
                        counts.get(status, 0),
                    ),
                    statements=[
                        _statement(stated.source, "{} “{}”".format(number, _count_label(status))),
                        _statement(
                            counted.source,
                            _("{} “{}” named").format(counts.get(status, 0), _count_label(status)),
                        ),
                    ],
                )
            )
    return out
