"""When sources disagree, both statements are kept and the conflict is listed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from palermo.registry.models import Instrument, TreatyAction
from palermo.registry.selectors import conflict_list, parties
from palermo.registry.tests.factories import (
    InstrumentFactory,
    ListingFactory,
    SourceFactory,
    StatusClaimFactory,
    TreatyActionFactory,
)

pytestmark = pytest.mark.django_db


def test_aalco_annex_and_footnote_35_disagree_on_turkey_and_iran() -> None:
    protocol = Instrument.objects.get(slug="trafficking-protocol")
    conflicts = conflict_list(instrument=protocol)
    by_country = {c.country: c for c in conflicts if c.country}
    assert "TUR" in by_country and "IRN" in by_country
    turkey = by_country["TUR"]
    locators = {s["source"]["locator"] for s in turkey.statements}
    assert any("fn. 35" in loc for loc in locators)
    assert any("Annex II" in loc for loc in locators)
    counts = [c for c in conflicts if c.kind == "count"]
    assert any("13 “parties”" in c.description and "names 12" in c.description for c in counts)


def test_footnote_13_disagrees_with_the_untoc_table() -> None:
    untoc = Instrument.objects.get(slug="untoc")
    countries = {c.country for c in conflict_list(instrument=untoc) if c.kind == "status"}
    assert {"EGY", "LBY", "MYS"} <= countries


def test_different_dates_from_two_sources_are_both_kept() -> None:
    inst = InstrumentFactory.create(entry_into_force=dt.date(2000, 1, 1))
    a = TreatyActionFactory.create(
        instrument=inst,
        country_id="FRA",
        date=dt.date(2001, 1, 1),
        source=SourceFactory.create(document__date=dt.date(2002, 1, 1)),
    )
    b = TreatyActionFactory.create(
        instrument=inst,
        country_id="FRA",
        date=dt.date(2001, 2, 1),
        source=SourceFactory.create(document__date=dt.date(2003, 1, 1)),
    )
    conflicts = conflict_list(instrument=inst)
    assert len(conflicts) == 1 and conflicts[0].kind == "date"
    assert {s["source"]["locator"] for s in conflicts[0].statements} == {
        a.source.locator,
        b.source.locator,
    }
    assert TreatyAction.objects.filter(instrument=inst, country="FRA").count() == 2
    row = parties(instrument=inst, as_of=dt.date(2005, 1, 1))[0]
    assert row.consent_date == dt.date(2001, 2, 1)  # the more recent document's statement
    assert row.conflicts and row.conflicts[0]["kind"] == "date"


def test_agreeing_sources_are_not_a_conflict() -> None:
    inst = InstrumentFactory.create()
    TreatyActionFactory.create(instrument=inst, country_id="FRA", date=dt.date(2001, 1, 1))
    TreatyActionFactory.create(instrument=inst, country_id="FRA", date=dt.date(2001, 1, 1))
    assert conflict_list(instrument=inst) == []


def test_a_listing_that_says_signatory_where_another_source_records_consent() -> None:
    inst = InstrumentFactory.create(entry_into_force=dt.date(2000, 1, 1))
    TreatyActionFactory.create(instrument=inst, country_id="FRA", date=dt.date(2001, 1, 1))
    listing = ListingFactory.create(
        instrument=inst, source=SourceFactory.create(document__date=dt.date(2003, 1, 1))
    )
    StatusClaimFactory.create(listing=listing, country_id="FRA", status="signatory")
    conflicts = conflict_list(instrument=inst)
    assert [(c.kind, c.country) for c in conflicts] == [("status", "FRA")]
    conflict = conflicts[0]
    assert "is signatory only; other sources record it as party" in conflict.description
    assert [s["says"] for s in conflict.statements][0] == "signatory only"
    assert conflict.key.startswith("status:{}:FRA:".format(inst.slug))
    with translation.override("fr"):  # the key does not depend on the language
        assert conflict_list(instrument=inst)[0].key == conflict.key
