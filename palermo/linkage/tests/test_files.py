"""`palermo linkage files` (issue 16): CSV files linked without the case database."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from palermo.linkage.records import COLUMNS
from palermo.settings.env import BASE_DIR

FEBRL = BASE_DIR.parent / "shared" / "data" / "linkage" / "febrl"

# The same persons written by registers of two countries: native script in one, a romanisation
# in the other, names swapped, a patronymic dropped, a date as a year or an estimated age.
SCRIPTS = [
    (
        {
            "given_name": "Мухаммед",
            "family_name": "Петров",
            "middle_name": "Иванович",
            "dob": "1990-05-04",
            "sex": "m",
            "citizenship": "RUS",
        },
        {"given_name": "PETROV", "family_name": "Mukhammed", "dob": "1990-04-05", "sex": "m"},
    ),
    (
        {"given_name": "محمد", "family_name": "حسين", "dob": "1985-03-02", "citizenship": "SYR"},
        {
            "given_name": "Mohamed",
            "family_name": "Hussein",
            "dob": "1985-03-02",
            "citizenship": "SYR",
        },
    ),
    (
        {"given_name": "小明", "family_name": "张", "dob": "2001-07-19", "sex": "m"},
        {
            "given_name": "Xiao Ming",
            "family_name": "Zhang",
            "age_est": "20",
            "reg_date": "2021-11-02",
            "sex": "m",
        },
    ),
    (
        {
            "given_name": "Олександр",
            "family_name": "Шевченко",
            "dob": "1979-12-01",
            "birth_place": "Київ",
        },
        {
            "given_name": "Oleksandr",
            "family_name": "Shevchenko",
            "dob": "1979-12-01",
            "birth_place": "Kyiv",
            "doc_no": "FA 123456",
        },
    ),
]


def _valid(text: str) -> bool:
    try:
        dt.datetime.strptime(text, "%Y%m%d")  # noqa: DTZ007 - a date, no time
    except ValueError:
        return False
    return True


def febrl_rows(name: str) -> list[dict[str, str]]:
    path = FEBRL / name
    if not path.exists():
        pytest.skip("the FEBRL data sets are not at {} (../shared/data)".format(FEBRL))
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, skipinitialspace=True))
    out = []
    for r in rows:
        dob = r["date_of_birth"].strip()
        out.append(
            {
                "rec_id": r["rec_id"].strip(),
                "given_name": r["given_name"],
                "family_name": r["surname"],
                # FEBRL's dates are sometimes invalid: left empty here, as a register would.
                "dob": dob if _valid(dob) else "",
                "doc_no": r["soc_sec_id"],
            }
        )
    return out


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_clusters(path: Path) -> dict[tuple[str, str], str]:
    with path.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == ["rec_id", "cluster_id", "file"]
        return {(r["file"], r["rec_id"]): r["cluster_id"] for r in reader}


# The same linkage in the clear and through the privacy-preserving encodings (--pprl).
MODES = pytest.mark.parametrize("mode", [[], ["--pprl"]], ids=["clear", "pprl"])


@MODES
def test_febrl_duplicates_and_names_across_scripts_are_linked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mode: list[str]
) -> None:
    febrl = febrl_rows("dataset1.csv")  # 500 persons, each twice in the one file
    a_rows = febrl[:700]
    b_rows = febrl[700:]
    for i, (native, roman) in enumerate(SCRIPTS):
        a_rows.append({"rec_id": "script-{}".format(i), **native})
        b_rows.append({"rec_id": "script-{}".format(i), **roman})
    a, b = write(tmp_path / "origin.csv", a_rows), write(tmp_path / "destination.csv", b_rows)
    out = tmp_path / "clusters.csv"
    call_command("linkage", "files", str(a), str(b), "--out", str(out), *mode)
    assert "1008 records" in capsys.readouterr().out
    clusters = read_clusters(out)
    assert len(clusters) == len(a_rows) + len(b_rows)
    for i in range(len(SCRIPTS)):
        key = "script-{}".format(i)
        assert clusters[("origin.csv", key)] == clusters[("destination.csv", key)], key
    # FEBRL: pairwise precision and recall of the duplicates (rec-N-org and rec-N-dup-0).
    persons: dict[str, set[str]] = defaultdict(set)
    for (_file, rec_id), cluster_id in clusters.items():
        if rec_id.startswith("rec-"):
            persons[rec_id.split("-")[1]].add(cluster_id)
    found = sum(1 for c in persons.values() if len(c) == 1)
    assert found >= 0.97 * len(persons)
    members: dict[str, int] = defaultdict(int)
    for cluster_id in clusters.values():
        members[cluster_id] += 1
    big = [k for k, v in clusters.items() if members[v] > 2]
    assert max(members.values()) == 2, big  # no chaining into big clusters


def test_a_file_that_cannot_be_linked_is_named_with_its_line_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    good = write(tmp_path / "good.csv", [{"rec_id": "1", "given_name": "Amina"}])
    out = tmp_path / "out.csv"
    cases = [
        ("rec_id,given_nam\n1,Amina\n", "unknown columns given_nam"),
        ("given_name\nAmina\n", "has no rec_id column"),
        ("rec_id,given_name\n1,Amina\n1,Joy\n", "line 3: rec_id given twice"),
        ("rec_id,dob\n1,1990\n2,04/05/1990\n", "bad.csv 2, dob: not a date"),
        ("rec_id,citizenship\n1,XXX\n", "citizenship: not an ISO 3166-1 alpha-3"),
        ("rec_id,sex\n1,maybe\n", "sex: not one of"),
    ]
    for text, message in cases:
        bad = tmp_path / "bad.csv"
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(CommandError) as caught:
            call_command("linkage", "files", str(good), str(bad), "--out", str(out))
        assert message in str(caught.value)
        assert "04/05/1990" not in str(caught.value)
        assert not out.exists()
    with pytest.raises(CommandError, match="cannot be read"):
        call_command("linkage", "files", str(tmp_path / "missing.csv"), "--out", str(out))
    (tmp_path / "latin1.csv").write_bytes("rec_id,given_name\n1,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("linkage", "files", str(tmp_path / "latin1.csv"), "--out", str(out))
    with pytest.raises(CommandError, match="needs at least two files"):
        call_command("linkage", "files", str(good), "--out", str(out), "--link-only")


def test_one_record_is_its_own_cluster(tmp_path: Path) -> None:
    one = write(tmp_path / "one.csv", [{"rec_id": "x", "given_name": "Amina"}])
    out = tmp_path / "out.csv"
    call_command("linkage", "files", str(one), "--out", str(out))
    assert read_clusters(out) == {("one.csv", "x"): "c1"}


@MODES
def test_two_files_linked_only_across_them(tmp_path: Path, mode: list[str]) -> None:
    """--link-only: FEBRL 4a and 4b (one record per person in each file), 300 persons."""
    a_rows = febrl_rows("dataset4a.csv")
    b_rows = febrl_rows("dataset4b.csv")
    keep = {r["rec_id"].split("-")[1] for r in a_rows[:300]}
    a = write(tmp_path / "4a.csv", [r for r in a_rows if r["rec_id"].split("-")[1] in keep])
    b = write(tmp_path / "4b.csv", [r for r in b_rows if r["rec_id"].split("-")[1] in keep])
    out = tmp_path / "out.csv"
    call_command("linkage", "files", str(a), str(b), "--out", str(out), "--link-only", *mode)
    clusters = read_clusters(out)
    together = 0
    for person in keep:
        org = clusters[("4a.csv", "rec-{}-org".format(person))]
        dup = clusters[("4b.csv", "rec-{}-dup-0".format(person))]
        together += org == dup
    assert together >= 0.97 * len(keep)
    members: dict[str, int] = defaultdict(int)
    for cluster_id in clusters.values():
        members[cluster_id] += 1
    assert max(members.values()) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rec_id,given_name\n1,Amina,extra\n", "line 2: more values than columns"),
        ("rec_id,given_name\n1,{}\n".format("a" * 501), "given_name: longer than 500"),
        ("rec_id,given_name\n,Amina\n", "line 2: rec_id is empty"),
        ('rec_id,given_name\n1,"Amina\n', "not CSV"),
        ("rec_id,age_est\n1,25\n", "needs the registration date"),
        ("rec_id,given_name\n1,Amina\n2,Amina\n3,Joy\n", "Too few pairs of these records"),
    ],
)
def test_more_refusals_name_their_line(tmp_path: Path, text: str, message: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("linkage", "files", str(bad), "--out", str(tmp_path / "out.csv"))
    assert message in str(caught.value)
