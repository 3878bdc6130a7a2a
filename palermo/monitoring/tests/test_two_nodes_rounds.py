"""A round between two real nodes: this test process is the secretariat's node (UNODC; its inbox
served over HTTP by InboxPump), and a second Palermo node run as subprocesses (`palermo
runserver` and `palermo cooperation deliver --loop`) is South Africa's, where its national
coordinator answers. The round goes out with its pre-filled answers; the reply comes back; the
secretariat asks a clarification, the State responds and submits again; the secretariat accepts,
and the State's node shows the reply accepted."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import time_machine

from palermo.cooperation import services as cooperation
from palermo.cooperation import signing
from palermo.cooperation.nodeproc import free_port, node_run, node_spawn, node_start, node_stop
from palermo.cooperation.tests.nodes import InboxPump, bravo_data_dir, node_env
from palermo.core.models import User
from palermo.monitoring import services
from palermo.monitoring.choices import SubmissionStatus
from palermo.monitoring.models import Submission
from palermo.monitoring.tests.forms import workbook
from palermo.monitoring.tests.test_rounds import FORM, HEADER

pytestmark = [pytest.mark.django_db, pytest.mark.nodes]

STATE = """
from palermo.core.services import organisation_create, user_create
organisation_create(actor=None, name="South Africa TIP office", kind="government", country="ZAF",
                    system=True)
user_create(actor=None, username="zaf", organisation="South Africa TIP office",
            role="national_coordinator", password="Zaf-Node-Test-Password-1", system=True)
"""
ANSWER = """
from palermo.core.models import User
from palermo.monitoring import services
from palermo.monitoring.models import Submission
zaf = User.objects.get(username="zaf")
reply = Submission.objects.get(round__key="tip-2010", country_id="ZAF")
{body}
services.submission_submit(actor=zaf, submission=reply)
"""


def _on_state(env: dict[str, str], query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(Path(env["PALERMO_DATA_DIR"]) / "node.sqlite3") as db:
        return db.execute(query).fetchall()


def test_a_round_answered_on_the_states_own_node(
    clock: time_machine.Traveller,
    tmp_path: Path,
    bravo_node: tuple[Path, str],
    secretariat: User,
    make_user: Callable[..., User],
) -> None:
    template, key = bravo_node
    pump = InboxPump()
    env = node_env(bravo_data_dir(template, tmp_path / "zaf"))
    node_run(env, "shell", "-c", STATE)
    node_run(
        env, "nodes", "add", "local", pump.url, "--key", signing.node_public_key(),
        "--country", "AUT",
    )  # fmt: skip
    port = free_port()
    cooperation.node_add(
        name="bravo", url="http://127.0.0.1:{}".format(port), public_key=key, country="ZAF"
    )
    q = services.questionnaire_create(actor=secretariat, key="tip", title="Survey on trafficking")
    version = services.questionnaire_version_import(
        actor=secretariat, questionnaire=q, data=workbook(survey=FORM, header=HEADER),
        file_name="survey.xlsx",
    )  # fmt: skip
    services.questionnaire_version_publish(actor=secretariat, version=version)
    today = dt.date.today()  # noqa: DTZ011 - the pinned clock's day
    round_ = services.round_create(
        actor=secretariat, version=version, mechanism=None, countries=["ZAF", "NGA"],
        key="tip-2010", title="Survey 2010", as_of=today, deadline=today + dt.timedelta(days=60),
    )  # fmt: skip
    server = node_start(env, port)
    worker = node_spawn(env, "cooperation", "deliver", "--loop", "--interval", "0.2")
    try:
        services.round_send(actor=secretariat, round_=round_)
        zaf = Submission.objects.get(round=round_, country_id="ZAF")
        assert zaf.node is not None and zaf.node.name == "bravo"
        assert Submission.objects.get(round=round_, country_id="NGA").node is None  # no node
        assert cooperation.outbox_deliver().acknowledged == 1
        on_state = _on_state(
            env,
            "SELECT r.key, s.country_id, s.status FROM monitoring_round r "
            "JOIN monitoring_submission s ON s.round_id = r.id",
        )
        assert on_state == [("tip-2010", "ZAF", "not_started")]

        body = (
            "q = {{x.name: x for x in reply.round.version.questions.all()}}\n"
            'services.answer_save(actor=zaf, submission=reply, question=q["why_not"], '
            'value="Accession under way")\n'
            'services.answer_save(actor=zaf, submission=reply, question=q["victims"], value=41)'
        )
        pump.run(env, "shell", "-c", ANSWER.format(body=body.format()))

        def status(wanted: str) -> Callable[[], bool]:
            return lambda: Submission.objects.get(pk=zaf.pk).status == wanted

        pump.serve(until=status(SubmissionStatus.SUBMITTED))
        assert services.current_answers(zaf)["victims"] == 41
        zaf.refresh_from_db()
        services.clarification_request(
            actor=secretariat, submission=zaf, request="Which ministry leads the accession?"
        )
        assert cooperation.outbox_deliver().acknowledged == 1
        respond = (
            "c = reply.clarifications.get()\n"
            'services.clarification_respond(actor=zaf, clarification=c, response="Justice")'
        )
        pump.run(env, "shell", "-c", ANSWER.format(body=respond))
        pump.serve(until=status(SubmissionStatus.SUBMITTED))
        assert zaf.clarifications.get().response == "Justice"
        services.submission_accept(actor=secretariat, submission=Submission.objects.get(pk=zaf.pk))
        assert cooperation.outbox_deliver().acknowledged == 1
        assert _on_state(env, "SELECT status FROM monitoring_submission") == [("accepted",)]
        audit = _on_state(
            env,
            "SELECT actor_label, after FROM core_auditentry "
            "WHERE object_type = 'monitoring.submission' ORDER BY id",
        )
        assert [json.loads(str(a))["status"] for _label, a in audit][-1] == "accepted"
        assert {label for label, _a in audit} >= {"node:local"}
    finally:
        node_stop(worker)
        node_stop(server)
        pump.close()
