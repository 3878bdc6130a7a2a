"""D10 of issue 11: once a referral is declined or closed, the service provider that received
it sees only a stub (status and dates) in its inbox, on the API and on the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from palermo.cases import services as s
from palermo.cases.tests.factories import CaseFactory, PersonFactory, organisation_of
from palermo.core.models import User

pytestmark = pytest.mark.django_db
DETAILS = "Needs trauma counselling after the Zqxwv farm"


@pytest.mark.parametrize("ending", ["decline", "close"])
def test_an_ended_referral_is_a_stub_for_the_receiver(
    make_user: Callable[..., User],
    client: Client,
    bearer: Callable[[User], dict[str, Any]],
    ending: str,
) -> None:
    worker = make_user("case_worker", org="Shelter", kind="ngo")
    clinic = make_user("case_worker", org="Clinic", kind="service_provider")
    case = CaseFactory.create(actor=worker, title="t")
    person = PersonFactory.create(actor=worker, case=case)
    referral = s.referral_send(
        actor=worker,
        person=person,
        to_organisation=organisation_of(clinic),
        service="medical",
        scopes=["case_facts"],
        details=DETAILS,
    )
    headers = bearer(clinic)
    before = client.get("/api/v1/cases/referrals/inbox", **headers).json()["items"][0]
    assert before["person"] == person.pseudonym and before["details"] == DETAILS

    if ending == "close":
        s.referral_transition(actor=clinic, referral=referral, action="accept")
        s.referral_transition(actor=worker, referral=referral, action="close", note="done")
    else:
        s.referral_transition(actor=clinic, referral=referral, action="decline", note="full")
    item = client.get("/api/v1/cases/referrals/inbox", **headers).json()["items"][0]
    assert item["status"] in ("declined", "closed") and item["sent_on"]
    assert item["person"] is None and item["case_id"] is None and item["case_reference"] is None
    assert item["service"] is None and item["reason"] is None
    assert item["details"] == "" and item["scopes"] == [] and item["response_note"] == ""
    # The sender still sees its referral in full.
    sent = client.get("/api/v1/cases/referrals/outbox", **bearer(worker)).json()["items"][0]
    assert sent["person"] == person.pseudonym and sent["details"] == DETAILS

    client.force_login(clinic)
    response = client.get("/cases/referrals/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Referral {}".format(referral.pk) in page
    assert person.pseudonym not in page and "Zqxwv" not in page
