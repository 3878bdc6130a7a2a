"""Factories for registry test data: documents and sources, instruments and treaty actions,
mechanisms and memberships, listings and their claims, legislation and directory entries.

Call `Factory.create(...)` (typed: it returns the model) rather than `Factory(...)`.
"""

from __future__ import annotations

import datetime as dt

from factory.declarations import Sequence, SubFactory
from factory.django import DjangoModelFactory

from palermo.core.models import Document, Source
from palermo.core.tests.factories import OrganisationFactory
from palermo.registry.choices import (
    DirectoryRole,
    InstrumentKind,
    LegislationKind,
    MechanismKind,
    PartyStatus,
    Region,
    TreatyActionKind,
)
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


class DocumentFactory(DjangoModelFactory[Document]):
    class Meta:
        model = Document

    key = Sequence("test-doc-{}".format)
    title = Sequence("Test document {}".format)
    date = dt.date(2020, 1, 1)


class SourceFactory(DjangoModelFactory[Source]):
    class Meta:
        model = Source

    document = SubFactory(DocumentFactory)
    locator = Sequence("para. {}".format)


class InstrumentFactory(DjangoModelFactory[Instrument]):
    class Meta:
        model = Instrument

    slug = Sequence("test-convention-{}".format)
    short_name = Sequence("TC{}".format)
    title = "Test convention"
    kind = InstrumentKind.CONVENTION
    adopted = dt.date(1999, 1, 1)
    eif_instruments_required = 3
    eif_days_after_threshold = 90
    eif_days_after_later_deposit = 30


class TreatyActionFactory(DjangoModelFactory[TreatyAction]):
    class Meta:
        model = TreatyAction

    instrument = SubFactory(InstrumentFactory)
    country_id = "FRA"
    action = TreatyActionKind.RATIFICATION
    date = dt.date(2001, 1, 1)
    source = SubFactory(SourceFactory)


class MechanismFactory(DjangoModelFactory[Mechanism]):
    class Meta:
        model = Mechanism

    acronym = Sequence("TM{}".format)
    name = Sequence("Test mechanism {}".format)
    kind = MechanismKind.REGIONAL
    region = Region.EUROPE


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    mechanism = SubFactory(MechanismFactory)
    country_id = "FRA"


class ListingFactory(DjangoModelFactory[Listing]):
    """What one source says about who is a party (its claims: StatusClaimFactory)."""

    class Meta:
        model = Listing

    key = Sequence("test-listing-{}".format)
    instrument = SubFactory(InstrumentFactory)
    source = SubFactory(SourceFactory)


class StatusClaimFactory(DjangoModelFactory[StatusClaim]):
    class Meta:
        model = StatusClaim

    listing = SubFactory(ListingFactory)
    country_id = "FRA"
    status = PartyStatus.PARTY


class LegislationFactory(DjangoModelFactory[Legislation]):
    class Meta:
        model = Legislation

    country_id = "FRA"
    title = Sequence("Test law {}".format)
    kind = LegislationKind.LAW
    year = 2003


class DirectoryEntryFactory(DjangoModelFactory[DirectoryEntry]):
    class Meta:
        model = DirectoryEntry

    country_id = "FRA"
    organisation = SubFactory(OrganisationFactory, country_id="FRA")
    role = DirectoryRole.FOCAL_POINT
    unit = Sequence("Test unit {}".format)
