"""Reference data: every seed fact loaded with its source; loading is idempotent and atomic."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from palermo.core.models import AuditEntry, Country, Document, User
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
from palermo.registry.reference import DATA_DIR, ReferenceDataError, load_reference, validate
from palermo.registry.services import treaty_action_correct

pytestmark = pytest.mark.django_db

CANONICAL = [
    "untoc",
    "trafficking-protocol",
    "smuggling-protocol",
    "coe-trafficking-convention",
    "saarc-trafficking-convention",
    "crc-opsc",
    "ilo-c182",
    "convention-1949",
]


def test_canonical_instruments_exist_with_sources() -> None:
    for slug in CANONICAL:
        inst = Instrument.objects.get(slug=slug)
        assert inst.sources.exists(), slug
    protocol = Instrument.objects.get(slug="trafficking-protocol")
    assert protocol.parent is not None and protocol.parent.slug == "untoc"
    assert str(protocol.entry_into_force) == "2003-12-25"
    assert str(Instrument.objects.get(slug="untoc").entry_into_force) == "2003-09-29"


def test_aalco_annex_two_every_row_is_loaded() -> None:
    untoc = Listing.objects.get(key="aalco-annex2-untoc")
    protocol = Listing.objects.get(key="aalco-annex2-protocol")
    assert untoc.claims.count() == 40
    assert protocol.claims.count() == 25
    assert untoc.claims.filter(status="party").count() == 16
    assert untoc.claims.filter(status="signatory").count() == 21
    bahrain = TreatyAction.objects.get(
        instrument__slug="untoc", country="BHR", source__document__key="aalco-2005"
    )
    assert bahrain.action == "accession" and str(bahrain.date) == "2004-06-07"
    assert bahrain.date_text == "7 Jun 2004 a"
    assert bahrain.source.locator.startswith("Annex II")
    jordan = TreatyAction.objects.get(
        instrument__slug="untoc",
        country="JOR",
        action="signature",
        source__document__key="aalco-2005",
    )
    assert str(jordan.date) == "2002-11-26"  # row split across lines in the seed


def test_every_fact_names_its_source() -> None:
    assert not TreatyAction.objects.filter(source__isnull=True).exists()
    for model in (Mechanism, Membership, Legislation, DirectoryEntry):
        assert not model.objects.filter(sources__isnull=True).exists(), model.__name__
    assert StatusClaim.objects.exclude(listing__source__isnull=False).count() == 0


def test_countries_carry_names_in_the_six_un_languages() -> None:
    france = Country.objects.get(iso3="FRA")
    assert france.names["fr"] == "France"
    assert france.names["ar"] and france.names["zh"] and france.names["ru"] and france.names["es"]
    scg = Country.objects.get(iso3="SCG")
    assert scg.historical and "Serbia" in scg.name


def test_loading_twice_changes_nothing() -> None:
    audit_before = AuditEntry.objects.count()
    actions_before = TreatyAction.objects.count()
    report = load_reference()
    assert report.changed == 0
    assert AuditEntry.objects.count() == audit_before
    assert TreatyAction.objects.count() == actions_before


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _append_csv_row(path: Path, row: dict[str, str]) -> int:
    with path.open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
        lines = 1 + sum(1 for _ in fh)
    with path.open("a", encoding="utf-8", newline="") as fh:
        csv.DictWriter(fh, fieldnames=header).writerow(row)
    return lines + 1


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"action": "ratification", "date": "2004-13-45"}, "not a date"),
        ({"action": "ratified", "date": "2004-01-01"}, "unknown value 'ratified'"),
        (
            {"action": "ratification", "date": "2004-01-01", "country": "XXX"},
            "unknown country code 'XXX'",
        ),
        (
            {"action": "ratification", "date": "2004-01-01", "source": "nowhere"},
            "unknown source document",
        ),
    ],
)
def test_malformed_row_stops_the_load_with_file_line_and_reason(
    tmp_path: Path, row: dict[str, str], reason: str
) -> None:
    data = _copy_data(tmp_path)
    full = {
        "instrument": "untoc",
        "country": "FRA",
        "name_in_source": "France",
        "date_text": "",
        "source": "aalco-2005",
        "locator": "test",
        "note": "",
    } | row
    line = _append_csv_row(data / "treaty_actions.csv", full)
    before = (TreatyAction.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ReferenceDataError) as info:
        load_reference(data)
    assert info.value.path == "treaty_actions.csv"
    assert info.value.line == line
    assert reason in info.value.reason
    assert (TreatyAction.objects.count(), AuditEntry.objects.count()) == before


def test_error_in_a_late_file_writes_nothing_from_earlier_files(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    docs = (data / "documents.yaml").read_text(encoding="utf-8")
    (data / "documents.yaml").write_text(
        docs + "\n- key: brand-new-doc\n  title: A new document\n", encoding="utf-8"
    )
    _append_csv_row(
        data / "directory.csv",
        {
            "organisation": "X",
            "organisation_kind": "government",
            "role": "wizard",
            "source": "aalco-2005",
        },
    )
    with pytest.raises(ReferenceDataError, match="directory.csv"):
        load_reference(data)
    assert not Document.objects.filter(key="brand-new-doc").exists()


def test_bad_yaml_reports_line(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    text = (data / "instruments.yaml").read_text(encoding="utf-8")
    (data / "instruments.yaml").write_text(
        text + "\n- slug: broken\n  kind: treatyish\n  title: X\n", encoding="utf-8"
    )
    with pytest.raises(ReferenceDataError) as info:
        validate(data)
    assert info.value.path == "instruments.yaml"
    assert "treatyish" in info.value.reason
    assert info.value.line == text.count("\n") + 2


def test_edited_fact_survives_a_reload(editor: User) -> None:
    action = TreatyAction.objects.get(
        instrument__slug="untoc",
        country="BWA",
        action="ratification",
        source__document__key="aalco-2005",
    )
    treaty_action_correct(
        actor=editor, treaty_action=action, date=action.date, note="checked against UNTC"
    )
    report = load_reference()
    action.refresh_from_db()
    assert action.note == "checked against UNTC"
    assert report.counts["treaty_action"]["kept_edit"] == 1


def test_a_fact_gone_from_the_files_is_deleted_and_audited(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    path = data / "memberships.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    before = Membership.objects.count()
    report = load_reference(data)
    assert report.counts["membership"]["deleted"] == 1 and report.changed == 1
    assert Membership.objects.count() == before - 1
    # One entry for the kind, naming its file and the fact deleted.
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry is not None
    assert (entry.action, entry.object_type, entry.actor_label, entry.object_id) == (
        "delete",
        "registry.membership",
        "load-reference",
        "memberships.csv",
    )
    after = entry.after or {}
    assert after["created"] == {} and after["updated"] == {}
    assert len(after["deleted"]) == 1 and after["deleted"][0].startswith("membership:")
    assert not Membership.objects.filter(ref_key=after["deleted"][0]).exists()


def test_a_reload_that_changes_facts_is_seen_by_the_kept_answers(tmp_path: Path) -> None:
    """Bulk writes send no save signals: the load itself forgets the kept answers, and the
    changed rows' `updated_at` moves (other processes see a new fingerprint)."""
    from palermo.registry.selectors.cache import reference_cached

    def egypt_ratified() -> str:
        action = TreatyAction.objects.get(
            instrument__slug="untoc",
            country="EGY",
            action="ratification",
            source__document__key="aalco-2005",
        )
        return action.date.isoformat() if action.date else ""

    stamp_before = TreatyAction.objects.get(
        instrument__slug="untoc",
        country="EGY",
        action="ratification",
        source__document__key="aalco-2005",
    ).updated_at
    assert reference_cached(("test", "egypt"), egypt_ratified) == "2004-03-05"
    data = _copy_data(tmp_path)
    path = data / "treaty_actions.csv"
    text = path.read_text(encoding="utf-8")
    changed = text.replace(
        "untoc,EGY,Arab Republic of Egypt,ratification,2004-03-05,05 March 2004",
        "untoc,EGY,Arab Republic of Egypt,ratification,2004-03-06,06 March 2004",
    )
    assert changed != text
    path.write_text(changed, encoding="utf-8")
    report = load_reference(data)
    assert report.counts["treaty_action"]["updated"] == 1
    assert reference_cached(("test", "egypt"), egypt_ratified) == "2004-03-06"
    action = TreatyAction.objects.get(
        instrument__slug="untoc",
        country="EGY",
        action="ratification",
        source__document__key="aalco-2005",
    )
    assert action.updated_at > stamp_before
