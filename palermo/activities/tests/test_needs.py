"""Needs States stated in their replies to a questionnaire (issue 17): a question's
`palermo_need` says what a yes or a choice states; accepted replies feed supply against need,
read by whoever may read the round (everyone once its report is published)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import load_workbook  # type: ignore[import-untyped]

from palermo.activities import services as activities
from palermo.activities import supply
from palermo.activities.models import Activity, Need
from palermo.activities.tests.test_duplicates import DONOR, _activity, _file
from palermo.core.choices import OrganisationKind, Role
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.monitoring import selectors, services
from palermo.monitoring.models import Round
from palermo.monitoring.tests.forms import SURVEY_HEADER, workbook
from palermo.registry.models import Mechanism

pytestmark = pytest.mark.django_db

HEADER = [*SURVEY_HEADER, "palermo_need"]
PAD = ["", "", "", "", "", ""]  # French label to constraint message
FORM = [
    ["select_one yes_no", "judges", "Do your judges need training on information exchange?",
     *PAD, "", "protocol-art-10/judges"],
    ["select_multiple themes", "themes", "On which themes does your State need assistance?",
     *PAD, "", "*"],
    ["select_multiple jobs", "mla_jobs", "Who needs training on mutual legal assistance?",
     *PAD, "", "untoc-art-18/*"],
    ["text", "other", "Anything else?", *PAD, "", ""],
]  # fmt: skip
CHOICES = [
    ["list_name", "name", "label::English (en)", "label::French (fr)"],
    ["yes_no", "yes", "Yes", "Oui"],
    ["yes_no", "no", "No", "Non"],
    ["themes", "protocol-art-6", "Assistance to victims", "Assistance aux victimes"],
    ["themes", "protocol-art-9", "Prevention", "Prévention"],
    ["jobs", "prosecutors", "Prosecutors", "Procureurs"],
    ["jobs", "police", "Police", "Police"],
]
AS_OF = dt.date(2026, 3, 1)


@pytest.fixture
def secretariat(make_user: Callable[..., User]) -> User:
    return make_user(
        Role.ANALYST, org="UNODC", country=None, kind=OrganisationKind.INTERNATIONAL, username="sec"
    )


@pytest.fixture
def thai(make_user: Callable[..., User]) -> User:
    return make_user(Role.NATIONAL_COORDINATOR, org="Thai task force", country="THA", username="th")


def _round(secretariat: User, survey: list[list[str]] = FORM) -> Round:
    q = services.questionnaire_create(actor=secretariat, key="needs-2026", title="Needs 2026")
    version = services.questionnaire_version_import(
        actor=secretariat,
        questionnaire=q,
        data=workbook(survey=survey, choices=CHOICES, header=HEADER),
        file_name="needs.xlsx",
    )
    services.questionnaire_version_publish(actor=secretariat, version=version)
    round_ = services.round_create(
        actor=secretariat,
        version=version,
        mechanism=Mechanism.objects.get(acronym="COMMIT"),
        key="needs-2026-commit",
        title="Needs 2026, COMMIT States",
        as_of=AS_OF,
        deadline=dt.date(2026, 6, 30),
    )
    return services.round_send(actor=secretariat, round_=round_)


def _reply(round_: Round, thai: User, answers: dict[str, str]) -> None:
    reply = selectors.submission_get(user=thai, round_=round_, country="THA")
    for name, value in answers.items():
        question = round_.version.questions.get(name=name)
        services.answer_save(actor=thai, submission=reply, question=question, value=value)
    services.submission_submit(actor=thai, submission=reply)


def _key(need: object) -> tuple[str, str, str, int]:
    return (need.country, need.theme, need.profession, need.year)  # type: ignore[attr-defined]


def test_accepted_replies_state_needs_that_supply_against_need_shows(
    secretariat: User, thai: User, editor: User, client: Client
) -> None:
    round_ = _round(secretariat)
    _reply(
        round_,
        thai,
        {"judges": "yes", "themes": "protocol-art-6 protocol-art-9", "mla_jobs": "prosecutors"},
    )
    # Submitted, not yet accepted: no need stated.
    assert supply.needs(user=secretariat, country="THA") == []
    reply = round_.submissions.get(country_id="THA")
    services.submission_accept(actor=secretariat, submission=reply)
    stated = {_key(n) for n in supply.needs(user=secretariat, country="THA")}
    assert stated == {
        ("THA", "protocol-art-10", "judges", 2026),
        ("THA", "protocol-art-6", "", 2026),
        ("THA", "protocol-art-9", "", 2026),
        ("THA", "untoc-art-18", "prosecutors", 2026),
    }
    sources = {n.source for n in supply.needs(user=thai, country="THA")}
    assert sources == {
        "Needs 2026, COMMIT States (judges)",
        "Needs 2026, COMMIT States (themes)",
        "Needs 2026, COMMIT States (mla_jobs)",
    }
    # The round's report is not published: the public does not read the State's reply.
    assert supply.needs(user=None, country="THA") == []
    assert client.get("/api/v1/activities/needs", {"country": "THA"}).json() == []
    # Every need a gap until an activity answers it.
    cells = {(c.theme, c.profession): c.state for c in supply.table(user=thai, country="THA")}
    assert cells[("protocol-art-10", "judges")] == "gap"
    assert cells[("untoc-art-18", "prosecutors")] == "gap"
    # A training of Thai judges on information exchange answers that one.
    training = _activity(
        "XM-TEST-THA-JUDGES", "XM-TEST", "Training of judges", "2026-05-01", DONOR
    ).replace(
        '<recipient-country code="NG"/>',
        '<recipient-country code="TH"/><tag vocabulary="99" '
        'vocabulary-uri="https://palermo.dev/iati/themes" code="protocol-art-10"/>',
    )
    activities.activities_import(actor=editor, content=_file(training), source="t.xml")
    activities.training_record(
        actor=editor,
        activity=Activity.objects.get(iati_identifier="XM-TEST-THA-JUDGES"),
        joint=False,
        curriculum="",
        results="",
        audience=[{"profession": "judges", "country": "THA", "women": 5, "men": 7}],
    )
    cells = {(c.theme, c.profession): c.state for c in supply.table(user=thai, country="THA")}
    assert cells[("protocol-art-10", "judges")] == "answered"
    assert cells[("untoc-art-18", "prosecutors")] == "gap"
    # Filtered to one theme, one profession.
    only = supply.table(user=thai, country="THA", theme="untoc-art-18", profession="prosecutors")
    assert [(c.theme, c.profession) for c in only] == [("untoc-art-18", "prosecutors")]
    # Published: everyone reads them.
    Round.objects.filter(pk=round_.pk).update(published_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
    public = client.get("/api/v1/activities/needs", {"country": "THA"}).json()
    assert len(public) == 4  # noqa: PLR2004
    countries = client.get("/api/v1/activities/supply/countries", {"country": "THA"}).json()
    assert countries == [
        {
            "country": "THA",
            "state": "gap",
            "gaps": 3,
            "overlaps": 0,
            "answered": 1,
            "activities": 1,
        }
    ]


def test_a_no_or_an_empty_answer_states_no_need(secretariat: User, thai: User) -> None:
    round_ = _round(secretariat)
    _reply(round_, thai, {"judges": "no", "other": "Nothing."})
    services.submission_accept(
        actor=secretariat, submission=round_.submissions.get(country_id="THA")
    )
    assert supply.needs(user=secretariat, country="THA") == []


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["select_one yes_no", "q", "Q?", *PAD, "", "astrology"], "'astrology' is not a theme"),
        (
            ["select_one yes_no", "q", "Q?", *PAD, "", "protocol-art-6/astronauts"],
            "'astronauts' is not a profession",
        ),
        (["text", "q", "Q?", *PAD, "", "protocol-art-6"], "without \\* is for a yes/no question"),
        (["text", "q", "Q?", *PAD, "", "*"], "with \\* is for a question of one or several"),
        (["select_multiple jobs", "q", "Q?", *PAD, "", "*"], "the choices police, prosecutors are"),
        (["select_multiple jobs", "q", "Q?", *PAD, "", "*/*"], "themes or professions"),
    ],
)
def test_a_wrong_palermo_need_is_refused_by_question_and_reason(
    secretariat: User, row: list[str], message: str
) -> None:
    q = services.questionnaire_create(actor=secretariat, key="bad", title="Bad")
    with pytest.raises(ApplicationError, match=message) as refused:
        services.questionnaire_version_import(
            actor=secretariat,
            questionnaire=q,
            data=workbook(survey=[row], choices=CHOICES, header=HEADER),
            file_name="bad.xlsx",
        )
    assert "q" in str(refused.value.detail)
    assert not q.versions.exists()


def test_the_need_goes_back_out_in_the_xlsform(secretariat: User) -> None:
    version = _round(secretariat).version
    data = selectors.version_xlsform(version, as_of=AS_OF)
    sheet = load_workbook(io.BytesIO(data))["survey"]
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("palermo_need")
    needs = {r[1]: r[column] for r in rows[1:]}
    assert needs["judges"] == "protocol-art-10/judges"
    assert needs["themes"] == "*" and needs["mla_jobs"] == "untoc-art-18/*"
    assert not needs["other"]


def test_a_need_recorded_from_the_command_line_once(editor: User) -> None:
    args = ["need", "nga", "protocol-art-10", "--profession", "judges", "--year", "2026"]
    source = ["--source", "Nigeria's national action plan 2026-2030", "--as", editor.username]
    out = io.StringIO()
    call_command("activities", *args, *source, stdout=out)
    call_command("activities", *args, *source, stdout=out)  # the same statement: one need
    assert out.getvalue().count("The need is recorded.") == 2  # noqa: PLR2004
    assert Need.objects.filter(country_id="NGA", profession="judges").count() == 1
    with pytest.raises(CommandError, match="Not a theme of the list."):
        call_command("activities", "need", "NGA", "astrology", "--year", "2026", *source)
