"""A prosecutor's first day on the demo (issue 12), in headless Chromium, with two real nodes as
`make run` and `make run-pair` make them.

Node A is this test process's live server with `palermo setup-demo` (Italy). First no peer is
registered: the new request form explains why a request cannot travel and the command that
registers a node, instead of an empty list. Then node "pair" starts as `make run-pair` starts
it: its own process and database, `palermo setup-demo --country ESP`, and the two nodes
registered with each other by `palermo nodes add` (both ways). The investigator picks the pair
node, sends a request for mutual legal assistance, and it arrives: Spain's national coordinator
sees it on the pair node, and its acknowledgement comes back. Run with `pytest -m browser`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pytest_django import Settings

from palermo.cooperation import services, signing
from palermo.cooperation.models import Node, Request
from palermo.cooperation.nodeproc import free_port, node_run, node_start, node_stop
from palermo.cooperation.tests.nodes import bravo_data_dir, bravo_template, node_env
from palermo.core.models import User
from palermo.core.tests.browser import log_in
from palermo.web.tests.demo import demo_node_make

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there unless
# told that this is fine.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SUBJECT = "Bank records of a recruiter in Madrid"


@pytest.fixture(scope="module")
def pair_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A migrated second node with the countries (made once; each test copies it)."""
    return bravo_template(tmp_path_factory.mktemp("pair-template"))


class PairNode:
    """`make run-pair`'s node: its own data dir and database, `setup-demo --country ESP`."""

    def __init__(self, template: tuple[Path, str], data: Path) -> None:
        self.data = bravo_data_dir(template[0], data)
        self.public_key = template[1]
        self.port = free_port()
        self.url = "http://127.0.0.1:{}".format(self.port)
        self.env = node_env(self.data, "pair")
        node_run(self.env, "setup-demo", "--country", "ESP")
        self.password = (self.data / "demo-credentials.txt").read_text().strip()
        self.proc: Any = None

    def register(self, peer: str, url: str, key: str) -> None:
        """What `make run-pair` runs on the pair: `palermo nodes add` (the first node, Italy)."""
        node_run(self.env, "nodes", "add", peer, url, "--key", key, "--country", "ITA")

    def start(self) -> None:
        self.proc = node_start(self.env, self.port)

    def stop(self) -> None:
        if self.proc is not None:
            node_stop(self.proc)

    def deliver(self) -> str:
        return node_run(self.env, "cooperation", "deliver").strip()


@pytest.fixture
def demo_node(live_reference: None, settings: Settings, tmp_path: Path) -> User:
    """Node A as `make run` makes it (the demo users, Italy); they log in with PASSWORD."""
    # Cookies not dated by the pinned clock (as node B sets them, nodes.NODE_SETTINGS).
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    demo_node_make(settings, tmp_path)
    return User.objects.get(username="investigator")


@pytest.fixture
def pair(
    clock: time_machine.Traveller, pair_template: tuple[Path, str], tmp_path: Path
) -> Iterator[PairNode]:
    node = PairNode(pair_template, tmp_path / "pair")
    yield node
    node.stop()


def choose(page: Page, action: Callable[[], Any]) -> None:
    """Change a field of the request form and wait for htmx to bring the new parts."""
    with page.expect_response(lambda r: "/cooperation/new/parts/" in r.url):
        action()


def test_prosecutor_sees_why_no_node_then_sends_an_mla_request_to_the_pair_node(
    clock: time_machine.Traveller,
    new_context: Callable[[str], Page],
    live_server: Any,
    demo_node: User,
    pair: PairNode,
) -> None:
    # No peer yet: the form says why and what to run, instead of an empty list.
    a = new_context(live_server.url)
    log_in(a, "investigator")
    a.get_by_role("navigation", name="Main").get_by_role("link", name="Cooperation").click()
    a.get_by_role("link", name="New request").first.click()
    a.wait_for_url("**/cooperation/new/")
    explanation = a.locator("#no-nodes")
    expect(explanation).to_contain_text(
        "No other node is registered on this node, so a request cannot travel yet."
    )
    expect(explanation).to_contain_text("palermo nodes add NAME https://node.example.org --key")
    expect(explanation).to_contain_text("make run-pair")
    expect(a.locator("#id_node")).to_have_count(0)

    # `make run-pair`: the pair node knows this one, this one knows the pair (both ways).
    pair.register(signing.node_name(), live_server.url, signing.node_public_key())
    call_command(
        "nodes", "add", "pair", pair.url, "--key", pair.public_key, "--country", "ESP",
        stdout=io.StringIO(),
    )  # fmt: skip
    pair.start()

    a.reload()
    expect(a.locator("#no-nodes")).to_have_count(0)
    choose(a, lambda: a.get_by_label("Type of request").select_option("mla"))
    choose(a, lambda: a.get_by_label("Requested state").select_option("ESP"))
    expect(a.locator("#id_node")).to_have_value(str(Node.objects.get(name="pair").pk))
    a.get_by_label("Reciprocity (no treaty applies)").check()
    a.get_by_label("Subject").fill(SUBJECT)
    a.get_by_label("Description").fill("Transfers from Palermo to Madrid, 2024-2025.")
    a.get_by_role("button", name="Save as draft").click()
    expect(a.locator(".messages")).to_contain_text("saved. Check it and send it.")
    a.get_by_role("button", name="Send the request").click()
    expect(a.locator("#request-status")).to_have_text("Sent")
    request = Request.objects.get(subject=SUBJECT)
    assert request.node is not None and request.node.name == "pair"

    report = services.outbox_deliver()  # what `palermo serve`'s delivery loop does
    assert (report.sent, report.acknowledged) == (1, 1)
    assert pair.deliver().startswith("sent 1 acknowledged 1")  # its acknowledgement back

    # On the pair node, Spain's national coordinator has the request.
    b = new_context(pair.url)
    log_in(b, "coordinator", pair.password)
    b.get_by_role("navigation", name="Main").get_by_role("link", name="Cooperation").click()
    row = b.locator("tr.request-row").filter(has_text=SUBJECT)
    expect(row).to_contain_text("Demo anti-trafficking police unit")

    # Back on the first node: acknowledged by the pair.
    a.reload()
    expect(a.locator("#thread")).to_contain_text("their reference IN-")
