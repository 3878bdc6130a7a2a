"""What a person's facts are checked against: ISO 639 languages and registry countries (names in
the user's language in the pickers), age against date of birth, and the one rule of who is a
child (an unknown or uncertain age is presumed a child)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from palermo.cases import forms as f
from palermo.cases import services as s
from palermo.cases.facets import case_facets_check
from palermo.cases.models import Case, child_status
from palermo.cases.models.persons import ADULT, CHILD, PRESUMED_CHILD
from palermo.cases.tests.factories import CaseFactory
from palermo.conftest import PASSWORD
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.core.pickers import country_options, language_code, language_options

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter Gaborone", country="BWA", kind="ngo")


@pytest.fixture
def case(clock: time_machine.Traveller, worker: User) -> Case:
    return CaseFactory.create(actor=worker, opened_on=D(2026, 1, 10), title="Farm")


# --- languages and countries ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [("EN", "en"), ("eng", "en"), ("fre", "fr"), ("bin", "bin"), ("pt_br", "pt-BR")],
)
def test_a_language_is_stored_as_its_iso_639_code(
    worker: User, case: Case, given: str, stored: str
) -> None:
    person = s.person_add(actor=worker, case=case, role="witness", primary_language=given)
    assert person.primary_language == stored


@pytest.mark.parametrize("bad", ["klingon", "tlh", "xx", "english", "en-ZZ"])
def test_an_unknown_or_unspoken_language_is_refused_naming_the_value(
    worker: User, case: Case, bad: str
) -> None:
    with pytest.raises(ApplicationError, match="secondary_language: '{}'".format(bad)) as err:
        s.person_add(actor=worker, case=case, role="witness", secondary_language=bad)
    assert err.value.code == "unknown_language"
    assert not case.persons.exists()


def test_the_api_refuses_a_bad_language_and_country(
    client: Client, worker: User, case: Case, bearer: Callable[[User], dict[str, Any]]
) -> None:
    url = "/api/v1/cases/{}/persons".format(case.pk)
    body: dict[str, Any] = {"role": "witness", "primary_language": "klingon"}
    response = client.post(url, body, content_type="application/json", **bearer(worker))
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_language" and "klingon" in response.json()["detail"]
    body = {"role": "witness", "citizenship": ["XXX"]}
    response = client.post(url, body, content_type="application/json", **bearer(worker))
    assert (response.status_code, response.json()["code"]) == (400, "unknown_country")
    body = {"role": "witness", "citizenship": ["scg"], "primary_language": "HA"}
    response = client.post(url, body, content_type="application/json", **bearer(worker))
    assert response.status_code == 201, response.json()
    assert response.json()["citizenship"] == ["SCG"]  # a former state the registry knows
    assert response.json()["primary_language"] == "ha"


def test_pickers_name_countries_and_languages_in_the_users_language() -> None:
    with translation.override("fr"):
        countries = dict(country_options())
        languages = dict(language_options())
        form = f.PersonForm()
    assert countries["DEU"] == "Allemagne (DEU)" and countries["ESP"] == "Espagne (ESP)"
    assert languages["ha"] == "haoussa (ha)" and languages["de"] == "allemand (de)"
    assert ("ha", "haoussa (ha)") in form.fields["primary_language"].choices  # type: ignore[attr-defined]
    with translation.override("it"):  # not a UN language: CLDR through Babel
        assert dict(country_options())["DEU"] == "Germania (DEU)"
    assert "SCG" in dict(country_options(historical=True)) and "SCG" not in countries
    assert language_code("") == ""


def test_the_person_form_offers_pickers_not_code_boxes(
    client: Client, worker: User, case: Case
) -> None:
    worker.language = "fr"  # a logged-in user's pages are in their language
    worker.save(update_fields=["language"])
    assert client.login(username=worker.username, password=PASSWORD)
    page = client.get("/cases/{}/persons/new/".format(case.pk), headers={"Accept-Language": "en"})
    text = page.content.decode()
    assert '<select name="primary_language"' in text and '<select name="citizenship"' in text
    assert ">haoussa (ha)</option>" in text and ">Allemagne (DEU)</option>" in text


# --- age and date of birth -----------------------------------------------------------------------


def test_age_and_date_of_birth_that_disagree_are_refused(worker: User, case: Case) -> None:
    identity = {"first_name": "Tendai", "birthdate": "2010-03-01"}  # 15 on 2026-01-10
    with pytest.raises(ApplicationError, match=r"age at registration \(30\).*gives 15") as err:
        s.person_add(
            actor=worker, case=case, role="victim", age_at_registration=30, identity=identity
        )
    assert err.value.code == "age_birthdate_mismatch" and not case.persons.exists()
    # A year apart is not a disagreement (an age as told, a day later in the year).
    person = s.person_add(
        actor=worker, case=case, role="victim", age_at_registration=16, identity=identity
    )
    with pytest.raises(ApplicationError, match="disagree"):
        s.person_update(actor=worker, person=person, age_at_registration=25)
    adult = s.person_add(actor=worker, case=case, role="victim", age_at_registration=40)
    with pytest.raises(ApplicationError, match="disagree"):
        s.person_identity_set(actor=worker, person=adult, identity={"birthdate": "2010-03-01"})
    # A date of birth corrected later sets the age from it (the age followed the first one).
    s.person_identity_set(actor=worker, person=person, identity={"birthdate": "2000-03-01"})
    person.refresh_from_db()
    assert person.age_at_registration == 25


def test_the_person_form_shows_the_disagreement(client: Client, worker: User, case: Case) -> None:
    assert client.login(username=worker.username, password=PASSWORD)
    response = client.post(
        "/cases/{}/persons/new/".format(case.pk),
        {"role": "victim", "age_at_registration": "30", "identity_birthdate": "2010-03-01"},
    )
    assert response.status_code == 200 and not case.persons.exists()
    assert "age at registration (30) and the date of birth disagree" in response.content.decode()


# --- who is a child ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "uncertain", "age", "status"),
    [
        ("victim", False, 12, CHILD),
        ("victim", True, 12, CHILD),
        ("victim", False, 30, ADULT),
        ("victim", True, 30, PRESUMED_CHILD),
        ("presumed_victim", False, None, PRESUMED_CHILD),
        ("victim", False, None, PRESUMED_CHILD),
        ("suspect", False, None, ADULT),
        ("witness", False, None, ADULT),
        ("witness", True, None, PRESUMED_CHILD),
        ("suspect", False, 17, CHILD),
    ],
)
def test_the_one_child_rule(role: str, uncertain: bool, age: int | None, status: str) -> None:
    assert child_status(role, uncertain, age) == status


def test_a_victim_of_unknown_age_gets_the_child_safeguards(
    worker: User, case: Case, client: Client, bearer: Callable[[User], dict[str, Any]]
) -> None:
    suspect = s.person_add(actor=worker, case=case, role="suspect")
    case.refresh_from_db()
    assert not case.has_child and not suspect.is_child
    person = s.person_add(actor=worker, case=case, role="presumed_victim")
    case.refresh_from_db()
    assert person.presumed_child and person.is_child and case.has_child
    assert case_facets_check() == []
    # A return needs a guardian and a best-interest determination, as for any child.
    ret = s.return_plan(
        actor=worker,
        person=person,
        destination="ZWE",
        risk_level="low",
        risk_assessment="ok",
        voluntary_consent=True,
        consent_on=D(2026, 1, 11),
    )
    with pytest.raises(ApplicationError, match="guardian"):
        s.return_decide(actor=worker, ret=ret, decided_on=D(2026, 1, 12))
    s.guardian_appoint(actor=worker, person=person, appointed_on=D(2026, 1, 11), name="Ms K.")
    body = client.get("/api/v1/cases/persons/{}".format(person.pseudonym), **bearer(worker)).json()
    assert (body["is_child"], body["presumed_child"]) == (True, True)
    listed = client.get("/api/v1/cases/", {"child": "true"}, **bearer(worker)).json()
    assert [c["reference"] for c in listed["items"]] == [case.reference]
    # The pages say "presumed child", apart from a child of known age.
    assert client.login(username=worker.username, password=PASSWORD)
    page = client.get("/cases/persons/{}/".format(person.pseudonym)).content.decode()
    assert "presumed child (age unknown/uncertain)" in page
    detail = client.get("/cases/{}/".format(case.pk)).content.decode()
    assert "presumed child (age unknown/uncertain)" in detail
    s.person_update(actor=worker, person=person, age_at_registration=12)
    page = client.get("/cases/persons/{}/".format(person.pseudonym)).content.decode()
    assert "presumed child" not in page and 'class="badge child"' in page
