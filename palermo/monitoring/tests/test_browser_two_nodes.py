"""The whole round in Chromium across two nodes: the secretariat's node (this test's live
server) and the Philippines' own node (a second Palermo process, nodes.SecondNode). The
secretariat creates and sends the round in its pages; on the Philippines' node the national
coordinator answers, delegates a section to the police, whose officer answers it, and submits;
the reply arrives at the secretariat, which asks a clarification; the State responds there and
submits again; the secretariat accepts, codes a passage, writes the report's outline, and
downloads the report: the DOCX has Word footnotes, the Arabic PDF runs right to left.
Screenshots go to PALERMO_SCREENSHOTS (default: the temporary folder)."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from pdfminer.high_level import extract_text
from playwright.sync_api import Page, expect
from pytest_django import Settings

from palermo.conftest import PASSWORD
from palermo.cooperation import services as cooperation
from palermo.cooperation import signing
from palermo.cooperation.nodeproc import node_spawn
from palermo.cooperation.tests.nodes import SecondNode
from palermo.core.choices import OrganisationKind, Role
from palermo.core.models import User
from palermo.core.tests.browser import htmx_settled, log_in
from palermo.monitoring import services
from palermo.monitoring.models import Submission
from palermo.monitoring.tests.forms import SURVEY, SURVEY_HEADER, workbook

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread

pytestmark = [pytest.mark.browser, pytest.mark.nodes, pytest.mark.usefixtures("live_definitions")]

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))
SEED = """
from palermo.cooperation import services
from palermo.core.services import organisation_create, user_create
for org in ("Inter-Agency Council Against Trafficking", "Philippine National Police"):
    organisation_create(actor=None, name=org, kind="government", country="PHL", system=True)
user_create(actor=None, username="iacat", organisation="Inter-Agency Council Against Trafficking",
            role="national_coordinator", password={password!r}, system=True)
user_create(actor=None, username="pnp", organisation="Philippine National Police",
            role="investigator", password={password!r}, system=True)
services.node_add(name={peer!r}, url={peer_url!r}, public_key={peer_key!r}, country="AUT")
"""
LAW = (
    "Republic Act No. 9208 of 2003; a national awareness-raising campaign with the media; "
    "a hotline for victims."
)
OUTLINE = """symbol: E/CN.15/2026/9
date: 2026-11-30
title: {en: "Trafficking in persons: replies of States"}
parts:
  - heading: {en: "I. Replies"}
  - respondents: {en: "1. Replies were received from the following States: {states}."}
  - theme: awareness
    text: {en: "2. Awareness-raising campaigns were reported by {count} State.{note}"}
    footnote: {en: "{states} reported a campaign.", ar: "{states} أبلغت عن حملة."}
"""


@pytest.fixture
def philippines(
    clock: time_machine.Traveller,
    tmp_path: Path,
    live_server: Any,
    bravo_node: tuple[Path, str],
    settings: Settings,
) -> Iterator[SecondNode]:
    if connection.vendor != "sqlite":
        # The browser and the second node do the same on any database; the services' tests of
        # rounds across nodes run on both (CI time).
        pytest.skip("the two-node browser run is in the SQLite suite")
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    node = SecondNode(bravo_node, tmp_path / "phl")
    node.seeding = node_spawn(
        node.env,
        "shell",
        "-c",
        SEED.format(
            password=PASSWORD,
            peer=signing.node_name(),
            peer_url=live_server.url,
            peer_key=signing.node_public_key(),
        ),
    )
    cooperation.node_add(name=node.name, url=node.url, public_key=node.public_key, country="PHL")
    yield node
    node.stop()


def _download(page: Page, link: Any) -> bytes:
    with page.expect_download() as caught:
        link.click()
    return Path(caught.value.path()).read_bytes()


def test_a_round_in_the_browser_across_two_nodes(  # noqa: PLR0915 - one story, step by step
    clock: time_machine.Traveller,
    new_context: Callable[[str], Page],
    live_server: Any,
    philippines: SecondNode,
    make_user: Callable[..., User],
) -> None:
    sec = make_user(Role.ANALYST, org="UNODC", country=None, kind=OrganisationKind.INTERNATIONAL,
                    username="sec")  # fmt: skip
    q = services.questionnaire_create(actor=sec, key="tip-2026", title="Survey 2026")
    version = services.questionnaire_version_import(
        actor=sec, questionnaire=q, data=workbook(survey=SURVEY, header=SURVEY_HEADER),
        file_name="survey.xlsx",
    )  # fmt: skip
    services.questionnaire_version_publish(actor=sec, version=version)
    services.codebook_create(
        actor=sec, questionnaire=q, codes=[{"key": "awareness", "label": "Awareness campaign"}]
    )

    # The secretariat creates and sends the round (a note verbale to the Philippines).
    a = new_context(live_server.url)
    log_in(a, "sec")
    a.goto("/monitoring/rounds/new/")
    a.get_by_label("Questionnaire version").select_option(label="Survey 2026 v1")
    a.get_by_label("Or sent to these States").fill("PHL")
    a.get_by_label("Key").fill("tip-2026-round")
    a.get_by_label("Title").fill("Survey 2026")
    a.get_by_label("Date of the round").fill("2026-11-01")
    a.get_by_label("Deadline").fill("2026-12-31")
    a.get_by_role("button", name="Create").click()
    a.get_by_role("button", name="Send the round").click()
    expect(a.locator("#round-status")).to_have_text("Sent")
    philippines.start()
    assert cooperation.outbox_deliver().acknowledged == 1

    # On the Philippines' node: the coordinator answers and delegates the figures to the police.
    b = new_context(philippines.url)
    log_in(b, "iacat")
    b.get_by_role("link", name="Rounds").first.click()
    b.get_by_role("link", name="Survey 2026").click()
    b.get_by_role("link", name="Your State's reply").click()
    b.locator('#q-has_law input[value="yes"]').check()
    b.locator('#q-has_law input[value="yes"]').dispatch_event("change")
    expect(b.locator("#q-law_text textarea")).to_be_visible()  # asked once the law exists
    htmx_settled(b)
    b.locator("#q-law_text textarea").fill(LAW)
    with b.expect_response(lambda r: r.request.method == "POST"):
        b.locator("#q-law_text textarea").dispatch_event("change")
    expect(b.locator("#q-law_text textarea")).to_have_value(LAW)
    figures = b.locator("#q-figures")
    figures.get_by_label("Delegate this section to").select_option(
        label="Philippine National Police"
    )
    figures.get_by_role("button", name="Delegate").click()
    expect(b.locator("#q-figures .delegation")).to_contain_text("Philippine National Police")
    police = new_context(philippines.url)
    log_in(police, "pnp")
    police.goto(b.url)
    police.locator('#q-victims input[name="value"]').fill("1476")
    with police.expect_response(lambda r: r.request.method == "POST"):
        police.locator('#q-victims input[name="value"]').dispatch_event("change")
    police.reload()  # saved on the node, as the police see it again
    expect(police.locator('#q-victims input[name="value"]')).to_have_value("1476")
    expect(police.locator("#q-law_text textarea")).to_have_count(0)  # not its section
    b.reload()
    expect(b.locator('#q-victims input[name="value"]')).to_have_value("1476")
    b.screenshot(path=str(SCREENSHOTS / "two-nodes-reply.png"), full_page=True)
    b.get_by_role("button", name="Submit the reply").click()
    expect(b.locator("#reply-status")).to_contain_text("Submitted")
    assert philippines.deliver().startswith("sent 1 acknowledged 1")

    # At the secretariat: the reply arrived; a clarification is asked.
    reply = Submission.objects.get(round__key="tip-2026-round", country_id="PHL")
    assert reply.status == "submitted"
    assert services.current_answers(reply)["victims"] == 1476
    a.goto("/monitoring/rounds/tip-2026-round/PHL/")
    a.get_by_label("About the question").select_option("victims")
    a.get_by_label("Request for clarification").fill("Identified by whom: police or NGOs?")
    a.get_by_role("button", name="Ask for a clarification").click()
    expect(a.locator("#reply-status")).to_contain_text("Clarification requested")
    assert cooperation.outbox_deliver().acknowledged == 1

    # The State responds on its node and submits again.
    b.reload()
    expect(b.locator("#clarifications")).to_contain_text("Identified by whom")
    b.get_by_label("Your response").fill("By the police and the social welfare department.")
    b.get_by_role("button", name="Respond").click()
    b.get_by_role("button", name="Submit the reply").click()
    expect(b.locator("#reply-status")).to_contain_text("Submitted")
    assert philippines.deliver().startswith("sent 1 acknowledged 1")

    # The secretariat accepts, codes a passage, writes the outline and downloads the report.
    a.reload()
    expect(a.locator("#clarifications")).to_contain_text("social welfare department")
    a.get_by_role("button", name="Accept the reply").click()
    expect(a.locator("#reply-status")).to_contain_text("Accepted")
    assert cooperation.outbox_deliver().acknowledged == 1
    a.goto("/monitoring/rounds/tip-2026-round/coding/")
    answer = reply.answers.get(question__name="law_text")
    a.evaluate(
        """([id, start, end]) => {
            const el = document.querySelector(`[data-answer="${id}"]`);
            const range = document.createRange();
            range.setStart(el.firstChild, start);
            range.setEnd(el.firstChild, end);
            window.getSelection().removeAllRanges();
            window.getSelection().addRange(range);
            el.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
        }""",
        [answer.pk, LAW.index("a national"), LAW.index(" with the media")],
    )
    a.locator("#tag-{}".format(answer.pk)).get_by_role("button", name="Tag").click()
    expect(a.locator('[data-theme="awareness"]')).to_contain_text("1: Philippines")
    a.goto("/monitoring/rounds/tip-2026-round/outline/")
    a.get_by_label("Outline (YAML)").fill(OUTLINE)
    a.get_by_role("button", name="Save").click()
    expect(a.locator(".messages")).to_contain_text("has 3 parts")
    links = a.locator("#report-links")
    docx = _download(a, links.locator('a[href$="report.docx?lang=en"]'))
    with zipfile.ZipFile(io.BytesIO(docx)) as word:
        assert "w:footnoteReference" in word.read("word/document.xml").decode()
        assert "the Philippines reported a campaign." in word.read("word/footnotes.xml").decode()
    arabic = extract_text(io.BytesIO(_download(a, links.locator('a[href$="report.pdf?lang=ar"]'))))
    assert "الفلبين"[::-1] in arabic  # the Philippines in Arabic, right to left
    a.screenshot(path=str(SCREENSHOTS / "two-nodes-round.png"), full_page=True)

    # The State's node shows its reply accepted.
    b.reload()
    expect(b.locator("#reply-status")).to_contain_text("Accepted")
