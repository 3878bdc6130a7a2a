"""A whole cooperation request between two real nodes, in headless Chromium (Playwright).

Node A (Nigeria) is this test process's live server and database; node B (the Philippines) is a
second Palermo process with its own SQLite database on a loopback port (nodes.SecondNode, on this
process's clock). They know each other's Ed25519 keys and exchange signed envelopes over HTTP:
node A's outbox is delivered by the service, node B's by `palermo cooperation deliver`. A
prosecutor on each node works in the browser. The clock is pinned; session and CSRF cookies last
as long as the browser, so the browser's real clock never finds them expired. Run with
`pytest -m browser`; screenshots go to /tmp/cooperation-*.png (PALERMO_SCREENSHOTS to change
the folder).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import FilePayload, Page, expect
from pytest_django import Settings

from palermo.conftest import PASSWORD
from palermo.cooperation import services, signing
from palermo.cooperation.models import Node, Request
from palermo.core.choices import AuditAction, Role
from palermo.core.models import AuditEntry, User
from palermo.registry.models import DirectoryEntry

from .nodes import SecondNode

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there unless
# told that this is fine.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("PALERMO_SCREENSHOTS", tempfile.gettempdir()))
DOJ = "Department of Justice of the Philippines"
PDF = b"%PDF-1.4 statements of account 2024-2025"


@pytest.fixture(autouse=True)
def reference(live_reference: None) -> None:
    """The reference rows, written back after the previous live-server test (conftest)."""


@pytest.fixture
def node_b(
    clock: time_machine.Traveller,
    tmp_path: Path,
    live_server: Any,
    bravo_node: tuple[Path, str],
    settings: Settings,
) -> Iterator[SecondNode]:
    """The Philippines node, registered here as `bravo`; it knows this node as its peer."""
    # Cookies as node B sets them (nodes.NODE_SETTINGS): not dated by the pinned clock.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    node = SecondNode(bravo_node, tmp_path / "bravo")
    node.seed(
        org=DOJ,
        country="PHL",
        username="santos",
        password=PASSWORD,
        peer=signing.node_name(),
        peer_url=live_server.url,
        peer_key=signing.node_public_key(),
        peer_country="NGA",
    )
    services.node_add(name=node.name, url=node.url, public_key=node.public_key, country="PHL")
    yield node  # the test starts it when it needs it: it is seeded meanwhile
    node.stop()


def log_in(page: Page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".site-header .who")).to_contain_text(username)


def choose(page: Page, action: Callable[[], Any]) -> None:
    """Change a field of the request form and wait for htmx to bring the new suggestion."""
    with page.expect_response(lambda r: "/cooperation/new/parts/" in r.url):
        action()


def status(page: Page) -> Any:
    return page.locator("#request-status")


def test_whole_request_between_two_nodes(
    clock: time_machine.Traveller,
    new_context: Callable[[str], Page],
    live_server: Any,
    node_b: SecondNode,
    make_user: Callable[..., User],
) -> None:
    amaka = make_user(
        Role.INVESTIGATOR, org="Nigeria Police Force", country="NGA", username="amaka"
    )
    doj = DirectoryEntry.objects.get(country_id="PHL", organisation__name=DOJ)
    today = timezone.localdate()

    # Node A: a prosecutor drafts a request for mutual legal assistance to the Philippines.
    a = new_context(live_server.url)
    log_in(a, amaka.username)
    a.get_by_role("navigation", name="Main").get_by_role("link", name="Cooperation").click()
    expect(a.get_by_role("heading", level=1)).to_have_text("Inbox: requests received")
    a.get_by_role("link", name="New request").first.click()
    a.wait_for_url("**/cooperation/new/")  # loaded: htmx listens now (a change before is lost)
    choose(a, lambda: a.get_by_label("Type of request").select_option("mla"))
    choose(a, lambda: a.get_by_label("Requested state").select_option("PHL"))
    suggestion = a.get_by_role("status", name="Legal basis suggestion")
    expect(suggestion).to_contain_text("Both NGA and PHL are bound on {}".format(today))
    expect(suggestion).to_contain_text("UNTOC art. 18")
    # The competent authority from the directory and the node of that state are preselected.
    expect(a.locator("#id_requested_authority")).to_have_value(str(doj.pk))
    expect(a.locator("#id_node")).to_have_value(str(Node.objects.get(name=node_b.name).pk))
    # On a date before UNTOC bound both states, only a bilateral agreement or reciprocity.
    choose(a, lambda: a.get_by_label("Request date").fill("2002-01-01"))
    expect(suggestion).to_contain_text("No treaty in the registry binds both NGA and PHL")
    expect(a.get_by_label("UNTOC art. 18 (Mutual legal assistance)")).to_have_count(0)
    expect(a.get_by_label("Reciprocity (no treaty applies)")).to_be_visible()
    choose(a, lambda: a.get_by_label("Request date").fill(today.isoformat()))
    a.get_by_label("UNTOC art. 18 (Mutual legal assistance)").check()
    a.get_by_label("Subject").fill("Bank records of a recruiter")
    a.get_by_label("Description").fill("Transfers from Lagos to Manila, 2024-2025.")
    a.get_by_label("Urgency").select_option("urgent")
    a.get_by_label("Answer due by").fill((today + dt.timedelta(days=30)).isoformat())
    a.screenshot(path=str(SCREENSHOTS / "cooperation-new-request.png"), full_page=True)
    a.get_by_role("button", name="Save as draft").click()
    expect(a.locator(".messages")).to_contain_text("saved. Check it and send it.")
    expect(status(a)).to_have_text("Draft")
    expect(a.locator("#legal-basis")).to_have_text("UNTOC art. 18")
    a.get_by_role("button", name="Send the request").click()
    expect(status(a)).to_have_text("Sent")
    request = Request.objects.get()
    assert request.legal_basis_suggestion is not None
    assert request.legal_basis_suggestion["suggestions"][0]["instrument"] == "untoc"

    node_b.start()
    report = services.outbox_deliver()  # node A's outbox: signed, verified, receipt signed
    assert (report.sent, report.acknowledged) == (1, 1)

    # Node B: the request is in the inbox, acknowledged automatically.
    b = new_context(node_b.url)
    log_in(b, "santos")
    b.get_by_role("navigation", name="Main").get_by_role("link", name="Cooperation").click()
    row = b.locator("tr.request-row").filter(has_text="Bank records of a recruiter")
    expect(row).to_contain_text("Received")
    expect(row).to_contain_text("Nigeria Police Force")
    row.get_by_role("link").first.click()
    # Node B has no registry loaded: the instrument is named as node A cited it.
    expect(b.locator("#legal-basis")).to_have_text(
        "United Nations Convention against Transnational Organized Crime art. 18"
    )
    b.get_by_label("Note (goes to the other side)").fill("Which bank, and which period?")
    b.get_by_role("button", name="Ask for more information").click()
    expect(status(b)).to_have_text("More information requested")
    assert node_b.deliver() == "sent 2 acknowledged 2 failed 0 pending 0"  # ack + status

    # Node A: the acknowledgement and the question arrived; answer and say it is provided.
    a.reload()
    expect(status(a)).to_have_text("More information requested")
    thread = a.locator("#thread")
    expect(thread).to_contain_text("their reference IN-")
    expect(thread).to_contain_text("Which bank, and which period?")
    a.get_by_label("Message", exact=True).fill("Zenith Bank, January 2024 to June 2025.")
    a.get_by_role("button", name="Send the message").click()
    expect(a.locator(".messages")).to_contain_text("Message added")
    a.get_by_role("button", name="Information provided").click()
    expect(status(a)).to_have_text("Received")
    assert services.outbox_deliver().acknowledged == 2

    # Node B: accepts, then replies with the statements, not to be disseminated further.
    b.reload()
    expect(b.locator("#thread")).to_contain_text("Zenith Bank, January 2024 to June 2025.")
    b.get_by_role("button", name="Accept").click()
    expect(status(b)).to_have_text("Accepted")
    b.get_by_label("Message", exact=True).fill("Statements attached.")
    statements: FilePayload = {
        "name": "statements.pdf",
        "mimeType": "application/pdf",
        "buffer": PDF,
    }
    b.locator("#id_attachments").set_input_files(files=[statements])
    b.get_by_label("Source reliability").select_option("B")
    b.get_by_label("Information assessment").select_option("2")
    b.get_by_label("Not to be disseminated further without the originator's permission").check()
    b.get_by_role("button", name="Send the message").click()
    expect(b.locator(".messages")).to_contain_text("Message added")
    b.screenshot(path=str(SCREENSHOTS / "cooperation-node-b-request.png"), full_page=True)
    assert node_b.deliver() == "sent 2 acknowledged 2 failed 0 pending 0"

    # Node A: the reply is there with its handling code, and cannot be forwarded or exported.
    a.reload()
    expect(status(a)).to_have_text("Accepted")
    reply = a.locator("article.message.incoming").filter(has_text="Statements attached.")
    expect(reply.locator(".handling .code")).to_have_text("B2")
    expect(reply.locator(".restrictions")).to_contain_text(
        "Not to be disseminated further without the originator's permission"
    )
    expect(reply.get_by_role("link", name="Forward")).to_have_count(0)
    expect(reply.get_by_role("link", name="Share with an organisation here")).to_have_count(0)
    expect(reply).to_contain_text("cannot be forwarded, shared or exported")
    expect(a.locator("#export")).to_contain_text("Export is not allowed")
    expect(a.get_by_role("button", name="Export (JSON)")).to_have_count(0)
    a.screenshot(path=str(SCREENSHOTS / "cooperation-node-a-reply.png"), full_page=True)
    with a.expect_download() as download:
        reply.get_by_role("link", name="statements.pdf").click()
    assert Path(download.value.path()).read_bytes() == PDF
    read = AuditEntry.objects.get(action=AuditAction.READ, object_type="cooperation.attachment")
    assert read.actor == amaka
    # Going round the page does not help: the server refuses to forward it.
    message = request.messages.get(body="Statements attached.")
    response = a.goto("/cooperation/messages/{}/forward/".format(message.pk))
    assert response is not None and response.status == 403
    expect(a.get_by_role("alert")).to_contain_text("Not allowed by the originator's handling code")

    # Both databases tell the same story.
    request.refresh_from_db()
    assert request.status == "accepted"
    rows = node_b.query(
        "SELECT status, requester_reference FROM cooperation_request WHERE id = ?",
        request.pk.hex,
    )
    assert rows == [("accepted", request.requester_reference)]
    # Node B holds node A's answer and its own reply; node A also the acknowledgement.
    assert node_b.query("SELECT direction FROM cooperation_message ORDER BY created_at") == [
        ("incoming",),
        ("outgoing",),
    ]
    assert request.messages.count() == 3
