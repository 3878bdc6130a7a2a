"""Case worker pages through Django's test client.

Every page answers the owning case worker; a case another user may not see answers 404 (other
organisations' case workers, analysts, administrators, registry editors, guessed ids); the
anonymous are sent to the login page. Each form saves through its service on valid input and
writes nothing on invalid input (row counts before and after). Identifying data appears only
after a reason is POSTed, and that read is in the audit log.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from palermo.cases import services as s
from palermo.cases.models import (
    Case,
    Consent,
    PersonIdentity,
    ProtectionMeasure,
    Referral,
    Return,
    Screening,
)
from palermo.cases.tests.factories import (
    case_user,
    indicator_list,
    module_rows,
    organisation_of,
)
from palermo.conftest import PASSWORD
from palermo.core.choices import AuditAction, Role
from palermo.core.crypto import decrypt_json
from palermo.core.models import AuditEntry, User
from palermo.registry.models import DirectoryEntry

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)
HX = {"HX-Request": "true"}
IDENTITY = {
    "first_name": "Amina",
    "second_name": "Diallo",
    "birthdate": (TODAY - 15 * 365 * DAY).isoformat(),
    "aliases": ["Mimi"],
    "mobile_phone": "+267 71 000 000",
}
SECRETS = ("Amina", "Diallo", "Mimi", "+267 71 000 000")


def html(response: Any) -> str:
    return str(response.content.decode())


def login(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=PASSWORD)
    return client


def counts() -> dict[str, int]:
    """Row counts of every table a case page could write, and of the audit log."""
    models = list(apps.get_app_config("cases").get_models()) + [AuditEntry]
    return {m.__name__: m._default_manager.count() for m in models}


# --- the world: one case with a record of every kind ---------------------------------------------


def build_world() -> SimpleNamespace:
    """A shelter's case with a child (guardian, BID, returns), a second child without a BID, a
    suspect, referred to a safe house; `worker` of the shelter, `provider` of the safe house."""
    w = SimpleNamespace()
    w.worker = worker = case_user(Role.CASE_WORKER, org="Shelter Gaborone", kind="ngo")
    w.provider = provider = case_user(
        Role.CASE_WORKER, org="Safe House Francistown", kind="service_provider"
    )
    w.case = s.case_open(actor=worker, opened_on=TODAY - 60 * DAY, title="Farm workers")
    w.child = s.person_add(
        actor=worker,
        case=w.case,
        role="presumed_victim",
        identity=IDENTITY,
        gender="Feminine",
        types_of_exploitation=["ForcedLabour"],
        citizenship=["ZWE"],
    )
    w.child2 = s.person_add(actor=worker, case=w.case, role="presumed_victim", age_uncertain=True)
    w.adult = s.person_add(actor=worker, case=w.case, role="witness", age_at_registration=40)
    w.suspect = s.person_add(actor=worker, case=w.case, role="suspect")
    w.list = indicator_list("child_labour")
    w.consent = s.consent_record(
        actor=worker, person=w.child, purpose="assistance", given_on=TODAY - 50 * DAY
    )
    w.screening = s.screening_record(
        actor=worker, person=w.child, indicator_list=w.list, indicators=["1-s", "3-s"]
    )
    w.referral = s.referral_send(
        actor=worker,
        person=w.child,
        to_organisation=organisation_of(provider),
        service="shelter",
        scopes=["case_facts"],
        details="Needs a bed tonight",
    )
    w.measure = s.measure_grant(
        actor=worker,
        person=w.child,
        kind="reflection_period",
        starts_on=TODAY - 25 * DAY,
        ends_on=TODAY + 5 * DAY,
    )
    for child in (w.child, w.child2):
        s.guardian_appoint(
            actor=worker, person=child, appointed_on=TODAY - 40 * DAY, name="Guardian Person"
        )
    s.best_interest_record(
        actor=worker,
        person=w.child,
        decided_on=TODAY - 10 * DAY,
        return_in_best_interest=True,
        reasoning="Family traced and assessed",
        decided_by=organisation_of(worker),
    )
    plan: dict[str, Any] = {
        "destination": "ZWE",
        "risk_level": "low",
        "risk_assessment": "Family safe",
        "voluntary_consent": True,
        "consent_on": TODAY - 9 * DAY,
    }
    w.ret_planned = s.return_plan(actor=worker, person=w.child, **plan)
    w.ret_decided = s.return_decide(
        actor=worker, ret=s.return_plan(actor=worker, person=w.child, **plan)
    )
    w.ret_no_bid = s.return_plan(actor=worker, person=w.child2, **plan)
    w.visit = s.follow_up_plan(actor=worker, person=w.child, planned_on=TODAY - 2 * DAY)
    s.support_plan_add(actor=worker, person=w.child, plan_type="Health")
    s.movement_add(
        actor=worker, person=w.child, event_type="Recruitment", country="ZWE", date=TODAY - 90 * DAY
    )
    s.proceeding_record(
        actor=worker, case=w.case, stage="investigation", started_on=TODAY - 20 * DAY
    )
    s.comment_add(actor=worker, case=w.case, text="First interview done")
    return w


@pytest.fixture(scope="module")
def shared_world(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[SimpleNamespace]:
    """The world, written once for the module."""
    with module_rows(django_db_blocker, build_world) as rows:
        yield rows


@pytest.fixture
def world(db: None, shared_world: SimpleNamespace) -> SimpleNamespace:
    """The world for one test: its rows are rolled back after the test, its objects a copy."""
    return copy.deepcopy(shared_world)


@pytest.fixture
def worker(world: SimpleNamespace) -> User:
    user: User = world.worker
    return user


@pytest.fixture
def provider(world: SimpleNamespace) -> User:
    user: User = world.provider
    return user


@pytest.fixture
def other(make_user: Callable[..., User]) -> User:
    return make_user(Role.CASE_WORKER, org="Other NGO", country="BWA", kind="ngo")


@pytest.fixture
def coordinator(make_user: Callable[..., User]) -> User:
    return make_user(Role.NATIONAL_COORDINATOR, org="NRM Botswana", country="BWA")


def case_pages(w: SimpleNamespace) -> list[str]:
    """Every page about the case, its persons and their records."""
    case, child, p = w.case, w.child, w.child.pseudonym
    urls = [
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:detail", args=[case.reference]),
    ]
    urls += [
        reverse("cases:" + name, args=[case.pk])
        for name in ("edit", "person_add", "proceeding", "comment", "close", "reopen")
    ]
    urls += [reverse("cases:person", args=[p])]
    urls += [
        reverse("cases:" + name, args=[p])
        for name in (
            "person_facts",
            "identity_edit",
            "consent",
            "screen",
            "identify",
            "movement",
            "refer",
            "measure",
            "guardian",
            "best_interest",
            "return_plan",
            "follow_up_plan",
            "support_plan",
        )
    ]
    urls += [
        reverse("cases:screening", args=[p, w.screening.pk]),
        reverse("cases:consent_withdraw", args=[p, w.consent.pk]),
        reverse("cases:measure_renew", args=[p, w.measure.pk]),
        reverse("cases:measure_end", args=[p, w.measure.pk]),
        reverse("cases:return_decide", args=[p, w.ret_planned.pk]),
        reverse("cases:return_complete", args=[p, w.ret_decided.pk]),
        reverse("cases:follow_up_record", args=[p, w.visit.pk]),
    ]
    assert child.case_id == case.pk
    return urls


LIST_PAGES = ["/cases/", "/cases/new/", "/cases/deadlines/", "/cases/referrals/"]


# --- who sees what -------------------------------------------------------------------------------


def test_every_page_answers_the_owner_without_identifying_data(
    client: Client, worker: User, world: SimpleNamespace
) -> None:
    login(client, worker)
    for url in LIST_PAGES + case_pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        page = html(response)
        assert page.lstrip().startswith("<!doctype html>"), url
        for secret in SECRETS:
            assert secret not in page, (url, secret)
        assert "no-store" in response["Cache-Control"], url


@pytest.mark.parametrize("who", ["other", "analyst", "admin_user", "editor"])
def test_a_case_the_user_may_not_see_is_not_found(
    request: pytest.FixtureRequest, client: Client, world: SimpleNamespace, who: str
) -> None:
    user = request.getfixturevalue(who)
    login(client, user)
    for url in case_pages(world):
        assert client.get(url).status_code == 404, url
    # Writing is refused the same way and writes nothing.
    before = counts()
    read_only = ("/cases/{}/".format(world.case.pk), "/cases/{}/".format(world.case.reference))
    for url in case_pages(world):
        if url in read_only or url.endswith(
            ("/{}/".format(world.child.pseudonym), "/screenings/{}/".format(world.screening.pk))
        ):
            continue  # pages without a form answer POST with 405, whoever asks
        assert client.post(url, {"reason": "curious", "text": "x"}).status_code == 404, url
    identity = reverse("cases:identity", args=[world.child.pseudonym])
    assert client.post(identity, {"reason": "curious"}).status_code == 404
    action = reverse("cases:referral_action", args=[world.referral.pk, "accept"])
    assert client.post(action).status_code == 404
    assert counts() == before


@pytest.mark.parametrize("who", ["analyst", "admin_user", "editor"])
def test_roles_that_never_see_cases_get_no_case_pages(
    request: pytest.FixtureRequest, client: Client, world: SimpleNamespace, who: str
) -> None:
    login(client, request.getfixturevalue(who))
    for url in LIST_PAGES:
        assert client.get(url).status_code == 404, url
    # ... and no navigation to them.
    page = html(client.get("/"))
    assert 'href="/cases/"' not in page and 'href="/cases/referrals/"' not in page


def test_another_organisation_lists_nothing_of_the_case(
    client: Client, other: User, world: SimpleNamespace
) -> None:
    login(client, other)
    for url in LIST_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        page = html(response)
        assert world.case.reference not in page and world.child.pseudonym not in page, url
    search = client.get("/cases/", {"q": world.child.pseudonym})
    assert world.case.reference not in html(search)
    assert 'href="/cases/"' in html(client.get("/"))  # a case worker has the navigation


def test_guessed_ids_and_pseudonyms_are_not_found(
    client: Client, worker: User, world: SimpleNamespace
) -> None:
    login(client, worker)
    for url in [
        "/cases/{}/".format(uuid.uuid4()),
        "/cases/C-ZZZZZZZZZZ/",
        "/cases/persons/P-ZZZZZZZZZZ/",
        "/cases/persons/P-ZZZZZZZZZZ/consent/",
        "/cases/persons/{}/screenings/999999/".format(world.child.pseudonym),
        "/cases/persons/{}/measures/999999/renew/".format(world.child.pseudonym),
        # A record of another person of the case is not found under this one.
        "/cases/persons/{}/returns/{}/decide/".format(world.adult.pseudonym, world.ret_planned.pk),
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post("/cases/referrals/999999/accept/").status_code == 404
    assert client.post("/cases/referrals/{}/explode/".format(world.referral.pk)).status_code in (
        404,
    )


def test_anonymous_users_are_sent_to_log_in(client: Client, world: SimpleNamespace) -> None:
    for url in LIST_PAGES + case_pages(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == "/login/?next={}".format(quote(url)), url
    identity = reverse("cases:identity", args=[world.child.pseudonym])
    assert client.post(identity, {"reason": "x"}).status_code == 302
    assert not AuditEntry.objects.filter(action=AuditAction.READ).exists()


def test_a_receiving_organisation_sees_only_what_the_referral_shares(
    client: Client, provider: User, world: SimpleNamespace
) -> None:
    login(client, provider)
    page = html(client.get(reverse("cases:person", args=[world.child.pseudonym])))
    assert "You see only what was shared" in page
    assert "Forced labour" in page  # case facts are shared
    assert "Protection measures" not in page  # protection is not
    assert "Show identity" not in page  # neither identity nor contact
    for secret in SECRETS:
        assert secret not in page
    # Step pages are for the holding organisation.
    assert client.get(reverse("cases:consent", args=[world.child.pseudonym])).status_code == 403
    # The other persons of the case were not referred.
    for person in (world.child2, world.suspect):
        assert client.get(reverse("cases:person", args=[person.pseudonym])).status_code == 404
    case_page = html(client.get(reverse("cases:detail", args=[world.case.pk])))
    assert world.child.pseudonym in case_page and world.suspect.pseudonym not in case_page
    assert "First interview done" not in case_page  # comments stay with the holder
    identity = reverse("cases:identity", args=[world.child.pseudonym])
    assert client.post(identity, {"reason": "admission"}).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.READ).exists()


def test_a_national_coordinator_sees_de_identified_facts_and_changes_nothing(
    client: Client, coordinator: User, world: SimpleNamespace
) -> None:
    login(client, coordinator)
    assert world.case.reference in html(client.get("/cases/"))
    page = html(client.get(reverse("cases:person", args=[world.child.pseudonym])))
    assert "Reflection and recovery period" in page and "Show identity" not in page
    for secret in SECRETS:
        assert secret not in page
    identity = reverse("cases:identity", args=[world.child.pseudonym])
    assert client.post(identity, {"reason": "oversight"}).status_code == 404
    before = counts()
    for name in ("edit", "close", "comment", "person_add"):
        url = reverse("cases:" + name, args=[world.case.pk])
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"text": "x", "reason": "x"}).status_code == 403, url
    assert client.get("/cases/new/").status_code == 403
    assert counts() == before


# --- identity ------------------------------------------------------------------------------------


def test_identity_is_shown_only_after_a_reason_is_posted_and_the_read_is_audited(
    client: Client, worker: User, world: SimpleNamespace
) -> None:
    login(client, worker)
    person_url = reverse("cases:person", args=[world.child.pseudonym])
    url = reverse("cases:identity", args=[world.child.pseudonym])
    page = html(client.get(person_url))
    assert "Show identity" in page and 'action="{}"'.format(url) in page
    assert client.get(url).status_code == 405  # never by GET, so never in a URL

    no_reason = client.post(url, {"reason": "  "}, headers=HX)
    assert no_reason.status_code == 200
    assert "This field is required." in html(no_reason)
    assert "Amina" not in html(no_reason)
    assert not AuditEntry.objects.filter(action=AuditAction.READ).exists()

    shown = client.post(url, {"reason": "prepare the shelter admission"}, headers=HX)
    assert shown.status_code == 200
    partial = html(shown)
    assert "<html" not in partial  # htmx gets the identity region only
    for secret in SECRETS:
        assert secret in partial
    assert "written to the audit log" in partial
    assert "no-store" in shown["Cache-Control"]
    read = AuditEntry.objects.get(action=AuditAction.READ)
    assert read.actor == worker
    assert read.object_id == str(world.child.pk)
    assert read.reason == "prepare the shelter admission"
    assert "Amina" not in str(read.after)

    # Without htmx the whole page comes back with the identity in it.
    full = client.post(url, {"reason": "second look"})
    assert full.status_code == 200 and "Amina" in html(full) and "<html" in html(full)
    assert AuditEntry.objects.filter(action=AuditAction.READ).count() == 2
    # ... and it is gone again on the next page load.
    assert "Amina" not in html(client.get(person_url))


def test_a_referral_sharing_identity_lets_the_receiver_read_it(
    client: Client, worker: User, provider: User, world: SimpleNamespace
) -> None:
    s.consent_record(actor=worker, person=world.child, purpose="data_sharing")
    s.referral_send(
        actor=worker,
        person=world.child,
        to_organisation=organisation_of(provider),
        service="legal_aid",
        scopes=["identity"],
    )
    login(client, provider)
    url = reverse("cases:identity", args=[world.child.pseudonym])
    shown = html(client.post(url, {"reason": "legal aid intake"}, headers=HX))
    assert "Amina" in shown and "Diallo" in shown
    assert "+267 71 000 000" not in shown  # contact details were not shared
    assert AuditEntry.objects.get(action=AuditAction.READ).actor == provider


# --- the list ------------------------------------------------------------------------------------


def test_case_list_searches_filters_and_pages(
    client: Client, worker: User, world: SimpleNamespace, django_assert_max_num_queries: Any
) -> None:
    adult_case = s.case_open(actor=worker, opened_on=TODAY - 5 * DAY, title="Restaurant")
    s.person_add(
        actor=worker,
        case=adult_case,
        role="victim",
        age_at_registration=30,
        types_of_exploitation=["SexualExploitation"],
    )
    closed = s.case_open(actor=worker, opened_on=TODAY - 400 * DAY, title="Old case")
    s.case_close(actor=worker, case=closed, reason="done")
    login(client, worker)

    def refs(**params: Any) -> set[str]:
        response = client.get("/cases/", params)
        assert response.status_code == 200
        page = html(response)
        return {
            c.reference
            for c in (world.case, adult_case, closed)
            if 'data-reference="{}"'.format(c.reference) in page
        }

    everything = {world.case.reference, adult_case.reference, closed.reference}
    assert refs() == everything
    assert refs(q="restaur") == {adult_case.reference}
    assert refs(q=world.case.reference.lower()) == {world.case.reference}
    assert refs(q=world.child.pseudonym) == {world.case.reference}
    assert refs(status="Closed") == {closed.reference}
    assert refs(exploitation="SexualExploitation") == {adult_case.reference}
    assert refs(role="suspect") == {world.case.reference}
    assert refs(child="yes") == {world.case.reference}
    assert refs(child="no") == {adult_case.reference, closed.reference}
    assert refs(opened_from=(TODAY - 10 * DAY).isoformat()) == {adult_case.reference}
    assert refs(opened_to=(TODAY - 100 * DAY).isoformat()) == {closed.reference}
    assert refs(opened_from="not a date") == everything  # bad input filters nothing

    partial = client.get("/cases/", {"q": "restaur"}, headers=HX)
    assert "<html" not in html(partial) and "1 case" in html(partial)
    assert partial["Vary"].count("HX-Request") == 1

    for n in range(30):
        s.case_open(actor=worker, opened_on=TODAY - DAY, title="Bulk {}".format(n))
    with django_assert_max_num_queries(12):
        first = html(client.get("/cases/"))
    assert "33 cases" in first and "Page 1 of 2" in first and "?page=2" in first
    second = html(client.get("/cases/", {"page": 2}))
    assert "Page 2 of 2" in second and closed.reference in second


# --- forms: happy path and invalid input ---------------------------------------------------------


@dataclass
class Step:
    url: Callable[[SimpleNamespace], str]
    valid: Callable[[SimpleNamespace], dict[str, Any]]
    check: Callable[[SimpleNamespace], bool]
    invalid: Callable[[SimpleNamespace], dict[str, Any]]
    error: str
    invalid_url: Callable[[SimpleNamespace], str] | None = None


def _case(name: str) -> Callable[[SimpleNamespace], str]:
    return lambda w: reverse("cases:" + name, args=[w.case.pk])


def _person(name: str, who: str = "child") -> Callable[[SimpleNamespace], str]:
    return lambda w: reverse("cases:" + name, args=[getattr(w, who).pseudonym])


def _record(name: str, attr: str, who: str = "child") -> Callable[[SimpleNamespace], str]:
    return lambda w: reverse("cases:" + name, args=[getattr(w, who).pseudonym, getattr(w, attr).pk])


def _after(action: Callable[[SimpleNamespace], object]) -> Callable[..., dict[str, Any]]:
    """No form data, after doing something first (close the case, end the measure)."""

    def run(w: SimpleNamespace) -> dict[str, Any]:
        action(w)
        return {}

    return run


def _d(days: int) -> str:
    return (TODAY + days * DAY).isoformat()


def _org(w: SimpleNamespace) -> int:
    return int(w.case.organisation_id)


def _authority(w: SimpleNamespace, same: bool) -> dict[str, Any]:
    entry = DirectoryEntry.objects.filter(country__isnull=False).exclude(country_id="ZWE").first()
    assert entry is not None
    return {"destination": entry.country_id if same else "ZWE", "receiving_authority": entry.pk}


STEPS: dict[str, Step] = {
    "open": Step(
        url=lambda w: reverse("cases:open"),
        valid=lambda w: {"title": "Brick kiln", "opened_on": _d(0)},
        check=lambda w: Case.objects.filter(title="Brick kiln").exists(),
        invalid=lambda w: {"title": "Brick kiln", "opened_on": _d(3)},
        error="cannot be opened in the future",
    ),
    "edit": Step(
        url=_case("edit"),
        valid=lambda w: {"title": "Renamed", "reason_for_incoming_referral": "Other"},
        check=lambda w: Case.objects.get(pk=w.case.pk).title == "Renamed",
        invalid=lambda w: {"title": "Renamed", "incoming_referral_date": "31/31/2020"},
        error="Enter a valid date",
    ),
    "person_add": Step(
        url=_case("person_add"),
        valid=lambda w: {
            "role": "presumed_victim",
            "age_uncertain": "on",
            "types_of_exploitation": ["ForcedBegging"],
            "citizenship": ["ZWE", "BWA"],
            "primary_language": "sn",
            "identity_first_name": "Tendai",
            "identity_aliases": "T, Tee",
        },
        check=lambda w: (
            w.case.persons.filter(
                types_of_exploitation__icontains="ForcedBegging",
                age_uncertain=True,
                primary_language="sn",
                citizenship=["BWA", "ZWE"],
            ).exists()
            and any(
                decrypt_json(i.ciphertext).get("aliases") == ["T", "Tee"]
                for i in PersonIdentity.objects.all()
            )
        ),
        invalid=lambda w: {"role": "victim", "primary_language": "klingon"},
        error="klingon is not one of the available choices",
    ),
    "proceeding": Step(
        url=_case("proceeding"),
        valid=lambda w: {
            "stage": "prosecution",
            "started_on": _d(-3),
            "suspect": w.suspect.pseudonym,
            "compensation_ordered": "1000",
            "currency": "bwp",
        },
        check=lambda w: w.case.proceedings.filter(stage="prosecution", currency="BWP").exists(),
        invalid=lambda w: {"stage": "trial", "started_on": _d(-3), "verdict_on": _d(-10)},
        error="verdict is dated before",
    ),
    "comment": Step(
        url=_case("comment"),
        valid=lambda w: {"text": "Called the labour inspectorate"},
        check=lambda w: w.case.comments.filter(text__startswith="Called").exists(),
        invalid=lambda w: {"text": "   "},
        error="This field is required",
    ),
    "close": Step(
        url=_case("close"),
        valid=lambda w: {"reason": "Returned and followed up", "closed_on": _d(0)},
        check=lambda w: Case.objects.get(pk=w.case.pk).status == "Closed",
        invalid=lambda w: {"reason": "x", "closed_on": _d(-365)},
        error="cannot be closed before it was opened",
    ),
    "reopen": Step(
        url=_case("reopen"),
        valid=_after(lambda w: s.case_close(actor=w.case.owner, case=w.case, reason="x")),
        check=lambda w: Case.objects.get(pk=w.case.pk).status == "FollowUp",
        invalid=lambda w: {},
        error="Only a closed case can be reopened",
    ),
    "person_facts": Step(
        url=_person("person_facts"),
        valid=lambda w: {
            "gender": "Feminine",
            "citizenship": ["ZWE"],
            "methods_of_control": ["WithholdsDocuments"],
            "types_of_exploitation": ["ForcedLabour", "DomesticServitude"],
        },
        check=lambda w: (
            "DomesticServitude" in w.case.persons.get(pk=w.child.pk).types_of_exploitation
        ),
        invalid=lambda w: {"citizenship": ["QQQ"]},
        error="QQQ is not one of the available choices",
    ),
    "identity_edit": Step(
        url=_person("identity_edit"),
        valid=lambda w: {"identity_mobile_phone": "+267 72 111 111"},
        check=lambda w: (
            decrypt_json(PersonIdentity.objects.get(person=w.child).ciphertext).items()
            >= {"mobile_phone": "+267 72 111 111", "first_name": "Amina"}.items()
        ),
        invalid=lambda w: {"identity_birthdate": _d(30)},
        error="date of birth is in the future",
    ),
    "consent": Step(
        url=_person("consent"),
        valid=lambda w: {"purpose": "data_sharing", "given_on": _d(0)},
        check=lambda w: Consent.objects.filter(person=w.child, purpose="data_sharing").exists(),
        invalid=lambda w: {"purpose": "assistance", "given_on": _d(0)},
        error="already recorded",
    ),
    "consent_withdraw": Step(
        url=_record("consent_withdraw", "consent"),
        valid=lambda w: {"withdrawn_on": _d(0)},
        check=lambda w: Consent.objects.get(pk=w.consent.pk).withdrawn_on == TODAY,
        invalid=lambda w: {"withdrawn_on": _d(-55)},
        error="cannot be withdrawn before it was given",
    ),
    "screen": Step(
        url=_person("screen"),
        valid=lambda w: {
            "indicator_list": w.list.pk,
            "indicators": ["0-s", "0-w", "3-m", "3-s"],
            "screened_on": _d(0),
        },
        check=lambda w: Screening.objects.filter(
            person=w.child, outcome="presumed_victim", indicators=["0-s", "0-w", "3-m", "3-s"]
        ).exists(),
        invalid=lambda w: {"indicator_list": w.list.pk, "indicators": ["nope"]},
        error="Select a valid choice",
    ),
    "identify": Step(
        url=_person("identify"),
        valid=lambda w: {
            "authority": _org(w),
            "decision": "identified",
            "decision_org_type": "NGO",
            "decided_on": _d(0),
            "reasoning": "Interview and documents",
        },
        check=lambda w: (
            w.case.persons.get(pk=w.child.pk).trafficking_status == "ActualVictimOfTrafficking"
        ),
        invalid=lambda w: {
            "authority": _org(w),
            "decision": "identified",
            "decision_org_type": "NGO",
            "decided_on": _d(5),
            "reasoning": "x",
        },
        error="decision date is in the future",
    ),
    "movement": Step(
        url=_person("movement"),
        valid=lambda w: {"event_type": "Exploitation", "country": "BWA", "date": _d(-80)},
        check=lambda w: w.child.movements.filter(event_type="Exploitation").exists(),
        invalid=lambda w: {
            "event_type": "Transit",
            "country": "ZAF",
            "date": _d(-80),
            "end_date": _d(-85),
        },
        error="ends",
    ),
    "refer": Step(
        url=_person("refer"),
        valid=lambda w: {
            "to_organisation": w.provider_org,
            "service": "medical",
            "scopes": ["case_facts", "protection"],
            "reason": "AdditionalServicesRequired",
            "sent_on": _d(0),
        },
        check=lambda w: Referral.objects.filter(
            service="medical", scopes=["case_facts", "protection"]
        ).exists(),
        invalid=lambda w: {
            "to_organisation": w.provider_org,
            "service": "medical",
            "scopes": ["identity"],
            "reason": "AdditionalServicesRequired",
            "sent_on": _d(0),
        },
        error="needs the person&#x27;s recorded consent",
    ),
    "measure": Step(
        url=_person("measure"),
        valid=lambda w: {
            "kind": "residence_permit",
            "starts_on": _d(0),
            "ends_on": _d(180),
            "linked_to_cooperation": "on",
        },
        check=lambda w: ProtectionMeasure.objects.filter(
            kind="residence_permit", linked_to_cooperation=True
        ).exists(),
        invalid=lambda w: {"kind": "reflection_period", "starts_on": _d(0), "ends_on": _d(10)},
        error="must last at least 30 days",
    ),
    "measure_renew": Step(
        url=_record("measure_renew", "measure"),
        valid=lambda w: {"ends_on": _d(60)},
        check=lambda w: ProtectionMeasure.objects.filter(renewal_of=w.measure).exists(),
        invalid=lambda w: {"ends_on": _d(1)},
        error="renewal must end after",
    ),
    "measure_end": Step(
        url=_record("measure_end", "measure"),
        valid=lambda w: {"revoke": "on", "notes": "Left the country"},
        check=lambda w: ProtectionMeasure.objects.get(pk=w.measure.pk).status == "revoked",
        invalid=_after(lambda w: s.measure_end(actor=w.case.owner, measure=w.measure)),
        error="not active",
    ),
    "guardian": Step(
        url=_person("guardian"),
        valid=lambda w: {"appointed_on": _d(0), "organisation": _org(w)},
        check=lambda w: w.child.guardians.filter(organisation_id=_org(w)).exists(),
        invalid=lambda w: {"appointed_on": _d(0)},
        error="Name the guardian",
    ),
    "best_interest": Step(
        url=_person("best_interest"),
        valid=lambda w: {
            "decided_on": _d(0),
            "return_in_best_interest": "no",
            "reasoning": "Risk of re-trafficking at home",
            "decided_by": _org(w),
        },
        check=lambda w: w.child.best_interest_determinations.filter(
            return_in_best_interest=False
        ).exists(),
        invalid=lambda w: {
            "decided_on": _d(0),
            "return_in_best_interest": "yes",
            "reasoning": "x",
            "decided_by": _org(w),
        },
        invalid_url=_person("best_interest", "adult"),
        error="applies to a child",
    ),
    "return_plan": Step(
        url=_person("return_plan"),
        valid=lambda w: {
            **_authority(w, same=True),
            "risk_level": "medium",
            "risk_assessment": "Checked with the receiving authority",
            "voluntary_consent": "on",
            "consent_on": _d(0),
            "travel_documents": "Emergency travel document",
        },
        check=lambda w: (
            Return.objects.filter(travel_documents="Emergency travel document")
            .exclude(receiving_authority=None)
            .exists()
        ),
        invalid=lambda w: {
            **_authority(w, same=False),
            "risk_level": "medium",
            "risk_assessment": "x",
        },
        error="receiving authority is not in",
    ),
    "return_decide": Step(
        url=_record("return_decide", "ret_planned"),
        valid=lambda w: {"decided_on": _d(0)},
        check=lambda w: Return.objects.get(pk=w.ret_planned.pk).status == "decided",
        invalid=lambda w: {"decided_on": _d(0)},
        invalid_url=_record("return_decide", "ret_no_bid", "child2"),
        error="cannot be decided without a best-interest determination",
    ),
    "return_complete": Step(
        url=_record("return_complete", "ret_decided"),
        valid=lambda w: {"return_date": _d(0)},
        check=lambda w: Return.objects.get(pk=w.ret_decided.pk).status == "completed",
        invalid=lambda w: {"return_date": _d(-30)},
        error="before the decision",
    ),
    "follow_up_plan": Step(
        url=_person("follow_up_plan"),
        valid=lambda w: {"planned_on": _d(20)},
        check=lambda w: w.child.follow_ups.filter(planned_on=TODAY + 20 * DAY).exists(),
        invalid=lambda w: {"planned_on": ""},
        error="This field is required",
    ),
    "follow_up_record": Step(
        url=_record("follow_up_record", "visit"),
        valid=lambda w: {"done_on": _d(0), "outcome": "Back at school", "retrafficked": ""},
        check=lambda w: w.child.follow_ups.filter(outcome="Back at school").exists(),
        invalid=lambda w: {"done_on": _d(2), "outcome": "x"},
        error="cannot be recorded in the future",
    ),
    "support_plan": Step(
        url=_person("support_plan"),
        valid=lambda w: {"plan_type": "Education", "objectives": "Finish school"},
        check=lambda w: w.child.support_plans.filter(plan_type="Education").exists(),
        invalid=lambda w: {"plan_type": "Bogus"},
        error="Select a valid choice",
    ),
}


@pytest.fixture
def logged_in(client: Client, worker: User, provider: User, world: SimpleNamespace) -> Client:
    world.provider_org = provider.organisation_id
    return login(client, worker)


@pytest.mark.parametrize("name", list(STEPS))
def test_form_saves_valid_input(logged_in: Client, world: SimpleNamespace, name: str) -> None:
    step = STEPS[name]
    url = step.url(world)
    assert logged_in.get(url).status_code == 200
    response = logged_in.post(url, step.valid(world))
    assert response.status_code == 302, html(response)
    assert step.check(world), name
    followed = logged_in.get(response["Location"])
    assert followed.status_code == 200
    assert 'class="messages"' in html(followed)


@pytest.mark.parametrize("name", list(STEPS))
def test_form_shows_invalid_input_and_writes_nothing(
    logged_in: Client, world: SimpleNamespace, name: str
) -> None:
    step = STEPS[name]
    data = step.invalid(world)
    url = (step.invalid_url or step.url)(world)
    before = counts()
    response = logged_in.post(url, data)
    assert response.status_code == 200
    page = html(response)
    assert 'role="alert"' in page and "Nothing was saved" in page
    assert step.error in page, page[page.find("error-summary") :][:600]
    assert counts() == before
    assert not step.check(world)


def test_screening_shows_the_reasoned_outcome_grouped_by_dimension(
    logged_in: Client, world: SimpleNamespace
) -> None:
    url = reverse("cases:screen", args=[world.child.pseudonym])
    page = html(logged_in.get(url, {"list": world.list.pk}))
    for legend in ("Deceptive recruitment", "Exploitative conditions", "Coercion at destination"):
        assert "<legend>{}</legend>".format(legend) in page
    assert 'class="badge strength-strong"' in page
    response = logged_in.post(
        url,
        {
            "indicator_list": world.list.pk,
            "indicators": ["0-s", "0-m", "3-s", "3-w"],
            "screened_on": _d(0),
        },
        follow=True,
    )
    page = html(response)
    assert "Outcome: <strong>Presumed victim</strong>" in page
    assert "Presumed victim: recruitment (Deceptive recruitment) and exploitation" in page
    assert "means are not required for a child" in page


# --- referral inbox and deadline board -----------------------------------------------------------


def test_referral_inbox_accept_deliver_close(
    client: Client, worker: User, provider: User, world: SimpleNamespace
) -> None:
    login(client, provider)
    page = html(client.get("/cases/referrals/"))
    assert world.child.pseudonym in page and "Needs a bed tonight" in page
    assert '<span class="badge scope">Case facts</span>' in page
    assert '<span class="badge scope">Identity</span>' not in page
    assert world.case.title not in page
    url = reverse("cases:referral_action", args=[world.referral.pk, "deliver"])
    before = counts()
    wrong = client.post(url, {"note": ""}, headers=HX)
    assert "A referral with the status “Sent” cannot be recorded as delivered." in html(wrong)
    assert counts() == before

    accepted = client.post(
        reverse("cases:referral_action", args=[world.referral.pk, "accept"]),
        {"note": "Bed ready"},
        headers=HX,
    )
    assert "<html" not in html(accepted) and "Accepted" in html(accepted)
    world.referral.refresh_from_db()
    assert world.referral.status == "accepted" and world.referral.response_note == "Bed ready"
    done = client.post(url, {"note": ""})
    assert done.status_code == 302 and done["Location"] == "/cases/referrals/"
    assert "Service delivered" in html(client.get("/cases/referrals/", {"status": "delivered"}))
    assert world.child.pseudonym not in html(client.get("/cases/referrals/?status=sent"))

    # The sender closes it from the person's page; the share ends with it.
    login(client, worker)
    close = reverse("cases:referral_action", args=[world.referral.pk, "close"])
    person_url = reverse("cases:person", args=[world.child.pseudonym])
    assert 'action="{}"'.format(close) in html(client.get(person_url))
    assert client.post(close, {"next": person_url})["Location"] == person_url
    world.referral.refresh_from_db()
    assert world.referral.status == "closed"
    login(client, provider)
    assert client.get(person_url).status_code == 404
    assert "Open what is shared" not in html(client.get("/cases/referrals/"))


def test_deadline_board_shows_what_ends_or_is_overdue_for_the_organisation(
    client: Client, worker: User, other: User, world: SimpleNamespace
) -> None:
    login(client, worker)
    page = html(client.get("/cases/deadlines/"))
    overdue, upcoming = page.split('id="upcoming-h"')
    assert "Follow-up visit due" in overdue and "2 days late" in overdue
    assert "Reflection and recovery period ends" in upcoming and "in 5 days" in upcoming
    assert world.case.reference in upcoming and world.child.pseudonym in upcoming
    assert "For Shelter Gaborone" in page
    later = s.measure_grant(
        actor=worker,
        person=world.adult,
        kind="residence_permit",
        starts_on=TODAY,
        ends_on=TODAY + 20 * DAY,
    )
    assert "Temporary residence permit ends" not in html(client.get("/cases/deadlines/"))
    assert "Temporary residence permit ends" in html(client.get("/cases/deadlines/?days=30"))
    assert html(client.get("/cases/deadlines/?days=9999")).count('value="7" selected') == 1
    assert later.pk
    login(client, other)
    assert world.case.reference not in html(client.get("/cases/deadlines/"))


def test_navigation_shows_case_work_to_case_workers(
    client: Client, worker: User, coordinator: User
) -> None:
    login(client, worker)
    page = html(client.get("/"))
    for href in ('href="/cases/"', 'href="/cases/referrals/"', 'href="/cases/deadlines/"'):
        assert href in page
    login(client, coordinator)
    page = html(client.get("/"))
    assert 'href="/cases/"' in page and 'href="/cases/referrals/"' not in page
