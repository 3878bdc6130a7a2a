"""Writing case law on a page (issue 17): a decision written by hand with its findings and
sentences, refused with every problem named and nothing written, edited with what the page does
not show kept (back to a draft), and a case-law file imported from the page; only for those who
write case law."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from palermo.caselaw import services
from palermo.caselaw.models import Decision
from palermo.conftest import PASSWORD
from palermo.core.choices import Role
from palermo.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db

DECISION: dict[str, Any] = {
    "key": "test-high-court-2025-17",
    "title": "Prosecutor v. D1 and D2",
    "court_name": "Test High Court",
    "court_country": "NGA",
    "court_level": "first_instance",
    "decided_on": "2025-02-14",
    "case_number": "HC/17/2024",
    "instance": "first_instance",
    "language": "fr",
    "summary_title": "Ministère public c. D1 et D2",
    "facts": "Deux accusés ont recruté des jeunes femmes pour le travail domestique forcé.",
    "forms_found": ["ForcedLabour", "DomesticServitude"],
    "acts": ["recruitment"],
    "means": ["deception"],
    "purposes": ["forced_labour"],
    "origin": ["BEN"],
    "destination": ["NGA"],
    "keywords": ["debt-bondage"],
    "source_title": "Judgment of the Test High Court",
    "source_url": "https://example.org/judgments/hc-17-2024",
    "finding-TOTAL_FORMS": "3",
    "finding-INITIAL_FORMS": "0",
    "finding-0-party": "D1",
    "finding-0-party_role": "defendant",
    "finding-0-provision": "Trafficking in Persons Act 2015, s. 13",
    "finding-0-outcome": "convicted",
    "finding-0-custody_months": "96",
    "finding-0-compensation_ordered": "5000",
    "finding-0-currency": "ngn",
    "finding-1-party": "D2",
    "finding-1-party_role": "defendant",
    "finding-1-provision": "Trafficking in Persons Act 2015, s. 13",
    "finding-1-outcome": "acquitted",
}


@pytest.fixture(autouse=True)
def vocabulary() -> None:
    """The keyword vocabulary, as `load-reference` loads it."""
    services.vocabulary_load()


@pytest.fixture
def prosecutor(make_user: Callable[..., User]) -> User:
    return make_user(Role.INVESTIGATOR, org="Prosecution service", country="NGA")


def test_a_prosecutor_writes_a_decision_with_its_findings(
    client: Client, prosecutor: User, make_user: Callable[..., User]
) -> None:
    assert client.get("/caselaw/new/").status_code == 302  # noqa: PLR2004  (log in first)
    worker = make_user(Role.CASE_WORKER, org="Shelter", country="NGA")
    client.login(username=worker.username, password=PASSWORD)
    assert client.get("/caselaw/new/").status_code == 404  # noqa: PLR2004
    assert "Write a decision" not in client.get("/caselaw/").content.decode()
    client.login(username=prosecutor.username, password=PASSWORD)
    assert "Write a decision" in client.get("/caselaw/").content.decode()
    done = client.post("/caselaw/new/", DECISION, follow=True)
    assert done.status_code == 200  # noqa: PLR2004
    assert "Saved as a draft" in done.content.decode()
    decision = Decision.objects.get(key=DECISION["key"])
    assert decision.status == "draft" and decision.language == "fr"
    assert decision.court.country_id == "NGA" and list(decision.acts) == ["recruitment"]
    findings = {f.party.label: f for f in decision.findings.all()}
    assert findings["D1"].outcome == "convicted" and findings["D1"].custody_months == 96  # noqa: PLR2004
    assert (
        str(findings["D1"].compensation_ordered) == "5000.00" and findings["D1"].currency == "NGN"
    )
    assert findings["D2"].outcome == "acquitted"
    assert {(r.country_id, r.role) for r in decision.countries.all()} == {
        ("BEN", "origin"),
        ("NGA", "destination"),
    }
    assert [k.code for k in decision.keywords.all()] == ["debt-bondage"]
    assert decision.sources.get().document.title == "Judgment of the Test High Court"
    assert AuditEntry.objects.filter(object_type="caselaw.decision", action="create").exists()
    # A draft: the public does not see it.
    client.logout()
    assert client.get("/caselaw/{}/".format(DECISION["key"])).status_code == 404  # noqa: PLR2004


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"finding-0-outcome": ""}, "Choose the outcome."),
        ({"finding-0-currency": ""}, "Give the currency of the amounts."),
        ({"finding-1-provision": ""}, "Give the provision applied."),
        ({"key": "Not A Key!"}, "Enter a valid"),
        ({"facts": ""}, "This field is required."),
        ({"origin": ["XXX"]}, "Select a valid choice"),
        ({"appeal_of": "no-such-decision"}, "no-such-decision"),
        ({"court_mechanism": "NOPE"}, "NOPE"),
        ({"keywords": ["astrology"]}, "Select a valid choice"),
    ],
)
def test_wrong_input_is_named_and_nothing_is_written(
    client: Client, prosecutor: User, change: dict[str, Any], message: str
) -> None:
    client.login(username=prosecutor.username, password=PASSWORD)
    response = client.post("/caselaw/new/", {**DECISION, **change})
    assert response.status_code == 400  # noqa: PLR2004
    assert message in response.content.decode()
    assert not Decision.objects.filter(key=DECISION["key"]).exists()


def test_editing_keeps_what_the_page_does_not_show_and_makes_a_draft(
    client: Client, make_user: Callable[..., User]
) -> None:
    services.seed_load()
    editor = make_user(Role.REGISTRY_EDITOR, org="Secretariat", country=None)
    client.login(username=editor.username, password=PASSWORD)
    rantsev = Decision.objects.get(key="echr-rantsev-2010")
    assert rantsev.status == "published"
    languages = sorted(rantsev.summaries.values_list("language", flat=True))
    sources = sorted(s.document.key for s in rantsev.sources.all())
    findings = rantsev.findings.count()
    page = client.get("/caselaw/echr-rantsev-2010/").content.decode()
    assert "Edit the decision" in page
    form = client.get("/caselaw/echr-rantsev-2010/edit/", HTTP_ACCEPT_LANGUAGE="en")
    html = form.content.decode()
    assert "Rantsev" in html and 'value="25965/04"' in html
    data = {
        k: v
        for k, v in form.context["form"].initial.items()
        if v not in (None, "") and not isinstance(v, list)
    }
    lists = {k: v for k, v in form.context["form"].initial.items() if isinstance(v, list)}
    findings_form = form.context["findings"]
    rows: dict[str, Any] = {
        "finding-TOTAL_FORMS": str(findings_form.total_form_count()),
        "finding-INITIAL_FORMS": str(findings_form.initial_form_count()),
    }
    for i, row in enumerate(findings_form.initial):
        for k, v in row.items():
            if v is not None:
                rows["finding-{}-{}".format(i, k)] = v
    data["facts"] = "The applicant's daughter died in Cyprus after arriving on an artiste visa."
    response = client.post("/caselaw/echr-rantsev-2010/edit/", {**data, **lists, **rows})
    assert response.status_code == 302, response.content.decode()[:3000]  # noqa: PLR2004
    rantsev.refresh_from_db()
    assert rantsev.status == "draft"  # published again only with the re-identification check
    assert sorted(rantsev.summaries.values_list("language", flat=True)) == languages
    assert rantsev.summaries.get(language="en").facts.startswith("The applicant's daughter")
    assert sorted(s.document.key for s in rantsev.sources.all()) == sources
    assert rantsev.findings.count() == findings
    # The key does not change.
    moved = client.post(
        "/caselaw/echr-rantsev-2010/edit/", {**data, **lists, **rows, "key": "other-key"}
    )
    assert "The key of a decision does not change." in moved.content.decode()


def test_a_case_law_file_imported_from_the_page(client: Client, prosecutor: User) -> None:
    client.login(username=prosecutor.username, password=PASSWORD)
    data: dict[str, Any] = {
        "format": "palermo-caselaw/1",
        "decisions": [
            {
                "key": "test-imported-2025",
                "title": "Prosecutor v. E.F.",
                "court": {"name": "Test Court", "country": "GHA", "level": "first_instance"},
                "decided_on": "2025-05-05",
                "case_number": "TC/5/2025",
                "instance": "first_instance",
                "language": "en",
                "summaries": [{"language": "en", "facts": "Forced begging of children."}],
            }
        ],
    }
    upload = SimpleUploadedFile("c.json", json.dumps(data).encode())
    done = client.post("/caselaw/new/", {"file": upload}, follow=True).content.decode()
    assert "1 decisions added, 0 replaced." in done
    assert Decision.objects.filter(key="test-imported-2025").exists()
    data["decisions"][0]["decided_on"] = "yesterday"
    data["decisions"][0]["key"] = "test-imported-2026"
    bad = client.post(
        "/caselaw/new/", {"file": SimpleUploadedFile("c.json", json.dumps(data).encode())}
    )
    assert bad.status_code == 400  # noqa: PLR2004
    assert "test-imported-2026: decided_on" in bad.content.decode()
    notjson = client.post("/caselaw/new/", {"file": SimpleUploadedFile("c.json", b"<xml/>")})
    assert "The file is not JSON" in notjson.content.decode()
    assert not Decision.objects.filter(key="test-imported-2026").exists()
