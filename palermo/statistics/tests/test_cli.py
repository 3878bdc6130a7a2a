"""`palermo stats import|validate|publish|export|derive`."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from palermo.core.models import User
from palermo.statistics import interchange as ix
from palermo.statistics import services as s
from palermo.statistics.models import Publication, Value
from palermo.statistics.tests.factories import colleague, enter

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("stats", *args, stdout=out)
    return out.getvalue()


def glotip(tmp_path: Path, value: str = "<5") -> Path:
    path = tmp_path / "g.csv"
    row = [
        "LTU",
        "Lithuania",
        "Europe",
        "Northern Europe",
        "Persons convicted",
        "Total",
        "Total",
        "Total",
        "Total",
        "2019",
        "Counts",
        value,
        "GLOTIP",
    ]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ix.GLOTIP_COLUMNS)
        writer.writerow(row)
    return path


def test_import_glotip_public_then_anyone_exports_it(tmp_path: Path) -> None:
    out = run("import", str(glotip(tmp_path)), "--format", "glotip", "--public")
    assert "1 rows read, 1 figures written (public)" in out
    exported = list(csv.DictReader(io.StringIO(run("export", "--dataset", "glotip"))))
    assert [(r["country"], r["value"], r["value_text"], r["masked"]) for r in exported] == [
        ("LTU", "", "<5", "1")
    ]


def test_import_error_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"g.csv: line 2: 'txtVALUE': 'n/a' is not a count"):
        run("import", str(glotip(tmp_path, "n/a")), "--format", "glotip")
    assert not Value.objects.filter(origin="glotip").exists()


def test_private_figures_do_not_leave_without_the_coordinator(
    coordinator: User, stats_analyst: User, tmp_path: Path
) -> None:
    enter(coordinator, {"victims_detected": 8})
    assert run("export", "--country", "BWA").count("\n") == 1  # the header only
    assert run("export", "--country", "BWA", "--as", stats_analyst.username).count("\n") == 1
    mine = run("export", "--country", "BWA", "--as", coordinator.username, "--format", "sdmx-csv")
    assert "PALERMO:TIP_ANNUAL(1.0),BWA,VICTIMS_DETECTED" in mine
    target = tmp_path / "x.xlsx"
    assert "wrote" in run(
        "export",
        "--country",
        "BWA",
        "--as",
        coordinator.username,
        "--format",
        "xlsx",
        "-o",
        str(target),
    )
    assert target.stat().st_size > 0


def test_validate_stored_figures_and_a_file_without_saving_it(
    coordinator: User, tmp_path: Path
) -> None:
    enter(coordinator, {"victims_detected": 8, "victims_detected:sex=F": 9})
    with pytest.raises(CommandError, match="validation failed: 1 error"):
        run(
            "validate",
            "--dataset",
            "tip-annual",
            "--country",
            "BWA",
            "--period",
            "2023",
            "--as",
            coordinator.username,
        )
    path = tmp_path / "t.csv"
    path.write_text(
        "dataset,country,period,indicator,sex,value\n"
        "tip-annual,BWA,2024,persons_prosecuted,_T,2\n"
        "tip-annual,BWA,2024,persons_convicted,_T,3\n"
    )
    out = run("validate", str(path), "--as", coordinator.username)
    assert "persons_convicted" in out and "warning" in out
    assert "0 error(s), 1 warning(s) without a comment" in out
    assert not Value.objects.filter(period="2024").exists()  # validated, not saved


def test_publish_with_suppression_and_dp(coordinator: User, make_user: Callable[..., User]) -> None:
    enter(
        coordinator,
        {"victims_detected": 20, "victims_detected:sex=F": 17, "victims_detected:sex=M": 3},
    )
    s.values_submit(actor=coordinator, dataset="tip-annual", country="BWA", period="2023")
    validator = colleague(coordinator)
    s.values_validate(actor=validator, dataset="tip-annual", country="BWA", period="2023")
    out = run(
        "publish",
        "--dataset",
        "tip-annual",
        "--indicator",
        "victims_detected",
        "--period",
        "2023",
        "--dims",
        "sex",
        "--country",
        "BWA",
        "--as",
        coordinator.username,
    )
    assert "published victims_detected-by-sex-bwa-2023 version 1 (suppression: " in out
    assert "threshold=5" in out
    table = out.split("\n", 1)[1]
    assert " 3 " not in table and " 17 " not in table and "20" in table
    exported = run("export", "--publication", "victims_detected-by-sex-bwa-2023")
    assert "primary" in exported and "secondary" in exported
    out = run(
        "publish",
        "--dataset",
        "tip-annual",
        "--indicator",
        "victims_detected",
        "--period",
        "2023",
        "--dims",
        "sex",
        "--country",
        "BWA",
        "--dp",
        "--epsilon",
        "0.5",
        "--as",
        coordinator.username,
    )
    assert "(dp: " in out and "epsilon=0.5" in out
    assert Publication.objects.filter(method="dp").count() == 1
    with pytest.raises(CommandError, match="exceeds the privacy budget"):
        run(
            "publish",
            "--dataset",
            "tip-annual",
            "--indicator",
            "victims_detected",
            "--period",
            "2023",
            "--dims",
            "sex",
            "--country",
            "BWA",
            "--dp",
            "--epsilon",
            "2.6",
            "--as",
            coordinator.username,
        )
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        run(
            "derive",
            "--dataset",
            "tip-annual",
            "--country",
            "BWA",
            "--period",
            "2023",
            "--as",
            "ghost",
        )


def test_validate_accept_keeps_separation_of_duties(coordinator: User) -> None:
    """`stats validate --accept` marks submitted figures validated, never by their submitter."""
    enter(coordinator, {"victims_detected": 12, "persons_arrested": 3})
    s.values_submit(actor=coordinator, dataset="tip-annual", country="BWA", period="2023")
    scope = ["--dataset", "tip-annual", "--country", "BWA", "--period", "2023"]
    with pytest.raises(CommandError, match="so you cannot validate them"):
        run("validate", *scope, "--as", coordinator.username, "--accept")
    assert set(Value.objects.filter(country_id="BWA").values_list("status", flat=True)) == {
        "submitted"
    }
    out = run("validate", *scope, "--as", colleague(coordinator).username, "--accept")
    assert "2 figures validated" in out
    assert set(Value.objects.filter(country_id="BWA").values_list("status", flat=True)) == {
        "validated"
    }
