"""A seeded generator of person records as they reach anti-trafficking registers (issue 16).

Persons of nine language groups (Russian, Ukrainian, Arabic, Thai, Burmese, Hindi/Nepali,
Chinese, Nigerian, Romanian; names in `linknames`) are registered one to five times, in three
sources (A: police of a country of origin, B: a shelter of a country of destination, C: an NGO),
duplicates within a source included. Each record writes the person as a register would:

- the name in its native script or in one of several romanisations, given and family names
  swapped, a patronymic kept or dropped, an honorific in front, a typo, an alias;
- the date of birth in full, as a year, as 1 January, with day and month swapped, a year off,
  as an estimated age at the registration date, or not at all;
- sex or citizenship missing, or another citizenship claimed; the place of birth in another
  script or spelling; a document number sometimes, with a typo sometimes.

Hard negatives: siblings (same family name, parents, place and citizenship, born a few years
apart) and, since names are drawn with a Zipf-like skew, different persons with the same common
name. Run `python bench/linkgen.py OUT_DIR --records N [--seed S]` to write A.csv, B.csv, C.csv
and truth.csv (rec_id,file,person).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from linknames import GROUPS, Name  # noqa: E402

from palermo.linkage.records import COLUMNS  # noqa: E402 - the files' columns, as Palermo reads them

GROUP_WEIGHTS = {
    "ru": 0.14,
    "uk": 0.10,
    "ar": 0.16,
    "th": 0.10,
    "my": 0.10,
    "hi": 0.10,
    "zh": 0.10,
    "ng": 0.10,
    "ro": 0.10,
}
SOURCES = ("A", "B", "C")
# How often each source writes a name in its native script.
NATIVE = {"A": 0.55, "B": 0.1, "C": 0.3}
HONORIFICS = {
    "ar": ("Haji", "Sheikh", "Mr"),
    "hi": ("Shri", "Smt", "Mr"),
    "ng": ("Mr", "Mrs", "Chief"),
    "ru": ("Mr", "Ms"),
}
LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass
class Person:
    key: int
    group: str
    sex: str
    given: Name
    family: Name | None  # in its masculine form (Russian and Ukrainian)
    father: Name | None
    born: dt.date
    citizenship: str
    place: Name
    document: str


# How skewed the choice of a name is (weights 1/rank^s): the first given name of a list of 35 is
# then borne by about one person in ten of that language and sex, the first family name of 45
# by one in eighteen (the most common surnames of Russia, India or Nigeria are borne by a few
# per cent of their people; Wang by 7% of China's), the first town of a dozen by one in three.
GIVEN_SKEW = 0.5
FAMILY_SKEW = 0.3
PLACE_SKEW = 0.9


def _zipf_pick(rng: np.random.Generator, items: tuple[Name, ...], skew: float) -> Name:
    ranks = np.arange(1, len(items) + 1)
    weights = 1.0 / ranks**skew
    return items[int(rng.choice(len(items), p=weights / weights.sum()))]


def _typo(rng: np.random.Generator, text: str) -> str:
    if len(text) < 3:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(4))
    if kind == 0:
        return text[:i] + LETTERS[int(rng.integers(26))] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + LETTERS[int(rng.integers(26))] + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]


def _feminine(group: str, family: Name) -> Name:
    """Russian and Ukrainian family names in -ов, -ев, -ин take -а for a woman."""
    native, romans = family
    if group in ("ru", "uk") and native.endswith(("ов", "ев", "ин", "ёв")):
        return native + "а", tuple(r + "a" for r in romans)
    return family


def _patronymic(group: str, father: Name, sex: str) -> Name:
    native, romans = father
    if native.endswith(("й", "ь")):
        stem, roman_stems = native[:-1], [r.rstrip("iy") for r in romans]
        suffix, latin = ("евич", "evich") if sex == "m" else ("евна", "evna")
    elif native.endswith(("а", "я")):
        stem, roman_stems = native[:-1], [r[:-1] for r in romans]
        suffix, latin = ("ич", "ich") if sex == "m" else ("ична", "ichna")
    else:
        stem, roman_stems = native, list(romans)
        suffix, latin = ("ович", "ovich") if sex == "m" else ("овна", "ovna")
    variants = tuple(dict.fromkeys(s + latin for s in roman_stems))
    return stem + suffix, variants


def make_persons(rng: np.random.Generator, count: int) -> list[Person]:
    groups = list(GROUP_WEIGHTS)
    weights = np.array([GROUP_WEIGHTS[g] for g in groups])
    persons: list[Person] = []
    for key in range(count):
        sibling = persons[int(rng.integers(len(persons)))] if persons else None
        sex = "m" if rng.random() < 0.5 else "f"
        if sibling is not None and rng.random() < 0.15:
            # A sibling: same family, father, place and citizenship, born a few years apart.
            group = sibling.group
            g = GROUPS[group]
            given = _zipf_pick(rng, g["male"] if sex == "m" else g["female"], GIVEN_SKEW)
            born = sibling.born + dt.timedelta(days=int(rng.integers(300, 6 * 365)))
            persons.append(
                Person(
                    key,
                    group,
                    sex,
                    given,
                    sibling.family,
                    sibling.father,
                    born,
                    sibling.citizenship,
                    sibling.place,
                    _document(rng),
                )
            )
            continue
        group = groups[int(rng.choice(len(groups), p=weights / weights.sum()))]
        g = GROUPS[group]
        given = _zipf_pick(rng, g["male"] if sex == "m" else g["female"], GIVEN_SKEW)
        family = _zipf_pick(rng, g["family"], FAMILY_SKEW) if group != "my" else None
        father = _zipf_pick(rng, g["male"], GIVEN_SKEW) if group in ("ru", "uk") else None
        born = dt.date(1965, 1, 1) + dt.timedelta(days=int(rng.integers(0, 45 * 365)))
        citizenship = g["citizenship"][int(rng.integers(len(g["citizenship"])))]
        place = _zipf_pick(rng, g["places"], PLACE_SKEW)
        persons.append(
            Person(key, group, sex, given, family, father, born, citizenship, place, _document(rng))
        )
    return persons


def _document(rng: np.random.Generator) -> str:
    letters = "".join(LETTERS[int(i)] for i in rng.integers(0, 26, 2)).upper()
    return letters + "".join(str(int(d)) for d in rng.integers(0, 10, 7))


def _render(rng: np.random.Generator, name: Name, native: bool) -> str:
    text, romans = name
    if native or not romans:
        return text
    # The first romanisation is the most usual one.
    weights = np.array([2.0] + [1.0] * (len(romans) - 1))
    roman = romans[int(rng.choice(len(romans), p=weights / weights.sum()))]
    if rng.random() < 0.08:
        roman = _typo(rng, roman)
    if rng.random() < 0.3:
        roman = roman.upper()
    return roman


def _birth(  # noqa: PLR0911 - one return per way of writing a birth
    rng: np.random.Generator, born: dt.date, registered: dt.date
) -> tuple[str, str]:
    """(dob, age_est) as a register writes them."""
    r = rng.random()
    if r < 0.45:
        return born.isoformat(), ""
    if r < 0.53:
        return str(born.year), ""
    if r < 0.61:
        return "{}-01-01".format(born.year), ""
    if r < 0.66 and born.day <= 12:
        return "{}-{:02d}-{:02d}".format(born.year, born.day, born.month), ""
    if r < 0.70:
        shift = 1 if rng.random() < 0.5 else -1
        try:
            return born.replace(year=born.year + shift).isoformat(), ""
        except ValueError:
            return born.isoformat(), ""
    if r < 0.90:
        age = (registered - born).days // 365
        if rng.random() < 0.5:
            age += int(rng.integers(-2, 3))
        return "", str(max(age, 0))
    return "", ""


def make_records(
    rng: np.random.Generator, persons: list[Person]
) -> dict[str, list[dict[str, str]]]:
    files: dict[str, list[dict[str, str]]] = {s: [] for s in SOURCES}
    counter = 0
    for person in persons:
        copies = 1 + min(int(rng.geometric(0.55)) - 1, 4)
        for _copy in range(copies):
            counter += 1
            source = SOURCES[int(rng.integers(len(SOURCES)))]
            native = rng.random() < NATIVE[source]
            start = max(person.born + dt.timedelta(days=16 * 365), dt.date(2012, 1, 1))
            registered = start + dt.timedelta(days=int(rng.integers(0, 8 * 365)))
            given = _render(rng, person.given, native)
            family = ""
            if person.family is not None:  # the masculine form, as the lists hold it
                base = (
                    _feminine(person.group, person.family) if person.sex == "f" else person.family
                )
                family = _render(rng, base, native)
            middle = ""
            if person.father is not None and rng.random() < 0.5:
                middle = _render(rng, _patronymic(person.group, person.father, person.sex), native)
            if rng.random() < 0.1:
                given, family = family, given
            if person.group in HONORIFICS and rng.random() < 0.05 and not native:
                options = HONORIFICS[person.group]
                given = options[int(rng.integers(len(options)))] + " " + given
            alias = ""
            if rng.random() < 0.1:
                g = GROUPS[person.group]
                other = _zipf_pick(rng, g["male"] if person.sex == "m" else g["female"], GIVEN_SKEW)
                alias = _render(rng, other, False)
            dob, age = _birth(rng, person.born, registered)
            citizenship = person.citizenship
            r = rng.random()
            if r < 0.15:
                citizenship = ""
            elif r < 0.2:
                g = GROUPS[person.group]
                citizenship = g["citizenship"][int(rng.integers(len(g["citizenship"])))]
            files[source].append(
                {
                    "rec_id": "{}{:07d}".format(source, counter),
                    "reg_date": registered.isoformat(),
                    "given_name": given,
                    "middle_name": middle,
                    "family_name": family,
                    "alias": alias,
                    "sex": "" if rng.random() < 0.1 else person.sex,
                    "dob": dob,
                    "age_est": age,
                    "citizenship": citizenship,
                    "birth_place": _render(rng, person.place, native) if rng.random() < 0.5 else "",
                    "doc_no": (
                        (_typo(rng, person.document) if rng.random() < 0.05 else person.document)
                        if rng.random() < 0.3
                        else ""
                    ),
                    "_person": str(person.key),
                }
            )
    return files


def write(out: Path, records: int, seed: int, *, at_least: bool = False) -> list[Path]:
    """Write A.csv, B.csv, C.csv and truth.csv of about `records` records (`at_least`: of the
    first persons whose records reach `records`, a few more at most); the record files."""
    rng = np.random.default_rng(seed)
    persons = make_persons(rng, max(1, int(records / (1.6 if at_least else 1.8))))
    files = make_records(rng, persons)
    if at_least:
        files = _first_persons(files, persons, records)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    with (out / "truth.csv").open("w", newline="", encoding="utf-8") as t:
        truth = csv.writer(t)
        truth.writerow(("rec_id", "file", "person"))
        for source, rows in files.items():
            path = out / "{}.csv".format(source)
            paths.append(path)
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
                writer.writeheader()
                for row in rows:
                    writer.writerow(row)
                    truth.writerow((row["rec_id"], path.name, row["_person"]))
    return paths


def _first_persons(
    files: dict[str, list[dict[str, str]]], persons: list[Person], records: int
) -> dict[str, list[dict[str, str]]]:
    """The records of the first persons (in the order they were made) whose records number
    `records` or a few more: all of a person's records or none."""
    counts = Counter(row["_person"] for rows in files.values() for row in rows)
    kept: set[str] = set()
    total = 0
    for person in persons:
        if total >= records:
            break
        kept.add(str(person.key))
        total += counts[str(person.key)]
    if total < records:
        raise ValueError(
            "{} persons made {} records, fewer than {}".format(len(persons), total, records)
        )
    return {s: [row for row in rows if row["_person"] in kept] for s, rows in files.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    for path in write(args.out, args.records, args.seed):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
