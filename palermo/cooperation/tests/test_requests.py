"""The request workflow on one node: the other node is simulated by signed posts to the inbox.

Legal-basis suggestions use the real registry reference data (loaded once per run)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from palermo.cases import services as cases
from palermo.cases.choices import ConsentPurpose, PersonRole
from palermo.cases.models import Case, Person
from palermo.cooperation import access, envelopes, files, handling, selectors, services
from palermo.cooperation import choices as c
from palermo.cooperation.models import (
    Attachment,
    InboundMessage,
    Message,
    Node,
    Request,
    SharedCaseExtract,
    StatusChange,
)
from palermo.core.choices import OrganisationKind
from palermo.core.crypto import fernet
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import AuditEntry, Organisation, User
from palermo.registry.models import Instrument
from palermo.registry.tests.factories import SourceFactory, TreatyActionFactory

from .factories import ExtractPayloadFactory, OrganisationFactory
from .helpers import _draft, _incoming_payload, _outbox, _peer_message, _receive, peer_event

pytestmark = pytest.mark.django_db

RS = c.RequestStatus


# --- legal basis from the registry -----------------------------------------------------------


def test_suggestion_from_reference_data() -> None:
    # Nigeria ratified UNTOC in 2001, South Africa on 20 February 2004 (in force 30 days later).
    later = selectors.legal_basis_suggest(
        type="mla", requesting="NGA", requested="ZAF", on=dt.date(2005, 1, 1)
    )
    assert [(s["instrument"], s["article"]) for s in later["suggestions"]] == [("untoc", "art. 18")]
    assert later["suggestions"][0]["requested"]["in_force"] == "2004-03-21"
    assert later["suggestions"][0]["sources"]
    assert later["fallbacks"] == []
    for kind, expected in [
        ("extradition", ("untoc", "art. 16")),
        ("jit", ("untoc", "art. 19")),
        ("information", ("trafficking-protocol", "art. 10")),
        ("return_verification", ("trafficking-protocol", "art. 8")),
        ("assets", ("untoc", "arts. 12-14")),
    ]:
        got = selectors.legal_basis_suggest(
            type=kind, requesting="NGA", requested="ZAF", on=dt.date(2005, 1, 1)
        )
        assert (got["suggestions"][0]["instrument"], got["suggestions"][0]["article"]) == expected

    before = selectors.legal_basis_suggest(
        type="mla", requesting="NGA", requested="ZAF", on=dt.date(2004, 3, 1)
    )
    assert before["suggestions"] == []
    why_not = before["not_applicable"][0]["why_not"]
    assert "ZAF: party (ratification 2004-02-20), in force for it only from 2004-03-21" in why_not
    assert "not bound" not in why_not
    assert [f["kind"] for f in before["fallbacks"]] == ["bilateral", "reciprocity"]
    # India only signed: never a suggestion for it.
    india = selectors.legal_basis_suggest(
        type="mla", requesting="NGA", requested="IND", on=dt.date(2010, 1, 1)
    )
    assert india["suggestions"] == []
    assert india["not_applicable"][0]["requested"]["status"] == "signatory"
    assert "IND: signatory only (signed 2002-12-12" in india["not_applicable"][0]["why_not"]


def test_mla_from_italy_to_nigeria_today_both_are_parties() -> None:
    # The issue: "UNTOC art. 18: ITA not bound". The UNTC status list says Italy ratified UNTOC
    # on 2 Aug 2006 and Nigeria on 28 Jun 2001.
    got = selectors.legal_basis_suggest(
        type="mla", requesting="ITA", requested="NGA", on=dt.date(2026, 12, 5)
    )
    untoc = next(s for s in got["suggestions"] if s["instrument"] == "untoc")
    assert untoc["article"] == "art. 18"
    assert untoc["requesting"]["status"] == "party"
    assert untoc["requesting"]["consent_date"] == "2006-08-02"
    assert untoc["requested"]["status"] == "party"
    assert untoc["requested"]["consent_date"] == "2001-06-28"
    assert got["fallbacks"] == []
    assert "untoc" not in [s["instrument"] for s in got["not_applicable"]]
    # Instruments the registry has no status list for (UNCAC ...) say "no record", not "not bound".
    for item in got["not_applicable"]:
        assert item["requesting"]["status"] in {"party", "signatory", "no_record"}
        assert "not bound" not in item["why_not"]


def test_no_record_is_not_not_bound() -> None:
    # South Sudan is in none of the registry's UNTOC sources: "no record", with the date the
    # registry's sources reach, never "not bound".
    got = selectors.legal_basis_suggest(
        type="mla", requesting="NGA", requested="SSD", on=dt.date(2026, 12, 5)
    )
    item = next(s for s in got["not_applicable"] if s["instrument"] == "untoc")
    assert item["requested"]["status"] == "no_record"
    assert item["requested"]["bound"] is False
    assert item["requested"]["record_until"] == "2014-01-27"
    assert (
        "SSD: no record (the registry holds no record for SSD up to 2014-01-27)" in item["why_not"]
    )
    assert item["requesting"]["status"] == "party"


def test_regional_suggestion_where_both_are_party() -> None:
    saarc = Instrument.objects.get(slug="saarc-trafficking-convention")
    source = SourceFactory.create(document__key="test-saarc-status", locator="p. 1")
    for iso3 in ("IND", "NPL"):
        TreatyActionFactory.create(
            instrument=saarc,
            country_id=iso3,
            action="ratification",
            date=dt.date(2005, 6, 1),
            source=source,
        )
    got = selectors.legal_basis_suggest(
        type="mla", requesting="IND", requested="NPL", on=dt.date(2010, 1, 1)
    )
    assert [(s["instrument"], s["article"]) for s in got["suggestions"]] == [
        ("saarc-trafficking-convention", "art. VI")
    ]
    assert "caveat" in got["suggestions"][0]  # entry into force not recorded in the registry
    # Nepal is not party to UNTOC in the reference data: UNTOC is listed as not applicable.
    assert any(s["instrument"] == "untoc" for s in got["not_applicable"])


# --- life cycle ------------------------------------------------------------------------------


def test_draft_send_and_envelope(investigator: User, bravo: Node, saps: Organisation) -> None:
    request = _draft(investigator, bravo, saps, due_date=timezone.localdate() + dt.timedelta(7))
    assert request.status == RS.DRAFT
    assert request.requesting_country_id == "NGA"
    assert request.requested_country_id == "ZAF"
    assert request.requester_reference.startswith("MLA-")
    assert not _outbox()
    services.message_post(
        actor=investigator,
        request=request,
        body="Letter of request attached.",
        attachments=[services.NewAttachment("letter.txt", "text/plain", b"Dear colleagues")],
    )
    assert not _outbox()  # a draft's messages wait for it
    services.request_send(actor=investigator, request=request)
    request.refresh_from_db()
    assert request.status == RS.SENT
    assert request.legal_basis_suggestion is not None
    assert request.legal_basis_suggestion["suggestions"][0]["instrument"] == "untoc"
    create, message = _outbox()
    assert (create.kind, create.seq, create.request) == (
        envelopes.KIND_CREATE,
        1,
        str(request.pk),
    )
    assert create.payload["request"]["legal_basis"]["instrument"] == "untoc"
    assert create.payload["request"]["requested_authority"]["name"] == saps.name
    att = message.payload["message"]["attachments"][0]
    assert base64.b64decode(att["content_b64"]) == b"Dear colleagues"
    assert att["sha256"] == files.sha256(b"Dear colleagues")
    assert message.seq == 2
    assert [(ch.from_status, ch.to_status) for ch in request.status_changes.all()] == [
        (RS.DRAFT, RS.DRAFT),
        (RS.DRAFT, RS.SENT),
    ]
    with pytest.raises(ApplicationError, match="Only a draft"):
        services.request_send(actor=investigator, request=request)


def test_send_needs_node_state_and_legal_basis(
    investigator: User, bravo: Node, saps: Organisation
) -> None:
    unknown = services.request_create(
        actor=investigator,
        type="mla",
        subject="x",
        requested_authority="Some ministry",
        legal_basis="reciprocity",
    )
    assert unknown.requested_authority_name == "Some ministry"  # travels by name
    with pytest.raises(ApplicationError, match="the requested state"):
        services.request_send(actor=investigator, request=unknown)
    services.request_update(actor=investigator, request=unknown, node=bravo)
    assert services.request_send(actor=investigator, request=unknown).requested_country_id == "ZAF"
    request = services.request_create(
        actor=investigator, type="mla", subject="x", requested_authority=saps.name
    )
    with pytest.raises(ApplicationError) as err:
        services.request_send(actor=investigator, request=request)
    assert err.value.code == "incomplete"
    assert "node" in err.value.detail and "legal basis" in err.value.detail
    with pytest.raises(ApplicationError) as err:
        services.request_update(actor=investigator, request=request, legal_basis="bilateral:")
    assert err.value.code == "legal_basis_text_required"
    services.request_update(
        actor=investigator, request=request, node=bravo, legal_basis="bilateral:NGA-ZAF MoU 2012"
    )
    services.request_send(actor=investigator, request=request)
    assert _outbox()[-1].payload["request"]["legal_basis"] == {
        "kind": "bilateral",
        "instrument": None,
        "instrument_title": "",
        "article": "",
        "text": "NGA-ZAF MoU 2012",
    }


def test_suggested_legal_basis_and_reciprocity(
    investigator: User, bravo: Node, saps: Organisation
) -> None:
    request = _draft(investigator, bravo, saps, legal_basis="suggested", type="jit")
    assert request.legal_basis_instrument is not None
    assert (request.legal_basis_instrument.slug, request.legal_basis_article) == (
        "untoc",
        "art. 19",
    )
    other = _draft(investigator, bravo, saps, legal_basis="reciprocity")
    assert other.legal_basis_kind == "reciprocity"
    with pytest.raises(NotFoundError):
        _draft(investigator, bravo, saps, legal_basis="no-such-treaty")


def test_type_codes_are_exact() -> None:
    assert c.RequestType.values == [
        "mla",
        "extradition",
        "jit",
        "information",
        "return_verification",
        "tracing",
        "assets",
    ]


def test_ack_received_then_refused_with_grounds(
    client: Client, investigator: User, bravo: Node, saps: Organisation
) -> None:
    request = _draft(investigator, bravo, saps)
    services.request_send(actor=investigator, request=request)
    rid = str(request.pk)
    now = timezone.now()
    ack = {"requested_reference": "IN-2026-00AA11", "received_at": now.isoformat()}
    assert peer_event(client, envelopes.KIND_ACK, rid, 1, ack).status_code == 200
    request.refresh_from_db()
    assert request.status == RS.RECEIVED
    assert request.requested_reference == "IN-2026-00AA11"
    assert request.messages.get().kind == c.MessageKind.ACKNOWLEDGEMENT
    refusal = {
        "from_status": "received",
        "to_status": "refused",
        "at": now.isoformat(),
        "actor": "Adv. Naidoo",
        "note": "The conduct is not an offence here.",
        "refusal_ground": "dual_criminality",
    }
    assert peer_event(client, envelopes.KIND_STATUS, rid, 2, refusal).status_code == 200
    request.refresh_from_db()
    assert (request.status, request.refusal_ground) == (RS.REFUSED, "dual_criminality")
    assert request.refusal_grounds == "The conduct is not an offence here."
    assert request.responded_at is not None and request.completed_at is not None
    # Only the requested side refuses; a requester may close a refused request.
    assert services.allowed_transitions(request) == {RS.CLOSED}
    services.request_transition(actor=investigator, request=request, to_status=RS.CLOSED)
    assert _outbox(envelopes.KIND_STATUS)[-1].payload["to_status"] == "closed"


def test_incoming_request_is_acknowledged_automatically(
    client: Client, investigator: User, bravo: Node
) -> None:
    request = _receive(client)
    assert request.direction == c.Direction.INCOMING
    assert request.status == RS.RECEIVED
    assert request.requested_organisation == investigator.organisation
    assert request.requested_reference.startswith("IN-")
    assert request.legal_basis_instrument is not None
    assert request.legal_basis_instrument.slug == "untoc"
    (ack,) = _outbox()
    assert ack.kind == envelopes.KIND_ACK and ack.target == bravo and ack.seq == 1
    assert ack.payload["requested_reference"] == request.requested_reference
    assert access.request_get(investigator, request.requested_reference) == request
    # The requested side decides; a refusal needs a ground and the grounds in full.
    with pytest.raises(ApplicationError) as err:
        services.request_transition(actor=investigator, request=request, to_status=RS.WITHDRAWN)
    assert err.value.code == "invalid_transition"
    with pytest.raises(ApplicationError) as err:
        services.request_transition(actor=investigator, request=request, to_status=RS.REFUSED)
    assert err.value.code == "grounds_required"
    with pytest.raises(ApplicationError):
        services.request_refuse(
            actor=investigator, request=request, ground="nationality", grounds=" "
        )
    services.request_transition(
        actor=investigator, request=request, to_status=RS.MORE_INFO_REQUESTED, note="Which?"
    )
    services.request_transition(actor=investigator, request=request, to_status=RS.ACCEPTED)
    services.request_transition(
        actor=investigator, request=request, to_status=RS.PARTIALLY_EXECUTED
    )
    services.request_transition(actor=investigator, request=request, to_status=RS.EXECUTED)
    request.refresh_from_db()
    assert request.status == RS.EXECUTED
    statuses = [m.payload.get("to_status") for m in _outbox(envelopes.KIND_STATUS)]
    assert statuses == ["more_info_requested", "accepted", "partially_executed", "executed"]
    assert [m.seq for m in _outbox()] == [1, 2, 3, 4, 5]


def test_invalid_content_is_refused_and_nothing_stored(
    client: Client, investigator: User, bravo: Node
) -> None:
    payload = _incoming_payload(type="smuggling")
    resp = peer_event(client, envelopes.KIND_CREATE, payload["request"]["id"], 1, payload)
    assert resp.status_code == 422
    assert resp.json()["code"] == "invalid_content"
    assert "request.type" in resp.json()["detail"]
    assert not InboundMessage.objects.exists() and not Request.objects.exists()
    # An event about a request the node does not know.
    resp = peer_event(
        client, envelopes.KIND_ACK, payload["request"]["id"], 1, {"requested_reference": "x"}
    )
    assert resp.status_code == 422
    request = _receive(client)
    bad = _peer_message(str(request.pk), 2, client, source_reliability="Z")
    assert bad.status_code == 422 and "source_reliability" in bad.json()["detail"]
    tampered = _peer_message(
        str(request.pk),
        2,
        client,
        attachments=[
            {
                "id": "3f1d2c3b-4a5b-4c6d-8e7f-8091a2b3c4d5",
                "filename": "x.pdf",
                "content_type": "application/pdf",
                "size": 3,
                "sha256": "0" * 64,
                "content_b64": base64.b64encode(b"abc").decode(),
            }
        ],
    )
    assert tampered.status_code == 422 and tampered.json()["code"] == "attachment_corrupt"
    assert not Message.objects.exists() and not Attachment.objects.exists()


def test_crossing_status_changes_are_recorded_not_applied(
    client: Client, investigator: User, bravo: Node, saps: Organisation
) -> None:
    request = _draft(investigator, bravo, saps)
    services.request_send(actor=investigator, request=request)
    rid = str(request.pk)
    now = timezone.now().isoformat()
    peer_event(
        client, envelopes.KIND_ACK, rid, 1, {"requested_reference": "IN-1", "received_at": now}
    )
    services.request_withdraw(actor=investigator, request=request, note="Case closed here")
    accepted = {"from_status": "received", "to_status": "accepted", "at": now}
    assert peer_event(client, envelopes.KIND_STATUS, rid, 2, accepted).status_code == 200
    request.refresh_from_db()
    assert request.status == RS.WITHDRAWN
    crossed = StatusChange.objects.get(request=request, applied=False)
    assert (crossed.to_status, crossed.remote) == (RS.ACCEPTED, True)


# --- messages, attachments, handling codes ---------------------------------------------------


def test_received_attachment_is_stored_encrypted_and_checked(
    client: Client, investigator: User, bravo: Node
) -> None:
    request = _receive(client)
    assert _peer_message(str(request.pk), 2, client).status_code == 200
    message = Message.objects.get(kind=c.MessageKind.MESSAGE)
    assert (message.direction, message.handling_label) == (c.Direction.INCOMING, "B2")
    attachment = message.attachments.get()
    raw = (files.root() / attachment.path).read_bytes()
    assert b"bank records" not in raw  # encrypted at rest
    assert services.attachment_read(actor=investigator, attachment=attachment) == (
        b"%PDF-1.4 bank records"
    )
    assert AuditEntry.objects.filter(
        object_type="cooperation.attachment", action="read", object_id=str(attachment.pk)
    ).exists()
    (files.root() / attachment.path).write_bytes(fernet().encrypt(b"%PDF-1.4 other records"))
    with pytest.raises(ApplicationError) as err:
        services.attachment_read(actor=investigator, attachment=attachment)
    assert err.value.code == "attachment_corrupt"


def test_attachment_size_limit(
    settings: Settings, investigator: User, bravo: Node, saps: Organisation
) -> None:
    settings.PALERMO_COOPERATION_MAX_ATTACHMENT_BYTES = 10
    request = _draft(investigator, bravo, saps)
    with pytest.raises(ApplicationError) as err:
        services.message_post(
            actor=investigator,
            request=request,
            attachments=[services.NewAttachment("a.bin", "application/octet-stream", b"x" * 11)],
        )
    assert err.value.code == "too_large"


@pytest.mark.parametrize(
    ("codes", "refused"),
    [
        ([], set()),
        (["no_further_dissemination"], {"forward", "share_gov", "share_ngo", "record", "court"}),
        (["law_enforcement_only"], {"share_ngo"}),
        (["not_for_court"], {"court"}),
    ],
)
def test_handling_codes_are_enforced(
    client: Client,
    investigator: User,
    bravo: Node,
    saps: Organisation,
    codes: list[str],
    refused: set[str],
) -> None:
    incoming = _receive(client)
    assert _peer_message(str(incoming.pk), 2, client, codes=codes).status_code == 200
    message = Message.objects.get(kind=c.MessageKind.MESSAGE, direction=c.Direction.INCOMING)
    other = _draft(investigator, bravo, saps)
    gov = OrganisationFactory.create(name="Financial Intelligence Unit")
    ngo = OrganisationFactory.create(name="Help NGO", kind=OrganisationKind.NGO)
    attempts: dict[str, Callable[[], object]] = {
        "forward": lambda: services.message_forward(
            actor=investigator, message=message, to_request=other
        ),
        "share_gov": lambda: services.message_share(
            actor=investigator, message=message, organisation=gov, reason="financial analysis"
        ),
        "share_ngo": lambda: services.message_share(
            actor=investigator, message=message, organisation=ngo, reason="victim support"
        ),
        "record": lambda: services.request_export(actor=investigator, request=incoming),
        "court": lambda: services.request_export(
            actor=investigator, request=incoming, purpose="court"
        ),
    }
    for name, attempt in attempts.items():
        if name in refused:
            with pytest.raises(handling.HandlingRestricted) as err:
                attempt()
            assert err.value.status == 403 and err.value.code == "handling_restricted"
            assert "Ask the originator for permission" in err.value.detail
            assert codes[0] in err.value.detail
        else:
            attempt()
    detail = selectors.request_detail(user=investigator, key=incoming.pk)
    ops = detail.message_operations[str(message.pk)]
    assert ops["forward"] == ("forward" not in refused)
    assert ops["court"] == ("court" not in refused)
    if "forward" not in refused:
        forwarded = Message.objects.get(kind=c.MessageKind.FORWARD)
        assert forwarded.handling_codes == codes  # the restrictions travel with the content
        assert forwarded.attachments.get().sha256 == message.attachments.get().sha256


def test_own_content_is_never_restricted(
    investigator: User, bravo: Node, saps: Organisation
) -> None:
    request = _draft(investigator, bravo, saps)
    own = services.message_post(
        actor=investigator, request=request, body="ours", handling_codes=["not_for_court"]
    )
    assert handling.allowed(own, handling.COURT)
    services.request_export(actor=investigator, request=request, purpose="court")
    with pytest.raises(ApplicationError) as err:
        services.message_post(
            actor=investigator, request=request, body="x", handling_codes=["top_secret"]
        )
    assert err.value.code == "invalid_handling"


# --- partial case sharing --------------------------------------------------------------------


@pytest.fixture
def case_with_victim(investigator: User) -> tuple[Case, Person, Person]:
    case = cases.case_open(actor=investigator, title="Recruitment ring")
    victim = cases.person_add(
        actor=investigator,
        case=case,
        role=PersonRole.VICTIM,
        gender="Feminine",
        identity={"first_name": "Amina", "birthdate": "1990-02-03"},
    )
    suspect = cases.person_add(
        actor=investigator, case=case, role=PersonRole.SUSPECT, identity={"first_name": "Obi"}
    )
    return case, victim, suspect


def test_extract_needs_consent_or_legal_basis(
    investigator: User,
    bravo: Node,
    saps: Organisation,
    case_with_victim: tuple[Case, Person, Person],
) -> None:
    case, victim, suspect = case_with_victim
    request = _draft(investigator, bravo, saps, case=case)
    spec = services.ExtractSpec(
        case=case,
        case_fields=("title", "opened_on"),
        persons={victim.pseudonym: ("gender", "first_name"), suspect.pseudonym: ("first_name",)},
    )
    with pytest.raises(ApplicationError) as err:
        services.message_post(actor=investigator, request=request, extract=spec)
    assert err.value.code == "consent_or_legal_basis_required"
    assert not SharedCaseExtract.objects.exists()
    # Facts only: no consent needed.
    facts = services.ExtractSpec(case=case, persons={victim.pseudonym: ("gender",)})
    services.message_post(actor=investigator, request=request, extract=facts)
    assert SharedCaseExtract.objects.get().basis == c.CaseBasis.NOT_IDENTIFYING
    # With the victim's recorded consent to data sharing.
    cases.consent_record(actor=investigator, person=victim, purpose=ConsentPurpose.DATA_SHARING)
    message = services.message_post(actor=investigator, request=request, extract=spec)
    extract = message.extracts.get()
    assert extract.basis == c.CaseBasis.CONSENT and extract.identifying
    assert extract.fields == {
        "case": ["opened_on", "title"],
        "persons": {
            suspect.pseudonym: ["first_name"],
            victim.pseudonym: ["first_name", "gender"],
        },
    }
    data = services.extract_read(actor=investigator, extract=extract, reason="check")
    assert data["persons"][victim.pseudonym] == {"first_name": "Amina", "gender": "Feminine"}
    assert data["case"]["title"] == "Recruitment ring"
    assert "birthdate" not in json.dumps(data)  # exactly the fields chosen
    # Audited on the sending node: the identity reads, and what went to whom.
    entry = AuditEntry.objects.get(
        object_type="cooperation.sharedcaseextract", action="create", object_id=str(extract.pk)
    )
    after = entry.after
    assert after is not None
    assert after["to_node"] == "bravo" and after["basis"] == "consent"
    assert after["to_authority"] == saps.name
    assert "Amina" not in json.dumps(after)
    assert AuditEntry.objects.filter(
        object_type="cases.person", action="read", object_id=str(victim.pk)
    ).exists()
    # A stated legal basis instead of consent.
    services.message_post(
        actor=investigator,
        request=request,
        extract=services.ExtractSpec(
            case=case,
            persons={victim.pseudonym: ("birthdate",)},
            legal_basis="UNTOC art. 18(1); national MLA act s. 12",
        ),
    )
    assert SharedCaseExtract.objects.filter(basis=c.CaseBasis.LEGAL_BASIS).count() == 1
    with pytest.raises(ApplicationError) as err:
        services.message_post(
            actor=investigator,
            request=request,
            extract=services.ExtractSpec(case=case, persons={victim.pseudonym: ("password",)}),
        )
    assert err.value.code == "unknown_field"


def test_extract_only_by_the_case_holder(
    investigator: User,
    outsider: User,
    bravo: Node,
    saps: Organisation,
    case_with_victim: tuple[Case, Person, Person],
) -> None:
    case, victim, _ = case_with_victim
    request = _draft(outsider, bravo, saps)
    with pytest.raises(NotFoundError):
        services.message_post(
            actor=outsider,
            request=request,
            extract=services.ExtractSpec(case=case, persons={victim.pseudonym: ("gender",)}),
        )


def test_received_extract_reads_are_audited(
    client: Client, investigator: User, bravo: Node
) -> None:
    request = _receive(client)
    extract_payload = ExtractPayloadFactory.build()
    resp = _peer_message(str(request.pk), 2, client, content=b"", extracts=[extract_payload])
    assert resp.status_code == 200, resp.content
    extract = SharedCaseExtract.objects.get()
    assert extract.direction == c.Direction.INCOMING
    assert b"Thandi" not in extract.ciphertext.encode()
    received = AuditEntry.objects.get(object_type="cooperation.sharedcaseextract", action="create")
    assert received.actor_label == "node:bravo"
    with pytest.raises(ApplicationError):
        services.extract_read(actor=investigator, extract=extract, reason="")
    for _ in range(2):
        data = services.extract_read(actor=investigator, extract=extract, reason="identify")
    assert data["persons"]["P-1"]["first_name"] == "Thandi"
    assert (
        AuditEntry.objects.filter(
            object_type="cooperation.sharedcaseextract", action="read", object_id=str(extract.pk)
        ).count()
        == 2
    )


# --- who sees what ---------------------------------------------------------------------------


def test_visibility(
    client: Client,
    investigator: User,
    coordinator: User,
    outsider: User,
    ngo: User,
    analyst: User,
    bravo: Node,
    saps: Organisation,
) -> None:
    mine = _draft(investigator, bravo, saps)
    incoming = _receive(client)
    for user in (investigator, coordinator):
        assert set(selectors.request_list(user=user)) == {mine, incoming}
    for user in (outsider, ngo, analyst):
        assert not selectors.request_list(user=user).exists()
        with pytest.raises(NotFoundError):
            access.request_get(user, mine.pk)
    with pytest.raises(ForbiddenError):
        services.request_create(actor=ngo, type="mla", subject="x")
    with pytest.raises(ForbiddenError):
        selectors.cooperation_statistics(user=ngo)
    selectors.cooperation_statistics(user=analyst)


def test_unassigned_incoming_goes_to_national_coordinators(
    client: Client, investigator: User, coordinator: User, outsider: User, bravo: Node
) -> None:
    request = _receive(client, requested_authority={"name": "Unknown Ministry"})
    assert request.requested_organisation is None
    assert not selectors.request_list(user=investigator).exists()
    assert list(selectors.request_list(user=coordinator)) == [request]
    with pytest.raises(NotFoundError):  # not theirs to see
        services.request_assign(actor=investigator, request=request, organisation="x")
    assert outsider.organisation is not None
    services.request_assign(
        actor=coordinator, request=request, organisation=outsider.organisation.name
    )
    assert list(selectors.request_list(user=outsider)) == [request]
    assert not selectors.request_list(user=coordinator).exists()


# --- deadlines, reminders, statistics --------------------------------------------------------


def test_overdue_on_each_side_and_reminders(
    client: Client, investigator: User, bravo: Node, saps: Organisation
) -> None:
    today = timezone.localdate()
    ours = _receive(client, due_date=(today + dt.timedelta(days=3)).isoformat())
    theirs = _draft(investigator, bravo, saps, due_date=today + dt.timedelta(days=3))
    services.request_send(actor=investigator, request=theirs)
    later = today + dt.timedelta(days=5)
    board = selectors.request_deadlines(user=investigator, today=today)
    assert {d.request for d in board} == {ours, theirs} and not any(d.overdue for d in board)
    late = selectors.overdue(user=investigator, today=later)
    assert [d.request for d in late["ours"]] == [ours]
    assert [d.request for d in late["theirs"]] == [theirs]
    assert late["ours"][0].days == 2
    now = timezone.now() + dt.timedelta(days=5)
    assert services.reminders_send(now=now) == 1  # only what the other side owes us
    assert services.reminders_send(now=now + dt.timedelta(days=1)) == 0  # weekly at most
    reminder = theirs.messages.get(kind=c.MessageKind.REMINDER)
    assert "2 days overdue" in reminder.body
    assert _outbox(envelopes.KIND_MESSAGE)[-1].payload["message"]["kind"] == "reminder"


def test_statistics(
    client: Client, investigator: User, analyst: User, bravo: Node, saps: Organisation
) -> None:
    t0 = timezone.now() - dt.timedelta(days=20)
    for n, (ground, days) in enumerate([("dual_criminality", 2), ("sovereignty", 4), (None, 6)]):
        request = _draft(investigator, bravo, saps, type="mla" if n < 2 else "extradition")
        services.request_send(actor=investigator, request=request, now=t0)
        rid = str(request.pk)
        at = (t0 + dt.timedelta(days=days)).isoformat()
        peer_event(
            client, envelopes.KIND_ACK, rid, 1, {"requested_reference": "r", "received_at": at}
        )
        status = (
            {"from_status": "received", "to_status": "refused", "at": at, "note": "no"}
            | {"refusal_ground": ground}
            if ground
            else {"from_status": "received", "to_status": "accepted", "at": at}
        )
        assert peer_event(client, envelopes.KIND_STATUS, rid, 2, status).status_code == 200
    _draft(investigator, bravo, saps)  # drafts do not count
    stats = selectors.cooperation_statistics(user=analyst)
    assert stats["total"] == 3
    assert [
        (p["requesting_country"], p["requested_country"], p["type"], p["requests"], p["refused"])
        for p in stats["pairs"]
    ] == [
        ("NGA", "ZAF", "extradition", 1, 0),
        ("NGA", "ZAF", "mla", 2, 2),
    ]
    first = stats["response_times"]["first_response"]
    assert (first["n"], first["median_days"], first["p90_days"]) == (3, 4.0, 6.0)
    assert stats["response_times"]["completion"]["n"] == 2
    assert {g["ground"]: g["count"] for g in stats["refusal_grounds"]} == {
        "dual_criminality": 1,
        "sovereignty": 1,
    }


def test_received_file_names_are_made_safe(client: Client, investigator: User, bravo: Node) -> None:
    request = _receive(client)
    content = b"data"
    attachment = {
        "id": "3f1d2c3b-4a5b-4c6d-8e7f-8091a2b3c4d6",
        "filename": '../../etc/passwd"\r\nX-Evil: 1',
        "content_type": "text/plain",
        "size": len(content),
        "sha256": files.sha256(content),
        "content_b64": base64.b64encode(content).decode(),
    }
    resp = _peer_message(str(request.pk), 2, client, content=b"", attachments=[attachment])
    assert resp.status_code == 200, resp.content
    stored = Attachment.objects.get()
    assert stored.filename == ".._.._etc_passwd___X-Evil: 1"
    assert str(files.root()) not in stored.path and ".." not in stored.path


def test_rotate_key_re_encrypts_attachments_and_extracts(
    client: Client, investigator: User, bravo: Node, settings: Settings
) -> None:
    """After `palermo cases rotate-key` the old key can go: files and extracts read without it."""
    import io

    from cryptography.fernet import Fernet
    from django.core.management import call_command

    request = _receive(client)
    extract_payload = ExtractPayloadFactory.build(case_reference="C-ZAF-2")
    resp = _peer_message(str(request.pk), 2, client, extracts=[extract_payload])
    assert resp.status_code == 200, resp.content
    attachment = Attachment.objects.get()
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old_keys]
    out = io.StringIO()
    call_command("cases", "rotate-key", stdout=out)
    assert "1 cooperation attachments, 1 cooperation case extracts" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]  # the old keys dropped
    assert services.attachment_read(actor=investigator, attachment=attachment) == (
        b"%PDF-1.4 bank records"
    )
    extract = SharedCaseExtract.objects.get()
    data = services.extract_read(actor=investigator, extract=extract, reason="identify")
    assert data["persons"]["P-1"]["first_name"] == "Thandi"
