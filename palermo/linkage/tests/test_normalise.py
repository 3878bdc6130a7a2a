"""Names in several scripts and romanisations, and dates as registers write them (issue 16)."""

from __future__ import annotations

import pytest

from palermo.linkage import normalise as n


def skeletons(text: str) -> list[str]:
    return [n.skeleton(t) for t in n.latin_tokens(text)]


def test_cyrillic_is_romanised_as_bgn_and_ukrainian_as_ukrainian() -> None:
    assert n.latin_tokens("Мухаммед Иванович Петров") == ("mukhammed", "ivanovich", "petrov")
    assert n.latin_tokens("Олексій Шевченко")[1] == "shevchenko"
    # A first vowel is any vowel: Олексій, Oleksii, Aleksei.
    forms = ["Олексій", "Oleksii", "Oleksiy", "OLEKSIY", "Aleksei", "Алексей"]
    assert {tuple(skeletons(f)) for f in forms} == {("alks",)}


def test_the_same_name_in_arabic_script_and_romanisations_has_one_skeleton() -> None:
    forms = ["محمد", "Mohammed", "Muhammad", "MOHAMED", "Mukhammed"]
    assert {tuple(skeletons(f)) for f in forms} == {("md",)}
    assert {tuple(skeletons(f)) for f in ["حسين", "Hussein", "Husain", "Hosein"]} == {("hsn",)}
    assert {tuple(skeletons(f)) for f in ["إبراهيم", "Ibrahim", "Ebrahim", "IBRAHEEM"]} == {
        ("abrm",)
    }


def test_the_arabic_article_joined_to_a_name_is_left_out_as_the_latin_al_is() -> None:
    assert skeletons("الحسيني") == skeletons("Al-Husseini") == skeletons("Husseini")
    assert skeletons("رحمة المصري") == skeletons("Rahma AL-MASRI")


def test_thai_is_romanised_as_registers_write_it_and_its_titles_left_out() -> None:
    assert n.latin_tokens("ศิริพร บุญยืน") == ("siriphon", "bunyuen")
    assert n.latin_tokens("นายสมชาย ใจดี") == ("somchai", "chaidi")
    assert skeletons("สุดารัตน์") == skeletons("Sudarat")


def test_burmese_names_are_cut_into_syllables_in_the_conventional_romanisation() -> None:
    assert n.latin_tokens("စိုးဝင်း") == ("soe", "win")
    assert n.latin_tokens("မြင့်လွင်") == ("myint", "lwin")
    assert n.latin_tokens("ဦးအောင်ကျော်") == ("aung", "kyaw")
    assert n.latin_tokens("အိအိဖြူ") == ("ei", "ei", "phyu")
    assert n.latin_tokens("ထွန်းထက်") == ("htun", "htet")
    assert n.latin_tokens("သန့်ဇင်") == ("thant", "zin")
    assert n.latin_tokens("မန္တလေး") == ("man", "ta", "le")  # a stacked consonant closes "man"


def test_devanagari_drops_the_last_inherent_vowel_unless_after_a_cluster() -> None:
    assert n.latin_tokens("विकास ठाकुर") == ("vikas", "thakur")
    assert n.latin_tokens("आचार्य") == ("acarya",)
    assert skeletons("श्याम") == skeletons("Shyam")


def test_one_syllable_tokens_keep_a_vowel_in_their_skeleton() -> None:
    assert n.skeleton("moe") != n.skeleton("mya")
    assert n.skeleton("li") != n.skeleton("lu")
    assert n.skeleton("hsu") == n.skeleton("su")


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


def test_two_names_are_a_candidate_key_whole_and_with_the_other_ones_initial() -> None:
    from palermo.linkage.records import name_features  # noqa: PLC0415

    def keys(given: str, family: str) -> set[str]:
        tokens = name_features([given], [], [family])["skel_pairs"]
        return set(tokens)

    # Popescu, Popesku and Popecu differ in their skeletons; Daniela with a P joins them.
    assert keys("daniela", "popescu") & keys("daniela", "popecu")
    assert keys("daniela", "popesku") & keys("daniela", "popecu")
    assert not keys("daniela", "popescu") & keys("daniela", "ionescu")


def test_a_name_of_many_tokens_keeps_its_keys_within_an_encoded_records_list() -> None:
    from palermo.linkage.pprl import MAX_LIST  # noqa: PLC0415
    from palermo.linkage.records import name_features  # noqa: PLC0415

    given = ["a" + "bcdfghjklmnpqrstvwxz"[i] + "x" for i in range(20)]
    keys = name_features(given, [], ["okafor"])["skel_pairs"]
    assert 0 < len(keys) <= MAX_LIST
