"""Hotline triage (issue 18): repeat reports about the same place, employer or person grouped
into one situation; the queue most urgent first; "being handled by" locks; screening against
the node's indicators; consent before law enforcement where the victim reports; a case opened
from a report; bulk actions all or none; only the hotline's operators, every read audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from palermo.cases.identification import indicator_lists_load
from palermo.cases.models import Case, IndicatorList
from palermo.conftest import PASSWORD
from palermo.core.choices import Role
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import AuditEntry, User
from palermo.intake import accounts, selectors, services, triage
from palermo.intake.accounts import Account
from palermo.intake.models import Hotline, Report, Situation

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def hotline(make_user: Callable[..., User]) -> Hotline:
    admin = make_user(Role.ADMINISTRATOR, org="Node", country=None, username="admin")
    op = make_user(Role.CASE_WORKER, org="Hotline NGO", country="ITA", username="op1")
    return services.hotline_set(
        actor=admin,
        organisation=op.organisation,  # type: ignore[arg-type]
        name="Anti-trafficking hotline",
    )


@pytest.fixture
def op1(hotline: Hotline) -> User:
    return User.objects.get(username="op1")


@pytest.fixture
def op2(make_user: Callable[..., User], hotline: Hotline) -> User:
    return make_user(Role.CASE_WORKER, org="Hotline NGO", country="ITA", username="op2")


def _file(hotline: Hotline, minutes: int = 0, **kw: object) -> Report:
    account = kw.pop("account", None) or Account(what="Workers locked in at night.")
    return services.report_file(
        hotline=hotline,
        account=account,  # type: ignore[arg-type]
        reporter_role=str(kw.pop("reporter_role", "witness")),
        country=str(kw.pop("country", "ITA")),
        now=T0 + dt.timedelta(minutes=minutes),
        **kw,  # type: ignore[arg-type]
    ).report


def test_reports_about_the_same_employer_or_place_are_one_situation(hotline: Hotline) -> None:
    a = _file(hotline, 0, account=Account(what="x", employer="Lavanderia Stella s.r.l."))
    b = _file(hotline, 5, account=Account(what="y", employer="LAVANDERIA STELLA"))
    c = _file(hotline, 9, account=Account(what="z", where="Via Roma 12, Palermo"))
    d = _file(hotline, 12, account=Account(what="w", where="via roma 12 palermo, 2nd floor"))
    e = _file(hotline, 15, account=Account(what="v", employer="Pizzeria Napoli"))
    # In another script: the same place written in Cyrillic is the same place.
    f = _file(hotline, 20, account=Account(what="u", where="Виа Рома 12, Палермо"))
    a.refresh_from_db()
    c.refresh_from_db()
    assert a.situation is not None and a.situation == b.situation
    assert c.situation is not None and c.situation == d.situation
    assert f.situation == c.situation
    assert a.situation != c.situation and e.situation is None
    # A report about both joins the two situations into one.
    g = _file(
        hotline, 30, account=Account(what="t", employer="Lavanderia Stella", where="Via Roma 12")
    )
    assert Situation.objects.count() == 1
    assert Report.objects.filter(situation=g.situation).count() == 6  # noqa: PLR2004
    # Another house number in the same street is another place.
    assert (
        _file(hotline, 35, account=Account(what="r", where="Via Roma 14, Palermo")).situation
        is None
    )
    # The same place in another country is not the same.
    h = _file(hotline, 40, account=Account(what="s", where="Via Roma 12"), country="ESP")
    assert h.situation is None
    # No plaintext in the index.
    assert "stella" not in str(list(a.tokens.values_list("digest", flat=True))).lower()


def test_locks_screening_consent_and_a_case(hotline: Hotline, op1: User, op2: User) -> None:
    indicator_lists_load()
    report = _file(hotline, reporter_role="victim", consent_law_enforcement="no")
    triage.report_take(actor=op1, report=report, now=T0)
    with pytest.raises(ApplicationError, match="op1 is handling this report until"):
        triage.report_take(actor=op2, report=report, now=T0 + dt.timedelta(minutes=5))
    # The lock expires: op2 takes it over.
    triage.report_take(actor=op2, report=report, now=T0 + dt.timedelta(minutes=16))
    labour = IndicatorList.objects.get(key="ilo-ec-2009-adult-labour")
    strong = labour.indicators.filter(strength="strong").first()
    assert strong is not None
    with pytest.raises(ApplicationError, match="Not indicators of"):
        triage.report_screen(
            actor=op2, report=report, indicator_list=labour, codes=["NOPE"], now=T0
        )
    screened = triage.report_screen(
        actor=op2,
        report=report,
        indicator_list=labour,
        codes=[strong.code],
        now=T0 + dt.timedelta(minutes=17),
    )
    assert screened.priority == "high" and screened.screening["strong"] == 1
    assert screened.due_at == T0 + dt.timedelta(minutes=17, hours=24)
    # The victim reported and said no: law enforcement is not told.
    with pytest.raises(ApplicationError, match="did not agree that law enforcement be told"):
        triage.report_close(
            actor=op2, report=report, outcome="law_enforcement", note="Carabinieri",
            now=T0 + dt.timedelta(minutes=18),
        )  # fmt: skip
    assert Report.objects.get(pk=report.pk).status != "closed"
    triage.consent_record(actor=op2, report=report, answer="yes", now=T0)
    closed = triage.report_close(
        actor=op2, report=report, outcome="case", now=T0 + dt.timedelta(minutes=19)
    )
    case = Case.objects.get(pk=str(closed.case_id))
    assert case.organisation_id == op2.organisation_id and closed.status == "closed"
    assert closed.held_by is None
    # New information from the reporter reopens it.
    reopened = services.report_add(code=code_for(report), text="More")
    assert reopened.status == "new"


def code_for(report: Report) -> str:
    """A code for the report (the real one was shown once): set its hash for the test."""
    Report.objects.filter(pk=report.pk).update(code_hash=accounts.code_hash("TESTCODE00000000"))
    return "TESTCODE00000000"


def test_a_child_or_danger_is_urgent_and_a_child_overrides_consent(
    hotline: Hotline, op1: User
) -> None:
    report = _file(hotline, reporter_role="victim", child="yes", consent_law_enforcement="no")
    assert report.priority == "urgent" and report.due_at == T0 + dt.timedelta(hours=1)
    assert triage.may_tell_law_enforcement(report)
    triage.report_close(actor=op1, report=report, outcome="law_enforcement", note="Police unit")
    assert Report.objects.get(pk=report.pk).outcome == "law_enforcement"


def test_the_queue_orders_and_only_operators_see_it(
    hotline: Hotline, op1: User, make_user: Callable[..., User]
) -> None:
    normal = _file(hotline, 0)
    urgent = _file(hotline, 10, danger=True)
    assert [r.reference for r in selectors.queue(op1)] == [urgent.reference, normal.reference]
    other_ngo = make_user(Role.CASE_WORKER, org="Shelter", country="ITA")
    with pytest.raises(NotFoundError):
        selectors.queue(other_ngo)
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="Hotline NGO", country="ITA")
    with pytest.raises(ApplicationError):
        selectors.queue(coordinator)
    read = selectors.report_read(op1, normal)
    assert read.account.what == "Workers locked in at night."
    assert AuditEntry.objects.filter(
        object_type="intake.report", action="read", object_id=str(normal.pk)
    ).exists()


def test_bulk_actions_all_or_none(hotline: Hotline, op1: User, op2: User) -> None:
    reports = [_file(hotline, i) for i in range(3)]
    refs = [r.reference for r in reports]
    triage.report_take(actor=op2, report=reports[2])
    with pytest.raises(ApplicationError, match="op2 is handling"):
        triage.reports_bulk(actor=op1, references=refs, action="duplicate")
    assert not Report.objects.filter(status="closed").exists()
    assert triage.reports_bulk(actor=op1, references=refs[:2], action="duplicate") == 2  # noqa: PLR2004
    assert Report.objects.filter(status="closed", outcome="duplicate").count() == 2  # noqa: PLR2004
    with pytest.raises(NotFoundError, match="R-NOPE"):
        triage.reports_bulk(actor=op1, references=["R-NOPE"], action="take")


def test_the_pages(
    client: Client, hotline: Hotline, op1: User, make_user: Callable[..., User]
) -> None:
    report = _file(hotline, 0, account=Account(what="Locked in.", contact={"phone": "+39 1"}))
    worker = make_user(Role.CASE_WORKER, org="Shelter", country="ITA")
    client.login(username=worker.username, password=PASSWORD)
    assert client.get("/intake/").status_code == 404  # noqa: PLR2004
    assert client.get("/intake/{}/".format(report.reference)).status_code == 404  # noqa: PLR2004
    client.login(username=op1.username, password=PASSWORD)
    home = client.get("/").content.decode()
    assert 'href="/intake/"' in home  # the operator's menu
    queue = client.get("/intake/").content.decode()
    assert report.reference in queue
    page = client.get("/intake/{}/".format(report.reference)).content.decode()
    assert "Locked in." in page and "+39 1" in page and "No one is handling it." in page
    assigned = client.post(
        "/intake/{}/".format(report.reference), {"action": "assign", "to": "op1"}, follow=True
    )
    assert 'value="op1" selected' in assigned.content.decode()
    report.refresh_from_db()
    assert report.assigned_to == op1
    nobody = client.post("/intake/{}/".format(report.reference), {"action": "assign", "to": "x"})
    assert nobody.status_code == 400  # noqa: PLR2004
    taken = client.post("/intake/{}/".format(report.reference), {"action": "take"}, follow=True)
    assert "Being handled by op1" in taken.content.decode()
    wrong = client.post(
        "/intake/{}/".format(report.reference), {"action": "close", "outcome": "referral"}
    )
    assert wrong.status_code == 400  # noqa: PLR2004
    assert "Name the service or the unit it went to." in wrong.content.decode()
    done = client.post(
        "/intake/{}/".format(report.reference),
        {"action": "close", "outcome": "referral", "note": "Legal aid clinic"},
        follow=True,
    )
    assert "Referred to a service" in done.content.decode()
    call = client.post(
        "/intake/new/",
        {
            "channel": "phone",
            "reporter_role": "family",
            "what": "My sister cannot leave the farm.",
            "country": "ITA",
            "child": "unknown",
            "consent_law_enforcement": "unknown",
        },
        follow=True,
    )
    assert "The caller&#x27;s code" in call.content.decode() or "code:" in call.content.decode()
    assert Report.objects.filter(channel="phone", created_by=op1).exists()


def test_another_hotlines_operator_neither_sees_nor_acts_nor_joins_a_situation(
    client: Client, hotline: Hotline, op1: User, make_user: Callable[..., User]
) -> None:
    admin = User.objects.get(username="admin")
    other_op = make_user(Role.CASE_WORKER, org="Other hotline", country="ITA", username="opb")
    other = services.hotline_set(
        actor=admin,
        organisation=other_op.organisation,  # type: ignore[arg-type]
        name="Another hotline",
    )
    ours = _file(hotline, 0, account=Account(what="Locked in.", employer="Rossi farms"))
    theirs = _file(other, 1, account=Account(what="Locked in.", employer="Rossi farms"))
    # The same employer at two hotlines: two situations, one per hotline.
    assert ours.situation_id is None or ours.situation_id != theirs.situation_id
    assert [r.reference for r in selectors.queue(other_op)] == [theirs.reference]
    with pytest.raises(NotFoundError):
        selectors.report_get(other_op, ours.reference)
    for act in (triage.report_take, triage.report_release):
        with pytest.raises(NotFoundError):
            act(actor=other_op, report=ours)
    with pytest.raises(NotFoundError):
        triage.reports_bulk(actor=other_op, references=[ours.reference], action="take")
    client.login(username=other_op.username, password=PASSWORD)
    assert client.get("/intake/{}/".format(ours.reference)).status_code == 404  # noqa: PLR2004
    assert ours.reference not in client.get("/intake/").content.decode()
    ours.refresh_from_db()
    assert ours.held_by_id is None
    assert not AuditEntry.objects.filter(
        object_type="intake.report", action="read", object_id=str(ours.pk)
    ).exists()
