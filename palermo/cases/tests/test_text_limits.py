"""Free text of case records has a limit: every TextField of the app (but the ciphertexts), the
service (nothing written), the API (a 422 naming the field and the limit, never the value), the
comment form (maxlength) and the HTCDS import (the record and line named, nothing written)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from palermo.cases import services as s
from palermo.cases.models import Case, CaseComment
from palermo.cases.tests.interchange_cases import import_file
from palermo.conftest import PASSWORD
from palermo.core.errors import ApplicationError
from palermo.core.models import AuditEntry, User
from palermo.core.services import token_create
from palermo.core.textlimits import NOT_FREE_TEXT, NOTE_MAX, TEXT_MAX, unlimited_text_fields

pytestmark = pytest.mark.django_db
SECRET = "Okafor-" + "x" * NOTE_MAX  # over the limit, and a name that must never be echoed


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter Palermo", country="ITA", kind="ngo")


@pytest.fixture
def case(worker: User) -> Case:
    return s.case_open(actor=worker, title="Farm workers")


def test_every_text_field_of_cases_has_a_limit() -> None:
    assert unlimited_text_fields("cases") == []
    # Only the ciphertexts are left out, each with its reason.
    assert sorted(k for k in NOT_FREE_TEXT if k.startswith("cases.")) == [
        "cases.Guardian.name_ciphertext",
        "cases.PersonIdentity.ciphertext",
        "cases.PersonPhoto.ciphertext",
    ]


def test_an_over_long_comment_is_refused_and_nothing_written(worker: User, case: Case) -> None:
    before = (CaseComment.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ApplicationError) as err:
        s.comment_add(actor=worker, case=case, text=SECRET)
    assert err.value.code == "invalid"
    message = str(err.value)
    assert message.startswith("comment: ")
    assert "at most {} characters (it has {})".format(NOTE_MAX, len(SECRET)) in message
    assert "Okafor" not in message
    assert (CaseComment.objects.count(), AuditEntry.objects.count()) == before
    assert s.comment_add(actor=worker, case=case, text="y" * NOTE_MAX).text == "y" * NOTE_MAX


def test_other_free_text_is_refused_by_its_service(worker: User, case: Case) -> None:
    with pytest.raises(ApplicationError, match="reason for closure: .*at most 4000 characters"):
        s.case_close(actor=worker, case=case, reason="r" * (NOTE_MAX + 1))
    person = s.person_add(actor=worker, case=case, role="presumed_victim")
    with pytest.raises(ApplicationError, match="at most 20000 characters"):
        s.person_update(
            actor=worker, person=person, details_of_vulnerabilities="v" * (TEXT_MAX + 1)
        )
    case.refresh_from_db()
    person.refresh_from_db()
    assert case.status == "Active" and person.details_of_vulnerabilities == ""


def test_the_api_refuses_an_over_long_comment_naming_field_and_limit(
    worker: User, case: Case
) -> None:
    before = AuditEntry.objects.count()
    res = Client().post(
        "/api/v1/cases/{}/comments".format(case.pk),
        {"text": SECRET},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + token_create(actor=None, user=worker),
    )
    assert res.status_code == 422
    body = res.json()
    assert body == {
        "detail": "text: String should have at most {} characters".format(NOTE_MAX),
        "code": "invalid_input",
    }
    assert "Okafor" not in res.content.decode()
    assert not CaseComment.objects.exists()
    assert AuditEntry.objects.count() == before + 1  # the token only


def test_the_comment_textarea_carries_maxlength(client: Client, worker: User, case: Case) -> None:
    assert client.login(username=worker.username, password=PASSWORD)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    area = re.search(r'<textarea[^>]*name="text"[^>]*>', page)
    assert area is not None and 'maxlength="{}"'.format(NOTE_MAX) in area.group(0)
    # A post over the limit (a browser without maxlength) is refused, the text kept in the form.
    res = client.post(reverse("cases:comment", args=[case.pk]), {"text": "z" * (NOTE_MAX + 1)})
    assert res.status_code == 200  # the form again, with its error
    assert (
        "at most {} characters (it has {})".format(NOTE_MAX, NOTE_MAX + 1) in res.content.decode()
    )
    assert "z" * (NOTE_MAX + 1) in res.content.decode()  # what was typed is kept
    assert not CaseComment.objects.exists()


GOOD: dict[str, Any] = {
    "plm_CaseReference": "C-1",
    "plm_CaseOpenedOn": "2025-01-10",
    "plm_Role": "presumed_victim",
    "prs_Gender": "Feminine",
}


def test_an_import_names_the_record_with_over_long_text(worker: User, tmp_path: Path) -> None:
    path = tmp_path / "long.json"
    records = [GOOD, {**GOOD, "CaseComments": [{"cco_CaseComment": SECRET}]}]
    path.write_text(json.dumps(records), encoding="utf-8")
    with pytest.raises(CommandError) as err:
        import_file(path, "Shelter Palermo", worker)
    message = str(err.value)
    assert (
        "long.json: record 2: CaseComments item 1: cco_CaseComment is longer than {} "
        "characters ({})".format(NOTE_MAX, len(SECRET))
    ) in message
    assert "Okafor" not in message and "nothing was written" in message
    assert not Case.objects.exists()


def test_a_csv_import_names_the_line_with_over_long_text(worker: User, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    rows = [
        "plm_CaseReference,plm_Role,vic_DetailsOfVulnerabilities",
        "C-1,victim,no papers",
        "C-2,victim," + "v" * (TEXT_MAX + 1),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(CommandError) as err:
        import_file(path, "Shelter Palermo", worker)
    assert (
        "long.csv: record 2 (line 3): vic_DetailsOfVulnerabilities is longer than {} "
        "characters".format(TEXT_MAX)
    ) in str(err.value)
    assert not Case.objects.exists()


def test_identifying_text_is_limited_before_it_is_encrypted(worker: User, case: Case) -> None:
    """Ciphertext has no limit of its own: the plaintext's fields have theirs."""
    name = "Okafor" * 20  # 120 characters
    with pytest.raises(ApplicationError) as err:
        s.person_add(actor=worker, case=case, role="presumed_victim", identity={"first_name": name})
    assert err.value.code == "too_long"
    assert str(err.value) == "first_name may have at most 100 characters (it has 120)."
    with pytest.raises(ApplicationError, match="aliases may have at most 100 characters"):
        s.person_add(actor=worker, case=case, role="presumed_victim", identity={"aliases": [name]})
    assert not case.persons.exists()
    child = s.person_add(actor=worker, case=case, role="presumed_victim", age_at_registration=12)
    with pytest.raises(ApplicationError, match="at most 200 characters \\(it has 240\\)"):
        s.guardian_appoint(
            actor=worker, person=child, appointed_on=child.created_at.date(), name=name * 2
        )
    assert not child.guardians.exists()
    res = Client().post(
        "/api/v1/cases/{}/persons".format(case.pk),
        {"role": "presumed_victim", "identity": {"first_name": name}},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + token_create(actor=None, user=worker),
    )
    assert res.status_code == 422
    assert res.json()["detail"] == "identity.first_name: String should have at most 100 characters"
    assert "Okafor" not in res.content.decode()
