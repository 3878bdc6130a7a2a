"""Lists of international organisations in UN editorial style: the lists of E/CN.15/2005/7
written again from the organisations' acronyms, in UN-system order, and the rules behind them in
the six languages."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
import time_machine

from palermo.core.errors import ApplicationError
from palermo.monitoring.countrylists import LANGUAGES
from palermo.monitoring.orglists import GROUPS, organisation, organisation_list, organisations
from palermo.settings.env import BASE_DIR

SEED = BASE_DIR.parent / "shared" / "seeds" / "003_d14f16574e34a7cb.txt"
REPORT_DATE = dt.date(2005, 3, 29)  # E/CN.15/2005/7, Distr.: General 29 March 2005
IOM_RELATED = dt.date(2016, 9, 19)  # the UN-IOM agreement, signed and in force

# Paragraph 4: the entities that replied within the CEB framework, in the report's order. The
# two Secretariat units have no acronym in the report: it names them in full.
PARAGRAPH_4 = [
    "DPKO", "DAW", "OHCHR", "UNODC", "UNCTAD", "UNDP", "UNIFEM", "UNHCR", "UNICEF", "UNFPA",
    "UNAIDS", "UNICRI", "ILO", "UNESCO", "ICAO", "WHO", "Interpol", "IOM",
]  # fmt: skip
PARAGRAPH_4_LIST = (
    "the Department of Peacekeeping Operations, the Division for the Advancement of Women, "
    "OHCHR, UNODC, UNCTAD, UNDP, UNIFEM, UNHCR, UNICEF, UNFPA, UNAIDS, UNICRI, ILO, UNESCO, "
    "ICAO, WHO, Interpol and IOM"
)
IN_FULL = {
    "the Department of Peacekeeping Operations": "dpko",
    "the Division for the Advancement of Women": "daw",
}

# The report's notes as they give their lists (not in UN-system order), and each list in it.
NOTES = {
    "21": (
        "OHCHR, the Division for the Advancement of Women, UNODC, the Department of Peacekeeping "
        "Operations, UNCTAD, UNESCO, UNICRI, UNHCR, UNIFEM, UNFPA, UNAIDS, UNDP, ILO, UNICEF, "
        "WHO, IOM, ICAO and Interpol",
        PARAGRAPH_4_LIST,
    ),
    "24": (
        "UNODC, UNESCO, Interpol, UNAIDS, IOM, UNICRI, ILO, UNIFEM, UNICEF, UNHCR, OHCHR and UNDP",
        "OHCHR, UNODC, UNDP, UNIFEM, UNHCR, UNICEF, UNAIDS, UNICRI, ILO, UNESCO, Interpol and IOM",
    ),
    "25": (
        "UNODC, UNAIDS, IOM, UNICRI, ILO, UNFPA, UNIFEM, UNICEF, UNHCR and UNDP",
        "UNODC, UNDP, UNIFEM, UNHCR, UNICEF, UNFPA, UNAIDS, UNICRI, ILO and IOM",
    ),
    "26": (
        "UNODC, UNESCO, Interpol, UNAIDS, IOM, WHO, UNICRI, ILO, the Department of Peacekeeping "
        "Operations, UNFPA, UNIFEM, UNICEF, UNHCR and UNDP",
        "the Department of Peacekeeping Operations, UNODC, UNDP, UNIFEM, UNHCR, UNICEF, UNFPA, "
        "UNAIDS, UNICRI, ILO, UNESCO, WHO, Interpol and IOM",
    ),
    "27": ("UNHCR and UNIFEM", "UNIFEM and UNHCR"),
    "28": (
        "UNODC, ILO, UNICRI, IOM, UNAIDS, UNESCO and UNHCR",
        "UNODC, UNHCR, UNAIDS, UNICRI, ILO, UNESCO and IOM",
    ),
    "29": (
        "UNAIDS, IOM, UNICRI, ILO, OHCHR and UNDP",
        "OHCHR, UNDP, UNAIDS, UNICRI, ILO and IOM",
    ),
}


def _given(note_list: str) -> list[str]:
    """The keys or acronyms of a list as the report writes it."""
    items = re.split(r", | and ", note_list)
    return [IN_FULL.get(item, item) for item in items]


def _paragraph(text: str, number: int) -> str:
    found = re.search(r"\b{}\. (.*?) {}\. ".format(number, number + 1), text)
    assert found is not None
    return found.group(1)


def test_paragraph_4_given_shuffled_comes_back_in_its_order() -> None:
    shuffled = PARAGRAPH_4[:]
    random.Random(15).shuffle(shuffled)  # noqa: S311 - a fixed order to test, not a secret
    assert shuffled != PARAGRAPH_4
    assert organisation_list(shuffled, as_of=REPORT_DATE) == PARAGRAPH_4_LIST
    assert organisation_list(reversed(PARAGRAPH_4), as_of=REPORT_DATE) == PARAGRAPH_4_LIST


def test_paragraph_4_order_is_the_seed_documents() -> None:
    """The acronyms (and the two names in full) come in the order paragraph 4 writes them."""
    if not SEED.exists():
        pytest.skip("the seed document is not at {}".format(SEED))
    paragraph = _paragraph(" ".join(SEED.read_text(encoding="utf-8").split()), 4)
    names = ["Department of Peacekeeping Operations", "Division for the Advancement of Women"]
    marks = names + ["({})".format(a) for a in PARAGRAPH_4[2:] if a != "UNODC"] + [" UNODC,"]
    positions = {mark: paragraph.index(mark) for mark in marks}
    in_report = [m.strip("(), ") for m in sorted(marks, key=positions.__getitem__)]
    assert in_report == names + PARAGRAPH_4[2:]


@pytest.mark.parametrize("note", sorted(NOTES))
def test_notes_come_back_in_un_system_order(note: str) -> None:
    given, expected = NOTES[note]
    assert organisation_list(_given(given), as_of=REPORT_DATE) == expected


def test_the_notes_are_quoted_as_the_report_gives_them() -> None:
    if not SEED.exists():
        pytest.skip("the seed document is not at {}".format(SEED))
    text = " ".join(SEED.read_text(encoding="utf-8").split())
    for given, _expected in NOTES.values():
        assert given in text


def test_note_13_united_nations_bodies_first_then_the_others() -> None:
    given = [
        "OHCHR", "UNODC", "UNICEF", "UNHCR", "WHO", "IOM", "Interpol", "OSCE", "eu", "coe",
        "Europol", "ICMPD", "SECI", "sptf", "HEUNI", "CBSS", "bali_process",
    ]  # fmt: skip
    assert organisation_list(given, as_of=REPORT_DATE) == (
        "OHCHR, UNODC, UNHCR, UNICEF, WHO, Interpol, IOM, OSCE, the European Union, the Council "
        "of Europe, Europol, ICMPD, SECI, the Task Force on Trafficking in Human Beings of the "
        "Stability Pact for South-Eastern Europe, HEUNI, CBSS and the Bali Process on People "
        "Smuggling, Trafficking in Persons and Related Transnational Crime"
    )


def test_keys_and_acronyms_in_any_case_repeats_once() -> None:
    assert organisation_list(["unodc", "UNODC", " UnOdC ", "who", "WHO"]) == "UNODC and WHO"
    assert organisation_list(["Interpol"]) == "Interpol"
    assert organisation_list([]) == ""


ACRONYMS = {
    "en": "OHCHR, UNODC, UNICEF and WHO",
    "fr": "le HCDH, l'ONUDC, l'UNICEF et l'OMS",
    "es": "el ACNUDH, la UNODC, el UNICEF y la OMS",
    "ru": "УВКПЧ, УНП ООН, ЮНИСЕФ и ВОЗ",
    "zh": "人权高专办、毒品和犯罪问题办公室、儿童基金会和世卫组织",
    "ar": "مفوضية حقوق الإنسان، ومكتب المخدرات والجريمة، واليونيسيف، ومنظمة الصحة العالمية",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_acronyms_and_joining_in_each_language(language: str) -> None:
    given = ["WHO", "UNICEF", "UNODC", "OHCHR"]
    assert organisation_list(given, language=language) == ACRONYMS[language]


def test_two_organisations_and_language_codes() -> None:
    assert (
        organisation_list(["UNHCR", "UNIFEM"], language="ar") == "اليونيفيم ومفوضية شؤون اللاجئين"
    )
    assert organisation_list(["UNHCR", "UNIFEM"], language="zh-hans") == "妇发基金和难民署"
    assert organisation_list(["UNHCR", "UNIFEM"], language="FR") == "l'UNIFEM et le HCR"
    assert organisation_list(["UNHCR", "UNIFEM"], language="ru") == "ЮНИФЕМ и УВКБ"
    with pytest.raises(ApplicationError) as raised:
        organisation_list(["UNHCR"], language="de")
    assert raised.value.code == "invalid_language"


def test_an_organisation_without_acronym_is_named_in_full_in_every_style() -> None:
    for style in ("acronym", "full", "first"):
        assert (
            organisation_list(["DAW"], style=style) == "the Division for the Advancement of Women"
        )
    assert organisation_list(["eu", "coe", "OSCE"], language="fr") == (
        "l'OSCE, l'Union européenne et le Conseil de l'Europe"
    )
    assert organisation_list(["Interpol", "IOM"], language="fr", as_of=REPORT_DATE) == (
        "Interpol et l'OIM"  # an acronym without article
    )


def test_first_mention_and_full_names_with_their_articles() -> None:
    given = ["UNICEF", "OHCHR"]
    assert organisation_list(given, style="first") == (
        "the Office of the United Nations High Commissioner for Human Rights (OHCHR) and the "
        "United Nations Children's Fund (UNICEF)"
    )
    assert organisation_list(given, style="full") == (
        "the Office of the United Nations High Commissioner for Human Rights and the United "
        "Nations Children's Fund"
    )
    assert organisation_list(["UNODC", "UNCTAD"], style="first", language="fr") == (
        "l'Office des Nations Unies contre la drogue et le crime (ONUDC) et la Conférence des "
        "Nations Unies sur le commerce et le développement (CNUCED)"
    )
    assert organisation_list(["UNICEF", "OHCHR"], style="full", language="fr") == (
        "le Haut-Commissariat des Nations Unies aux droits de l'homme et le Fonds des Nations "
        "Unies pour l'enfance"
    )
    assert organisation_list(["ILO", "UNDP"], style="full", language="es") == (
        "el Programa de las Naciones Unidas para el Desarrollo y la Organización Internacional "
        "del Trabajo"
    )
    assert organisation_list(["UNODC"], style="first", language="zh") == (
        "联合国毒品和犯罪问题办公室（毒品和犯罪问题办公室）"
    )
    assert organisation_list(["UNODC"], style="first", language="ru") == (
        "Управление Организации Объединенных Наций по наркотикам и преступности (УНП ООН)"
    )


def test_an_unknown_organisation_is_refused_naming_it() -> None:
    with pytest.raises(ApplicationError) as raised:
        organisation_list(["UNODC", "UNXYZ", "WHO"])
    assert raised.value.code == "invalid"
    assert "UNXYZ" in raised.value.detail
    with pytest.raises(ApplicationError):
        organisation_list(["UNODC"], style="long")  # type: ignore[arg-type]  # not a style


def test_iom_outside_the_system_until_its_agreement_then_a_related_organization() -> None:
    before = IOM_RELATED - dt.timedelta(days=1)
    assert organisation_list(["IOM", "Interpol", "WHO"], as_of=before) == "WHO, Interpol and IOM"
    assert organisation_list(["IOM", "Interpol", "WHO"], as_of=IOM_RELATED) == (
        "WHO, IOM and Interpol"
    )
    assert organisation("iom", as_of=before).group == "other"
    assert organisation("IOM", as_of=IOM_RELATED).group == "related"


def test_today_by_default(clock: time_machine.Traveller) -> None:
    assert organisation_list(["Interpol", "IOM"]) == "IOM and Interpol"


def test_the_data() -> None:
    """Every entry: a slug key, a known group, six languages; the English acronyms name one
    organisation each; on any date, one entry an organisation, ranks distinct and in the order
    of the groups."""
    acronyms: dict[str, str] = {}
    boundaries = {REPORT_DATE}
    for key, periods in organisations().items():
        assert re.fullmatch(r"[a-z][a-z_]*", key)
        for period in periods:
            assert period.group in GROUPS
            assert set(period.names) == set(LANGUAGES)
            for lang, name in period.names.items():
                assert name.name.strip() == name.name != ""
                assert (name.article is not None) == (lang in ("en", "fr", "es"))
                assert name.acronym_article is None or name.acronym is not None
            boundaries |= {d for d in (period.start, period.end) if d is not None}
            if period.names["en"].acronym is not None:
                assert acronyms.setdefault(period.names["en"].acronym.lower(), key) == key
    for day in sorted(boundaries):
        held = [p for periods in organisations().values() for p in periods if p.holds(day)]
        assert len({p.key for p in held}) == len(held) == len(organisations())
        assert len({p.rank for p in held}) == len(held)
        ranked = sorted(held, key=lambda p: p.rank)
        assert [GROUPS.index(p.group) for p in ranked] == sorted(
            GROUPS.index(p.group) for p in ranked
        )


def test_the_command_prints_the_list_on_one_line() -> None:
    import io  # noqa: PLC0415 - only here

    from django.core.management import call_command  # noqa: PLC0415 - only here

    out = io.StringIO()
    call_command(
        "monitoring", "organisation-list", "UNHCR", "OHCHR", "UNODC", "--lang", "fr",
        "--as-of", "2005-03-29", stdout=out,
    )  # fmt: skip
    assert out.getvalue() == "le HCDH, l'ONUDC et le HCR\n"
