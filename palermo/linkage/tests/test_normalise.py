"""Names in several scripts and romanisations, and dates as registers write them (issue 16)."""

from __future__ import annotations

import pytest

from palermo.linkage import normalise as n


def skeletons(text: str) -> list[str]:
    return [n.skeleton(t) for t in n.latin_tokens(text)]


def test_cyrillic_is_romanised_as_bgn_and_ukrainian_as_ukrainian() -> None:
    assert n.latin_tokens("Мухаммед Иванович Петров") == ("mukhammed", "ivanovich", "petrov")
    assert n.latin_tokens("Олексій Шевченко")[1] == "shevchenko"
    assert {tuple(skeletons(f)) for f in ["Олексій", "Oleksii", "Oleksiy", "OLEKSIY"]} == {
        ("olks",)
    }


def test_the_same_name_in_arabic_script_and_romanisations_has_one_skeleton() -> None:
    forms = ["محمد", "Mohammed", "Muhammad", "MOHAMED", "Mukhammed"]
    assert {tuple(skeletons(f)) for f in forms} == {("md",)}
    assert {tuple(skeletons(f)) for f in ["حسين", "Hussein", "Husain", "Hosein"]} == {("hsn",)}


def test_chinese_family_name_first_and_given_name_joined_as_pinyin_writes_it() -> None:
    assert n.latin_tokens("张小明") == ("zhang", "xiaoming")
    joined = n.bigrams(n.latin_tokens("Xiaoming Zhang"))
    spaced = n.bigrams(n.latin_tokens("Zhang Xiao Ming"))
    assert n.dice(joined, spaced) >= 0.8


def test_honorifics_particles_and_initials_are_left_out() -> None:
    assert n.latin_tokens("Dr. Amina J. Okafor") == ("amina", "okafor")
    assert n.latin_tokens("Abd al-Rahman bin Khalid") == ("abd", "rahman", "khalid")
    assert n.latin_tokens("Д-р Петров") == ("petrov",)
    # A Burmese honorific in Burmese script goes; "Ma" in Latin may be a family name and stays.
    assert n.latin_tokens("ဦးအောင်") == n.latin_tokens("အောင်")
    assert n.latin_tokens("Ma Lin") == ("ma", "lin")


def test_bigrams_do_not_depend_on_the_order_of_the_tokens() -> None:
    assert n.bigrams(("okafor", "amina")) == n.bigrams(("amina", "okafor"))
    assert n.dice(n.bigrams(("okafor",)), n.bigrams(("okafor",))) == 1.0
    assert n.dice([], []) == 0.0


@pytest.mark.parametrize(
    ("dob", "age", "reg", "expected"),
    [
        ("1990-05-04", "", "", n.Birth(1990, 1990, 5, 4)),
        ("19900504", "", "", n.Birth(1990, 1990, 5, 4)),
        ("1990-05", "", "", n.Birth(1990, 1990, 5, None)),
        ("1990", "", "", n.Birth(1990, 1990, None, None)),
        ("1990-01-01", "", "", n.Birth(1990, 1990, None, None)),  # the register's placeholder
        ("", "25", "2020-06-01", n.Birth(1995 - 1 - n.AGE_TOLERANCE, 1995 + n.AGE_TOLERANCE)),
        ("", "", "", n.Birth()),
    ],
)
def test_births_as_ranges(dob: str, age: str, reg: str, expected: n.Birth) -> None:
    assert n.birth(dob, age, reg) == expected


@pytest.mark.parametrize(
    ("dob", "age", "reg", "message"),
    [
        ("04/05/1990", "", "", "not a date as YYYY, YYYY-MM or YYYY-MM-DD"),
        ("1990-02-30", "", "", "not a valid calendar date"),
        ("", "twenty", "2020-01-01", "not a number of years"),
        ("", "130", "2020-01-01", "not between 0 and 120"),
        ("", "25", "", "needs the registration date"),
    ],
)
def test_unreadable_births_say_why_without_the_value(
    dob: str, age: str, reg: str, message: str
) -> None:
    with pytest.raises(n.DateError) as caught:
        n.birth(dob, age, reg)
    assert message in str(caught.value)
    for value in (dob, age):
        if value:
            assert value not in str(caught.value)


def test_document_numbers_lose_spaces_dashes_and_case() -> None:
    assert n.document_number("ab 12-34 56") == "AB123456"
