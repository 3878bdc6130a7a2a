"""Lists of States in UN editorial style: the country lists of E/CN.15/2005/7 written again from
their States' codes, word for word, and the rules behind them in the six languages."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from palermo.core.errors import ApplicationError
from palermo.monitoring.countrylists import (
    LANGUAGES,
    country_list,
    known_codes,
    name_source,
    state_name,
)
from palermo.settings.env import BASE_DIR

SEED = BASE_DIR.parent / "shared" / "seeds" / "003_d14f16574e34a7cb.txt"
REPORT_DATE = dt.date(2005, 3, 29)  # E/CN.15/2005/7, Distr.: General 29 March 2005

# The States that replied to the 2005 survey (its paragraph 3), as the report names them in a list.
CODES = {
    "Algeria": "DZA",
    "Australia": "AUS",
    "Austria": "AUT",
    "Azerbaijan": "AZE",
    "Belarus": "BLR",
    "Belgium": "BEL",
    "Bosnia and Herzegovina": "BIH",
    "Croatia": "HRV",
    "Cuba": "CUB",
    "Denmark": "DNK",
    "Egypt": "EGY",
    "Finland": "FIN",
    "Germany": "DEU",
    "Japan": "JPN",
    "Latvia": "LVA",
    "Lebanon": "LBN",
    "Lithuania": "LTU",
    "Mauritius": "MUS",
    "Mexico": "MEX",
    "Morocco": "MAR",
    "Nigeria": "NGA",
    "Oman": "OMN",
    "Pakistan": "PAK",
    "Philippines": "PHL",
    "the Philippines": "PHL",
    "Republic of Korea": "KOR",
    "the Republic of Korea": "KOR",
    "Serbia and Montenegro": "SCG",
    "Slovakia": "SVK",
    "Slovenia": "SVN",
    "Spain": "ESP",
    "Sweden": "SWE",
    "Switzerland": "CHE",
    "Syrian Arab Republic": "SYR",
    "the Syrian Arab Republic": "SYR",
    "Thailand": "THA",
    "Turkey": "TUR",
    "Ukraine": "UKR",
    "Uzbekistan": "UZB",
    "Venezuela": "VEN",
}

# Every list of States in the report: paragraph 3 is introduced by a colon, the others run in
# sentences and notes.
LISTS = [
    (
        "list",
        "Algeria, Australia, Austria, Azerbaijan, Belarus, Belgium, Bosnia and Herzegovina, "
        "Croatia, Cuba, Denmark, Egypt, Finland, Germany, Japan, Latvia, Lebanon, Lithuania, "
        "Mauritius, Mexico, Morocco, Nigeria, Oman, Pakistan, Philippines, Republic of Korea, "
        "Serbia and Montenegro, Slovakia, Slovenia, Spain, Sweden, Switzerland, Syrian Arab "
        "Republic, Thailand, Turkey, Ukraine, Uzbekistan and Venezuela",
    ),
    (
        "running",
        "Algeria, Azerbaijan, Belarus, Belgium, Bosnia and Herzegovina, Croatia, Denmark, Egypt, "
        "Latvia, Lithuania, Mauritius, Mexico, Nigeria, the Philippines, Serbia and Montenegro, "
        "Slovakia, Slovenia, Spain, Sweden, Turkey, Ukraine and Venezuela",
    ),
    ("running", "Australia, Finland, Germany and the Syrian Arab Republic"),
    (
        "running",
        "Australia, Austria, Cuba, Finland, Germany, Morocco, Pakistan, the Republic of Korea, "
        "Switzerland and Uzbekistan",
    ),
    ("running", "Australia, Austria, Finland and Germany"),
    (
        "running",
        "Algeria, Finland, Latvia, Lithuania, the Philippines, Spain, Sweden, Turkey and Ukraine",
    ),
    (
        "running",
        "Australia, Azerbaijan, Bosnia and Herzegovina, Croatia, Denmark, Finland, Lebanon, "
        "Lithuania, Mauritius, the Philippines, Slovakia, Slovenia, Sweden, Thailand, Turkey and "
        "Venezuela",
    ),
    (
        "running",
        "Australia, Azerbaijan, Bosnia and Herzegovina, Croatia, Denmark, Finland, Latvia, "
        "Lithuania, the Philippines, Serbia and Montenegro, Slovenia, Sweden, Thailand and Turkey",
    ),
    ("running", "Cuba and Mauritius"),
    (
        "running",
        "Belgium, Bosnia and Herzegovina, Croatia, Denmark, Germany, Latvia and Slovakia",
    ),
    (
        "running",
        "Australia, Austria, Belgium, Croatia, Denmark, Germany, Serbia and Montenegro, Slovakia "
        "and Sweden",
    ),
    ("running", "Australia, Denmark, Germany, the Republic of Korea, Turkey and Ukraine"),
    (
        "running",
        "Australia, Austria, Azerbaijan, Croatia, Germany, Lithuania, the Philippines, the "
        "Republic of Korea, Slovakia, Slovenia, Sweden, Turkey and Venezuela",
    ),
    (
        "running",
        "Austria, Azerbaijan, Belgium, Bosnia and Herzegovina, Germany, the Philippines, the "
        "Republic of Korea, Serbia and Montenegro, Switzerland and Venezuela",
    ),
    ("running", "Australia, Belgium and Croatia"),
    ("running", "Austria, Belgium and Germany"),
]


def _codes(text: str) -> list[str]:
    """The codes of a list's States, last first (the order the list is given in is not kept)."""
    head, _and, last = text.rpartition(" and ")
    names = [*head.split(", "), last]
    # "Bosnia and Herzegovina" and "Serbia and Montenegro" hold an "and" of their own.
    joined: list[str] = []
    for name in names:
        if joined and "{} and {}".format(joined[-1], name) in CODES:
            joined[-1] = "{} and {}".format(joined[-1], name)
        elif name not in CODES and " and " in name:
            joined += name.split(" and ", 1)
        else:
            joined.append(name)
    return [CODES[name] for name in reversed(joined)]


@pytest.mark.parametrize(("context", "expected"), LISTS)
def test_the_report_s_lists_of_states_are_written_again_word_for_word(
    context: str, expected: str
) -> None:
    assert country_list(_codes(expected), as_of=REPORT_DATE, context=context) == expected  # type: ignore[arg-type]  # the two contexts


def test_the_expected_lists_are_the_report_s_own() -> None:
    if not SEED.exists():
        pytest.skip("the seed document is not at {}".format(SEED))
    text = " ".join(SEED.read_text(encoding="utf-8").split())
    for _context, expected in LISTS:
        assert expected in text


def test_a_footnote_with_remarks_after_some_states() -> None:
    notes = {
        "AZE": "reform of the Criminal Code was under way",
        "BLR": "working on the drafting of a decree on some measures to counteract "
        "trafficking in persons",
        "BEL": "legislation under way",
    }
    assert country_list(["MEX", "BEL", "BLR", "AZE", "DZA"], as_of=REPORT_DATE, notes=notes) == (
        "Algeria, Azerbaijan (reform of the Criminal Code was under way), Belarus (working on "
        "the drafting of a decree on some measures to counteract trafficking in persons), "
        "Belgium (legislation under way) and Mexico"
    )
    with pytest.raises(ApplicationError, match="Notes for States not in the list: FRA"):
        country_list(["DZA"], notes={"FRA": "x"})


def test_names_change_on_the_day_the_un_changed_them() -> None:
    def one(code: str, day: str) -> str:
        return country_list([code], as_of=dt.date.fromisoformat(day))

    assert one("TUR", "2022-05-31") == "Turkey"
    assert one("TUR", "2022-06-01") == "Türkiye"
    assert one("SCG", "2006-06-02") == "Serbia and Montenegro"
    assert one("SRB", "2006-06-03") == "Serbia"
    assert one("YUG", "2003-02-03") == "Yugoslavia"
    assert one("CPV", "2013-10-23") == "Cape Verde"
    assert one("CPV", "2013-10-24") == "Cabo Verde"
    assert one("LBY", "2011-09-15") == "the Libyan Arab Jamahiriya"
    assert one("LBY", "2011-09-16") == "Libya"
    for code, day in [("SCG", "2006-06-03"), ("SRB", "2006-06-02"), ("YUG", "2003-02-04"),
                      ("MNE", "2006-06-27"), ("SCG", "2003-02-03")]:  # fmt: skip
        with pytest.raises(ApplicationError, match="{} named no State on {}".format(code, day)):
            one(code, day)


def test_a_provisional_name_sorts_under_its_capital_the_and_runs_in_lower_case() -> None:
    codes = ["TGO", "TLS", "MKD", "THA"]
    day = dt.date(2010, 1, 1)
    assert country_list(codes, as_of=day) == (
        "Thailand, the former Yugoslav Republic of Macedonia, Timor-Leste and Togo"
    )
    assert country_list(codes, as_of=day, context="list") == (
        "Thailand, The former Yugoslav Republic of Macedonia, Timor-Leste and Togo"
    )
    assert country_list(codes, as_of=dt.date(2020, 1, 1)) == (
        "North Macedonia, Thailand, Timor-Leste and Togo"
    )


def test_inverted_names_are_turned_in_running_text_and_sorted_by_their_first_word() -> None:
    codes = ["VNM", "VEN", "USA", "IRN", "IRQ", "IRL"]
    day = dt.date(2020, 1, 1)
    assert country_list(codes, as_of=day) == (
        "the Islamic Republic of Iran, Iraq, Ireland, the United States of America, the "
        "Bolivarian Republic of Venezuela and Viet Nam"
    )
    assert country_list(codes, as_of=day, context="list") == (
        "Iran (Islamic Republic of), Iraq, Ireland, United States of America, Venezuela "
        "(Bolivarian Republic of) and Viet Nam"
    )
    assert country_list(["VEN", "BOL"], as_of=day, language="fr") == (
        "l'État plurinational de Bolivie et la République bolivarienne du Venezuela"
    )


RESPONDENTS = ["DZA", "FIN", "LVA", "LTU", "PHL", "ESP", "SWE", "TUR", "UKR", "VEN", "KOR"]


@pytest.mark.parametrize(
    ("language", "context", "expected"),
    [
        (
            "fr",
            "running",
            "l'Algérie, l'Espagne, la Finlande, la Lettonie, la Lituanie, les Philippines, la "
            "République de Corée, la Suède, la Turquie, l'Ukraine et le Venezuela",
        ),
        (
            "fr",
            "list",
            "Algérie, Espagne, Finlande, Lettonie, Lituanie, Philippines, République de Corée, "
            "Suède, Turquie, Ukraine et Venezuela",
        ),
        (
            "es",
            "running",
            "Argelia, España, Filipinas, Finlandia, Letonia, Lituania, la República de Corea, "
            "Suecia, Turquía, Ucrania y Venezuela",
        ),
        (
            "ru",
            "running",
            "Алжир, Венесуэла, Испания, Латвия, Литва, Республика Корея, Турция, Украина, "
            "Филиппины, Финляндия и Швеция",
        ),
        (
            "zh-hans",
            "running",
            "阿尔及利亚、大韩民国、菲律宾、芬兰、拉脱维亚、立陶宛、瑞典、土耳其、委内瑞拉、乌克兰和西班牙",
        ),
        (
            "ar",
            "running",
            "إسبانيا، وأوكرانيا، وتركيا، والجزائر، وجمهورية كوريا، والسويد، والفلبين، وفنزويلا، "
            "وفنلندا، ولاتفيا، وليتوانيا",
        ),
    ],
)
def test_each_language_sorts_and_joins_its_own_way(
    language: str, context: str, expected: str
) -> None:
    got = country_list(RESPONDENTS, as_of=REPORT_DATE, language=language, context=context)  # type: ignore[arg-type]  # the two contexts
    assert got == expected


def test_short_lists_and_spanish_e_before_an_i_sound() -> None:
    assert country_list(["FRA", "IRL"], language="es") == "Francia e Irlanda"
    assert country_list(["FRA", "ITA"], language="es") == "Francia e Italia"
    assert country_list(["FRA", "DEU"], language="es") == "Alemania y Francia"
    assert country_list(["FRA", "DZA"], language="ar") == "الجزائر وفرنسا"
    assert country_list(["FRA", "DZA"], language="zh") == "阿尔及利亚和法国"
    assert country_list(["fra", "FRA", " fra "]) == "France"
    assert country_list([]) == ""


def test_wrong_codes_languages_and_contexts_are_refused_by_name() -> None:
    with pytest.raises(ApplicationError, match="Unknown State XYZ"):
        country_list(["FRA", "XYZ"])
    with pytest.raises(ApplicationError, match="Unknown State PRI"):  # a territory, not a State
        country_list(["PRI"])
    with pytest.raises(ApplicationError, match="Unknown language de"):
        country_list(["FRA"], language="de")
    with pytest.raises(ApplicationError, match="Unknown context prose"):
        country_list(["FRA"], context="prose")  # type: ignore[arg-type]  # a wrong one on purpose


def test_today_is_the_default_date(clock: time_machine.Traveller) -> None:
    clock.move_to(dt.datetime(2022, 5, 31, 12, tzinfo=dt.UTC))
    assert country_list(["TUR"]) == "Turkey"
    clock.move_to(dt.datetime(2022, 6, 2, 12, tzinfo=dt.UTC))
    assert country_list(["TUR"]) == "Türkiye"


def test_every_state_has_a_usable_name_in_every_language_today_and_in_2005() -> None:
    for day in (dt.date(2005, 3, 29), dt.date(2026, 1, 1)):
        for code in sorted(known_codes()):
            try:
                names = [state_name(code, as_of=day, language=lang) for lang in LANGUAGES]
            except ApplicationError as exc:
                assert exc.code == "no_state_then", code
                continue
            for name in names:
                running = name.in_context("running")
                listed = name.in_context("list")
                assert running and listed and name.sort_name, (code, name)
                assert "(" not in running, (code, name)  # articles placed, inverted names turned
                assert "*" not in name.short, (code, name)
                if "(" in listed and name.language in ("en", "fr", "es", "ar"):
                    assert listed.split(" (")[0] in name.formal, (code, name)


def test_a_name_keeps_its_source() -> None:
    assert "2022" in name_source("TUR", dt.date(2020, 1, 1))
    assert "UNTERM" in name_source("FRA", dt.date(2020, 1, 1))


def test_the_command_prints_the_list_on_one_line() -> None:
    out = io.StringIO()
    call_command(
        "monitoring", "country-list", "tur", "PHL", "DZA", "--as-of", "2005-03-29", stdout=out
    )
    assert out.getvalue() == "Algeria, the Philippines and Turkey\n"
    out = io.StringIO()
    call_command(
        "monitoring",
        "country-list",
        "PHL",
        "DZA",
        "--lang",
        "fr",
        "--context",
        "list",
        stdout=out,
    )
    assert out.getvalue() == "Algérie et Philippines\n"
    with pytest.raises(CommandError, match="Unknown State XX"):
        call_command("monitoring", "country-list", "XX")
    with pytest.raises(CommandError, match="as_of must be a date as YYYY-MM-DD, not '2005-13-01'"):
        call_command("monitoring", "country-list", "FRA", "--as-of", "2005-13-01")
    with pytest.raises(CommandError, match="SRB named no State on 2005-01-01"):
        call_command("monitoring", "country-list", "SRB", "--as-of", "2005-01-01")


def test_the_names_file_is_the_generator_s_output(tmp_path: Path) -> None:
    """scripts/gen_unterm_names.py writes what the app reads (when the source file is here)."""
    source = BASE_DIR.parent / "shared" / "data" / "country-codes" / "country-codes.csv"
    if not source.exists():
        pytest.skip("the country-codes file is not at {}".format(source))
    import runpy  # noqa: PLC0415 - the script, loaded only here

    script = runpy.run_path(str(BASE_DIR / "scripts" / "gen_unterm_names.py"))
    out = tmp_path / "names.csv"
    assert script["main"](source, out) == 0
    shipped = BASE_DIR / "palermo" / "monitoring" / "data" / "unterm_names.csv"
    assert out.read_bytes() == shipped.read_bytes()
