"""Factories for registry test data."""

from __future__ import annotations

import datetime as dt

import factory

from palermo.core.models import Document, Source
from palermo.registry.models import Instrument, Mechanism, Membership, TreatyAction


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    key = factory.Sequence("test-doc-{}".format)
    title = factory.Sequence("Test document {}".format)
    date = dt.date(2020, 1, 1)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    document = factory.SubFactory(DocumentFactory)
    locator = factory.Sequence("para. {}".format)


class InstrumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Instrument

    slug = factory.Sequence("test-convention-{}".format)
    short_name = factory.Sequence("TC{}".format)
    title = "Test convention"
    kind = "convention"
    adopted = dt.date(1999, 1, 1)
    eif_instruments_required = 3
    eif_days_after_threshold = 90
    eif_days_after_later_deposit = 30


class TreatyActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TreatyAction

    instrument = factory.SubFactory(InstrumentFactory)
    country_id = "FRA"
    action = "ratification"
    date = dt.date(2001, 1, 1)
    source = factory.SubFactory(SourceFactory)


class MechanismFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mechanism

    acronym = factory.Sequence("TM{}".format)
    name = factory.Sequence("Test mechanism {}".format)
    kind = "regional_organisation"
    region = "europe"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    mechanism = factory.SubFactory(MechanismFactory)
    country_id = "FRA"
