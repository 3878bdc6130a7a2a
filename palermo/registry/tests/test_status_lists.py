"""Status lists newer than the UNTC copies: OHCHR's ratification exports (CRC-OPSC, CEDAW, as at
28 August 2020), the Council of Europe's pages on CETS No. 197 and the ILO Forced Labour
Protocol's first parties. Each fact keeps its source; statements that differ stay side by side."""

from __future__ import annotations

import datetime as dt

import pytest

from palermo.registry import selectors
from palermo.registry.models import Instrument, Listing, TreatyAction
from palermo.registry.selectors.conflicts import instrument_conflicts
from palermo.registry.selectors.positions import actions_by_state

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 5)


def _action(instrument: str, country: str, action: str, document: str) -> TreatyAction:
    return TreatyAction.objects.select_related("source__document").get(
        instrument__slug=instrument,
        country_id=country,
        action=action,
        source__document__key=document,
    )


def _standing(instrument: str, country: str) -> selectors.Standing:
    return selectors.standing(
        instrument=Instrument.objects.get(slug=instrument), country=country, as_of=TODAY
    )


def test_ohchr_export_brings_crc_opsc_to_2020() -> None:
    # South Sudan acceded after the 2015 UNTC copy; OHCHR prints the marker in brackets.
    ssd = _action("crc-opsc", "SSD", "accession", "ohchr-crc-op-sc-2020-08-28")
    assert ssd.date == dt.date(2018, 9, 27)
    assert ssd.date_text == "27 Sep 2018 (a)"
    assert ssd.name_in_source == "South Sudan"
    assert ssd.source.document.date == dt.date(2020, 8, 28)
    assert ssd.source.document.url.startswith("https://tbinternet.ohchr.org/")
    assert not TreatyAction.objects.filter(
        instrument__slug="crc-opsc", country_id="SSD", source__document__key__startswith="untc-"
    ).exists()
    assert _standing("crc-opsc", "SSD").describe() == "SSD: party (accession 2018-09-27)"
    assert selectors.coverage(Instrument.objects.get(slug="crc-opsc")) == dt.date(2020, 8, 28)


def test_states_ohchr_prints_without_any_date_are_listed_as_not_party() -> None:
    listing = Listing.objects.get(key="ohchr-crc-op-sc-2020-08-28-no-action")
    assert listing.as_of == dt.date(2020, 8, 28)
    assert listing.claims.count() == 12
    assert listing.claims.get(country_id="SGP").status == "not_party"
    assert "no record for SGP up to 2020-08-28" in _standing("crc-opsc", "SGP").describe()


def test_ohchr_and_untc_disagreeing_on_the_kind_of_consent_are_both_kept() -> None:
    # UNTC prints Cambodia's CEDAW consent as an accession ('15 Oct 1992 a'), OHCHR without
    # a marker (a ratification): neither statement replaces the other.
    untc = _action("cedaw", "KHM", "accession", "untc-iv-8-2014-07-10")
    ohchr = _action("cedaw", "KHM", "ratification", "ohchr-cedaw-2020-08-28")
    assert untc.date == ohchr.date == dt.date(1992, 10, 15)
    assert (untc.date_text, ohchr.date_text) == ("15 Oct 1992 a", "15 Oct 1992")


def test_council_of_europe_pages_date_the_parties_they_name() -> None:
    belarus = _action("coe-trafficking-convention", "BLR", "accession", "coe-greta-signatures-page")
    assert belarus.date == dt.date(2013, 11, 26)
    estonia = _action(
        "coe-trafficking-convention",
        "EST",
        "ratification",
        "coe-treaty-office-197-declarations-2016-02-13",
    )
    assert estonia.date == dt.date(2015, 2, 5)
    inst = Instrument.objects.get(slug="coe-trafficking-convention")
    assert selectors.coverage(inst) == dt.date(2016, 2, 13)
    assert _standing("coe-trafficking-convention", "SWE").describe() == (
        "SWE: party (ratification 2010-05-31)"
    )
    listing = Listing.objects.get(key="coe-greta-signatures-status")
    assert listing.claims.filter(status="party").count() == 45
    assert listing.claims.get(country_id="TUR").status == "signatory"


def test_an_undated_list_is_not_contradicted_by_a_later_dated_ratification() -> None:
    # The undated CoE page names Estonia as a party; the latest date it prints is 2013, and the
    # Treaty Office dates Estonia's ratification 2015: that agrees, it does not conflict.
    inst = Instrument.objects.get(slug="coe-trafficking-convention")
    conflicts = instrument_conflicts(inst, actions_by_state(inst))
    assert "EST" not in {c.country for c in conflicts}
    # The page's own count (44) against the 45 states it names is a real discrepancy.
    assert any(c.kind == "count" and "44" in c.description for c in conflicts)


def test_forced_labour_protocol_first_parties() -> None:
    argentina = _action("ilo-p029", "ARG", "ratification", "loc-glm-p029-2016-11-17")
    assert argentina.date == dt.date(2016, 11, 9)
    parent = Instrument.objects.get(slug="ilo-p029").parent
    assert parent is not None and parent.slug == "ilo-c29"
    # KOK names Niger among the nine parties without a date: the day is not claimed.
    niger = _action("ilo-p029", "NER", "ratification", "kok-p029-entry-into-force-2016")
    assert niger.date is None
    assert _standing("ilo-p029", "NER").describe() == (
        "NER: party (ratification by 2016-11-09, day not stated)"
    )
    assert _standing("ilo-p029", "ARG").describe() == "ARG: party (ratification 2016-11-09)"
    assert "no record for ITA up to 2016-11-17" in _standing("ilo-p029", "ITA").describe()


def test_saarc_convention_list_names_seven_parties_beside_the_seed_saying_eight() -> None:
    escap = Listing.objects.get(key="unescap-sitrep-saarc-convention")
    assert set(escap.claims.filter(status="party").values_list("country_id", flat=True)) == {
        "BGD",
        "BTN",
        "IND",
        "MDV",
        "NPL",
        "PAK",
        "LKA",
    }
    assert escap.claims.get(country_id="AFG").status == "signatory"
    # The seed's statement (all eight ratified) is kept, not overwritten.
    assert Listing.objects.get(key="srtip-2010-saarc").stated_counts == {"party": 8}
