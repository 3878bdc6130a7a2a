"""Three states, never two: a state is a `party`, a `signatory` only, or the registry holds
`no_record` for it, which is not the same as "not bound": the registry's sources on an
instrument reach a date (`coverage`), and it says so.

- `coverage`: per instrument, the date of the newest source the registry holds on who signed
  or is bound (treaty actions, listings, and the instrument's own sources);
- `standing`: one state's status on one instrument as of a date, with that date when there is
  no record, and a sentence for people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from palermo.registry.choices import PartyStatus
from palermo.registry.models import Instrument, Listing, TreatyAction
from palermo.registry.selectors.parties import PartyRow, parties

PARTY = PartyStatus.PARTY.value
SIGNATORY = PartyStatus.SIGNATORY.value
NO_RECORD = "no_record"
STANDINGS = (PARTY, SIGNATORY, NO_RECORD)


def coverage_map() -> dict[str, dt.date]:
    """Per instrument slug, the date of the newest dated source the registry holds on it."""
    out: dict[str, dt.date] = {}

    def take(slug: str, day: dt.date | None) -> None:
        if day is not None and (slug not in out or day > out[slug]):
            out[slug] = day

    for row in TreatyAction.objects.values("instrument__slug").annotate(
        newest=Max("source__document__date")
    ):
        take(row["instrument__slug"], row["newest"])
    for row in Listing.objects.values("instrument__slug").annotate(
        newest=Max("source__document__date"), as_of=Max("as_of")
    ):
        take(row["instrument__slug"], row["newest"])
        take(row["instrument__slug"], row["as_of"])
    for inst in Instrument.objects.values("slug").annotate(newest=Max("sources__document__date")):
        take(inst["slug"], inst["newest"])
    return out


def coverage(instrument: Instrument) -> dt.date | None:
    """The date of the newest dated source the registry holds on `instrument`."""
    days = [
        TreatyAction.objects.filter(instrument=instrument).aggregate(
            d=Max("source__document__date")
        )["d"],
        Listing.objects.filter(instrument=instrument).aggregate(d=Max("source__document__date"))[
            "d"
        ],
        Listing.objects.filter(instrument=instrument).aggregate(d=Max("as_of"))["d"],
        instrument.sources.aggregate(d=Max("document__date"))["d"],
    ]
    known = [d for d in days if d is not None]
    return max(known) if known else None


@dataclass
class Standing:
    """One state's status on one instrument as of a date."""

    instrument: str
    short_name: str
    country: str
    as_of: dt.date
    status: str  # one of STANDINGS
    signed: dt.date | None = None
    consent_action: str | None = None
    consent_date: dt.date | None = None
    in_force: dt.date | None = None
    record_until: dt.date | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)
    consent_date_known: bool = True  # False: `consent_date` is only the latest possible day

    @property
    def bound(self) -> bool:
        """A party for which the instrument is in force on `as_of` (unknown entry into force
        counts as in force)."""
        return self.status == PARTY and (self.in_force is None or self.in_force <= self.as_of)

    def describe(self) -> str:
        """For people: party (with the action and date), signatory only, or no record (with
        the date the registry's sources reach)."""
        if self.status == PARTY and not self.bound and self.in_force:
            return _(
                "{country}: party ({action} {date}), in force for it only from {force}"
            ).format(
                country=self.country,
                action=self.consent_action or "",
                date=self.consent_date.isoformat() if self.consent_date else _("date unknown"),
                force=self.in_force.isoformat(),
            )
        if self.status == PARTY and self.consent_date and not self.consent_date_known:
            return _("{country}: party ({action} by {date}, day not stated)").format(
                country=self.country,
                action=self.consent_action or "",
                date=self.consent_date.isoformat(),
            )
        if self.status == PARTY:
            return _("{country}: party ({action} {date})").format(
                country=self.country,
                action=self.consent_action or "",
                date=self.consent_date.isoformat() if self.consent_date else _("date unknown"),
            )
        if self.status == SIGNATORY:
            return _("{country}: signatory only (signed {date}, no consent to be bound)").format(
                country=self.country,
                date=self.signed.isoformat() if self.signed else _("date unknown"),
            )
        return no_record_text(self.country, self.record_until)

    def as_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "country": self.country,
            "as_of": self.as_of,
            "status": self.status,
            "bound": self.bound,
            "signed": self.signed,
            "consent": (
                {"action": self.consent_action, "date": self.consent_date}
                if self.consent_action
                else None
            ),
            "in_force": self.in_force,
            "record_until": self.record_until,
            "description": self.describe(),
            "sources": self.sources,
        }


def no_record_text(country: str, record_until: dt.date | None) -> str:
    """ "The registry holds no record for ITA up to 2014-01-27" (never "not bound")."""
    if record_until is None:
        return _("{country}: no record (the registry holds no dated source on it)").format(
            country=country
        )
    return _(
        "{country}: no record (the registry holds no record for {country} up to {date})"
    ).format(country=country, date=record_until.isoformat())


def standing_from_row(
    *,
    instrument: Instrument,
    country: str,
    as_of: dt.date,
    row: PartyRow | None,
    record_until: dt.date | None,
) -> Standing:
    """A Standing from a `parties` row (None: no record)."""
    if row is None:
        return Standing(
            instrument=instrument.slug,
            short_name=instrument.short_name,
            country=country,
            as_of=as_of,
            status=NO_RECORD,
            record_until=min(record_until, as_of) if record_until else None,
        )
    return Standing(
        instrument=instrument.slug,
        short_name=instrument.short_name,
        country=country,
        as_of=as_of,
        status=str(row.status),
        signed=row.signed,
        consent_action=row.consent_action,
        consent_date=row.consent_date,
        in_force=row.in_force,
        record_until=record_until,
        sources=row.sources,
        consent_date_known=row.consent_date_known,
    )


def standing(*, instrument: Instrument, country: str, as_of: dt.date) -> Standing:
    """One state's status on `instrument` as of a date: party, signatory or no record."""
    code = country.strip().upper()
    row = next(
        (
            r
            for r in parties(instrument=instrument, as_of=as_of, with_conflicts=False)
            if r.country == code
        ),
        None,
    )
    return standing_from_row(
        instrument=instrument, country=code, as_of=as_of, row=row, record_until=coverage(instrument)
    )


def standings_for_country(
    *, country: str, as_of: dt.date, instruments: list[Instrument] | None = None
) -> list[Standing]:
    """A state's status on each instrument (default: every instrument the registry holds
    treaty actions for): party, signatory or no record."""
    if instruments is None:
        instruments = list(
            Instrument.objects.filter(actions__isnull=False).distinct().order_by("adopted", "slug")
        )
    current_to = coverage_map()
    out = []
    for inst in instruments:
        rows = parties(instrument=inst, as_of=as_of, with_conflicts=False)
        row = next((r for r in rows if r.country == country), None)
        out.append(
            standing_from_row(
                instrument=inst,
                country=country,
                as_of=as_of,
                row=row,
                record_until=current_to.get(inst.slug),
            )
        )
    return out
