"""The depositaries' status lists (UN Treaty Collection) and the three states: party, signatory,
no record (with the date the registry's sources reach), in the loader, service, API, CLI and
pages."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from palermo.core.models import AuditEntry, Document
from palermo.registry import selectors
from palermo.registry.models import Instrument, Listing, TreatyAction
from palermo.registry.reference import DATA_DIR, ReferenceDataError, load_reference

pytestmark = pytest.mark.django_db

API = "/api/v1/registry"
TODAY = dt.date(2026, 12, 5)


def _untc(instrument: str, country: str, action: str) -> TreatyAction:
    return TreatyAction.objects.get(
        instrument__slug=instrument,
        country_id=country,
        action=action,
        source__document__key__startswith="untc-",
    )


# --- loader ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instrument", "country", "signed", "consent", "action"),
    [
        ("untoc", "ITA", dt.date(2000, 12, 12), dt.date(2006, 8, 2), "ratification"),
        ("untoc", "NGA", dt.date(2000, 12, 13), dt.date(2001, 6, 28), "ratification"),
        ("trafficking-protocol", "ITA", dt.date(2000, 12, 12), dt.date(2006, 8, 2), "ratification"),
        (
            "trafficking-protocol",
            "NGA",
            dt.date(2000, 12, 13),
            dt.date(2001, 6, 28),
            "ratification",
        ),
        ("smuggling-protocol", "NGA", dt.date(2000, 12, 13), dt.date(2001, 9, 27), "ratification"),
        ("firearms-protocol", "NGA", dt.date(2001, 11, 13), dt.date(2006, 3, 3), "ratification"),
        ("crc-opsc", "NGA", dt.date(2000, 9, 8), dt.date(2010, 9, 27), "ratification"),
    ],
)
def test_untc_rows_are_loaded_with_their_real_dates(
    instrument: str, country: str, signed: dt.date, consent: dt.date, action: str
) -> None:
    assert _untc(instrument, country, "signature").date == signed
    got = _untc(instrument, country, action)
    assert got.date == consent
    assert got.name_in_source in {"Italy", "Nigeria"}
    assert got.source.document.url.startswith("https://treaties.un.org/")
    assert got.source.document.date is not None


def test_markers_become_the_action_type() -> None:
    bahrain = _untc("trafficking-protocol", "BHR", "accession")
    assert (bahrain.date, bahrain.date_text) == (dt.date(2004, 6, 7), "7 Jun 2004 a")
    assert _untc("trafficking-protocol", "FIN", "acceptance").date == dt.date(2006, 9, 7)
    assert _untc("trafficking-protocol", "MNE", "succession").date == dt.date(2006, 10, 23)
    # Names as the UN prints them map to ISO codes through the alias table.
    assert _untc("untoc", "BOL", "signature").name_in_source == "Bolivia (Plurinational State of)"
    assert _untc("trafficking-protocol", "CIV", "accession").name_in_source == "Côte d'Ivoire"


def test_the_seeds_statements_are_kept_beside_the_untc_ones() -> None:
    nigeria = TreatyAction.objects.filter(
        instrument__slug="untoc", country_id="NGA", action="ratification"
    )
    assert {a.source.document.key for a in nigeria} == {"aalco-2005", "untc-xviii-12-2014-01-27"}


def test_the_european_union_is_listed_apart() -> None:
    listing = Listing.objects.get(key="depositary-untc-xviii-12-a-2014-01-27")
    assert "European Union: 12 Dec 2000; 6 Sep 2006 AA" in listing.notes
    assert not listing.claims.exists()


def test_smuggling_protocol_column_is_no_longer_blank() -> None:
    smuggling = Instrument.objects.get(slug="smuggling-protocol")
    rows = selectors.parties(instrument=smuggling, as_of=TODAY, status="party")
    assert len(rows) > 100
    matrix = selectors.ratification_matrix(
        mechanism=selectors.mechanism_get("AALCO"),
        instruments=[smuggling],
        as_of=TODAY,
    )
    nigeria = next(r for r in matrix if r["country"].iso3 == "NGA")
    assert nigeria["cells"][0] is not None and nigeria["cells"][0].status == "party"


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_an_unmapped_country_name_fails_the_load_naming_it_and_writes_nothing(
    tmp_path: Path,
) -> None:
    data = _copy_data(tmp_path)
    path = data / "depositary_status.csv"
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(
            ["untoc", "Atlantis", "12 Dec 2000", "", "untc-xviii-12-2014-01-27", "x"]
        )
    lines = path.read_text(encoding="utf-8").count("\n")
    docs = (data / "documents.yaml").read_text(encoding="utf-8")
    (data / "documents.yaml").write_text(
        docs + "\n- key: brand-new-doc\n  title: A new document\n", encoding="utf-8"
    )
    before = (TreatyAction.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ReferenceDataError) as info:
        load_reference(data)
    assert info.value.path == "depositary_status.csv"
    assert info.value.line == lines
    assert "unmapped participant name 'Atlantis'" in info.value.reason
    assert (TreatyAction.objects.count(), AuditEntry.objects.count()) == before
    assert not Document.objects.filter(key="brand-new-doc").exists()


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("2006-08-02", "not a date like"),
        ("31 Feb 2006", "not a real date"),
        ("05 Feb 2008 (x)", "not a date like"),
        ("05 Feb 2008 (a", "not a date like"),
    ],
)
def test_a_malformed_printed_date_fails_the_load(tmp_path: Path, cell: str, reason: str) -> None:
    data = _copy_data(tmp_path)
    with (data / "depositary_status.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(
            ["untoc", "Niue", "", cell, "untc-xviii-12-2014-01-27", "x"]
        )
    with pytest.raises(ReferenceDataError, match=reason):
        load_reference(data)


# --- three states: service ------------------------------------------------------------------


def test_three_states_with_the_date_the_sources_reach() -> None:
    untoc = Instrument.objects.get(slug="untoc")
    assert selectors.coverage(untoc) == dt.date(2014, 1, 27)
    party = selectors.standing(instrument=untoc, country="ITA", as_of=TODAY)
    assert party.status == "party" and party.bound
    assert party.describe() == "ITA: party (ratification 2006-08-02)"
    # Japan had signed UNTOC and not ratified as of the UNTC copy.
    signatory = selectors.standing(instrument=untoc, country="JPN", as_of=TODAY)
    assert signatory.status == "signatory" and not signatory.bound
    assert signatory.describe().startswith("JPN: signatory only (signed 2000-12-12")
    none = selectors.standing(instrument=untoc, country="SSD", as_of=TODAY)
    assert none.status == "no_record" and not none.bound
    assert none.record_until == dt.date(2014, 1, 27)
    assert none.describe() == (
        "SSD: no record (the registry holds no record for SSD up to 2014-01-27)"
    )
    # Asked about a day before the newest source: no record up to that day.
    early = selectors.standing(instrument=untoc, country="SSD", as_of=dt.date(2010, 1, 1))
    assert early.record_until == dt.date(2010, 1, 1)


def test_a_later_ratification_is_not_a_conflict_with_an_older_list() -> None:
    # AALCO (2005) lists India as a signatory; the UNTC copy has India ratifying in 2011.
    conflicts = selectors.conflict_list(instrument=Instrument.objects.get(slug="untoc"))
    assert not [c for c in conflicts if c.country == "IND"]
    # A real disagreement inside the seeds still shows.
    assert [c for c in conflicts if c.country == "EGY" and c.kind == "status"]


# --- API ------------------------------------------------------------------------------------


def test_api_standing_has_exactly_three_values(client: Client) -> None:
    res = client.get(API + "/standing", {"country": "ITA", "as_of": "2026-12-05"})
    assert res.status_code == 200
    items = {i["instrument"]: i for i in res.json()["items"]}
    assert items["untoc"]["status"] == "party"
    assert items["untoc"]["consent"] == {"action": "ratification", "date": "2006-08-02"}
    assert items["untoc"]["record_until"] == "2014-01-27"
    assert {i["status"] for i in items.values()} <= {"party", "signatory", "no_record"}
    none = client.get(
        API + "/standing", {"country": "SSD", "instrument": "untoc", "as_of": "2026-12-05"}
    ).json()["items"][0]
    assert none["status"] == "no_record" and none["bound"] is False
    assert none["record_until"] == "2014-01-27"
    assert "no record for SSD up to 2014-01-27" in none["description"]
    jpn = client.get(
        API + "/standing", {"country": "JPN", "instrument": "untoc", "as_of": "2026-12-05"}
    ).json()["items"][0]
    assert jpn["status"] == "signatory" and jpn["consent"] is None


def test_api_says_how_current_the_registry_is(client: Client) -> None:
    assert client.get(API + "/instruments/untoc").json()["registry_current_to"] == "2014-01-27"
    body = client.get(API + "/parties", {"instrument": "smuggling-protocol"}).json()
    assert body["registry_current_to"] == "2014-07-10"
    # OHCHR's export of 28 August 2020 is the newest CRC-OPSC status list.
    assert client.get(API + "/instruments/crc-opsc").json()["registry_current_to"] == "2020-08-28"
    listed = {i["slug"]: i for i in client.get(API + "/instruments").json()["items"]}
    assert all("registry_current_to" in i for i in listed.values())
    if "convention-1949" in listed:
        assert listed["convention-1949"]["registry_current_to"] == "2013-07-06"


def test_api_standing_unknown_country_is_a_clear_error(client: Client) -> None:
    res = client.get(API + "/standing", {"country": "XXX"})
    assert res.status_code == 400
    assert res.json()["code"] == "unknown_country"


# --- CLI ------------------------------------------------------------------------------------


def test_cli_standing_shows_the_three_states() -> None:
    out = StringIO()
    call_command("registry", "standing", "--country", "SSD", "--as-of", "2026-12-05", stdout=out)
    text = out.getvalue()
    assert re.search(r"untoc\s+no_record", text)
    assert "SSD: no record (the registry holds no record for SSD up to 2014-01-27)" in text
    out = StringIO()
    call_command(
        "registry",
        "standing",
        "--country",
        "NGA",
        "--instrument",
        "trafficking-protocol",
        "--format",
        "json",
        stdout=out,
    )
    (row,) = json.loads(out.getvalue())
    assert row["status"] == "party" and row["consent"]["date"] == "2001-06-28"


# --- pages ----------------------------------------------------------------------------------


def test_matrix_shows_no_record_apart_from_signatory(client: Client) -> None:
    page = client.get("/registry/mechanisms/AALCO/?as_of=2026-12-05").content.decode()
    matrix = page.split('id="matrix"', 1)[1].split("</table>", 1)[0]
    assert "sources to July 10, 2014" in matrix  # under the Smuggling Protocol
    nigeria = re.search(r'<tr data-country="NGA">(.*?)</tr>', matrix, re.DOTALL)
    assert nigeria is not None
    assert nigeria.group(1).count('data-status="party"') == 3
    # Japan signed the Protocols without ratifying (as of the UNTC copy): "signatory only".
    japan = re.search(r'<tr data-country="JPN">(.*?)</tr>', matrix, re.DOTALL)
    assert japan is not None and "signatory only" in japan.group(1)
    # A member no source names: "no record", dashed, with the date in its title.
    assert 'class="badge status-no_record"' in matrix
    assert "The registry holds no record for" in matrix


def test_country_page_shows_no_record_with_its_date(client: Client) -> None:
    page = client.get("/registry/countries/SSD/?as_of=2026-12-05").content.decode()
    row = re.search(r'<tr data-instrument="untoc" data-status="(\w+)">(.*?)</tr>', page, re.DOTALL)
    assert row is not None and row.group(1) == "no_record"
    assert "no record up to Jan. 27, 2014" in row.group(2)
    italy = client.get("/registry/countries/ITA/?as_of=2026-12-05").content.decode()
    assert '<tr data-instrument="untoc" data-status="party">' in italy


def test_instrument_page_says_how_current_it_is(client: Client) -> None:
    page = client.get("/registry/instruments/trafficking-protocol/").content.decode()
    assert re.search(r'<dd id="current-to">Jan. 27, 2014', page)
    assert "not “not bound”" in page
