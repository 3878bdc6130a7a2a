"""Coding the States' narrative answers: a codebook, two coders' tags with their passages, their
agreement (Cohen's kappa) and disagreements, decisions, and the States each theme counts with
the passages behind them, written as a UN report's footnote."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from palermo.core.choices import OrganisationKind, Role
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import User
from palermo.monitoring import services
from palermo.monitoring.coding import agreement, cohen_kappa, theme_counts
from palermo.monitoring.countrylists import country_list
from palermo.monitoring.models import Answer, Codebook, Round, Submission
from palermo.monitoring.tests.forms import SURVEY_HEADER, workbook
from palermo.registry.models import Mechanism

pytestmark = pytest.mark.django_db

FORM = [["text", "prevention", "What did your State do to prevent trafficking?", "Prévention ?",
         "", "", "", "", "", ""]]  # fmt: skip
REPLIES = {
    "KHM": "A national awareness-raising campaign on radio and television, and a hotline.",
    "THA": "Awareness-raising in schools; training of the police.",
    "VNM": "A hotline for victims was opened in 2009.",
    "LAO": "Nothing new this year.",
}


def test_cohen_s_kappa() -> None:
    assert cohen_kappa([True, True, False, False], [True, False, False, False]) == 0.5
    assert cohen_kappa([True, False], [True, False]) == 1.0
    assert cohen_kappa([True, False], [False, True]) == -1.0
    assert cohen_kappa([False, False], [False, False]) == 1.0
    with pytest.raises(ValueError, match="equally long"):
        cohen_kappa([True], [])


@pytest.fixture
def coded_round(secretariat: User, make_user: Callable[..., User]) -> Round:
    q = services.questionnaire_create(actor=secretariat, key="prevention", title="Prevention")
    version = services.questionnaire_version_import(
        actor=secretariat, questionnaire=q, data=workbook(survey=FORM, header=SURVEY_HEADER),
        file_name="f.xlsx",
    )  # fmt: skip
    services.questionnaire_version_publish(actor=secretariat, version=version)
    round_ = services.round_create(
        actor=secretariat, version=version, mechanism=Mechanism.objects.get(acronym="COMMIT"),
        key="prevention-2010", title="Prevention 2010", as_of=dt.date(2010, 3, 29),
        deadline=dt.date(2010, 6, 30),
    )  # fmt: skip
    services.round_send(actor=secretariat, round_=round_)
    question = version.questions.get(name="prevention")
    for country, text in REPLIES.items():
        coordinator = make_user(Role.NATIONAL_COORDINATOR, org=country, country=country)
        reply = Submission.objects.get(round=round_, country_id=country)
        services.answer_save(actor=coordinator, submission=reply, question=question, value=text)
        services.submission_submit(actor=coordinator, submission=reply)
    return round_


def _answer(round_: Round, country: str) -> Answer:
    return Answer.objects.get(submission__round=round_, submission__country_id=country)


def _codebook(secretariat: User, round_: Round) -> Codebook:
    return services.codebook_create(
        actor=secretariat,
        questionnaire=round_.version.questionnaire,
        codes=[
            {
                "key": "awareness",
                "label": {"en": "Awareness-raising campaign", "fr": "Campagne"},
                "question": "prevention",
            },
            {"key": "hotline", "label": "Hotline"},
        ],  # fmt: skip
    )


def test_two_coders_agreement_disagreements_and_decisions(
    secretariat: User, coded_round: Round, make_user: Callable[..., User]
) -> None:
    second = make_user(
        Role.REGISTRY_EDITOR, org="UNODC", country=None, kind=OrganisationKind.INTERNATIONAL
    )
    book = _codebook(secretariat, coded_round)
    awareness, hotline = book.codes.get(key="awareness"), book.codes.get(key="hotline")
    khm, tha, vnm = (_answer(coded_round, c) for c in ("KHM", "THA", "VNM"))
    for coder in (secretariat, second):
        services.coding_add_passage(actor=coder, answer=khm, code=awareness,
                                    passage="national awareness-raising campaign")  # fmt: skip
        services.coding_add_passage(actor=coder, answer=khm, code=hotline, passage="a hotline")
        services.coding_add_passage(actor=coder, answer=vnm, code=hotline, passage="A hotline")
    tagged = services.coding_add_passage(
        actor=secretariat, answer=tha, code=awareness, passage="Awareness-raising in schools"
    )
    assert (tagged.start, tagged.end, tagged.passage) == (0, 28, "Awareness-raising in schools")
    result = agreement(coded_round, book, (secretariat.pk, second.pk))
    assert result.units == 8  # four answers, two codes
    # 7 of 8 agree; coder 1 says yes 4 times, coder 2 three times: kappa = (7/8 - 1/2) / (1/2)
    assert result.kappa == pytest.approx(0.75)
    assert result.by_code["hotline"] == 1.0
    assert [(u.country, u.code, a, b) for u, a, b in result.disagreements] == [
        ("THA", "awareness", True, False)
    ]
    counts = {t.code: t for t in theme_counts(coded_round, book)}
    assert counts["awareness"].countries == ["KHM"]
    assert counts["awareness"].unresolved == ["THA"]
    assert counts["hotline"].countries == ["KHM", "VNM"]
    assert counts["hotline"].passages["VNM"] == ["A hotline"]
    services.coding_decide(actor=second, answer=tha, code=awareness, applies=True,
                           reason="Awareness-raising in schools is a campaign")  # fmt: skip
    counts = {t.code: t for t in theme_counts(coded_round, book)}
    assert counts["awareness"].countries == ["KHM", "THA"]
    assert counts["awareness"].unresolved == []
    assert counts["awareness"].passages["THA"] == ["Awareness-raising in schools"]
    footnote = "{} mentioned awareness-raising campaigns in their replies.".format(
        country_list(counts["awareness"].countries, as_of=coded_round.as_of)
    )
    assert (
        footnote == "Cambodia and Thailand mentioned awareness-raising campaigns in their replies."
    )


def test_codes_tags_and_decisions_are_checked(
    secretariat: User, coded_round: Round, make_user: Callable[..., User]
) -> None:
    book = _codebook(secretariat, coded_round)
    awareness = book.codes.get(key="awareness")
    khm = _answer(coded_round, "KHM")
    with pytest.raises(ApplicationError, match="The passage is not in the answer"):
        services.coding_add_passage(actor=secretariat, answer=khm, code=awareness, passage="prison")
    with pytest.raises(ApplicationError, match="characters 10 to 999"):
        services.coding_add(actor=secretariat, answer=khm, code=awareness, start=10, end=999)
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="KH2", country="KHM")
    with pytest.raises(ForbiddenError):
        services.coding_add(actor=coordinator, answer=khm, code=awareness, start=0, end=5)
    with pytest.raises(ApplicationError, match="reason: 1 to 500"):
        services.coding_decide(
            actor=secretariat, answer=khm, code=awareness, applies=True, reason=" "
        )
    mine = services.coding_add(actor=secretariat, answer=khm, code=awareness, start=0, end=5)
    other = make_user(Role.ANALYST, org="UNODC", country=None, kind=OrganisationKind.INTERNATIONAL)
    with pytest.raises(ForbiddenError, match="only their own tags"):
        services.coding_remove(actor=other, coding=mine)
    services.coding_remove(actor=secretariat, coding=mine)
    for codes, reason in [
        ([], "at least one code"),
        ([{"key": "Bad Key", "label": "x"}], "code 1: key"),
        (
            [{"key": "a", "label": "x"}, {"key": "a", "label": "y"}],
            "code 2: the key a is given twice",
        ),
        ([{"key": "a", "label": ""}], "code 1: a has no label"),
        ([{"key": "a", "label": "x", "question": "nope"}], "code 1: nope is not a question"),
    ]:
        with pytest.raises(ApplicationError, match=reason):
            services.codebook_create(
                actor=secretariat, questionnaire=book.questionnaire, codes=codes
            )
    again = services.codebook_create(
        actor=secretariat, questionnaire=book.questionnaire, codes=[{"key": "a", "label": "A"}]
    )
    assert again.version == 2


def test_replies_not_yet_submitted_are_not_coded(secretariat: User, coded_round: Round) -> None:
    book = _codebook(secretariat, coded_round)
    reply = Submission.objects.get(round=coded_round, country_id="KHM")
    services.submission_return(actor=secretariat, submission=reply, reason="Please complete")
    with pytest.raises(ApplicationError, match="Only submitted or accepted replies are coded"):
        services.coding_add(
            actor=secretariat,
            answer=_answer(coded_round, "KHM"),
            code=book.codes.get(key="hotline"),
            start=0,
            end=5,
        )


def test_the_command_imports_a_codebook_tags_and_counts(
    secretariat: User, coded_round: Round, make_user: Callable[..., User], tmp_path: Path
) -> None:
    second = make_user(Role.ANALYST, org="UNODC", country=None, kind=OrganisationKind.INTERNATIONAL,
                       username="coder2")  # fmt: skip

    def run(*args: str, user: str = "sec") -> str:
        out = io.StringIO()
        call_command("monitoring", *args, "--as", user, stdout=out)
        return out.getvalue()

    book = tmp_path / "codebook.csv"
    book.write_text(
        "key,label,label::fr,question,description\n"
        "awareness,Awareness-raising campaign,Campagne de sensibilisation,prevention,\n"
        "hotline,Hotline,Ligne d'assistance,,\n",
        encoding="utf-8",
    )
    assert run("codebook", "import", "prevention", str(book)) == (
        "prevention codebook version 1: 2 codes.\n"
    )
    tag = ("coding", "tag", "prevention-2010")
    assert run(*tag, "KHM", "prevention", "hotline", "--passage", "a hotline") == (
        "Tagged characters 67 to 76 with hotline.\n"
    )
    run(*tag, "VNM", "prevention", "hotline", "--passage", "A hotline")
    run(*tag, "KHM", "prevention", "hotline", "--passage", "a hotline", user="coder2")
    lines = run("coding", "themes", "prevention-2010", "--format", "csv").splitlines()
    assert lines[1:] == [
        "awareness,Awareness-raising campaign,0,,",
        "hotline,Hotline,1,Cambodia,VNM",  # Viet Nam: tagged by one coder only: unresolved
    ]
    french = run("coding", "themes", "prevention-2010", "--lang", "fr", "--format", "json")
    assert '"list": "le Cambodge"' in french
    agreement_text = run("coding", "agreement", "prevention-2010", "--coders", "sec", "coder2")
    assert agreement_text.startswith("8 units; Cohen's kappa ")
    assert "disagree: VNM prevention hotline (sec: True, coder2: False)" in agreement_text
    with pytest.raises(CommandError, match="no code nope"):
        run(*tag, "KHM", "prevention", "nope", "--passage", "x")
    with pytest.raises(CommandError, match="has no answer of BWA"):
        run(*tag, "BWA", "prevention", "hotline", "--passage", "x")
    assert second.username == "coder2"


def test_coding_through_the_api(
    client: Client, bearer: Callable[[User], dict[str, Any]], secretariat: User, coded_round: Round,
    make_user: Callable[..., User],
) -> None:  # fmt: skip
    sec = bearer(secretariat)
    made = client.post(
        "/api/v1/monitoring/questionnaires/prevention/codebooks",
        {"codes": [{"key": "hotline", "label": "Hotline"},
                   {"key": "awareness", "label": {"en": "Awareness", "fr": "Sensibilisation"}}]},
        content_type="application/json", **sec,
    )  # fmt: skip
    assert (made.status_code, made.json()["version"]) == (201, 1)
    api = "/api/v1/monitoring/rounds/prevention-2010"
    tagged = client.post(
        api + "/codings", {"country": "VNM", "question": "prevention", "code": "hotline",
                           "passage": "A hotline"}, content_type="application/json", **sec,
    )  # fmt: skip
    assert tagged.status_code == 201
    assert (tagged.json()["start"], tagged.json()["end"]) == (0, 9)
    by_offsets = client.post(
        api + "/codings", {"country": "KHM", "question": "prevention", "code": "hotline",
                           "start": 67, "end": 76}, content_type="application/json", **sec,
    )  # fmt: skip
    assert by_offsets.json()["passage"] == "a hotline"
    themes = {t["code"]: t for t in client.get(api + "/themes", {"lang": "fr"}, **sec).json()}
    assert themes["hotline"]["text"] == "le Cambodge et le Viet Nam"
    assert themes["hotline"]["passages"] == {"KHM": ["a hotline"], "VNM": ["A hotline"]}
    make_user(Role.ANALYST, org="UNODC", country=None, kind=OrganisationKind.INTERNATIONAL,
              username="coder2")  # fmt: skip
    agreed = client.get(api + "/agreement", {"coders": "sec,coder2"}, **sec).json()
    assert (agreed["units"], len(agreed["disagreements"])) == (8, 2)
    decided = client.post(
        api + "/decisions", {"country": "VNM", "question": "prevention", "code": "hotline",
                             "applies": False, "reason": "A plan, not yet open"},
        content_type="application/json", **sec,
    )  # fmt: skip
    assert decided.json()["countries"] == ["KHM"]  # the decision overrides the tag
    state = bearer(make_user(Role.NATIONAL_COORDINATOR, org="VN2", country="VNM"))
    assert client.get(api + "/themes", **state).status_code == 404
    bad = client.get(api + "/agreement", {"coders": "sec"}, **sec)
    assert bad.json()["code"] == "invalid"
