"""Issue 12, case worker: the referrals a shelter sent (page and API), the "Refer to" list with
the sender country's service providers first, planned returns on the timeline in the one date
format of the language, and the printable case file (PDF) with exactly what the user may see,
audited, never cached."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pdfminer.high_level import extract_text
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1

from palermo.cases import access as acl
from palermo.cases import casefile, selectors
from palermo.cases import services as s
from palermo.cases.dates import day_text
from palermo.cases.forms import ReferralForm
from palermo.cases.tests.factories import case_user, organisation_of
from palermo.conftest import PASSWORD, PINNED_NOW
from palermo.core.choices import AuditAction, OrganisationKind, Role
from palermo.core.models import AuditEntry, Organisation, User

pytestmark = pytest.mark.django_db

TODAY = PINNED_NOW.date()  # the `clock` fixture's day
DAY = dt.timedelta(days=1)
IDENTITY = {
    "first_name": "Amina",
    "second_name": "Okafor",
    "mobile_phone": "+234 800 000",
    "birthdate": "2011-05-04",
}


@pytest.fixture
def w(clock: time_machine.Traveller) -> SimpleNamespace:
    """A Nigerian shelter's case: a child (identity, consent to share, a planned return) and a
    witness; the child referred to a safe house (case facts only) and to a clinic (identity)."""
    w = SimpleNamespace()
    w.worker = case_user(Role.CASE_WORKER, org="Shelter Lagos", country="NGA", kind="ngo")
    w.provider = case_user(
        Role.CASE_WORKER, org="Safe House Abuja", country="NGA", kind="service_provider"
    )
    w.clinic = case_user(
        Role.CASE_WORKER, org="Clinic Ikeja", country="NGA", kind="service_provider"
    )
    w.stranger = case_user(Role.CASE_WORKER, org="Other shelter", country="NGA", kind="ngo")
    w.case = s.case_open(actor=w.worker, opened_on=TODAY - 30 * DAY, title="Salon workers")
    w.child = s.person_add(
        actor=w.worker,
        case=w.case,
        role="presumed_victim",
        identity=IDENTITY,
        age_at_registration=15,
        types_of_exploitation=["ForcedLabour"],
    )
    w.witness = s.person_add(actor=w.worker, case=w.case, role="witness", age_at_registration=40)
    s.consent_record(
        actor=w.worker, person=w.child, purpose="data_sharing", given_on=TODAY - 20 * DAY
    )
    w.to_house = s.referral_send(
        actor=w.worker,
        person=w.child,
        to_organisation=organisation_of(w.provider),
        service="shelter",
        scopes=["case_facts"],
        sent_on=TODAY - 5 * DAY,
    )
    w.to_clinic = s.referral_send(
        actor=w.worker,
        person=w.child,
        to_organisation=organisation_of(w.clinic),
        service="medical",
        scopes=["identity"],
        sent_on=TODAY - 1 * DAY,
    )
    s.referral_transition(actor=w.clinic, referral=w.to_clinic, action="accept", on=TODAY)
    s.measure_grant(
        actor=w.worker,
        person=w.child,
        kind="reflection_period",
        starts_on=TODAY - 20 * DAY,
        ends_on=TODAY + 10 * DAY,
    )
    w.ret = s.return_plan(
        actor=w.worker,
        person=w.child,
        destination="GHA",
        risk_level="low",
        risk_assessment="Family traced",
        planned_for=TODAY + 40 * DAY,
    )
    return w


def login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


# --- referrals sent ---------------------------------------------------------------------------


def test_the_sender_sees_its_referrals_sent_with_status_receiver_and_deadline(
    w: SimpleNamespace,
) -> None:
    page = login(w.worker).get(reverse("cases:referrals_sent"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Safe House Abuja" in text
    assert "Clinic Ikeja" in text
    assert "Accepted" in text
    # The safe house has not answered in 5 days: due 2 days after sending, overdue now.
    assert day_text(TODAY - 3 * DAY) in text
    assert 'class="referral-row overdue"' in text
    assert page["Cache-Control"].count("no-store") == 1
    only_accepted = login(w.worker).get(reverse("cases:referrals_sent"), {"status": "accepted"})
    assert "Clinic Ikeja" in only_accepted.content.decode()
    assert "Safe House Abuja" not in only_accepted.content.decode()


def test_referrals_sent_are_only_the_senders(w: SimpleNamespace) -> None:
    """The receiver and a stranger see none of the shelter's referrals among their sent ones."""
    for user in (w.provider, w.stranger):
        text = login(user).get(reverse("cases:referrals_sent")).content.decode()
        assert w.child.pseudonym not in text
        assert "No referrals sent yet" in text
    assert list(selectors.referral_outbox(user=w.provider)) == []


def test_api_outbox_answers_status_receiver_dates_and_answer_due(
    w: SimpleNamespace, bearer: Callable[[User], dict[str, Any]]
) -> None:
    body = Client().get("/api/v1/cases/referrals/outbox", **bearer(w.worker)).json()
    assert body["count"] == 2
    by_receiver = {r["to_organisation"]["name"]: r for r in body["items"]}
    house, clinic = by_receiver["Safe House Abuja"], by_receiver["Clinic Ikeja"]
    assert (house["status"], house["answer_due"]) == ("sent", str(TODAY - 3 * DAY))
    assert (clinic["status"], clinic["answer_due"], clinic["responded_on"]) == (
        "accepted",
        None,
        str(TODAY),
    )
    only = Client().get("/api/v1/cases/referrals/outbox?status=sent", **bearer(w.worker)).json()
    assert [r["id"] for r in only["items"]] == [w.to_house.pk]
    other = Client().get("/api/v1/cases/referrals/outbox", **bearer(w.provider)).json()
    assert other["count"] == 0


# --- the "Refer to" list ----------------------------------------------------------------------


def test_refer_to_offers_the_senders_country_service_providers_first(w: SimpleNamespace) -> None:
    Organisation.objects.create(name="Ghana Police Service", kind="government", country_id="GHA")
    Organisation.objects.create(name="A Ghana shelter", kind="service_provider", country_id="GHA")
    Organisation.objects.create(name="Nigeria Police Force", kind="government", country_id="NGA")
    Organisation.objects.create(name="IOM", kind=OrganisationKind.INTERNATIONAL, country_id=None)
    groups = selectors.referral_receivers(sender=organisation_of(w.worker))
    labels = [g.label for g in groups]
    assert labels == [
        "Service providers in Nigeria",
        "Other organisations in Nigeria",
        "Other countries, international and other organisations",
    ]
    first, second, rest = ([o.name for o in g.organisations] for g in groups)
    assert first == ["Clinic Ikeja", "Safe House Abuja"]
    assert second[0] == "Other shelter"  # NGOs before government agencies
    assert "Nigeria Police Force" in second
    assert "Shelter Lagos" not in first + second + rest  # never to itself
    assert rest.index("A Ghana shelter") < rest.index("Ghana Police Service")
    # The form renders the groups as <optgroup>s, in that order.
    html = str(ReferralForm(sender=organisation_of(w.worker))["to_organisation"])
    assert html.index('<optgroup label="Service providers in Nigeria">') < html.index(
        "Clinic Ikeja"
    )
    assert html.index("Safe House Abuja") < html.index("Other organisations in Nigeria")
    assert html.index("Nigeria Police Force") < html.index("Other countries")
    # Labels say the country, and the kind where the heading does not.
    assert ">Clinic Ikeja (NGA)</option>" in html
    assert ">Nigeria Police Force (NGA) · Government agency</option>" in html
    assert ">IOM · International organisation</option>" in html


def test_refer_to_still_accepts_any_organisation_in_the_groups(w: SimpleNamespace) -> None:
    police = Organisation.objects.create(name="Ghana Police", kind="government", country_id="GHA")
    form = ReferralForm(
        {
            "to_organisation": str(police.pk),
            "service": "legal_aid",
            "reason": "AdditionalServicesRequired",
            "sent_on": str(TODAY),
        },
        sender=organisation_of(w.worker),
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["to_organisation"] == police


# --- timeline: planned returns, one date format -----------------------------------------------


def test_the_timeline_shows_a_planned_return_until_it_is_made(w: SimpleNamespace) -> None:
    _case, access = acl.case_get(w.worker, w.case.pk)
    events = [e for e in selectors.case_timeline(access) if e.planned]
    assert [(e.day, e.text) for e in events] == [(TODAY + 40 * DAY, "Return to Ghana planned")]
    text = login(w.worker).get(reverse("cases:person", args=[w.child.pseudonym])).content.decode()
    assert "Return to Ghana planned" in text
    assert '<time datetime="{}">{}</time>'.format(TODAY + 40 * DAY, day_text(TODAY + 40 * DAY)) in (
        text
    )
    s.return_cancel(actor=w.worker, ret=w.ret, reason="Stays")
    _case, access = acl.case_get(w.worker, w.case.pk)
    assert [e for e in selectors.case_timeline(access) if e.planned] == []


def test_one_date_format_per_language_on_the_timeline(w: SimpleNamespace) -> None:
    """The measure's dates inside a timeline text are in the language's format, as the dates
    beside them (no ISO dates in running text)."""
    client = login(w.worker)
    for language, start in (("en", "Oct. 31, 2026"), ("fr", "31 octobre 2026")):
        with translation.override(language):
            assert day_text(TODAY - 20 * DAY) == start
        w.worker.language = language  # a logged-in user's pages are in their language
        w.worker.save(update_fields=["language"])
        text = client.get(reverse("cases:detail", args=[w.case.pk])).content.decode()
        assert str(TODAY - 20 * DAY) not in re.sub(r'datetime="[^"]*"', "", text)
        assert start in text


# --- the case file (PDF) ----------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    """The PDF's text as a reader's copy-and-paste gets it (pdfminer.six parses the file), words
    apart by single spaces: a table cell may wrap a name over two lines."""
    return " ".join(str(extract_text(io.BytesIO(content))).split())


def entry_after(entry: AuditEntry) -> dict[str, Any]:
    assert entry.after is not None
    return dict(entry.after)


def reads(user: User) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(actor=user, action=AuditAction.READ).order_by("pk"))


def test_the_owner_downloads_the_whole_case_file_audited_never_cached(w: SimpleNamespace) -> None:
    client = login(w.worker)
    url = reverse("cases:case_file", args=[w.case.pk])
    form = client.get(url)
    assert form.status_code == 200
    assert "Include the identifying data I may see" in form.content.decode()
    response = client.post(url, {})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["Content-Disposition"] == 'attachment; filename="case-file-{}.pdf"'.format(
        w.case.reference
    )
    text = pdf_text(response.content)
    assert w.case.reference in text
    assert "Confidential: personal data of a victim of trafficking" in text  # every page's foot
    assert w.child.pseudonym in text
    assert w.witness.pseudonym in text
    assert "Reflection" in text  # protection measures: the owner sees them
    assert "Okafor" not in text  # no identity unless asked for, with a reason
    [entry] = reads(w.worker)
    assert entry.object_type == "cases.case"
    assert sorted(entry_after(entry)["persons"]) == sorted([w.child.pseudonym, w.witness.pseudonym])
    assert entry_after(entry)["identities"] == []


def test_identifying_data_needs_a_reason_and_each_read_is_audited(w: SimpleNamespace) -> None:
    client = login(w.worker)
    url = reverse("cases:case_file", args=[w.case.pk])
    refused = client.post(url, {"identities": "on", "reason": " "})
    assert refused["Content-Type"].startswith("text/html")
    assert "Say why you need the identifying data." in refused.content.decode()
    assert reads(w.worker) == []
    response = client.post(url, {"identities": "on", "reason": "court hearing"})
    text = pdf_text(response.content)
    assert "Amina" in text
    assert "Okafor" in text
    assert "May 4, 2011" in text  # the date of birth in the language's format, as every date
    assert "2011-05-04" not in text
    entries = reads(w.worker)
    person_reads = [e for e in entries if e.object_type == "cases.person"]
    assert {entry_after(e)["pseudonym"] for e in person_reads} == {
        w.child.pseudonym,
        w.witness.pseudonym,
    }
    assert all(e.reason == "court hearing" for e in entries)
    [case_read] = [e for e in entries if e.object_type == "cases.case"]
    assert sorted(entry_after(case_read)["identities"]) == sorted(
        [w.child.pseudonym, w.witness.pseudonym]
    )


def test_a_receiving_organisation_gets_only_what_its_share_holds(w: SimpleNamespace) -> None:
    """The safe house got the child's case facts: no measures (protection not shared), no
    witness, no identity (even when asked), no comments, no other receiver's referral."""
    s.comment_add(actor=w.worker, case=w.case, text="Interview notes for the shelter only")
    client = login(w.provider)
    url = reverse("cases:case_file", args=[w.case.pk])
    assert "Include the identifying data" not in client.get(url).content.decode()
    text = pdf_text(client.post(url, {"identities": "on", "reason": "x"}).content)
    assert w.child.pseudonym in text
    assert "Forced labour" in text or "ForcedLabour" in text  # the shared case facts
    assert w.witness.pseudonym not in text
    assert "Reflection" not in text
    assert "Okafor" not in text and "Amina" not in text
    assert "Interview notes" not in text
    assert "Clinic Ikeja" not in text
    assert "Salon workers" not in text  # the working title stays with the holder
    [entry] = reads(w.provider)
    assert entry_after(entry)["persons"] == [w.child.pseudonym]
    assert entry_after(entry)["scopes"] == ["case_facts"]


def test_the_clinic_with_identity_shared_reads_it_audited(w: SimpleNamespace) -> None:
    made = casefile.case_file_make(
        actor=w.clinic, case_id=w.case.pk, identities=True, reason="admission"
    )
    text = pdf_text(made.pdf)
    assert "Okafor" in text
    assert "Reflection" not in text
    assert [
        entry_after(e)["pseudonym"] for e in reads(w.clinic) if e.object_type == "cases.person"
    ] == [w.child.pseudonym]


def test_a_case_not_shared_answers_404_and_nothing_is_audited(w: SimpleNamespace) -> None:
    url = reverse("cases:case_file", args=[w.case.pk])
    assert login(w.stranger).post(url, {}).status_code == 404
    assert login(w.stranger).get(url).status_code == 404
    assert reads(w.stranger) == []


def pdf_fonts(content: bytes) -> set[str]:
    """The names of the fonts embedded in a PDF ("NotoNaskhArabic-Regular"), subset tags off."""
    document = PDFDocument(PDFParser(io.BytesIO(content)))
    names = set()
    for page in PDFPage.create_pages(document):
        for ref in (resolve1(page.resources.get("Font")) or {}).values():
            base = resolve1(resolve1(ref).get("BaseFont"))
            names.add(str(getattr(base, "name", base)).split("+")[-1])
    return names


def test_the_pdf_carries_arabic_cyrillic_and_chinese(w: SimpleNamespace) -> None:
    """Names in other scripts come out as text in fonts that have their glyphs (the system's
    Noto fonts, which scripts/ensure-packages installs), embedded in the PDF."""
    s.comment_add(actor=w.worker, case=w.case, text="Амина — أمينة — 阿米娜")
    made = casefile.case_file_make(actor=w.worker, case_id=w.case.pk).pdf
    text = pdf_text(made)
    assert "Амина" in text
    assert "أمينة" in text or "ةنيمأ" in text  # extraction may give the visual order
    assert "阿米娜" in text
    fonts = pdf_fonts(made)
    assert any("Arabic" in f for f in fonts), fonts
    assert any("CJK" in f for f in fonts), fonts
    with translation.override("ar"):  # right to left, the dates in Arabic's format
        arabic_pdf = casefile.case_file_make(actor=w.worker, case_id=w.case.pk).pdf
    arabic = pdf_text(arabic_pdf)
    assert w.case.reference in arabic
    assert "ملف" in arabic or "فلم" in arabic  # the page's own words are Arabic ("file")
    assert any("Arabic" in f for f in pdf_fonts(arabic_pdf))


def test_no_name_reaches_the_logs(w: SimpleNamespace, caplog: pytest.LogCaptureFixture) -> None:
    """A glyph no font has is logged by WeasyPrint without the text it belongs to."""
    s.comment_add(actor=w.worker, case=w.case, text="Name in Linear B: \U00010000\U00010001")
    casefile.case_file_make(actor=w.worker, case_id=w.case.pk, identities=True, reason="court")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "\U00010000" not in logged
    assert "Okafor" not in logged and "Amina" not in logged


def test_api_plans_a_return_with_its_planned_date(
    w: SimpleNamespace, bearer: Callable[[User], dict[str, Any]]
) -> None:
    response = Client().post(
        "/api/v1/cases/persons/{}/returns".format(w.child.pseudonym),
        {
            "destination": "GHA",
            "risk_level": "medium",
            "risk_assessment": "Recruiter still active",
            "planned_for": str(TODAY + 60 * DAY),
        },
        content_type="application/json",
        **bearer(w.worker),
    )
    assert response.status_code == 201, response.content
    assert response.json()["planned_for"] == str(TODAY + 60 * DAY)


def test_the_return_form_takes_the_planned_date(w: SimpleNamespace) -> None:
    client = login(w.worker)
    url = reverse("cases:return_plan", args=[w.witness.pseudonym])
    response = client.post(
        url,
        {
            "destination": "GHA",
            "risk_level": "low",
            "risk_assessment": "Safe",
            "planned_for": str(TODAY + 14 * DAY),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert w.witness.returns.get().planned_for == TODAY + 14 * DAY


def test_a_national_coordinator_gets_the_de_identified_file(
    w: SimpleNamespace, make_user: Callable[..., User]
) -> None:
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="NAPTIP", country="NGA")
    made = casefile.case_file_make(
        actor=coordinator, case_id=w.case.pk, identities=True, reason="oversight"
    )
    text = pdf_text(made.pdf)
    assert w.child.pseudonym in text and w.witness.pseudonym in text
    assert "Reflection" in text  # protection is part of national oversight
    assert "Okafor" not in text and "Amina" not in text
    assert [e.object_type for e in reads(coordinator)] == ["cases.case"]
