"""A round from a secretariat to the members of a mechanism: sent with pre-filled answers,
answered by each State's national coordinator, submitted and locked, clarified, accepted or
sent back; the secretariat's board; who may do what."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from palermo.core.choices import OrganisationKind, Role
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import AuditEntry, User
from palermo.monitoring import selectors, services
from palermo.monitoring.choices import RoundStatus, SubmissionStatus
from palermo.monitoring.models import Question, Round, Submission
from palermo.monitoring.tests.forms import SURVEY_HEADER, workbook
from palermo.registry.models import Mechanism
from palermo.statistics.tests.factories import PublicValueFactory

pytestmark = pytest.mark.django_db

HEADER = [*SURVEY_HEADER, "palermo_prefill"]
FORM = [
    ["select_one yes_no", "party", "Is your State a party to the Protocol?", "Partie ?", "", "yes",
     "", "", "", "", "party:trafficking-protocol"],
    ["text", "law", "Your legislation", "Législation", "", "", "", "", "", "", "legislation"],
    ["integer", "victims", "Victims identified", "Victimes", "", "", "", ". >= 0", "0 or more",
     "victims_detected", ""],
    ["text", "why_not", "Why not a party?", "Pourquoi ?", "", "yes", "${party} = 'no'", "", "", "",
     ""],
    ["select_multiple countries", "partners", "Partners", "Partenaires", "", "", "", "", "", "",
     ""],
]  # fmt: skip
AS_OF = dt.date(2010, 3, 29)


@pytest.fixture
def round_(secretariat: User) -> Round:
    q = services.questionnaire_create(actor=secretariat, key="tip-2010", title="Survey 2010")
    version = services.questionnaire_version_import(
        actor=secretariat,
        questionnaire=q,
        data=workbook(survey=FORM, header=HEADER),
        file_name="f.xlsx",
    )
    services.questionnaire_version_publish(actor=secretariat, version=version)
    return services.round_create(
        actor=secretariat,
        version=version,
        mechanism=Mechanism.objects.get(acronym="COMMIT"),
        key="tip-2010-commit",
        title="Survey 2010, COMMIT States",
        as_of=AS_OF,
        deadline=dt.date(2010, 6, 30),
    )


@pytest.fixture
def thai(make_user: Callable[..., User]) -> User:
    return make_user(Role.NATIONAL_COORDINATOR, org="Thai task force", country="THA", username="th")


def _question(round_: Round, name: str) -> Question:
    return round_.version.questions.get(name=name)


def test_a_round_goes_to_every_member_with_answers_filled_in_from_what_the_node_holds(
    secretariat: User, round_: Round
) -> None:
    PublicValueFactory.create(country_id="KHM", period="2008", figure=120)
    PublicValueFactory.create(country_id="KHM", period="2009", figure=146)
    PublicValueFactory.create(country_id="KHM", period="2011", figure=999)  # after the round
    sent = services.round_send(actor=secretariat, round_=round_)
    assert sent.status == RoundStatus.SENT and sent.sent_at is not None
    assert sorted(sent.submissions.values_list("country_id", flat=True)) == [
        "CHN", "KHM", "LAO", "MMR", "THA", "VNM"
    ]  # fmt: skip
    cambodia = services.current_answers(sent.submissions.get(country_id="KHM"))
    assert cambodia["party"] == "yes"  # acceded in 2007
    assert cambodia["victims"] == 146  # the latest published figure before the round
    answer = sent.submissions.get(country_id="KHM").answers.get(question__name="victims")
    assert answer.prefill_source == "Statistics: victims_detected for 2009, 146 (glotip)"
    thailand = services.current_answers(sent.submissions.get(country_id="THA"))
    assert thailand["party"] == "no"  # ratified in 2013
    assert "victims" not in thailand
    with pytest.raises(ApplicationError, match="was sent already"):
        services.round_send(actor=secretariat, round_=sent)
    entry = AuditEntry.objects.filter(object_type="monitoring.round").last()
    assert entry is not None and entry.after is not None and len(entry.after["states"]) == 6


def test_a_state_answers_submits_is_asked_to_clarify_and_is_accepted(
    secretariat: User, round_: Round, thai: User
) -> None:
    services.round_send(actor=secretariat, round_=round_)
    reply = selectors.submission_get(user=thai, round_=round_, country="THA")
    party, victims = _question(round_, "party"), _question(round_, "victims")
    with pytest.raises(ApplicationError, match="party: say why the pre-filled answer is changed"):
        services.answer_save(actor=thai, submission=reply, question=party, value="yes")
    services.answer_save(actor=thai, submission=reply, question=party, value="no")  # unchanged
    with pytest.raises(ApplicationError, match="victims: the answer does not meet .*0 or more"):
        services.answer_save(actor=thai, submission=reply, question=victims, value="-3")
    with pytest.raises(ApplicationError, match="victims: give a whole number"):
        services.answer_save(actor=thai, submission=reply, question=victims, value="many")
    services.answer_save(actor=thai, submission=reply, question=victims, value="14")
    partners = _question(round_, "partners")
    services.answer_save(actor=thai, submission=reply, question=partners, value="mmr, LAO")
    with pytest.raises(ApplicationError, match="unknown country codes: XXX"):
        services.answer_save(actor=thai, submission=reply, question=partners, value="XXX")
    reply.refresh_from_db()
    assert reply.status == SubmissionStatus.IN_PROGRESS
    assert services.missing_answers(reply) == ["why_not"]  # asked: Thailand is not a party
    with pytest.raises(ApplicationError, match="Required questions are unanswered: why_not"):
        services.submission_submit(actor=thai, submission=reply)
    services.answer_save(
        actor=thai,
        submission=reply,
        question=_question(round_, "why_not"),
        value="Ratification under way",
    )
    submitted = services.submission_submit(actor=thai, submission=reply)
    assert submitted.status == SubmissionStatus.SUBMITTED
    with pytest.raises(ApplicationError, match="locked until the secretariat sends it back"):
        services.answer_save(actor=thai, submission=reply, question=victims, value="15")
    asked = services.clarification_request(
        actor=secretariat, submission=reply, question=victims, request="Which year is this?"
    )
    reply.refresh_from_db()
    assert reply.status == SubmissionStatus.CLARIFICATION
    services.clarification_respond(actor=thai, clarification=asked, response="2009, police data")
    services.answer_save(actor=thai, submission=reply, question=victims, value="15")
    services.submission_submit(actor=thai, submission=reply)
    accepted = services.submission_accept(actor=secretariat, submission=reply)
    assert accepted.status == SubmissionStatus.ACCEPTED and accepted.accepted_at is not None
    back = services.submission_return(
        actor=secretariat, submission=reply, reason="A figure is wrong"
    )
    assert back.status == SubmissionStatus.IN_PROGRESS
    assert services.current_answers(back)["partners"] == ["MMR", "LAO"]
    assert AuditEntry.objects.filter(object_type="monitoring.answer").count() == 5


def test_changing_a_pre_filled_answer_keeps_both_and_the_reason(
    secretariat: User, round_: Round, thai: User
) -> None:
    services.round_send(actor=secretariat, round_=round_)
    reply = Submission.objects.get(round=round_, country_id="THA")
    answer = services.answer_save(
        actor=thai,
        submission=reply,
        question=_question(round_, "party"),
        value="yes",
        reason="Ratified last week; the registry is not up to date",
    )
    assert (answer.value, answer.prefilled) == ("yes", "no")
    assert answer.change_reason == "Ratified last week; the registry is not up to date"
    assert "Registry: not a party to" in answer.prefill_source


def test_the_board_shows_who_answered_who_is_late_and_open_clarifications(
    secretariat: User, round_: Round, thai: User
) -> None:
    services.round_send(actor=secretariat, round_=round_)
    reply = Submission.objects.get(round=round_, country_id="THA")
    services.answer_save(
        actor=thai, submission=reply, question=_question(round_, "party"), value="no"
    )
    services.answer_save(
        actor=thai, submission=reply, question=_question(round_, "why_not"), value="x"
    )
    services.submission_submit(actor=thai, submission=reply)
    services.clarification_request(
        actor=secretariat, submission=reply, request="More detail, please"
    )
    board = {
        r.country: r
        for r in selectors.round_board(user=secretariat, round_=round_, today=dt.date(2010, 7, 1))
    }
    assert board["THA"].status == SubmissionStatus.CLARIFICATION
    assert (board["THA"].answered, board["THA"].questions) == (2, 5)
    assert board["THA"].open_clarifications == 1
    assert board["THA"].late and board["VNM"].late  # past the deadline, not submitted
    early = selectors.round_board(user=secretariat, round_=round_, today=dt.date(2010, 6, 30))
    assert not any(r.late for r in early)
    with pytest.raises(NotFoundError):
        selectors.round_board(user=thai, round_=round_)


def test_only_a_state_s_coordinators_answer_for_it_and_only_the_secretariat_judges(
    secretariat: User, round_: Round, thai: User, make_user: Callable[..., User]
) -> None:
    services.round_send(actor=secretariat, round_=round_)
    reply = Submission.objects.get(round=round_, country_id="THA")
    party = _question(round_, "party")
    vietnam = make_user(Role.NATIONAL_COORDINATOR, org="VNM office", country="VNM")
    with pytest.raises(ForbiddenError, match="Only the national coordinators of THA"):
        services.answer_save(actor=vietnam, submission=reply, question=party, value="no")
    with pytest.raises(ForbiddenError):
        services.answer_save(actor=secretariat, submission=reply, question=party, value="no")
    with pytest.raises(NotFoundError):
        selectors.submission_get(user=vietnam, round_=round_, country="THA")
    assert [r.key for r in selectors.round_list(user=vietnam)] == [round_.key]
    stranger = make_user(Role.NATIONAL_COORDINATOR, org="BWA office", country="BWA")
    assert list(selectors.round_list(user=stranger)) == []
    other = make_user(
        Role.ANALYST, org="SADC", country=None, kind=OrganisationKind.REGIONAL_MECHANISM
    )
    with pytest.raises(ForbiddenError):
        services.round_send(actor=other, round_=round_)
    with pytest.raises(ApplicationError, match="cannot be done now"):
        services.submission_accept(actor=secretariat, submission=reply)  # not submitted


def test_a_round_needs_a_published_version_and_sensible_dates(secretariat: User) -> None:
    q = services.questionnaire_create(actor=secretariat, key="draft-only", title="Draft")
    version = services.questionnaire_version_import(
        actor=secretariat,
        questionnaire=q,
        data=workbook(survey=FORM, header=HEADER),
        file_name="f.xlsx",
    )
    commit = Mechanism.objects.get(acronym="COMMIT")

    def make(**kw: object) -> Round:
        args: dict[str, object] = {
            "actor": secretariat,
            "version": version,
            "mechanism": commit,
            "key": "r-1",
            "title": "R",
            "as_of": AS_OF,
            "deadline": AS_OF,
        }
        args.update(kw)
        return services.round_create(**args)  # type: ignore[arg-type]  # the fields, varied

    with pytest.raises(ApplicationError, match="Publish version 1 before sending it"):
        make()
    services.questionnaire_version_publish(actor=secretariat, version=version)
    with pytest.raises(ApplicationError, match="deadline is on or after"):
        make(deadline=AS_OF - dt.timedelta(days=1))
    with pytest.raises(ApplicationError, match="key: 2 to 80"):
        make(key="R 1")
    assert make().status == RoundStatus.DRAFT
    with pytest.raises(ApplicationError, match="exists already"):
        make()


def test_a_form_s_prefill_must_name_a_source_palermo_has(secretariat: User) -> None:
    q = services.questionnaire_create(actor=secretariat, key="bad-prefill", title="Bad")
    for row, reason in [
        (["text", "x", "X", "X", "", "", "", "", "", "", "party:nope"], "is for a yes/no question"),
        (["select_one yes_no", "x", "X", "X", "", "", "", "", "", "", "party:nope"],
         "names no instrument of the registry: nope"),
        (["integer", "x", "X", "X", "", "", "", "", "", "", "legislation"],
         "legislation is for a text"),
        (["text", "x", "X", "X", "", "", "", "", "", "", "gossip"], "'gossip' is not a source"),
    ]:  # fmt: skip
        with pytest.raises(ApplicationError, match=reason):
            services.questionnaire_version_import(
                actor=secretariat,
                questionnaire=q,
                data=workbook(survey=[row], header=HEADER),
                file_name="f.xlsx",
            )


def test_the_command_creates_sends_and_shows_a_round(secretariat: User, thai: User) -> None:
    q = services.questionnaire_create(actor=secretariat, key="cli-q", title="Q")
    version = services.questionnaire_version_import(
        actor=secretariat,
        questionnaire=q,
        data=workbook(survey=FORM, header=HEADER),
        file_name="f.xlsx",
    )
    services.questionnaire_version_publish(actor=secretariat, version=version)

    def run(*args: str) -> str:
        out = io.StringIO()
        call_command("monitoring", "round", *args, "--as", "sec", stdout=out)
        return out.getvalue()

    assert run(
        "create", "cli-round", "--questionnaire", "cli-q", "--version", "1",
        "--mechanism", "commit", "--title", "Round", "--as-of", "2010-03-29",
        "--deadline", "2010-06-30",
    ) == "Round cli-round created (draft).\n"  # fmt: skip
    assert run("send", "cli-round") == "Round cli-round sent to 6 States.\n"
    reply = Submission.objects.get(round__key="cli-round", country_id="THA")
    services.answer_save(
        actor=thai,
        submission=reply,
        question=reply.round.version.questions.get(name="party"),
        value="no",
    )
    lines = run("status", "cli-round", "--format", "csv").splitlines()
    assert lines[0] == "state,status,answered,late,clarifications,submitted"
    assert "THA,in_progress,1/5,True,0," in lines
    assert "KHM,not_started,1/5,True,0," in lines  # its pre-filled answer
    with pytest.raises(CommandError, match="No round nope"):
        run("send", "nope")
    with pytest.raises(CommandError, match="No regional mechanism 'XYZ'"):
        run(
            "create", "r2", "--questionnaire", "cli-q", "--version", "1", "--mechanism", "XYZ",
            "--title", "R", "--as-of", "2010-03-29", "--deadline", "2010-06-30",
        )  # fmt: skip


def test_a_focal_point_delegates_a_section_to_an_agency_and_reassembles_the_reply(
    secretariat: User, make_user: Callable[..., User], client: Client
) -> None:
    survey = [
        ["begin group", "police", "Police", "Police", "", "", "", "", "", ""],
        ["integer", "arrests", "Arrests", "Arrestations", "", "yes", "", "", "", ""],
        ["end group", "police", "", "", "", "", "", "", "", ""],
        ["text", "plan", "National plan", "Plan national", "", "", "", "", "", ""],
    ]
    q = services.questionnaire_create(actor=secretariat, key="deleg", title="Delegation")
    version = services.questionnaire_version_import(
        actor=secretariat, questionnaire=q, data=workbook(survey=survey), file_name="f.xlsx"
    )
    services.questionnaire_version_publish(actor=secretariat, version=version)
    round_ = services.round_create(
        actor=secretariat, version=version, mechanism=None, countries=["THA"], key="deleg-r",
        title="R", as_of=AS_OF, deadline=dt.date(2010, 6, 30),
    )  # fmt: skip
    services.round_send(actor=secretariat, round_=round_)
    focal = make_user(Role.NATIONAL_COORDINATOR, org="Thai task force", country="THA")
    police = make_user(Role.INVESTIGATOR, org="Royal Thai Police", country="THA")
    reply = Submission.objects.get(round=round_)
    section, arrests, plan = (version.questions.get(name=n) for n in ("police", "arrests", "plan"))
    with pytest.raises(ForbiddenError):
        services.answer_save(actor=police, submission=reply, question=arrests, value="3")
    with pytest.raises(ApplicationError, match="another agency of THA"):
        services.section_delegate(
            actor=focal,
            submission=reply,
            section=section,
            organisation=secretariat.organisation,  # type: ignore[arg-type]  # a secretariat has one
        )
    assert police.organisation is not None
    services.section_delegate(
        actor=focal, submission=reply, section=section, organisation=police.organisation
    )
    services.answer_save(actor=police, submission=reply, question=arrests, value="3")
    with pytest.raises(ForbiddenError):
        services.answer_save(actor=police, submission=reply, question=plan, value="x")
    with pytest.raises(ForbiddenError):
        services.submission_submit(actor=police, submission=reply)
    assert selectors.submission_get(user=police, round_=round_, country="THA") == reply
    client.force_login(police)
    page = client.get(reverse("monitoring:submission", args=["deleg-r", "THA"])).content.decode()
    assert 'name="question" value="arrests"' in page  # its section can be answered
    assert 'name="question" value="plan"' not in page
    services.submission_submit(actor=focal, submission=reply)
    assert services.current_answers(reply)["arrests"] == 3
    services.submission_return(actor=secretariat, submission=reply, reason="Check")
    services.section_reclaim(actor=focal, delegation=reply.delegations.get())
    with pytest.raises(ForbiddenError):
        services.answer_save(actor=police, submission=reply, question=arrests, value="4")


def test_answered_figures_become_the_states_draft_figures_when_it_submits(
    secretariat: User, make_user: Callable[..., User]
) -> None:
    from palermo.statistics.choices import ValueStatus  # noqa: PLC0415
    from palermo.statistics.models import Value  # noqa: PLC0415

    q = services.questionnaire_create(actor=secretariat, key="fig-q", title="Figures")
    version = services.questionnaire_version_import(
        actor=secretariat, questionnaire=q, data=workbook(survey=FORM, header=HEADER),
        file_name="f.xlsx",
    )  # fmt: skip
    services.questionnaire_version_publish(actor=secretariat, version=version)
    with pytest.raises(ApplicationError, match="figures: .*tip-annual/2009"):
        services.round_create(
            actor=secretariat, version=version, mechanism=None, countries=["THA"], key="f-1",
            title="F", as_of=AS_OF, deadline=AS_OF, figures="tip-annual/2009-Q1",
        )  # fmt: skip
    made = services.round_create(
        actor=secretariat, version=version, mechanism=None, countries=["THA"], key="f-2010",
        title="F", as_of=AS_OF, deadline=AS_OF, figures="tip-annual/2009",
    )  # fmt: skip
    sent = services.round_send(actor=secretariat, round_=made)
    thai = make_user(Role.NATIONAL_COORDINATOR, org="TH", country="THA")
    reply = Submission.objects.get(round=sent)
    victims = Question.objects.get(version=version, name="victims")
    why = Question.objects.get(version=version, name="why_not")
    services.answer_save(actor=thai, submission=reply, question=victims, value=37)
    services.answer_save(actor=thai, submission=reply, question=why, value="Under way")
    services.submission_submit(actor=thai, submission=reply)
    figure = Value.objects.get(
        dataset__code="tip-annual",
        country_id="THA",
        period="2009",
        indicator__code="victims_detected",
    )
    assert (figure.value, figure.status, figure.comment) == (37, ValueStatus.DRAFT, "f-2010")
