"""Cooperation pages: who sees which page (404 for the rest), form errors, handling codes enforced.

The other node is simulated by signed envelopes posted to this node's inbox (helpers.peer_event),
so what the pages show is what a real peer's messages leave in the database. Legal-basis
suggestions come from the registry reference data (loaded once per run)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from palermo.cases import services as cases
from palermo.cases.choices import PersonRole
from palermo.conftest import PASSWORD
from palermo.cooperation import choices as c
from palermo.cooperation import envelopes, services
from palermo.cooperation.models import Message, Node, OutboundMessage, Request, SharedCaseExtract
from palermo.core.choices import AuditAction, OrganisationKind, Role
from palermo.core.models import AuditEntry, Organisation, User
from palermo.registry.models import DirectoryEntry

from .factories import NodeFactory, OrganisationFactory
from .helpers import _peer_message, _receive, peer_event

pytestmark = pytest.mark.django_db

RS = c.RequestStatus
DOJ_PHL = "Department of Justice of the Philippines"


@pytest.fixture
def prosecutor(make_user: Callable[..., User]) -> User:
    return make_user(Role.INVESTIGATOR, org="Nigeria Police Force", country="NGA", username="amaka")


@pytest.fixture
def coordinator(make_user: Callable[..., User]) -> User:
    return make_user(Role.NATIONAL_COORDINATOR, org="NAPTIP", country="NGA", username="coord")


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    return make_user(Role.INVESTIGATOR, org="Lagos State Police", country="NGA", username="lagos")


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user(Role.CASE_WORKER, org="Nigeria Police Force", country="NGA", username="worker")


@pytest.fixture
def manila() -> Node:
    """The peer node of the Philippines (it signs with factories.PEER_KEY as "bravo")."""
    return NodeFactory.create(country_id="PHL")


@pytest.fixture
def doj() -> DirectoryEntry:
    return DirectoryEntry.objects.select_related("organisation").get(
        country_id="PHL", organisation__name=DOJ_PHL
    )


def login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def draft(user: User, node: Node, entry: DirectoryEntry, **kw: Any) -> Request:
    base: dict[str, Any] = {
        "actor": user,
        "type": c.RequestType.MLA,
        "subject": "Bank records of a recruiter",
        "node": node,
        "requested_authority": entry,
        "legal_basis": "untoc:art. 18",
    }
    return services.request_create(**(base | kw))


def sent(user: User, node: Node, entry: DirectoryEntry, **kw: Any) -> Request:
    request = draft(user, node, entry, **kw)
    services.request_send(actor=user, request=request)
    request.refresh_from_db()
    return request


def ack(client: Client, request: Request) -> None:
    payload = {
        "requested_reference": "IN-2026-0000ABCD",
        "received_at": timezone.now().isoformat(),
        "requested_authority": DOJ_PHL,
    }
    resp = peer_event(client, envelopes.KIND_ACK, str(request.pk), 1, payload)
    assert resp.status_code == 200, resp.content


def peer_message(
    client: Client, request: Request, seq: int, codes: list[str], body: str = "Records attached."
) -> Message:
    """The Philippines' prosecutor replies on the request with a file under handling `codes`."""
    message_id = str(uuid.uuid4())
    resp = _peer_message(
        str(request.pk),
        seq,
        client,
        codes=codes,
        id=message_id,
        author="Prosecutor Santos, Department of Justice",
        body=body,
    )
    assert resp.status_code == 200, resp.content
    return Message.objects.get(pk=message_id)


def incoming(client: Client, **kw: Any) -> Request:
    """A request from the Philippines node to the Nigeria Police Force, acknowledged here."""
    return _receive(
        client,
        **{
            "type": "information",
            "subject": "Travel documents of two recruits",
            "urgency": "urgent",
            "due_date": (timezone.localdate() + dt.timedelta(days=3)).isoformat(),
            "requester_reference": "INFORMATION-2026-AAAA0001",
            "requesting_authority": {"name": DOJ_PHL},
            "requesting_country": "PHL",
            "legal_basis": {
                "kind": "instrument",
                "instrument": "trafficking-protocol",
                "article": "art. 10",
            },
        }
        | kw,
    )


# --- who sees which page -------------------------------------------------------------------------

PAGES = ["inbox", "outbox", "deadlines", "new", "statistics"]


def test_pages_per_role(
    prosecutor: User, coordinator: User, analyst: User, worker: User, editor: User
) -> None:
    for user in (prosecutor, coordinator):
        client = login(user)
        for name in PAGES:
            assert client.get(reverse("cooperation:{}".format(name))).status_code == 200, name
        nav = client.get(reverse("web:home")).content.decode()
        assert 'href="/cooperation/"' in nav
    # Analysts: statistics only; case workers and registry editors: nothing.
    client = login(analyst)
    for name in PAGES:
        expected = 200 if name == "statistics" else 404
        assert client.get(reverse("cooperation:{}".format(name))).status_code == expected, name
    home = client.get(reverse("web:home")).content.decode()
    assert 'href="/cooperation/statistics/"' in home
    assert 'href="/cooperation/"' not in home
    for user in (worker, editor):
        client = login(user)
        for name in PAGES:
            assert client.get(reverse("cooperation:{}".format(name))).status_code == 404, name
        assert "/cooperation/" not in client.get(reverse("web:home")).content.decode()
    anonymous = Client()
    for name in PAGES:
        resp = anonymous.get(reverse("cooperation:{}".format(name)))
        assert resp.status_code == 302 and resp["Location"].startswith("/login/")


def test_other_organisations_request_is_404_everywhere(
    prosecutor: User, outsider: User, analyst: User, manila: Node, doj: DirectoryEntry
) -> None:
    client = Client()
    request = sent(prosecutor, manila, doj)
    ack(client, request)
    message = peer_message(client, request, 2, [])
    attachment = message.attachments.get()
    urls = [
        reverse("cooperation:detail", args=[request.pk]),
        reverse("cooperation:detail", args=[request.requester_reference]),
        reverse("cooperation:edit", args=[request.pk]),
        reverse("cooperation:share_case", args=[request.pk]),
        reverse("cooperation:forward", args=[message.pk]),
        reverse("cooperation:share_message", args=[message.pk]),
        reverse("cooperation:attachment", args=[attachment.pk]),
    ]
    posts = [
        reverse("cooperation:send", args=[request.pk]),
        reverse("cooperation:transition", args=[request.pk]),
        reverse("cooperation:message", args=[request.pk]),
        reverse("cooperation:export", args=[request.pk]),
    ]
    other = login(outsider)
    for url in urls:
        assert other.get(url).status_code == 404, url
    for url in posts:
        assert other.post(url, {"to_status": "withdrawn", "body": "x"}).status_code == 404, url
    assert request.subject not in other.get(reverse("cooperation:outbox")).content.decode()
    for url in urls[:1]:
        assert login(analyst).get(url).status_code == 404
    assert other.get(reverse("cooperation:detail", args=[uuid.uuid4()])).status_code == 404
    request.refresh_from_db()
    assert request.status == RS.RECEIVED
    assert Message.objects.filter(request=request).count() == 2  # acknowledgement + reply
    # The owner sees it all.
    mine = login(prosecutor)
    for url in urls[:2] + urls[3:]:
        assert mine.get(url).status_code == 200, url


# --- the new request -----------------------------------------------------------------------------


def test_legal_basis_suggestion_live_and_form_errors(
    prosecutor: User, manila: Node, doj: DirectoryEntry
) -> None:
    client = login(prosecutor)
    parts = reverse("cooperation:request_form_parts")
    html = client.get(
        parts, {"type": "mla", "requested_country": "PHL"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "<html" not in html  # a fragment for htmx
    assert "UNTOC art. 18" in html and "Both NGA and PHL are bound on" in html
    assert DOJ_PHL in html and 'value="untoc:art. 18"' in html
    assert 'value="{}" selected'.format(manila.pk) in html  # the node of the Philippines
    before = client.get(
        parts, {"type": "mla", "requested_country": "PHL", "request_date": "2002-01-01"}
    ).content.decode()
    assert 'value="untoc:art. 18"' not in before
    assert "No treaty in the registry binds both NGA and PHL on 2002-01-01" in before
    assert 'value="bilateral"' in before and 'value="reciprocity"' in before
    info = client.get(parts, {"type": "information", "requested_country": "PHL"}).content.decode()
    assert 'value="trafficking-protocol:art. 10"' in info

    new = reverse("cooperation:new")
    resp = client.post(new, {})
    assert resp.status_code == 400
    text = resp.content.decode()
    assert "Nothing was saved" in text
    assert "Choose the legal basis" in text
    assert "Choose the node the request travels to." in text
    form = resp.context["form"]
    assert {"type", "requested_country", "subject", "node", "legal_basis"} <= set(form.errors)

    good = {
        "type": "mla",
        "requested_country": "PHL",
        "requested_authority": str(doj.pk),
        "node": str(manila.pk),
        "subject": "Bank records of a recruiter",
        "urgency": "urgent",
        "due_date": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
        "request_date": timezone.localdate().isoformat(),
        "legal_basis": "untoc:art. 18",
    }
    for change, field, message in [
        ({"legal_basis": "bilateral"}, "legal_basis_text", "Name the bilateral agreement"),
        ({"due_date": "2001-01-01"}, "due_date", "The due date is in the past."),
        ({"request_date": "2002-01-01"}, "legal_basis", "not among the choices"),
        ({"legal_basis": "uncac:art. 46"}, "legal_basis", "not among the choices"),
    ]:
        resp = client.post(new, good | change)
        assert resp.status_code == 400
        assert message in " ".join(resp.context["form"].errors[field])
    assert not Request.objects.exists()

    resp = client.post(new, good)
    request = Request.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse(
        "cooperation:detail", args=[request.pk]
    )
    assert request.legal_basis_instrument is not None and request.requested_organisation
    assert (request.status, request.legal_basis_instrument.slug) == (RS.DRAFT, "untoc")
    assert request.requested_organisation.name == DOJ_PHL
    assert request.requested_country_id == "PHL" and request.urgency == "urgent"
    page = client.get(resp["Location"]).content.decode()
    assert "Send the request" in page and "UNTOC art. 18" in page

    # Bilateral with its name; then send from the page.
    resp = client.post(
        reverse("cooperation:edit", args=[request.pk]),
        good | {"legal_basis": "bilateral", "legal_basis_text": "NGA-PHL MLA treaty of 2015"},
    )
    assert resp.status_code == 302
    request.refresh_from_db()
    assert request.legal_basis_kind == "bilateral"
    assert request.legal_basis_text == "NGA-PHL MLA treaty of 2015"
    resp = client.post(reverse("cooperation:send", args=[request.pk]))
    assert resp.status_code == 302
    request.refresh_from_db()
    assert request.status == RS.SENT
    assert OutboundMessage.objects.filter(request=str(request.pk), kind="request.create").exists()
    # A sent request is no longer a draft to edit.
    assert client.get(reverse("cooperation:edit", args=[request.pk])).status_code == 403


# --- lists, deadlines, statistics ----------------------------------------------------------------


def test_inbox_outbox_filters_and_overdue(
    prosecutor: User, manila: Node, doj: DirectoryEntry
) -> None:
    peer = Client()
    received = incoming(peer)
    late = sent(prosecutor, manila, doj, subject="Late answer", type="assets")
    Request.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - dt.timedelta(days=4))
    sent(prosecutor, manila, doj, subject="Extradite the recruiter", type="extradition")

    client = login(prosecutor)
    inbox = client.get(reverse("cooperation:inbox")).content.decode()
    assert "Travel documents of two recruits" in inbox and "Received" in inbox
    assert "Late answer" not in inbox
    outbox = client.get(reverse("cooperation:outbox"))
    rows = outbox.context["page"].object_list
    assert [r.subject for r in rows] == ["Extradite the recruiter", "Late answer"]
    text = outbox.content.decode()
    assert text.count('class="request-row overdue"') == 1
    filtered = client.get(
        reverse("cooperation:outbox"), {"type": "assets"}, headers={"HX-Request": "true"}
    )
    assert [r.subject for r in filtered.context["page"].object_list] == ["Late answer"]
    assert "<html" not in filtered.content.decode()
    assert [
        r.subject
        for r in client.get(reverse("cooperation:outbox"), {"overdue": "on"})
        .context["page"]
        .object_list
    ] == ["Late answer"]
    assert (
        not client.get(reverse("cooperation:inbox"), {"country": "ZAF"}).context["page"].object_list
    )
    # An unknown filter value is ignored, not an error.
    assert client.get(reverse("cooperation:inbox"), {"status": "nonsense"}).status_code == 200

    board = client.get(reverse("cooperation:deadlines"))
    groups = {key: rows for key, _label, _late, rows in board.context["groups"]}
    assert [d.request.pk for d, _n in groups["overdue-theirs"]] == [late.pk]
    assert [(d.request.pk, n) for d, n in groups["soon-ours"]] == [(received.pk, 3)]
    assert "4 days late" in board.content.decode()


def test_statistics_page_for_analysts(
    prosecutor: User, analyst: User, manila: Node, doj: DirectoryEntry
) -> None:
    peer = Client()
    received = incoming(peer)
    services.request_refuse(
        actor=prosecutor,
        request=received,
        ground="dual_criminality",
        grounds="Not an offence here.",
    )
    sent(prosecutor, manila, doj)
    resp = login(analyst).get(reverse("cooperation:statistics"))
    assert resp.status_code == 200
    text = resp.content.decode()
    assert "Absence of dual criminality" in text
    pairs = [
        (p["requesting_country"], p["requested_country"], p["type"])
        for p in resp.context["stats"]["pairs"]
    ]
    assert pairs == [("NGA", "PHL", "mla"), ("PHL", "NGA", "information")]
    assert "Philippines" in text and "Nigeria" in text
    assert received.subject not in text  # counts, never a request
    bad = login(analyst).get(
        reverse("cooperation:statistics"), {"date_from": "2026-02-01", "date_to": "2026-01-01"}
    )
    assert "The end date is before the start date." in bad.content.decode()


# --- the request page: transitions, replies, handling codes ---------------------------------------


def test_transitions_as_buttons_and_refusal_needs_grounds(prosecutor: User, manila: Node) -> None:
    request = incoming(Client())
    client = login(prosecutor)
    url = reverse("cooperation:detail", args=[request.pk])
    page = client.get(url).content.decode()
    for label in ("Accept", "Ask for more information", "Refuse (grounds required)"):
        assert label in page
    assert ">Withdraw<" not in page  # only the requester withdraws

    transition = reverse("cooperation:transition", args=[request.pk])
    resp = client.post(transition, {"to_status": "refused", "note": ""})
    assert resp.status_code == 400
    errors = resp.context["refuse_form"].errors
    assert errors["refusal_ground"] == ["A refusal needs its ground."]
    assert errors["note"] == ["A refusal needs its grounds stated in full."]
    resp = client.post(transition, {"to_status": "executed"})
    assert resp.status_code == 400
    assert (
        "The requested side cannot move this request from “Received” to “Executed”."
        in resp.content.decode()
    )
    request.refresh_from_db()
    assert request.status == RS.RECEIVED

    resp = client.post(transition, {"to_status": "more_info_requested", "note": "Which passports?"})
    assert resp.status_code == 302
    request.refresh_from_db()
    assert request.status == RS.MORE_INFO_REQUESTED
    status_event = OutboundMessage.objects.filter(kind="request.status").get()
    assert status_event.payload["note"] == "Which passports?"
    page = client.get(url).content.decode()
    assert "Which passports?" in page and "More information requested" in page


def test_reply_with_attachment_and_errors(prosecutor: User, manila: Node) -> None:
    request = incoming(Client())
    client = login(prosecutor)
    url = reverse("cooperation:message", args=[request.pk])
    resp = client.post(url, {"body": "", "source_reliability": "B", "information_assessment": "2"})
    assert resp.status_code == 400
    assert resp.context["message_form"].errors["body"] == ["Write a message or attach a file."]
    resp = client.post(
        url,
        {"body": "x", "source_reliability": "Z", "information_assessment": "2"},
    )
    assert resp.status_code == 400 and "source_reliability" in resp.context["message_form"].errors
    assert not Message.objects.filter(request=request, direction="outgoing").exists()

    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415

    upload = SimpleUploadedFile("passport-scan.txt", b"scan", content_type="text/plain")
    resp = client.post(
        url,
        {
            "body": "Passport copies attached.",
            "attachments": [upload],
            "source_reliability": "A",
            "information_assessment": "1",
            "handling_codes": ["no_further_dissemination", "not_for_court"],
        },
    )
    assert resp.status_code == 302
    message = Message.objects.get(request=request, direction="outgoing")
    assert message.handling_codes == ["no_further_dissemination", "not_for_court"]
    attachment = message.attachments.get()
    assert attachment.filename == "passport-scan.txt"
    out = OutboundMessage.objects.get(kind="request.message")
    assert out.payload["message"]["handling_codes"] == ["no_further_dissemination", "not_for_court"]
    download = client.get(reverse("cooperation:attachment", args=[attachment.pk]))
    assert download.content == b"scan"
    assert download["Content-Disposition"].startswith("attachment")
    # Our own content is not restricted for us: forward is offered.
    page = client.get(reverse("cooperation:detail", args=[request.pk])).content.decode()
    assert reverse("cooperation:forward", args=[message.pk]) in page


def test_handling_codes_shown_and_enforced(
    prosecutor: User, manila: Node, doj: DirectoryEntry, make_user: Callable[..., User]
) -> None:
    peer = Client()
    request = sent(prosecutor, manila, doj)
    other = sent(prosecutor, manila, doj, subject="Another request")
    ack(peer, request)
    restricted = peer_message(peer, request, 2, ["no_further_dissemination"], body="Names inside")
    client = login(prosecutor)
    detail = reverse("cooperation:detail", args=[request.pk])
    page = client.get(detail).content.decode()
    assert "Not to be disseminated further without the originator&#x27;s permission" in page
    assert 'class="code" title="Handling code">B2<' in page
    assert "B - Mostly reliable" in page and "2 - Known personally to the source" in page
    assert reverse("cooperation:forward", args=[restricted.pk]) not in page
    assert reverse("cooperation:share_message", args=[restricted.pk]) not in page
    assert reverse("cooperation:export", args=[request.pk]) not in page
    assert "cannot be forwarded, shared or exported" in page

    # The server refuses anyway, and nothing is written.
    forward = reverse("cooperation:forward", args=[restricted.pk])
    assert client.get(forward).status_code == 403
    resp = client.post(forward, {"to_request": str(other.pk), "note": "FYI"})
    assert resp.status_code in (400, 403)
    assert not Message.objects.filter(request=other).exists()
    share = reverse("cooperation:share_message", args=[restricted.pk])
    org = OrganisationFactory.create(name="Lagos State Police")
    assert client.get(share).status_code == 403
    resp = client.post(share, {"organisation": str(org.pk), "reason": "joint operation"})
    assert resp.status_code in (400, 403) and not restricted.shares.exists()
    resp = client.post(reverse("cooperation:export", args=[request.pk]), {"purpose": "record"})
    assert resp.status_code == 403
    assert "may not be exported" in resp.content.decode()
    assert not AuditEntry.objects.filter(
        action=AuditAction.READ, reason__startswith="export"
    ).exists()

    # Intelligence only (not for court): forward and export for the record, not for court.
    peer_message(peer, request, 3, ["not_for_court"], body="Intelligence")
    restricted.handling_codes = []  # (as if the originator lifted it, to test the court rule alone)
    restricted.save(update_fields=["handling_codes"])
    page = client.get(detail).content.decode()
    assert reverse("cooperation:export", args=[request.pk]) in page
    assert 'value="court"' not in page
    assert "Intelligence only: not to be used as evidence in court" in page
    resp = client.post(reverse("cooperation:export", args=[request.pk]), {"purpose": "court"})
    assert resp.status_code == 403
    resp = client.post(reverse("cooperation:export", args=[request.pk]), {"purpose": "record"})
    assert resp.status_code == 200 and resp["Content-Disposition"].startswith("attachment")
    exported = json.loads(resp.content)
    assert [m["handling"] for m in exported["messages"]][-1] == "B2 not_for_court"


# --- sharing part of a case ----------------------------------------------------------------------


def test_case_share_needs_consent_or_legal_basis(
    prosecutor: User, outsider: User, manila: Node, doj: DirectoryEntry
) -> None:
    request = sent(prosecutor, manila, doj)
    case = cases.case_open(actor=prosecutor, title="Lagos recruiters")
    victim = cases.person_add(
        actor=prosecutor,
        case=case,
        role=PersonRole.VICTIM,
        identity={"first_name": "Ada", "second_name": "Okoro"},
    )
    client = login(prosecutor)
    url = reverse("cooperation:share_case", args=[request.pk])
    page = client.get(url, {"case": str(case.pk)}).content.decode()
    assert victim.pseudonym in page and "Ada" not in page
    base = {
        "case": str(case.pk),
        "body": "What we know",
        "source_reliability": "B",
        "information_assessment": "2",
    }
    resp = client.post(url, base)
    assert (
        resp.status_code == 400 and "Choose at least one field to share." in resp.content.decode()
    )
    identity = "p-{}-identity".format(victim.pseudonym)
    resp = client.post(url, base | {"case_fields": ["status"], identity: ["first_name"]})
    assert resp.status_code == 400
    assert "needs their recorded consent to data sharing or a stated legal basis" in (
        resp.content.decode()
    )
    assert not SharedCaseExtract.objects.exists() and not Message.objects.exists()
    resp = client.post(
        url,
        base
        | {
            "case_fields": ["status"],
            identity: ["first_name"],
            "p-{}-facts".format(victim.pseudonym): ["role"],
            "legal_basis": "UNTOC art. 18(1)",
        },
    )
    assert resp.status_code == 302
    extract = SharedCaseExtract.objects.get()
    assert extract.fields == {
        "case": ["status"],
        "persons": {victim.pseudonym: ["first_name", "role"]},
    }
    assert extract.identifying and extract.basis == "legal_basis"
    assert (
        "Ada" not in client.get(reverse("cooperation:detail", args=[request.pk])).content.decode()
    )
    # Only the organisation holding a case shares it: another organisation's case is no choice.
    theirs = cases.case_open(actor=outsider, title="Not ours")
    resp = client.get(url, {"case": str(theirs.pk)})
    assert resp.context["form"] is None and "Select a valid choice" in resp.content.decode()
    resp = client.post(url, base | {"case": str(theirs.pk), "case_fields": ["status"]})
    assert resp.status_code == 400 and SharedCaseExtract.objects.count() == 1


def test_received_extract_read_with_reason_is_audited(prosecutor: User, manila: Node) -> None:
    peer = Client()
    request = incoming(peer)
    extract_id = str(uuid.uuid4())
    message = {
        "id": str(uuid.uuid4()),
        "author": DOJ_PHL,
        "body": "Extract of our case",
        "source_reliability": "A",
        "information_assessment": "1",
        "handling_codes": [],
        "created_at": timezone.now().isoformat(),
        "extracts": [
            {
                "id": extract_id,
                "case_reference": "PH-2026-001",
                "fields": {"case": ["status"], "persons": {"P-ABCDEFGHJK": ["first_name"]}},
                "identifying": True,
                "basis": "consent",
                "data": {
                    "case": {"status": "Active"},
                    "persons": {"P-ABCDEFGHJK": {"first_name": "Maria"}},
                },
            }
        ],
    }
    resp = peer_event(peer, envelopes.KIND_MESSAGE, str(request.pk), 2, {"message": message})
    assert resp.status_code == 200, resp.content
    client = login(prosecutor)
    page = client.get(reverse("cooperation:detail", args=[request.pk])).content.decode()
    assert "PH-2026-001" in page and "Maria" not in page
    url = reverse("cooperation:extract", args=[extract_id])
    resp = client.post(url, {"reason": ""}, headers={"HX-Request": "true"})
    assert (
        "This field is required" in resp.content.decode() and "Maria" not in resp.content.decode()
    )
    resp = client.post(url, {"reason": "Match with our victim"}, headers={"HX-Request": "true"})
    text = resp.content.decode()
    assert "Maria" in text and "<html" not in text
    read = AuditEntry.objects.filter(action=AuditAction.READ, object_id=extract_id).get()
    assert read.reason == "Match with our victim" and read.actor == prosecutor
    assert "Maria" not in url


def test_coordinator_assigns_request_without_authority_here(
    prosecutor: User, coordinator: User, outsider: User, manila: Node
) -> None:
    request = incoming(Client(), requested_authority={"name": "Unknown agency"})
    assert request.requested_organisation is None
    url = reverse("cooperation:detail", args=[request.pk])
    assert login(prosecutor).get(url).status_code == 404  # not theirs yet
    client = login(coordinator)
    page = client.get(url).content.decode()
    assert 'action="{}"'.format(reverse("cooperation:assign", args=[request.pk])) in page
    assign = reverse("cooperation:assign", args=[request.pk])
    resp = client.post(assign, {"organisation": ""})
    assert resp.status_code == 400 and "This field is required." in resp.content.decode()
    police = Organisation.objects.get(name="Nigeria Police Force")
    resp = client.post(assign, {"organisation": str(police.pk)})
    assert resp.status_code == 302
    request.refresh_from_db()
    assert request.requested_organisation == police
    assert login(prosecutor).get(url).status_code == 200
    assert login(outsider).get(url).status_code == 404


def test_forward_and_share_where_the_codes_allow(
    prosecutor: User, manila: Node, doj: DirectoryEntry
) -> None:
    peer = Client()
    request = sent(prosecutor, manila, doj)
    other = sent(prosecutor, manila, doj, subject="Another request")
    ack(peer, request)
    message = peer_message(peer, request, 2, ["law_enforcement_only"])
    client = login(prosecutor)
    page = client.get(reverse("cooperation:detail", args=[request.pk])).content.decode()
    forward = reverse("cooperation:forward", args=[message.pk])
    share = reverse("cooperation:share_message", args=[message.pk])
    assert forward in page and share in page
    resp = client.post(forward, {"to_request": "", "note": ""})
    assert resp.status_code == 400 and "This field is required." in resp.content.decode()
    resp = client.post(forward, {"to_request": str(other.pk), "note": "Same recruiter"})
    assert resp.status_code == 302
    copy = Message.objects.get(request=other, kind="forward")
    assert copy.handling_codes == ["law_enforcement_only"]  # the codes go with it
    assert copy.attachments.count() == 1
    # Law enforcement only: a government agency may get it, an NGO may not.
    ngo = OrganisationFactory.create(name="Shelter NGO", kind=OrganisationKind.NGO)
    assert "Shelter NGO" not in client.get(share).content.decode()
    resp = client.post(share, {"organisation": str(ngo.pk), "reason": "support"})
    assert resp.status_code == 400 and "Select a valid choice" in resp.content.decode()
    assert not message.shares.exists()
    police = OrganisationFactory.create(name="Lagos State Police")
    resp = client.post(share, {"organisation": str(police.pk), "reason": "joint operation"})
    assert resp.status_code == 302
    assert list(message.shares.values_list("organisation__name", flat=True)) == [
        "Lagos State Police"
    ]


def test_lists_use_a_fixed_number_of_queries(
    prosecutor: User, manila: Node, doj: DirectoryEntry, django_assert_max_num_queries: Any
) -> None:
    client = login(prosecutor)
    sent(prosecutor, manila, doj)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("cooperation:outbox"))
    for n in range(8):
        sent(prosecutor, manila, doj, subject="Request {}".format(n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        resp = client.get(reverse("cooperation:outbox"))
    assert len(resp.context["page"].object_list) == 9
