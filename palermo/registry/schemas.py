"""Input and output schemas of the registry API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from palermo.core.textlimits import Note, Text


class SourceOut(Schema):
    document: str
    symbol: str
    title: str
    date: dt.date | None
    locator: str
    url: str


class InstrumentOut(Schema):
    slug: str
    short_name: str
    title: str
    titles: dict[str, str] = Field(
        default_factory=dict,
        description="official titles in the other UN languages (ar, es, fr, ru, zh), where known",
    )
    titles_source: str = Field("", description="where the official titles come from")
    kind: str
    adopted: dt.date | None
    opened_for_signature: dt.date | None
    entry_into_force: dt.date | None
    depositary: str
    parent: str | None
    adopted_by: str | None
    entry_into_force_rule: dict[str, Any] | None
    url: str
    summary: str
    sources: list[SourceOut]
    registry_current_to: dt.date | None


class TreatyConsentOut(Schema):
    action: str
    date: dt.date | None


class StatementOut(Schema):
    source: SourceOut
    says: str


class ConflictOut(Schema):
    key: str
    kind: str
    instrument: str
    country: str | None
    description: str
    statements: list[StatementOut]


class PartyOut(Schema):
    country: str
    country_name: str
    status: str
    signed: dt.date | None
    consent: TreatyConsentOut | None
    in_force: dt.date | None
    sources: list[SourceOut]
    conflicts: list[ConflictOut]


class PartiesOut(Schema):
    instrument: str
    as_of: dt.date
    member_of: str | None
    entry_into_force: dt.date | None
    registry_current_to: dt.date | None
    count: int
    items: list[PartyOut]


class StandingOut(Schema):
    """One state's status on one instrument: `status` is exactly `party`, `signatory` or
    `no_record` (then `record_until` says up to which date the registry's sources reach)."""

    instrument: str
    country: str
    as_of: dt.date
    status: str
    bound: bool
    signed: dt.date | None
    consent: TreatyConsentOut | None
    in_force: dt.date | None
    record_until: dt.date | None
    description: str
    sources: list[SourceOut]


class StandingsOut(Schema):
    country: str
    as_of: dt.date
    items: list[StandingOut]


class ConflictsOut(Schema):
    count: int
    items: list[ConflictOut]


class TreatyActionOut(Schema):
    id: int
    instrument: str
    country: str
    action: str
    date: dt.date | None
    date_text: str
    name_in_source: str
    note: str
    source: SourceOut


class MechanismOut(Schema):
    acronym: str
    name: str
    kind: str
    region: str
    founded: dt.date | None
    url: str
    summary: str
    sources: list[SourceOut]


class MembershipOut(Schema):
    id: int
    mechanism: str
    country: str
    country_name: str
    role: str
    joined: dt.date | None
    left: dt.date | None
    sources: list[SourceOut]


class LegislationOut(Schema):
    id: int
    country: str
    title: str
    kind: str
    year: int | None
    date: dt.date | None
    status: str
    implements: str | None
    summary: str
    sources: list[SourceOut]


class DirectoryOut(Schema):
    id: int
    country: str | None
    organisation: str
    mechanism: str | None
    role: str
    unit: str
    description: str
    languages: list[str]
    url: str
    address: str
    contact: dict[str, str] | None
    sources: list[SourceOut]


class CountryOut(Schema):
    iso3: str
    iso2: str
    name: str
    names: dict[str, str]
    historical: bool


class SourceIn(Schema):
    document: str = ""
    locator: str = ""
    title: str = ""
    symbol: str = ""
    url: str = ""
    date: dt.date | None = None


class TreatyActionIn(Schema):
    instrument: str
    country: str
    action: str
    date: dt.date | None = None
    date_text: str = ""
    note: Text = ""
    source: SourceIn


class TreatyActionCorrectIn(Schema):
    date: dt.date | None
    action: str | None = None
    date_text: str | None = None
    note: Text | None = None


class LegislationIn(Schema):
    country: str
    title: str
    kind: str
    year: int | None = None
    date: dt.date | None = None
    status: str = "unknown"
    implements: str = ""
    summary: Text = ""
    source: SourceIn


class DirectoryIn(Schema):
    organisation: str
    role: str
    country: str = ""
    unit: str = ""
    description: Text = ""
    languages: list[str] = []
    url: str = ""
    address: Note = ""
    person_name: str = ""
    email: str = ""
    phone: str = ""
    organisation_kind: str = "government"
    source: SourceIn


class MembershipIn(Schema):
    mechanism: str
    country: str
    role: str = "member"
    joined: dt.date | None = None
    left: dt.date | None = None
    note: Note = ""
    source: SourceIn
