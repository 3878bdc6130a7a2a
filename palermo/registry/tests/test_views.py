"""Registry pages through Django's test client (the home page and logging in: web's tests).

Reads are public; people's contact details need a login; editing needs the registry editor role
and every refused or invalid edit writes nothing (counted before and after).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from time_machine import Traveller

from palermo.core.choices import AuditAction, Role
from palermo.core.models import AuditEntry, Document, Organisation, Source, User
from palermo.core.tests.factories import UserFactory
from palermo.registry import services
from palermo.registry.models import DirectoryEntry, Legislation, Membership, TreatyAction
from palermo.registry.selectors.pages import DIRECTORY_PAGE_SIZE

pytestmark = pytest.mark.django_db

SOURCE = {"document": "sg-2005-intl-cooperation", "locator": "para. 9"}
HX = {"HX-Request": "true"}


# --- helpers ---------------------------------------------------------------------------------


def html(response: Any) -> str:
    return str(response.content.decode())


def row(page: str, iso3: str) -> str | None:
    """The <tr data-country="..."> row of a state in a parties table or matrix, or None."""
    match = re.search(r'<tr data-country="{}">(.*?)</tr>'.format(iso3), page, re.DOTALL)
    return match.group(1) if match else None


def counts() -> dict[str, int]:
    """Row counts of everything an editing page could write."""
    return {
        model.__name__: model.objects.count()
        for model in (
            TreatyAction,
            Legislation,
            DirectoryEntry,
            Membership,
            Document,
            Source,
            Organisation,
            AuditEntry,
        )
    }


def record_action(editor: User, country: str, action: str, date: dt.date) -> TreatyAction:
    return services.treaty_action_record(
        actor=editor,
        instrument="trafficking-protocol",
        country=country,
        action=action,
        date=date,
        source=SOURCE,
    )


@pytest.fixture
def case_worker() -> User:
    return UserFactory.create(role=Role.CASE_WORKER)


@pytest.fixture
def botswana_signature() -> TreatyAction:
    return TreatyAction.objects.get(
        instrument__slug="trafficking-protocol",
        country_id="BWA",
        action="signature",
        source__document__key="aalco-2005",
    )


# --- public pages ----------------------------------------------------------------------------


PUBLIC_PAGES = [
    ("/", "Who is bound by what"),
    ("/login/", 'name="password"'),
    ("/registry/instruments/", 'href="/registry/instruments/trafficking-protocol/"'),
    ("/registry/instruments/trafficking-protocol/", "Timeline of signatures and ratifications"),
    ("/registry/instruments/untoc/", "Timeline of signatures and ratifications"),
    (
        "/registry/parties/?instrument=trafficking-protocol&member_of=AALCO&as_of=2005-01-01",
        'id="parties-table"',
    ),
    ("/registry/countries/", 'href="/registry/countries/BWA/"'),
    ("/registry/countries/BWA/", "Botswana"),
    ("/registry/countries/SCG/", "Historical entity"),
    ("/registry/mechanisms/", 'href="/registry/mechanisms/AALCO/"'),
    ("/registry/mechanisms/AALCO/", 'id="matrix"'),
    ("/registry/directory/", 'class="directory-entry"'),
    ("/registry/conflicts/", "Where sources disagree"),
]


@pytest.mark.parametrize(("url", "marker"), PUBLIC_PAGES)
def test_public_page_answers_anonymously(client: Client, url: str, marker: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    page = html(response)
    assert page.lstrip().startswith("<!doctype html>")
    assert marker in page
    # The anonymous header offers a login that comes back to this page (not to the login page).
    if url == "/login/":
        assert 'href="/login/">' in page
    else:
        assert 'href="/login/?next={}'.format(quote(url, safe="/")) in page


@pytest.mark.parametrize(
    "url",
    [
        "/registry/instruments/no-such-instrument/",
        "/registry/countries/XXX/",
        "/registry/countries/BOTSWANA/",
        "/registry/mechanisms/NOSUCH/",
    ],
)
def test_unknown_slug_country_or_acronym_is_404(client: Client, url: str) -> None:
    assert client.get(url).status_code == 404


def test_instrument_list_links_every_instrument(client: Client) -> None:
    page = html(client.get(reverse("registry:instrument_list")))
    for slug in ("untoc", "trafficking-protocol", "smuggling-protocol", "cedaw"):
        assert 'href="/registry/instruments/{}/"'.format(slug) in page
    assert "Record a treaty action" not in page  # editing link only for editors


def test_trafficking_protocol_page_has_timeline_and_parties(client: Client) -> None:
    page = html(client.get("/registry/instruments/trafficking-protocol/?as_of=2005-01-01"))
    assert "Protocol to Prevent, Suppress and Punish Trafficking in Persons" in page
    timeline = page.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    assert '<time datetime="2002-04-10">' in timeline
    assert re.search(r'href="/registry/countries/BWA/">Botswana</a>: Signature', timeline)
    assert re.search(r'href="/registry/countries/BWA/">Botswana</a>: Ratification', timeline)
    botswana = row(page, "BWA")
    assert botswana is not None and "status-party" in botswana
    assert "correct</a>" not in page  # correction links only for editors


def test_untoc_page_lists_turkey_as_party_in_2005(client: Client) -> None:
    page = html(client.get("/registry/instruments/untoc/?as_of=2005-01-01"))
    assert "United Nations Convention against Transnational Organized Crime" in page
    turkey = row(page, "TUR")
    assert turkey is not None and "status-party" in turkey
    assert row(html(client.get("/registry/instruments/untoc/?as_of=2000-01-01")), "TUR") is None


def test_parties_among_aalco_members_as_of_2005(client: Client, editor: User) -> None:
    # France is no AALCO member: its (test) ratification counts worldwide, not among AALCO's.
    record_action(editor, "FRA", "ratification", dt.date(2002, 10, 29))
    url = "/registry/parties/?instrument=trafficking-protocol&member_of=AALCO&as_of=2005-01-01"
    page = html(client.get(url))
    botswana = row(page, "BWA")
    assert botswana is not None
    assert "status-party" in botswana
    assert "ratification Aug. 29, 2002" in botswana
    assert row(page, "FRA") is None
    worldwide = html(
        client.get("/registry/parties/?instrument=trafficking-protocol&as_of=2005-01-01")
    )
    assert row(worldwide, "FRA") is not None
    assert row(worldwide, "BWA") is not None


def test_parties_before_botswana_signed(client: Client) -> None:
    page = html(
        client.get(
            "/registry/parties/?instrument=trafficking-protocol&member_of=AALCO&as_of=2001-01-01"
        )
    )
    assert row(page, "BWA") is None  # signed 2002-04-10
    nigeria = row(page, "NGA")  # signed 2000-12-13, ratified 2001-06-28
    assert nigeria is not None and "status-signatory" in nigeria


def test_parties_with_unknown_mechanism_shows_an_error(client: Client) -> None:
    response = client.get("/registry/parties/?instrument=trafficking-protocol&member_of=NOSUCH")
    assert response.status_code == 200
    assert "No regional mechanism &#x27;NOSUCH&#x27;" in html(response)
    assert 'id="parties-table"' not in html(response)


def test_parties_htmx_request_returns_the_partial(client: Client) -> None:
    url = "/registry/parties/?instrument=trafficking-protocol&member_of=AALCO&as_of=2005-01-01"
    response = client.get(url, headers=HX)
    assert response.status_code == 200
    page = html(response)
    assert "<html" not in page and "<body" not in page
    assert 'id="parties-table"' in page
    assert row(page, "BWA") is not None
    assert "HX-Request" in response.get("Vary", "")  # caches keep the partial apart from the page


def test_parties_history_restore_gets_the_full_page(client: Client) -> None:
    # On a history-cache miss htmx re-requests a pushed URL with both headers: it needs the page.
    response = client.get(
        "/registry/parties/?instrument=trafficking-protocol&as_of=2005-01-01",
        headers=HX | {"HX-History-Restore-Request": "true"},
    )
    assert "<html" in html(response)


def test_country_list_includes_historical_entities_with_facts(client: Client) -> None:
    page = html(client.get("/registry/countries/"))
    assert 'href="/registry/countries/BWA/">Botswana</a>' in page
    assert re.search(
        r'href="/registry/countries/SCG/">[^<]+</a> <span class="muted">\(historical\)', page
    )


def test_country_list_search_htmx_returns_rows_only(client: Client) -> None:
    response = client.get("/registry/countries/?q=botsw", headers=HX)
    page = html(response)
    assert "<html" not in page and "<table" not in page
    assert 'href="/registry/countries/BWA/"' in page
    assert 'href="/registry/countries/NGA/"' not in page
    full = html(client.get("/registry/countries/?q=botsw"))
    assert "<html" in full and 'href="/registry/countries/NGA/"' not in full


def test_country_detail_botswana(client: Client) -> None:
    page = html(client.get("/registry/countries/BWA/?as_of=2005-01-01"))
    assert "<h1>Botswana" in page
    assert 'href="/registry/mechanisms/AALCO/"><bdi>AALCO</bdi></a>' in page
    assert 'href="/registry/mechanisms/SADC/"><bdi>SADC</bdi></a>' in page
    assert 'href="/registry/instruments/trafficking-protocol/"' in page
    assert "status-party" in page
    assert "Add legislation" not in page


def test_country_detail_lowercase_code(client: Client) -> None:
    assert "<h1>Botswana" in html(client.get("/registry/countries/bwa/"))


def test_country_detail_historical_serbia_and_montenegro(client: Client) -> None:
    page = html(client.get("/registry/countries/SCG/"))
    assert "Historical entity" in page
    assert "Witness protection law" in page


def test_mechanism_list(client: Client) -> None:
    page = html(client.get("/registry/mechanisms/"))
    for acronym in ("AALCO", "SADC", "AU"):
        assert 'href="/registry/mechanisms/{}/"><bdi>{}</bdi></a>'.format(acronym, acronym) in page


def test_aalco_ratification_matrix(clock: Traveller, client: Client) -> None:
    page = html(client.get("/registry/mechanisms/AALCO/?as_of=2005-01-01"))
    matrix = page.split('id="matrix"', 1)[1].split("</table>", 1)[0]
    header = matrix.split("</thead>", 1)[0]
    assert [re.sub(r"<[^>]+>", "", h) for h in re.findall(r'<th scope="col">(.*?)</th>', header)][
        :1
    ] == ["Member"]
    assert 'href="/registry/instruments/untoc/"' in header
    assert 'href="/registry/instruments/trafficking-protocol/"' in header
    botswana = row(matrix, "BWA")
    assert botswana is not None
    cells = re.findall(r"<td data-status=\"\w+\">(.*?)</td>", botswana, re.DOTALL)
    assert len(cells) == header.count('<th scope="col">') - 1
    assert "status-party" in cells[0] and "2002" in cells[0]  # UNTOC, ratified 2002
    assert "status-party" in cells[1] and "2002" in cells[1]  # Trafficking Protocol
    assert "status-party" in cells[2] and "2002" in cells[2]  # Smuggling Protocol (UNTC list)
    vietnam_2005 = row(matrix, "VNM")  # joined AALCO in 2017
    assert vietnam_2005 is None
    assert row(html(client.get("/registry/mechanisms/AALCO/")), "VNM") is not None


def test_directory_lists_entries_a_page_at_a_time_by_country(client: Client) -> None:
    total = DirectoryEntry.objects.count()
    assert total > DIRECTORY_PAGE_SIZE
    page = html(client.get("/registry/directory/"))
    assert page.count('<tr class="directory-entry">') == DIRECTORY_PAGE_SIZE
    assert "Log in to see contact persons" in page
    assert "{} entries".format(total) in page and 'rel="next"' in page
    groups = re.findall(r'<tr class="directory-group"><th[^>]*>(?:<a[^>]*>)?([^<]+)<', page)
    assert len(groups) == len(set(groups)) > 1  # one heading per country, in order
    seen = 0
    for number in range(1, total // DIRECTORY_PAGE_SIZE + 2):
        part = html(client.get("/registry/directory/?page={}".format(number), headers=HX))
        seen += part.count('<tr class="directory-entry">')
    assert seen == total  # every entry on exactly one page
    last = html(client.get("/registry/directory/?page=999"))
    assert 'rel="prev"' in last and 'rel="next"' not in last


def test_conflicts_page_lists_turkey_and_iran(client: Client) -> None:
    page = html(client.get("/registry/conflicts/"))
    turkey = re.search(
        r'<div class="conflict" data-kind="\w+" data-country="TUR">(.*?)</div>', page, re.DOTALL
    )
    iran = re.search(
        r'<div class="conflict" data-kind="\w+" data-country="IRN">(.*?)</div>', page, re.DOTALL
    )
    assert turkey is not None and "lists TUR with the status “party" in turkey.group(1)
    assert iran is not None and "IRN" in iran.group(1)
    assert "<li>" in turkey.group(1)  # both statements are listed with their sources


# --- directory: people's contact details need a login --------------------------------------


@pytest.fixture
def focal_point(editor: User) -> DirectoryEntry:
    return services.directory_entry_record(
        actor=editor,
        organisation="Ministry of Defence, Justice and Security",
        role="focal_point",
        country="BWA",
        unit="Anti-Human Trafficking Test Desk",
        person_name="Neo Testmotsumi",
        email="neo.testmotsumi@example.org",
        phone="+267 555 0199",
        source=SOURCE,
    )


CONTACTS = ("Neo Testmotsumi", "neo.testmotsumi@example.org", "+267 555 0199")


@pytest.mark.parametrize("url", ["/registry/directory/", "/registry/directory/?q=Test+Desk"])
def test_directory_hides_contacts_from_anonymous(
    client: Client, focal_point: DirectoryEntry, url: str
) -> None:
    page = html(client.get(url))
    assert "Anti-Human Trafficking Test Desk" in page  # the entry itself is public
    for detail in CONTACTS:
        assert detail not in page
    partial = html(client.get(url, headers=HX))
    assert "Anti-Human Trafficking Test Desk" in partial
    for detail in CONTACTS:
        assert detail not in partial


def test_directory_shows_contacts_when_logged_in(
    client: Client, focal_point: DirectoryEntry, case_worker: User
) -> None:
    client.force_login(case_worker)
    page = html(client.get("/registry/directory/"))
    for detail in CONTACTS:
        assert detail in page
    assert 'href="mailto:neo.testmotsumi@example.org"' in page
    assert "Log in to see contact persons" not in page
    partial = html(client.get("/registry/directory/?q=test+desk", headers=HX))
    assert "<html" not in partial
    for detail in CONTACTS:
        assert detail in partial


def test_country_page_shows_contact_person_only_when_logged_in(
    client: Client, focal_point: DirectoryEntry, analyst: User
) -> None:
    assert "Neo Testmotsumi" not in html(client.get("/registry/countries/BWA/"))
    client.force_login(analyst)
    assert "Neo Testmotsumi" in html(client.get("/registry/countries/BWA/"))


def test_directory_search_filters(client: Client, focal_point: DirectoryEntry) -> None:
    page = html(client.get("/registry/directory/?q=Test+Desk", headers=HX))
    assert page.count('<tr class="directory-entry">') == 1
    none = html(client.get("/registry/directory/?q=zzzz-nothing", headers=HX))
    assert '<tr class="directory-entry">' not in none and "No matching entries." in none
    by_country = html(client.get("/registry/directory/?country=bwa&role=focal_point", headers=HX))
    assert "Anti-Human Trafficking Test Desk" in by_country
    other = html(client.get("/registry/directory/?country=NGA", headers=HX))
    assert "Anti-Human Trafficking Test Desk" not in other


# --- editing pages: who may open them --------------------------------------------------------


EDIT_PAGES = [
    "treaty_action_new",
    "treaty_action_correct",
    "legislation_new",
    "directory_new",
    "membership_new",
]


def edit_url(name: str, action: TreatyAction) -> str:
    if name == "treaty_action_correct":
        return reverse("registry:treaty_action_correct", args=[action.pk])
    return reverse("registry:" + name)


def valid_post(name: str) -> dict[str, str]:
    source = {"source_document": SOURCE["document"], "source_locator": SOURCE["locator"]}
    return {
        "treaty_action_new": {
            "instrument": "trafficking-protocol",
            "country": "FRA",
            "action": "signature",
            "date": "2000-12-12",
            "date_text": "12 December 2000",
            **source,
        },
        "treaty_action_correct": {
            "action": "signature",
            "date": "2002-04-11",
            "note": "Misread day",
        },
        "legislation_new": {
            "country": "BWA",
            "title": "Anti-Human Trafficking Act (test)",
            "kind": "law",
            "year": "2014",
            "status": "in_force",
            "implements": "trafficking-protocol",
            **source,
        },
        "directory_new": {
            "organisation": "Test Police Service",
            "organisation_kind": "government",
            "country": "BWA",
            "role": "specialist_police_unit",
            "languages": "en, tn",
            "person_name": "A. Officer",
            "email": "officer@example.org",
            **source,
        },
        "membership_new": {
            "mechanism": "AALCO",
            "country": "FRA",
            "role": "observer",
            "joined": "2001-01-01",
            **source,
        },
    }[name]


@pytest.mark.parametrize("name", EDIT_PAGES)
def test_edit_page_redirects_anonymous_to_login(
    client: Client, botswana_signature: TreatyAction, name: str
) -> None:
    url = edit_url(name, botswana_signature)
    before = counts()
    for response in (client.get(url), client.post(url, valid_post(name))):
        assert response.status_code == 302
        assert response["Location"] == "/login/?next=" + url
    assert counts() == before


@pytest.mark.parametrize(
    "role", [Role.ANALYST, Role.ADMINISTRATOR, Role.CASE_WORKER, Role.NATIONAL_COORDINATOR]
)
@pytest.mark.parametrize("name", EDIT_PAGES)
def test_edit_page_forbidden_without_editor_role(
    client: Client,
    botswana_signature: TreatyAction,
    name: str,
    role: Role,
) -> None:
    client.force_login(UserFactory.create(role=role))
    url = edit_url(name, botswana_signature)
    before = counts()
    assert client.get(url).status_code == 403
    assert client.post(url, valid_post(name)).status_code == 403
    assert counts() == before
    botswana_signature.refresh_from_db()
    assert botswana_signature.date == dt.date(2002, 4, 10)


@pytest.mark.parametrize("name", EDIT_PAGES)
def test_edit_page_renders_for_editor(
    client: Client, editor: User, botswana_signature: TreatyAction, name: str
) -> None:
    client.force_login(editor)
    response = client.get(edit_url(name, botswana_signature))
    assert response.status_code == 200
    page = html(response)
    assert '<form method="post"' in page and "csrfmiddlewaretoken" in page
    for field in valid_post(name):
        assert 'name="{}"'.format(field) in page
    assert 'class="error"' not in page


def test_treaty_action_form_prefills_from_query(client: Client, editor: User) -> None:
    client.force_login(editor)
    page = html(client.get("/registry/edit/treaty-actions/new/?country=BWA&instrument=untoc"))
    assert re.search(r'name="country" value="BWA"', page)
    assert '<option value="untoc" selected>' in page


def test_correct_form_shows_the_current_values(
    client: Client, editor: User, botswana_signature: TreatyAction
) -> None:
    client.force_login(editor)
    page = html(client.get(edit_url("treaty_action_correct", botswana_signature)))
    assert "Correct: Botswana Signature of" in page
    assert 'value="2002-04-10"' in page


def test_correcting_an_unknown_treaty_action_is_404(client: Client, editor: User) -> None:
    client.force_login(editor)
    assert client.get("/registry/edit/treaty-actions/999999/correct/").status_code == 404


# --- editing pages: valid posts write the object and its audit entry -------------------------


def assert_audited(
    editor: User, object_type: str, obj: Any, action: str = AuditAction.CREATE
) -> None:
    entry = AuditEntry.objects.order_by("-sequence").filter(object_type=object_type).first()
    assert entry is not None
    assert entry.actor == editor
    assert entry.action == action
    assert entry.object_id == str(obj.pk)


def test_editor_records_a_treaty_action(client: Client, editor: User) -> None:
    client.force_login(editor)
    before = counts()
    response = client.post("/registry/edit/treaty-actions/new/", valid_post("treaty_action_new"))
    assert response.status_code == 302 and response["Location"] == "/registry/instruments/"
    action = TreatyAction.objects.get(
        instrument__slug="trafficking-protocol", country_id="FRA", origin="editor"
    )
    assert (action.action, action.date, action.origin) == (
        "signature",
        dt.date(2000, 12, 12),
        "editor",
    )
    assert (
        action.source.document.key == "sg-2005-intl-cooperation"
        and action.source.locator == "para. 9"
    )
    assert counts()["TreatyAction"] == before["TreatyAction"] + 1
    assert_audited(editor, "registry.treaty_action", action)
    assert "Saved:" in html(client.get("/registry/instruments/"))
    timeline = html(client.get("/registry/instruments/trafficking-protocol/"))
    assert re.search(r'href="/registry/countries/FRA/">France</a>: Signature', timeline)
    assert "correct</a>" in timeline  # editors see correction links


def test_editor_records_with_a_new_source_document(client: Client, editor: User) -> None:
    client.force_login(editor)
    data = valid_post("treaty_action_new") | {
        "source_document": "",
        "source_title": "Depositary notification",
        "source_symbol": "C.N.123.2000.TREATIES-12",
    }
    assert client.post("/registry/edit/treaty-actions/new/", data).status_code == 302
    action = TreatyAction.objects.get(
        instrument__slug="trafficking-protocol", country_id="FRA", origin="editor"
    )
    assert action.source.document.symbol == "C.N.123.2000.TREATIES-12"


def test_success_redirect_follows_a_local_next_only(client: Client, editor: User) -> None:
    client.force_login(editor)
    url = "/registry/edit/treaty-actions/new/?next=/registry/countries/FRA/"
    assert (
        client.post(url, valid_post("treaty_action_new"))["Location"] == "/registry/countries/FRA/"
    )
    data = valid_post("treaty_action_new") | {"action": "ratification", "date": "2002-10-29"}
    response = client.post("/registry/edit/treaty-actions/new/?next=https://evil.example/", data)
    assert response.status_code == 302 and response["Location"] == "/registry/instruments/"


def test_editor_corrects_a_treaty_action(
    client: Client, editor: User, botswana_signature: TreatyAction
) -> None:
    client.force_login(editor)
    before = counts()
    response = client.post(
        edit_url("treaty_action_correct", botswana_signature), valid_post("treaty_action_correct")
    )
    assert response.status_code == 302
    botswana_signature.refresh_from_db()
    assert botswana_signature.date == dt.date(2002, 4, 11)
    assert botswana_signature.edited is True
    assert botswana_signature.note == "Misread day"
    assert counts() == before | {"AuditEntry": before["AuditEntry"] + 1}
    assert_audited(editor, "registry.treaty_action", botswana_signature, AuditAction.UPDATE)
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry is not None and entry.before is not None and entry.before["date"] == "2002-04-10"


def test_editor_adds_legislation(client: Client, editor: User) -> None:
    client.force_login(editor)
    before = counts()
    assert (
        client.post("/registry/edit/legislation/new/", valid_post("legislation_new")).status_code
        == 302
    )
    law = Legislation.objects.get(title="Anti-Human Trafficking Act (test)")
    assert law.implements is not None
    assert (law.country_id, law.year, law.status, law.implements.slug) == (
        "BWA",
        2014,
        "in_force",
        "trafficking-protocol",
    )
    assert [s.document.key for s in law.sources.all()] == ["sg-2005-intl-cooperation"]
    assert counts()["Legislation"] == before["Legislation"] + 1
    assert_audited(editor, "registry.legislation", law)
    assert "Anti-Human Trafficking Act (test)" in html(client.get("/registry/countries/BWA/"))


def test_editor_adds_a_directory_entry(client: Client, editor: User) -> None:
    client.force_login(editor)
    before = counts()
    assert (
        client.post("/registry/edit/directory/new/", valid_post("directory_new")).status_code == 302
    )
    entry = DirectoryEntry.objects.get(organisation__name="Test Police Service")
    assert (entry.country_id, entry.role, entry.languages, entry.email) == (
        "BWA",
        "specialist_police_unit",
        ["en", "tn"],
        "officer@example.org",
    )
    assert counts()["DirectoryEntry"] == before["DirectoryEntry"] + 1
    assert counts()["Organisation"] == before["Organisation"] + 1
    assert_audited(editor, "registry.directory_entry", entry)
    audit = AuditEntry.objects.filter(
        object_type="registry.directory_entry", object_id=str(entry.pk)
    ).get()
    assert "officer@example.org" not in str(audit.after)  # the log keeps no contact details


def test_editor_adds_a_membership(client: Client, editor: User) -> None:
    client.force_login(editor)
    before = counts()
    assert (
        client.post("/registry/edit/memberships/new/", valid_post("membership_new")).status_code
        == 302
    )
    membership = Membership.objects.get(mechanism__acronym="AALCO", country_id="FRA")
    assert (membership.role, membership.joined, membership.left) == (
        "observer",
        dt.date(2001, 1, 1),
        None,
    )
    assert counts()["Membership"] == before["Membership"] + 1
    assert_audited(editor, "registry.membership", membership)


# --- editing pages: invalid posts re-render with an error and write nothing ------------------


INVALID_POSTS = [
    ("treaty_action_new", {"country": "XXX"}, "Unknown country code in country"),
    ("treaty_action_new", {"country": "FR"}, "Ensure this value has at least 3 characters"),
    ("treaty_action_new", {"source_document": "", "source_locator": ""}, "Cite a source"),
    ("treaty_action_new", {"date": "2999-01-01"}, "is in the future"),
    (
        "treaty_action_new",
        {"instrument": "ga-res-55-25", "action": "ratification"},
        "states do not sign or ratify it",
    ),
    ("treaty_action_new", {"instrument": "no-such-instrument"}, "Select a valid choice"),
    ("treaty_action_new", {"source_document": "no-such-document"}, "Select a valid choice"),
    (
        "treaty_action_new",
        {"action": "ratification", "date": "1999-01-01"},
        "before the instrument was adopted",
    ),
    ("treaty_action_new", {"date": "12/12/2000x"}, "Enter a valid date"),
    ("legislation_new", {"country": "XXX"}, "Unknown country code in country"),
    ("legislation_new", {"source_document": ""}, "Cite a source"),
    ("legislation_new", {"title": ""}, "This field is required"),
    ("legislation_new", {"date": "2013-05-01"}, "is not in the year 2014"),
    ("legislation_new", {"implements": "no-such-instrument"}, "No instrument with slug"),
    ("directory_new", {"country": "XXX"}, "Unknown country code in country"),
    ("directory_new", {"source_document": ""}, "Cite a source"),
    ("directory_new", {"languages": "english"}, "is not an ISO 639-1 language code"),
    ("directory_new", {"email": "not-an-address"}, "Enter a valid email address"),
    ("membership_new", {"country": "XXX"}, "Unknown country code in country"),
    (
        "membership_new",
        {"joined": "2005-01-01", "left": "2004-12-31"},
        "cannot end (2004-12-31) before it starts",
    ),
    ("membership_new", {"source_document": ""}, "Cite a source"),
    ("membership_new", {"mechanism": "NOSUCH"}, "No regional mechanism"),
]


@pytest.mark.parametrize(("name", "change", "message"), INVALID_POSTS)
def test_invalid_post_shows_an_error_and_writes_nothing(
    clock: Traveller, client: Client, editor: User, name: str, change: dict[str, str], message: str
) -> None:
    client.force_login(editor)
    url = reverse("registry:" + name)
    before = counts()
    response = client.post(url, valid_post(name) | change)
    assert response.status_code == 200
    page = html(response)
    assert 'class="error" role="alert"' in page
    assert message in page
    assert counts() == before
    # The form keeps what was typed.
    for field, value in change.items():
        if value and field not in ("instrument", "source_document", "action"):
            assert 'value="{}"'.format(value) in page or ">{}<".format(value) in page


def test_duplicate_treaty_action_shows_an_error(client: Client, editor: User) -> None:
    client.force_login(editor)
    record_action(editor, "FRA", "signature", dt.date(2000, 12, 12))
    before = counts()
    response = client.post("/registry/edit/treaty-actions/new/", valid_post("treaty_action_new"))
    assert response.status_code == 200
    assert "This source already records this action" in html(response) or "already" in html(
        response
    )
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date": "2999-01-01"}, "is in the future"),
        ({"action": "bogus"}, "Select a valid choice"),
        ({"date": "not-a-date"}, "Enter a valid date"),
    ],
)
def test_invalid_correction_writes_nothing(
    clock: Traveller,
    client: Client,
    editor: User,
    botswana_signature: TreatyAction,
    change: dict[str, str],
    message: str,
) -> None:
    client.force_login(editor)
    before = counts()
    response = client.post(
        edit_url("treaty_action_correct", botswana_signature),
        valid_post("treaty_action_correct") | change,
    )
    assert response.status_code == 200
    assert message in html(response)
    assert counts() == before
    botswana_signature.refresh_from_db()
    assert (botswana_signature.date, botswana_signature.edited, botswana_signature.note) == (
        dt.date(2002, 4, 10),
        False,
        "",
    )
