"""Questionnaires from XLSForms: read as KoboToolbox and ODK read them, kept as questions,
sections and choices, written back to a form that reads the same; who may write them."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook  # type: ignore[import-untyped]
from pyxform.xls2xform import convert

from palermo.core.choices import AuditAction, OrganisationKind, Role
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import AuditEntry, User
from palermo.monitoring import selectors, services
from palermo.monitoring.choices import QuestionKind, VersionStatus
from palermo.monitoring.models import Questionnaire
from palermo.monitoring.tests.forms import CHOICES, SURVEY, workbook
from palermo.monitoring.versionplan import version_plan
from palermo.monitoring.xlsform import read_xlsform
from palermo.settings.env import BASE_DIR

HTCDS_XLSFORM = BASE_DIR.parent / "shared" / "data" / "htcds" / "htcds_xlsform.xlsx"

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(secretariat: User) -> Questionnaire:
    return services.questionnaire_create(
        actor=secretariat, key="tip-survey-2004", title="Survey on resolution 58/137"
    )


def test_an_xlsform_becomes_a_draft_version_with_every_question(
    secretariat: User, survey: Questionnaire
) -> None:
    version = services.questionnaire_version_import(
        actor=secretariat, questionnaire=survey, data=workbook(), file_name="survey.xlsx"
    )
    assert (version.number, version.status) == (1, VersionStatus.DRAFT)
    assert (version.title, version.form_id) == ("Survey on trafficking in persons", "tip_survey")
    assert version.languages == ["en", "fr"]
    questions = {q.name: q for q in version.questions.all()}
    assert list(questions) == [row[1] for row in SURVEY if not row[0].startswith("end")]
    assert questions["legal"].kind == QuestionKind.SECTION
    assert questions["has_law"].kind == QuestionKind.YES_NO
    assert questions["has_law"].required is True
    assert questions["has_law"].section == questions["legal"]
    assert questions["law_text"].relevance == "${has_law} = 'yes'"
    assert questions["law_text"].hint == {"en": "Its title and date"}
    assert questions["law_file"].kind == QuestionKind.FILE
    assert questions["figures_note"].kind == QuestionKind.NOTE
    victims = questions["victims"]
    assert (victims.kind, victims.constraint) == (QuestionKind.INTEGER, ". >= 0")
    assert victims.constraint_message == {"en": "0 or more"}
    assert victims.indicator is not None and victims.indicator.code == "victims_detected"
    assert victims.label == {"en": "Victims identified", "fr": "Victimes identifiées"}
    assert questions["partners"].kind == QuestionKind.COUNTRY_LIST
    assert questions["partners"].section is None
    assert (questions["measures"].kind, questions["measures"].choice_list) == (
        QuestionKind.SELECT_MULTIPLE,
        "measures",
    )
    assert [(c.list_name, c.name) for c in version.choices.order_by("position")] == [
        (row[0], row[1]) for row in CHOICES[1:] if row[0] in ("measures", "agency")
    ]
    entry = AuditEntry.objects.filter(object_type="monitoring.version").get()
    assert entry.after is not None
    assert (entry.action, entry.after["questions"]) == (AuditAction.CREATE, len(questions))


def test_the_form_written_back_reads_the_same(secretariat: User, survey: Questionnaire) -> None:
    first = services.questionnaire_version_import(
        actor=secretariat, questionnaire=survey, data=workbook(), file_name="survey.xlsx"
    )
    data = selectors.version_xlsform(first, as_of=dt.date(2005, 3, 29))
    convert(xlsform=io.BytesIO(data), validate=False, file_type=".xlsx")  # pyxform takes it
    second = services.questionnaire_version_import(
        actor=secretariat, questionnaire=survey, data=data, file_name="again.xlsx"
    )
    assert second.number == 2
    before, after = version_plan(first), version_plan(second)
    assert after.questions == before.questions
    assert after.choices == before.choices
    assert (after.title, after.form_id, after.languages) == (
        before.title,
        before.form_id,
        before.languages,
    )
    book = load_workbook(io.BytesIO(data))
    countries = [r for r in book["choices"].iter_rows(values_only=True) if r[0] == "countries"]
    named = {r[1]: r[2:] for r in countries}
    assert named["SCG"] == ("Serbia and Montenegro", "Serbie-et-Monténégro")  # as in 2005
    assert named["PHL"] == ("Philippines", "Philippines")
    assert "SRB" not in named
    yes_no = [r for r in book["choices"].iter_rows(values_only=True) if r[0] == "yes_no"]
    assert yes_no == [("yes_no", "yes", "Yes", "Oui"), ("yes_no", "no", "No", "Non")]


def test_the_htcds_xlsform_is_read(secretariat: User, survey: Questionnaire) -> None:
    """IOM's HTCDS form (../shared/data), as KoboToolbox users have it."""
    if not HTCDS_XLSFORM.exists():
        pytest.skip("the HTCDS XLSForm is not at {}".format(HTCDS_XLSFORM))
    plan = read_xlsform(HTCDS_XLSFORM.read_bytes(), HTCDS_XLSFORM.name)
    assert len([q for q in plan.questions if q.kind != QuestionKind.SECTION]) >= 20
    assert "start" not in {q.name for q in plan.questions}  # a phone's metadata is left out


def _refusal(data: bytes, name: str = "form.xlsx") -> str:
    with pytest.raises(ApplicationError) as caught:
        read_xlsform(data, name)
    assert caught.value.code == "invalid_xlsform"
    return caught.value.detail


def _with_row(row: list[str]) -> bytes:
    return workbook(survey=[*SURVEY, row])


def test_wrong_forms_are_refused_by_name_and_reason() -> None:
    assert "Could not find the name 'nothere'" in _refusal(
        _with_row(["text", "x", "X", "X", "", "", "${nothere} = 1", "", "", ""])
    )
    assert "[row : " in _refusal(
        _with_row(["text", "x", "X", "X", "", "", "${nothere}", "", "", ""])
    )
    assert "gps: the type 'geopoint' is not one" in _refusal(
        _with_row(["geopoint", "gps", "Where", "Où", "", "", "", "", "", ""])
    )
    assert "x: only a whole number or a number answers a statistics indicator" in _refusal(
        _with_row(["text", "x", "X", "X", "", "", "", "", "", "victims_detected"])
    )
    assert "The survey element named 'x' has no label or hint" in _refusal(
        _with_row(["text", "x", "", "", "", "", "", "", "", ""])
    )
    assert "x: the question has no label" in _refusal(
        _with_row(["text", "x", "", "", "A hint only", "", "", "", "", ""])
    )
    repeat = [["begin repeat", "people", "People", "Gens", "", "", "", "", "", ""],
              ["text", "who", "Who", "Qui", "", "", "", "", "", ""],
              ["end repeat", "people", "", "", "", "", "", "", "", ""]]  # fmt: skip
    assert "people: repeats are not taken" in _refusal(workbook(survey=[*SURVEY, *repeat]))
    bad_countries = [*CHOICES, ["countries", "XXX", "Nowhere", "Nulle part"]]
    assert "codes that name no State: XXX" in _refusal(workbook(choices=bad_countries))
    assert "form.xlsx: the form asks no question" in _refusal(
        workbook(survey=[["note", "n", "Just a note", "Une note", "", "", "", "", "", ""]])
    )
    assert "form.csv: an XLSForm is an Excel workbook (.xlsx)" in _refusal(workbook(), "form.csv")
    assert "an XLSForm is an Excel workbook" in _refusal(b"not a workbook at all")
    assert "form.xlsx: the file is empty" in _refusal(b"")
    header = ["type", "name", "label::Klingon", "required"]
    assert "the label language 'Klingon' is not a language" in _refusal(
        workbook(
            survey=[["text", "x", "X", ""]], header=header, choices=[["list_name", "name", "label"]]
        )
    )


def test_an_unknown_indicator_is_refused_and_nothing_is_written(
    secretariat: User, survey: Questionnaire
) -> None:
    data = _with_row(["integer", "n", "N", "N", "", "", "", "", "", "no_such_indicator"])
    with pytest.raises(ApplicationError, match="names no statistics indicator: no_such_indicator"):
        services.questionnaire_version_import(
            actor=secretariat, questionnaire=survey, data=data, file_name="f.xlsx"
        )
    assert not survey.versions.exists()


def test_only_a_secretariat_s_authors_write_its_questionnaires(
    make_user: Callable[..., User], secretariat: User, survey: Questionnaire
) -> None:
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="Ministry", country="BWA")
    with pytest.raises(ForbiddenError):
        services.questionnaire_create(actor=coordinator, key="mine", title="Mine")
    ngo_analyst = make_user(Role.ANALYST, org="An NGO", country="BWA", kind=OrganisationKind.NGO)
    with pytest.raises(ForbiddenError, match="written by a secretariat"):
        services.questionnaire_create(actor=ngo_analyst, key="mine", title="Mine")
    other = make_user(
        Role.REGISTRY_EDITOR, org="SADC", country=None, kind=OrganisationKind.REGIONAL_MECHANISM
    )
    with pytest.raises(ForbiddenError, match="Only UNODC's users"):
        services.questionnaire_version_import(
            actor=other, questionnaire=survey, data=workbook(), file_name="f.xlsx"
        )
    with pytest.raises(ApplicationError, match="exists already"):
        services.questionnaire_create(actor=secretariat, key="tip-survey-2004", title="Again")
    with pytest.raises(ApplicationError, match="key: 2 to 80"):
        services.questionnaire_create(actor=secretariat, key="Not a key!", title="X")


def test_drafts_are_the_secretariat_s_own_until_published(
    make_user: Callable[..., User], secretariat: User, survey: Questionnaire
) -> None:
    version = services.questionnaire_version_import(
        actor=secretariat, questionnaire=survey, data=workbook(), file_name="f.xlsx"
    )
    state = make_user(Role.NATIONAL_COORDINATOR, org="Ministry", country="BWA")
    assert list(selectors.questionnaire_list(user=state)) == []
    with pytest.raises(NotFoundError):
        selectors.questionnaire_get(user=state, key=survey.key)
    assert list(selectors.questionnaire_list(user=secretariat)) == [survey]
    published = services.questionnaire_version_publish(actor=secretariat, version=version)
    assert published.status == VersionStatus.PUBLISHED and published.published_at is not None
    assert selectors.questionnaire_get(user=state, key=survey.key) == survey
    assert selectors.version_get(user=state, questionnaire=survey, number=1) == version
    with pytest.raises(ApplicationError, match="published already"):
        services.questionnaire_version_publish(actor=secretariat, version=published)
    services.questionnaire_version_import(
        actor=secretariat, questionnaire=survey, data=workbook(), file_name="f.xlsx"
    )
    assert [v.number for v in selectors.version_list(user=state, questionnaire=survey)] == [1]
    with pytest.raises(NotFoundError, match="has no version 2"):
        selectors.version_get(user=state, questionnaire=survey, number=2)


def test_the_command_creates_imports_publishes_exports_and_lists(
    secretariat: User, tmp_path: Path
) -> None:
    def run(*args: str) -> str:
        out = io.StringIO()
        call_command("monitoring", "questionnaire", *args, "--as", "sec", stdout=out)
        return out.getvalue()

    assert run("create", "greta-3", "--title", "GRETA third round") == (
        "Questionnaire greta-3 created.\n"
    )
    form = tmp_path / "greta.xlsx"
    form.write_bytes(workbook())
    assert run("import", "greta-3", str(form)) == (
        "greta-3 version 1 (draft): 12 questions and sections, 4 choices.\n"
    )
    assert run("publish", "greta-3", "1") == "greta-3 version 1 published.\n"
    out = tmp_path / "out.xlsx"
    assert run("export", "greta-3", "-o", str(out)) == "greta-3 version 1 written to {}.\n".format(
        out
    )
    assert (
        read_xlsform(out.read_bytes(), out.name).questions
        == read_xlsform(workbook(), "greta.xlsx").questions
    )
    listed = run("list", "--format", "csv").splitlines()
    assert listed == [
        "key,title,secretariat,versions",
        "greta-3,GRETA third round,UNODC,1 (Published)",
    ]
    with pytest.raises(CommandError, match="No file"):
        run("import", "greta-3", str(tmp_path / "missing.xlsx"))
    with pytest.raises(CommandError, match="has no version 7"):
        run("publish", "greta-3", "7")
    with pytest.raises(CommandError, match="No questionnaire nope"):
        run("export", "nope", "-o", str(out))
