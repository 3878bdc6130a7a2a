"""Acceptance on the seeds: the 2004 UNODC survey loaded as demo data, its replies coded, and
the report written from them reproduces every list of States in the notes and paragraphs of
E/CN.15/2005/7 word for word."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.management import call_command

from palermo.core.choices import OrganisationKind, Role
from palermo.core.models import User
from palermo.monitoring.coding import agreement
from palermo.monitoring.demo import demo_2005_load, survey_2005
from palermo.monitoring.models import Round
from palermo.monitoring.reports import report_document
from palermo.settings.env import BASE_DIR

SEED = BASE_DIR.parent / "shared" / "seeds" / "003_d14f16574e34a7cb.txt"

pytestmark = pytest.mark.django_db

# The report's notes that list States, as the report prints them.
NOTES = [
    "Algeria, Azerbaijan, Belarus, Belgium, Bosnia and Herzegovina, Croatia, Denmark, Egypt, "
    "Latvia, Lithuania, Mauritius, Mexico, Nigeria, the Philippines, Serbia and Montenegro, "
    "Slovakia, Slovenia, Spain, Sweden, Turkey, Ukraine and Venezuela.",
    "Algeria, Azerbaijan (reform of the Criminal Code was under way), Belarus (working on the "
    "drafting of a decree on some measures to counteract trafficking in persons), Belgium "
    "(legislation under way) and Mexico. While this was not reflected in the note verbale "
    "received in November 2003 from Japan, the Secretariat was made aware of the subsequent "
    "adoption of a National Action Plan by the Government of Japan.",
    "Australia, Finland, Germany and the Syrian Arab Republic.",
    "Australia, Austria, Cuba, Finland, Germany, Morocco, Pakistan, the Republic of Korea, "
    "Switzerland and Uzbekistan. Of these countries, Australia, Austria, Finland and Germany "
    "indicated specifically that the ratification process was under way.",
    "On this issue, respondent Member States were Algeria, Finland, Latvia, Lithuania, the "
    "Philippines, Spain, Sweden, Turkey and Ukraine.",
    "Australia, Azerbaijan, Bosnia and Herzegovina, Croatia, Denmark, Finland, Lebanon, "
    "Lithuania, Mauritius, the Philippines, Slovakia, Slovenia, Sweden, Thailand, Turkey and "
    "Venezuela mentioned awareness-raising or educational campaigns in their replies.",
    "Those States are Azerbaijan, Bosnia and Herzegovina (which had drafted a Rulebook on the "
    "Protection of Alien Victims of Trafficking), Croatia, Germany, Lithuania, Morocco, the "
    "Republic of Korea, Serbia and Montenegro, Slovakia, Spain, Sweden, Thailand and Venezuela.",
    "Examples include Australia, Azerbaijan, Bosnia and Herzegovina, Croatia, Denmark, Finland, "
    "Latvia, Lithuania, the Philippines, Serbia and Montenegro, Slovenia, Sweden, Thailand and "
    "Turkey.",
    "Cuba and Mauritius.",
    "Belgium, Bosnia and Herzegovina, Croatia, Denmark, Germany, Latvia and Slovakia.",
]
# Lists in the report's paragraphs (running text, and paragraph 3's list after a colon).
IN_TEXT = [
    "Algeria, Australia, Austria, Azerbaijan, Belarus, Belgium, Bosnia and Herzegovina, "
    "Croatia, Cuba, Denmark, Egypt, Finland, Germany, Japan, Latvia, Lebanon, Lithuania, "
    "Mauritius, Mexico, Morocco, Nigeria, Oman, Pakistan, Philippines, Republic of Korea, "
    "Serbia and Montenegro, Slovakia, Slovenia, Spain, Sweden, Switzerland, Syrian Arab "
    "Republic, Thailand, Turkey, Ukraine, Uzbekistan and Venezuela.",
    "Australia, Belgium and Croatia reported that special investigative procedures",
    "Australia, Azerbaijan, Belgium, Bosnia and Herzegovina, Croatia, Switzerland and Ukraine "
    "had engaged in specific activities focused on border control",
    "Australia, Austria, Belgium, Croatia, Denmark, Germany, Serbia and Montenegro, Slovakia "
    "and Sweden indicated that victims of trafficking could qualify for temporary visas.",
    "Australia, Denmark, Germany, the Republic of Korea, Turkey and Ukraine mentioned "
    "repatriation and rehabilitation assistance to victims of trafficking.",
    "Austria, Azerbaijan, Belgium, Bosnia and Herzegovina, Germany, the Philippines, the "
    "Republic of Korea, Serbia and Montenegro, Switzerland and Venezuela mentioned special "
    "refuges, reception centres, shelters or consultation centres",
]


@pytest.fixture
def survey(make_user: Callable[..., User]) -> Round:
    analyst = make_user(
        Role.ANALYST, org="UNODC", country=None, kind=OrganisationKind.INTERNATIONAL, username="un"
    )
    return demo_2005_load(actor=analyst)


def test_the_report_reproduces_every_list_of_states_word_for_word(survey: Round) -> None:
    doc = report_document(survey, "en")
    notes = [note for block in doc.blocks for note in block.notes]
    assert notes == NOTES
    text = " ".join(block.text for block in doc.blocks)
    for expected in IN_TEXT:
        assert expected in text
    assert doc.symbol == "E/CN.15/2005/7" and doc.date.isoformat() == "2005-03-29"


def test_the_expected_texts_are_the_report_s_own() -> None:
    if not SEED.exists():
        pytest.skip("the seed document is not at {}".format(SEED))
    seed = " ".join(SEED.read_text(encoding="utf-8").split()).replace("’", "'")
    for expected in [*NOTES, *IN_TEXT]:
        assert expected.replace("’", "'") in seed, expected[:60]


def test_every_footnote_is_traceable_to_its_passages(survey: Round) -> None:
    doc = report_document(survey, "en")
    awareness = next(
        p for block in doc.blocks for p in block.provenance if p.get("theme") == "awareness"
    )
    assert len(awareness["states"]) == 16
    assert awareness["passages"]["LBN"] == [
        "Mentioned awareness-raising or educational campaigns (para. 39 and note 9)."
    ]


def test_the_demo_loads_once_and_its_coding_is_one_coder_s(survey: Round) -> None:
    author = survey.created_by
    assert author is not None
    again = demo_2005_load(actor=author)
    assert again.pk == survey.pk
    assert survey.submissions.count() == len(survey_2005()["round"]["respondents"]) == 37
    book = survey.report_codebook
    assert book is not None and book.codes.count() == len(survey_2005()["themes"])
    one = (author.pk, author.pk)
    assert agreement(survey, book, one).kappa == 1.0


def test_the_report_in_french_and_the_command(survey: Round) -> None:
    french = report_document(survey, "fr")
    notes = [note for block in french.blocks for note in block.notes]
    assert notes[2] == "l'Allemagne, l'Australie, la Finlande et la République arabe syrienne."
    out = io.StringIO()
    call_command("monitoring", "demo-2005", "--as", "un", stdout=out)
    assert out.getvalue().startswith("Round unodc-tip-2004: 37 replies, coded")
