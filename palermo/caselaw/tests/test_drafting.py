"""A case-law entry drafted from a case (issue 17): the proceedings with a verdict become
findings with their sentences, suspects and victims pseudonymised anew, the route's countries
and forms kept, no identity; a victim whose combination of citizenship, age and country of
exploitation few victims on this node share is flagged, and the draft is published only with a
reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from palermo.caselaw import drafting, selectors, services
from palermo.caselaw.models import Decision
from palermo.cases import services as cases
from palermo.conftest import PASSWORD
from palermo.core.choices import Role
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import AuditEntry, User
from palermo.core.tests.factories import bearer_headers

pytestmark = pytest.mark.django_db

COURT = drafting.Court(
    name="Lagos State High Court",
    country="NGA",
    level="first_instance",
    decided_on=dt.date(2026, 3, 2),
    case_number="LD/1234C/2025",
    language="en",
)


@pytest.fixture
def prosecutor(make_user: Callable[..., User]) -> User:
    return make_user(Role.INVESTIGATOR, org="Prosecution", country="NGA", username="prosecutor")


def _case(prosecutor: User, *, common: int) -> str:
    """A case with two victims (one of them an ordinary combination: `common` other victims on
    the node share it) and a convicted suspect; returns its reference."""
    case = cases.case_open(actor=prosecutor, title="Ring", opened_on=dt.date(2025, 1, 5))
    rare = cases.person_add(
        actor=prosecutor,
        case=case,
        role="victim",
        identity={"first_name": "Adaeze", "second_name": "Okafor"},
        age_at_registration=15,
        citizenship=["NGA"],
        types_of_exploitation=["SexualExploitation"],
    )
    usual = cases.person_add(
        actor=prosecutor, case=case, role="victim", age_at_registration=24, citizenship=["NGA"]
    )
    for person, where in ((rare, "ITA"), (usual, "ITA")):
        cases.movement_add(actor=prosecutor, person=person, event_type="Recruitment", country="NGA")
        cases.movement_add(
            actor=prosecutor, person=person, event_type="Exploitation", country=where
        )
    others = cases.case_open(actor=prosecutor, title="Others", opened_on=dt.date(2025, 2, 1))
    for _ in range(common):
        other = cases.person_add(
            actor=prosecutor,
            case=others,
            role="victim",
            age_at_registration=24,
            citizenship=["NGA"],
        )
        cases.movement_add(actor=prosecutor, person=other, event_type="Exploitation", country="ITA")
    suspect = cases.person_add(actor=prosecutor, case=case, role="suspect")
    cases.proceeding_record(
        actor=prosecutor,
        case=case,
        stage="verdict",
        started_on=dt.date(2025, 3, 1),
        suspect=suspect,
        charges="Trafficking in Persons (Prohibition) Act 2015, s. 13",
        verdict="convicted",
        verdict_on=dt.date(2026, 3, 2),
        sentence_months=84,
        compensation_ordered=Decimal("3000.00"),
        currency="NGN",
    )
    cases.proceeding_record(
        actor=prosecutor, case=case, stage="investigation", started_on=dt.date(2025, 3, 1)
    )
    return case.reference


def test_a_draft_from_a_case_flags_what_could_identify_a_victim(
    client: Client, prosecutor: User, editor: User, make_user: Callable[..., User]
) -> None:
    reference = _case(prosecutor, common=drafting.K_ANONYMITY)
    draft = drafting.draft_from_case(actor=prosecutor, case=reference, court=COURT)
    assert draft.status == "draft" and draft.from_case is not None
    assert draft.title == "Prosecutor v. D1"
    findings = list(draft.findings.all())
    assert len(findings) == 1  # the proceeding without a verdict is left out
    assert findings[0].party.label == "D1" and findings[0].outcome == "convicted"
    assert findings[0].custody_months == 84 and findings[0].compensation_ordered == Decimal(
        "3000.00"
    )
    assert {(p.label, p.role) for p in draft.parties.all()} == {
        ("D1", "defendant"),
        ("V1", "victim"),
        ("V2", "victim"),
    }
    assert {(r.country_id, r.role) for r in draft.countries.all()} == {
        ("NGA", "origin"),
        ("ITA", "destination"),
    }
    assert draft.forms == ["SexualExploitation"]
    facts = draft.summaries.get().facts
    assert "Adaeze" not in facts and "Okafor" not in facts  # never an identity
    assert "V1: 15 years old when registered; NGA; recruited in NGA; exploited in ITA" in facts
    # The 15-year-old is the only one of her kind on the node; the 24-year-old shares hers with
    # the other victims: only V1 is flagged.
    assert len(draft.risk_flags) == 1 and draft.risk_flags[0].startswith("V1: citizenship NGA")
    assert AuditEntry.objects.filter(object_id=str(draft.pk), action="create").exists()

    # A draft is not public; publishing it needs the reason.
    assert draft.key not in [
        d.key for d in selectors.decisions_search(None, selectors.Filters()).decisions
    ]
    with pytest.raises(ApplicationError) as caught:
        services.decision_publish(actor=editor, decision=draft)
    assert caught.value.code == "reidentification_risk"
    client.login(username=editor.username, password=PASSWORD)
    page = client.get("/caselaw/{}/".format(draft.key)).content.decode()
    assert "This draft may identify a victim" in page and "V1: citizenship NGA" in page
    response = client.post("/caselaw/{}/".format(draft.key), {"reason": ""})
    assert response.status_code == 400
    response = client.post(
        "/caselaw/{}/".format(draft.key), {"reason": "Age given as 'a minor'; facts rewritten."}
    )
    assert response.status_code == 302
    assert Decision.objects.get(pk=draft.pk).status == "published"
    entry = AuditEntry.objects.filter(object_id=str(draft.pk), action="update").latest("pk")
    assert entry.reason.startswith("Age given as")


def test_only_a_prosecutor_who_sees_the_whole_case_drafts_from_it(
    prosecutor: User, make_user: Callable[..., User], client: Client
) -> None:
    reference = _case(prosecutor, common=0)
    other = make_user(Role.INVESTIGATOR, org="Other police", country="NGA")
    with pytest.raises(NotFoundError):
        drafting.draft_from_case(actor=other, case=reference, court=COURT)
    worker = make_user(Role.CASE_WORKER, org="Prosecution", country="NGA")
    with pytest.raises(ForbiddenError):
        drafting.draft_from_case(actor=worker, case=reference, court=COURT)
    empty = cases.case_open(actor=prosecutor, title="Nothing yet", opened_on=dt.date(2026, 1, 1))
    with pytest.raises(ApplicationError, match="no proceedings with a verdict"):
        drafting.draft_from_case(actor=prosecutor, case=empty.reference, court=COURT)

    # The page: a case worker has none; the prosecutor drafts and lands on the draft.
    client.login(username=worker.username, password=PASSWORD)
    assert client.get("/caselaw/draft/").status_code == 404
    client.login(username=prosecutor.username, password=PASSWORD)
    assert "Draft a case-law entry from a case" in client.get("/caselaw/").content.decode()
    form = {
        "case": reference,
        "court": COURT.name,
        "court_country": "nga",
        "level": "first_instance",
        "decided_on": "2026-03-02",
        "case_number": COURT.case_number,
        "language": "en",
    }
    response = client.post("/caselaw/draft/", {**form, "case": "C-NOSUCHCASE"})
    assert response.status_code == 400 and "No such case" in response.content.decode()
    response = client.post("/caselaw/draft/", form)
    assert response.status_code == 302
    key = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert key.startswith("draft-") and Decision.objects.get(key=key).court.country_id == "NGA"
    # Over the API too, 201 with the flags.
    body = client.post(
        "/api/v1/caselaw/drafts",
        {**form, "court_country": "NGA"},
        content_type="application/json",
        **bearer_headers(prosecutor),
    )
    assert body.status_code == 201 and body.json()["key"].endswith("-2")
