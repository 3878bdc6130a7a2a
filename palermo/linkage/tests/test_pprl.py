"""Privacy-preserving encodings (issue 16): nothing identifying in them, a new secret per
exercise, and what a frequency attack on a node's own encodings recovers."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from django.core.management import call_command

from palermo.linkage import attack, pprl, records
from palermo.linkage.tests.test_files import febrl_rows, write

PERSONS = [
    {
        "rec_id": "a1",
        "given_name": "Amina",
        "family_name": "Diallo",
        "dob": "1994-03-12",
        "sex": "f",
        "citizenship": "SEN",
        "birth_place": "Dakar",
        "doc_no": "A1234567",
        "address": "12 rue Carnot Dakar",
    },
    {
        "rec_id": "a2",
        "given_name": "Amina",
        "family_name": "Diallo",
        "age_est": "30",
        "reg_date": "2024-06-01",
    },
    {"rec_id": "a3", "given_name": "Олег", "family_name": "Петренко", "dob": "1988"},
]


def _columns(rows: list[dict[str, str]]) -> dict[str, list[object]]:
    read = [records.Record("a.csv", r["rec_id"], r) for r in rows]
    return records.local_columns(read)


def _dice(a: str, b: str) -> float:
    x, y = set(a.split(",")), set(b.split(","))
    return 2 * len(x & y) / (len(x) + len(y))


def test_the_encodings_hold_no_identifying_value() -> None:
    exercise = pprl.Exercise.new()
    encoded = pprl.encode(_columns(PERSONS), exercise)
    plain = {v.casefold() for row in PERSONS for k, v in row.items() if k != "rec_id" and v} | {
        "amina",
        "diallo",
        "dakar",
        "oleg",
        "petrenko",
        "a1234567",
    }
    for column, values in encoded.items():
        if column == "source":
            continue
        for value in values:
            if value is None:
                continue
            text = str(value).casefold()
            # Names, places and documents (numbers alone could occur in a hash by chance).
            assert not any(p in text for p in plain if len(p) > 3 and not p.isdigit()), column
            if column in pprl.FILTER_KEYS:
                assert all(0 <= int(b) < exercise.bits for b in str(value).split(","))
            else:
                items = value if isinstance(value, list) else [value]
                assert all(isinstance(i, int) for i in items), column
    # Record identifiers do not travel.
    assert "rec_id" not in encoded
    # The year range of an estimated age, as keyed years: it overlaps the full date's year.
    assert set(encoded["d_years"][0]) <= set(encoded["d_years"][1])
    assert encoded["d_full"][1] is None
    assert encoded["d_full"][0] is not None
    assert encoded["d_y"][2] is not None


def test_equal_values_agree_within_an_exercise_and_nothing_agrees_across_two() -> None:
    columns = _columns(PERSONS)
    exercise = pprl.Exercise(b"s" * 32)
    first = pprl.encode(columns, pprl.Exercise.new())
    again = pprl.encode(columns, exercise)
    same = pprl.encode(columns, exercise)
    # One name, twice, under one secret: the same keyed hash, filters alike through the flips.
    assert same["name_key"][0] == again["name_key"][0] == again["name_key"][1]
    assert _dice(same["grams"][0], again["grams"][1]) >= 0.9
    # Another exercise: no hash in common, filters no more alike than two names are.
    hashes = {v for col in ("name_key", "doc", "d_y") for v in first[col] if v is not None}
    assert not hashes & {v for col in ("name_key", "doc", "d_y") for v in same[col] if v}
    assert _dice(first["grams"][0], same["grams"][0]) < 0.3
    # A common name travels without its key (its frequency is what an attack would align).
    many = [{"rec_id": str(i), "given_name": "Amina", "family_name": "Diallo"} for i in range(40)]
    crowd = pprl.encode(_columns(many), pprl.Exercise.new())
    assert crowd["name_key"] == [None] * 40
    assert crowd["name_count"] == [pprl.RARE_NAME + 1] * 40


def test_an_exercise_refuses_a_short_secret_and_odd_filters() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        pprl.Exercise(b"short")
    with pytest.raises(ValueError, match="power of two"):
        pprl.Exercise(b"s" * 32, bits=1000)


def test_deletions_pair_numbers_one_edit_apart() -> None:
    base = pprl.deletions("AB12345")
    for other in ("AB1245", "AB123456", "AB12354", "AB12346"):
        assert base & pprl.deletions(other), other
    assert not base & pprl.deletions("XY98765")


def test_a_frequency_attack_on_the_nodes_own_encodings() -> None:
    """FEBRL 4a (5,000 persons, names drawn from Australian frequency tables). The attacker
    knows how common every name is. Unhardened (no flips), the commonest given names are read
    off their filters; hardened, counting filters finds nothing; grouping alike filters
    recovers common given names again, never names that single out a person; whole names'
    keyed hashes give nothing away."""
    read = [records.Record("4a.csv", r["rec_id"], r) for r in febrl_rows("dataset4a.csv")]
    plain = dict(attack.report(read, pprl.Exercise(secrets.token_bytes(32), flip=0.0)))
    hardened = dict(attack.report(read, pprl.Exercise.new()))
    total = plain["given names, filters"].records
    assert total > 4500
    assert plain["given names, filters"].share >= 0.15
    assert hardened["given names, filters"].share <= 0.02
    grouped = hardened["given names, filters grouped"]
    assert grouped.share <= 0.4
    assert grouped.singled_out <= 0.005 * total
    assert hardened["whole names, keyed hashes"].share <= 0.02
    classes = hardened["whole names, frequency classes"]
    assert classes.records == total_names(read)
    assert classes.share <= 0.02
    assert classes.singled_out <= 0.002 * total


def total_names(read: list[records.Record]) -> int:
    return sum(1 for k in records.local_columns(read)["skel_key"] if k)


def test_frequency_classes_tell_rare_names_apart_not_common_ones() -> None:
    """Among 1,000 records: a name borne once, twice, four times, each its own class; those
    borne by 32 to 63 records one class (too common to travel with their key: counted to the
    power of two below); a class of its own from 64."""
    rare = [pprl.frequency_class(b, 1000) for b in (1, 2, 4, pprl.KEY_MAX_BEARERS)]
    assert rare == sorted(rare, reverse=True) and len(set(rare)) == 4
    assert {pprl.frequency_class(b, 1000) for b in range(32, 64)} == {10}
    assert pprl.frequency_class(64, 1000) == 8
    assert pprl.frequency_class(1000, 1000) == pprl.frequency_class(512, 1000) == 2
    assert pprl.frequency_class(1, 10**15) == pprl.MAX_CLASS


def test_the_attack_command_shows_what_it_recovers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "node.csv", febrl_rows("dataset1.csv")[:400])
    call_command("linkage", "attack", str(path))
    out = capsys.readouterr().out
    assert "400 records" in out
    assert "given names, Bloom filters grouped by likeness:" in out
    assert "names recovered" in out
