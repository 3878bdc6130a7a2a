"""Who is bound as of a date: signatories, parties, entry into force, memberships."""

from __future__ import annotations

import datetime as dt

import pytest
from time_machine import Traveller

from palermo.core.models import User
from palermo.registry.models import Instrument, Mechanism
from palermo.registry.selectors import (
    PartyRow,
    directory_list,
    general_entry_into_force,
    legislation_list,
    parties,
)
from palermo.registry.tests.factories import (
    DirectoryEntryFactory,
    InstrumentFactory,
    LegislationFactory,
    MembershipFactory,
    SourceFactory,
    TreatyActionFactory,
)

pytestmark = pytest.mark.django_db
D = dt.date


def _by_country(rows: list[PartyRow]) -> dict[str, PartyRow]:
    return {r.country: r for r in rows}


def test_botswana_protocol_timeline_from_the_aalco_annex() -> None:
    protocol = Instrument.objects.get(slug="trafficking-protocol")
    assert "BWA" not in _by_country(parties(instrument=protocol, as_of=D(2002, 4, 9)))
    signed = _by_country(parties(instrument=protocol, as_of=D(2002, 4, 10)))["BWA"]
    assert (
        signed.status == "signatory" and signed.signed == D(2002, 4, 10) and signed.in_force is None
    )
    party = _by_country(parties(instrument=protocol, as_of=D(2005, 1, 1)))["BWA"]
    assert party.status == "party"
    assert party.consent_action == "ratification" and party.consent_date == D(2002, 8, 29)
    # Deposited before the 40th instrument: in force on the Protocol's own date.
    assert party.in_force == D(2003, 12, 25)
    # The newest source that states the dates is used: the UNTC status list (same dates).
    assert party.sources and party.sources[0]["document"] == "untc-xviii-12-a-2014-01-27"


def test_later_deposit_enters_into_force_on_the_thirtieth_day() -> None:
    protocol = Instrument.objects.get(slug="trafficking-protocol")
    rows = _by_country(parties(instrument=protocol, as_of=D(2005, 1, 1)))
    assert rows["BHR"].consent_action == "accession"
    assert rows["BHR"].in_force == D(2004, 7, 7)  # accession 2004-06-07 + 30 days
    assert rows["ZAF"].in_force == D(2004, 3, 21)  # ratification 2004-02-20 + 30 days


def test_member_of_restricts_to_members_on_the_date() -> None:
    protocol = Instrument.objects.get(slug="trafficking-protocol")
    aalco = Mechanism.objects.get(acronym="AALCO")
    rows = parties(instrument=protocol, as_of=D(2005, 1, 1), member_of=aalco)
    members = set(aalco.memberships.values_list("country_id", flat=True))
    assert rows and {r.country for r in rows} <= members
    inst = InstrumentFactory.create(entry_into_force=D(2003, 1, 1))
    mech = MembershipFactory.create(
        country_id="DEU", joined=D(2004, 1, 1), left=D(2010, 1, 1)
    ).mechanism
    TreatyActionFactory.create(instrument=inst, country_id="DEU", date=D(2002, 1, 1))
    TreatyActionFactory.create(instrument=inst, country_id="ITA", date=D(2002, 1, 1))
    assert [r.country for r in parties(instrument=inst, as_of=D(2003, 6, 1), member_of=mech)] == []
    assert [r.country for r in parties(instrument=inst, as_of=D(2005, 6, 1), member_of=mech)] == [
        "DEU"
    ]
    assert [r.country for r in parties(instrument=inst, as_of=D(2010, 1, 1), member_of=mech)] == []


def test_entry_into_force_computed_from_the_required_deposits() -> None:
    inst = InstrumentFactory.create(
        eif_instruments_required=3, eif_days_after_threshold=90, eif_days_after_later_deposit=30
    )
    for code, day in [
        ("FRA", D(2001, 1, 1)),
        ("DEU", D(2001, 2, 1)),
        ("ITA", D(2001, 3, 1)),
        ("ESP", D(2002, 1, 1)),
    ]:
        TreatyActionFactory.create(instrument=inst, country_id=code, date=day)
    eif = general_entry_into_force(inst)
    assert eif.threshold_date == D(2001, 3, 1)
    assert eif.date == D(2001, 3, 1) + dt.timedelta(days=90)
    rows = _by_country(parties(instrument=inst, as_of=D(2003, 1, 1)))
    assert rows["FRA"].in_force == eif.date
    assert rows["ITA"].in_force == eif.date
    assert rows["ESP"].in_force == D(2002, 1, 31)
    too_few = InstrumentFactory.create(eif_instruments_required=40)
    TreatyActionFactory.create(instrument=too_few, country_id="FRA")
    assert general_entry_into_force(too_few).date is None
    assert _by_country(parties(instrument=too_few, as_of=D(2003, 1, 1)))["FRA"].in_force is None


def test_protocol_not_in_force_for_a_state_before_its_parent() -> None:
    parent = InstrumentFactory.create(entry_into_force=D(2003, 9, 29), eif_days_after_threshold=90)
    protocol = InstrumentFactory.create(
        kind="protocol",
        parent=parent,
        entry_into_force=D(2003, 12, 25),
        eif_days_after_threshold=90,
    )
    # Protocol ratified early, the parent only in 2005: in force with the parent.
    TreatyActionFactory.create(instrument=protocol, country_id="FRA", date=D(2002, 1, 1))
    TreatyActionFactory.create(instrument=parent, country_id="FRA", date=D(2005, 3, 1))
    row = _by_country(parties(instrument=protocol, as_of=D(2006, 1, 1)))["FRA"]
    assert row.in_force == D(2005, 3, 31)
    # Before the parent is ratified the protocol is not in force for the state.
    assert _by_country(parties(instrument=protocol, as_of=D(2004, 6, 1)))["FRA"].in_force is None


def test_protocol_general_entry_not_before_the_parent() -> None:
    parent = InstrumentFactory.create(entry_into_force=D(2004, 6, 1), eif_days_after_threshold=90)
    protocol = InstrumentFactory.create(
        kind="protocol",
        parent=parent,
        entry_into_force=D(2003, 12, 25),
        eif_days_after_threshold=90,
    )
    assert general_entry_into_force(protocol).date == D(2004, 6, 1)


def test_withdrawal_ends_party_status_and_unknown_dates_use_the_document_date() -> None:
    inst = InstrumentFactory.create(entry_into_force=D(2000, 1, 1))
    TreatyActionFactory.create(instrument=inst, country_id="FRA", date=D(2001, 1, 1))
    TreatyActionFactory.create(
        instrument=inst, country_id="FRA", action="withdrawal", date=D(2010, 1, 1)
    )
    assert _by_country(parties(instrument=inst, as_of=D(2009, 1, 1)))["FRA"].status == "party"
    assert "FRA" not in _by_country(parties(instrument=inst, as_of=D(2011, 1, 1)))
    undated = SourceFactory.create(document__date=D(2005, 3, 29))
    TreatyActionFactory.create(instrument=inst, country_id="ITA", date=None, source=undated)
    assert "ITA" not in _by_country(parties(instrument=inst, as_of=D(2005, 3, 28)))
    ita = _by_country(parties(instrument=inst, as_of=D(2005, 3, 29)))["ITA"]
    assert ita.status == "party" and ita.consent_date == D(2005, 3, 29)


def test_signature_then_consent_and_status_filter() -> None:
    inst = InstrumentFactory.create(entry_into_force=D(2000, 1, 1))
    TreatyActionFactory.create(
        instrument=inst, country_id="FRA", action="signature", date=D(1999, 6, 1)
    )
    TreatyActionFactory.create(
        instrument=inst, country_id="FRA", action="approval", date=D(2001, 6, 1)
    )
    TreatyActionFactory.create(
        instrument=inst, country_id="DEU", action="signature", date=D(1999, 6, 1)
    )
    rows = parties(instrument=inst, as_of=D(2002, 1, 1), status="signatory")
    assert [r.country for r in rows] == ["DEU"]
    fra = _by_country(parties(instrument=inst, as_of=D(2002, 1, 1)))["FRA"]
    assert fra.signed == D(1999, 6, 1) and fra.consent_action == "approval"
    assert fra.in_force == D(2001, 7, 1)


def test_directory_and_legislation_searches(clock: Traveller, analyst: User) -> None:
    mechanism = MembershipFactory.create(country_id="FRA", joined=D(2000, 1, 1)).mechanism
    entry = DirectoryEntryFactory.create(unit="Test anti-trafficking desk", person_name="A. B.")
    law = LegislationFactory.create(title="Loi test sur la traite")
    found, show_contacts = directory_list(user=None, q="anti-trafficking desk")
    assert list(found) == [entry] and show_contacts is False
    assert directory_list(user=analyst, q="anti-trafficking desk")[1] is True
    assert entry in directory_list(user=None, member_of=mechanism)[0]  # a member today
    assert list(legislation_list(q="sur la traite")) == [law]
