"""D1 of issue 11: identity documents are a list wherever they are stored and answered.

The web form, the CSV import and the demo data stored `documents` as a text; the identity
endpoint's schema expects a list, so it answered 500 and the traceback wrote the identity into
the log (pydantic's `input_value=...`)."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from palermo.cases.documents import documents_list, documents_text
from palermo.cases.models import PersonIdentity
from palermo.cases.tests.factories import CaseFactory, PersonFactory, organisation_of
from palermo.cases.writer import CasePlan, PersonPlan, cases_bulk_create
from palermo.core.crypto import decrypt_json, encrypt_json
from palermo.core.errors import ApplicationError
from palermo.core.models import User

pytestmark = pytest.mark.django_db
CANARY = "Canary Zqxwv"
REASON: dict[str, Any] = {"HTTP_X_PALERMO_REASON": "case review"}


def _identity_get(client: Client, headers: dict[str, Any], pseudonym: str) -> Any:
    return client.get("/api/v1/cases/persons/{}/identity".format(pseudonym), **headers, **REASON)


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter", kind="ngo")


def test_documents_list_accepts_text_lists_and_objects() -> None:
    assert documents_list("Passport held") == [{"description": "Passport held"}]
    assert documents_list(["a", {"type": "passport", "number": "X1"}]) == [
        {"description": "a"},
        {"type": "passport", "number": "X1"},
    ]
    assert documents_list({"type": "id"}) == [{"type": "id"}]
    assert documents_list("") == []
    assert documents_list(None) == []
    with pytest.raises(ValueError, match="documents must be") as info:
        documents_list([42])
    assert "42" not in str(info.value)
    assert documents_text([{"type": "passport", "number": "X1", "country": "ZWE"}, "lost"]) == (
        "passport X1 ZWE; lost"
    )


def test_text_from_the_form_is_stored_as_a_list_and_answered(
    worker: User, client: Client, bearer: Callable[[User], dict[str, Any]]
) -> None:
    case = CaseFactory.create(actor=worker, title="t")
    person = PersonFactory.create(
        actor=worker, case=case, identity={"first_name": "A", "documents": "Passport held"}
    )
    stored = decrypt_json(PersonIdentity.objects.get(person=person).ciphertext)
    assert stored["documents"] == [{"description": "Passport held"}]
    response = _identity_get(client, bearer(worker), person.pseudonym)
    assert response.status_code == 200, response.content
    assert response.json()["documents"] == [{"description": "Passport held"}]


def test_bulk_writer_stores_a_list(worker: User) -> None:
    plan = CasePlan(
        opened_on=dt.date(2026, 1, 5),
        country="BWA",
        persons=[
            PersonPlan(
                facts={"role": "presumed_victim"},
                identity={"first_name": "B", "documents": "No documents"},
            )
        ],
    )
    cases_bulk_create(
        [plan], actor=worker, organisation=organisation_of(worker), label="import", reason="t"
    )
    row = PersonIdentity.objects.get()
    assert decrypt_json(row.ciphertext)["documents"] == [{"description": "No documents"}]


def test_text_stored_before_is_answered_as_a_list_and_migrated(
    worker: User, client: Client, bearer: Callable[[User], dict[str, Any]]
) -> None:
    case = CaseFactory.create(actor=worker, title="t")
    person = PersonFactory.create(actor=worker, case=case, identity={"first_name": "C"})
    PersonIdentity.objects.filter(person=person).update(
        ciphertext=encrypt_json({"first_name": "C", "documents": "Expired ID card"})
    )
    response = _identity_get(client, bearer(worker), person.pseudonym)
    assert response.status_code == 200, response.content
    assert response.json()["documents"] == [{"description": "Expired ID card"}]

    migration = importlib.import_module("palermo.cases.migrations.0007_documents_list")
    migration.forwards(apps, None)
    stored = decrypt_json(PersonIdentity.objects.get(person=person).ciphertext)
    assert stored == {"first_name": "C", "documents": [{"description": "Expired ID card"}]}


def test_an_identity_the_schema_refuses_answers_json_500_and_logs_no_value(
    worker: User,
    client: Client,
    bearer: Callable[[User], dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A stored value the response schema refuses (here a corrupt birthdate) is a 500 in the
    error shape; the log names the exception and the field, never the value."""
    case = CaseFactory.create(actor=worker, title="t")
    person = PersonFactory.create(actor=worker, case=case, identity={"first_name": CANARY})
    PersonIdentity.objects.filter(person=person).update(
        ciphertext=encrypt_json({"first_name": CANARY, "birthdate": CANARY})
    )
    caplog.set_level(logging.DEBUG)
    response = _identity_get(client, bearer(worker), person.pseudonym)
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert CANARY not in response.content.decode()
    assert "ValidationError" in caplog.text
    assert "birthdate" in caplog.text
    assert CANARY not in caplog.text
    assert "input_value" not in caplog.text


def test_documents_of_the_wrong_type_are_refused_without_echo(worker: User) -> None:
    case = CaseFactory.create(actor=worker, title="t")
    with pytest.raises(ApplicationError) as info:
        PersonFactory.create(actor=worker, case=case, identity={"documents": [7]})
    assert "7" not in info.value.detail
