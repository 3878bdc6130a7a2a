"""`palermo registry ...` and `palermo load-reference` from the command line."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from time_machine import Traveller

from palermo.registry.models import TreatyAction
from palermo.registry.reference import DATA_DIR

pytestmark = pytest.mark.django_db
PARTIES = [
    "registry",
    "parties",
    "--instrument",
    "trafficking-protocol",
    "--member-of",
    "AALCO",
    "--as-of",
    "2005-01-01",
]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_parties_as_json_matches_the_api_shape() -> None:
    items = {i["country"]: i for i in json.loads(run(*PARTIES, "--format", "json"))}
    assert items["BWA"]["status"] == "party"
    assert items["BWA"]["consent"] == {"action": "ratification", "date": "2002-08-29"}
    assert items["BWA"]["in_force"] == "2003-12-25"
    assert items["JPN"]["status"] == "signatory"
    assert "FRA" not in items


def test_parties_as_csv_and_table() -> None:
    rows = list(csv.DictReader(io.StringIO(run(*PARTIES, "--format", "csv"))))
    bwa = next(r for r in rows if r["country"] == "BWA")
    assert bwa["consent_date"] == "2002-08-29" and bwa["in_force"] == "2003-12-25"
    table = run(*PARTIES)
    assert table.splitlines()[0].split()[:3] == ["country", "name", "status"]
    assert any(line.startswith("BWA") for line in table.splitlines())


def test_parties_before_any_signature_is_empty() -> None:
    assert json.loads(run(*PARTIES[:-2], "--as-of", "2000-01-01", "--format", "json")) == []


def test_unknown_instrument_and_bad_date_are_clear_errors() -> None:
    with pytest.raises(CommandError, match="No instrument with slug 'nope'"):
        run("registry", "parties", "--instrument", "nope")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("registry", "parties", "--instrument", "untoc", "--as-of", "01/02/2005")


def test_conflicts_directory_mechanisms_members_instruments(clock: Traveller) -> None:
    assert "TUR" in run("registry", "conflicts", "--instrument", "trafficking-protocol")
    assert "specialist_police_unit" in run(
        "registry", "directory", "--role", "specialist_police_unit"
    )
    assert "COMMIT" in run("registry", "mechanisms")
    members = json.loads(run("registry", "members", "COMMIT", "--format", "json"))
    assert {m["country"] for m in members} == {"KHM", "CHN", "LAO", "MMR", "THA", "VNM"}
    assert "trafficking-protocol" in run("registry", "instruments")


def test_load_reference_command_reports_and_refuses_bad_files(tmp_path: Path) -> None:
    assert "0 changes" in run("load_reference")
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    with (data / "treaty_actions.csv").open("a", encoding="utf-8") as fh:
        fh.write("untoc,FRA,France,ratification,not-a-date,,aalco-2005,x,\n")
    before = TreatyAction.objects.count()
    with pytest.raises(
        CommandError, match=r"nothing written: treaty_actions.csv:\d+: 'date' is not a date"
    ):
        run("load_reference", "--data-dir", str(data))
    assert TreatyAction.objects.count() == before
