"""`palermo demo-data`: synthetic cases covering every stage, valid codes, and the two writers
(through the services, in bulk) write the same facts."""

from __future__ import annotations

import datetime as dt
import io
import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.utils import timezone
from pytest_django.fixtures import Settings

from palermo.cases import demo
from palermo.cases import htcds as h
from palermo.cases.facets import case_facets_check
from palermo.cases.interchange import FACT_COLUMNS
from palermo.cases.models import (
    BestInterestDetermination,
    Case,
    CaseComment,
    CaseShare,
    Consent,
    FollowUpVisit,
    Guardian,
    Identification,
    Movement,
    Person,
    PersonIdentity,
    Proceeding,
    ProtectionMeasure,
    Referral,
    Return,
    Screening,
    SupportPlan,
)
from palermo.cases.selectors import deadline_board
from palermo.core.choices import OrganisationKind, Role
from palermo.core.crypto import decrypt_json
from palermo.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db
ORG = "Palermo demo shelter"
N = 30


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org=ORG, country="ITA", kind="ngo", username="caseworker")


def load(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def scripts(text: str) -> set[str]:
    found = set()
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            found.add("CJK" if name.startswith("CJK") else name.split(" ")[0])
    return found


def test_demo_data_covers_every_stage(worker: User) -> None:
    out = load("--cases", str(N), "--org", ORG)
    assert "{} demo cases".format(N) in out and "through the services" in out
    today = timezone.localdate()
    cases = Case.objects.filter(organisation__name=ORG)
    assert cases.count() == N
    assert set(cases.values_list("status", flat=True)) == set(h.CaseStatus.values)
    persons = Person.objects.filter(case__in=cases)
    assert {"victim", "presumed_victim", "suspect", "witness"} <= set(
        persons.values_list("role", flat=True)
    )
    assert set(Screening.objects.values_list("outcome", flat=True)) == {
        "presumed_victim",
        "not_a_victim",
    }
    assert set(Identification.objects.values_list("decision", flat=True)) == {
        "identified",
        "not_identified",
    }
    assert set(persons.values_list("trafficking_status", flat=True)) >= set(
        h.TraffickingStatus.values
    )
    assert set(Referral.objects.values_list("status", flat=True)) == {
        "sent",
        "accepted",
        "declined",
        "delivered",
        "closed",
    }
    active = ProtectionMeasure.objects.filter(status="active")
    reflection = active.filter(kind="reflection_period")
    assert reflection.filter(ends_on__gte=today, ends_on__lte=today + dt.timedelta(days=7))
    assert reflection.filter(ends_on__lt=today).exists()  # overdue
    assert active.filter(kind="residence_permit", ends_on__lt=today).exists()
    assert ProtectionMeasure.objects.filter(renewal_of__isnull=False).exists()
    assert ProtectionMeasure.objects.filter(status="revoked").exists()
    assert ProtectionMeasure.objects.filter(kind="witness_protection").exists()
    children = [p for p in persons if p.is_child]
    assert children and all(Guardian.objects.filter(person=p).exists() for p in children)
    assert persons.filter(age_uncertain=True).exists()
    assert BestInterestDetermination.objects.exists()
    assert set(Return.objects.values_list("status", flat=True)) == {
        "planned",
        "decided",
        "completed",
        "cancelled",
    }
    child_return = Return.objects.filter(
        status="completed", best_interest_determination__isnull=False
    )
    assert child_return.exists()
    assert FollowUpVisit.objects.filter(retrafficked=True).exists()
    assert FollowUpVisit.objects.filter(done_on__isnull=True).exists()
    assert Proceeding.objects.filter(compensation_paid__isnull=False, verdict="convicted").exists()
    assert Consent.objects.filter(withdrawn_on__isnull=False).exists()
    assert set(Consent.objects.values_list("purpose", flat=True)) == {
        "assistance",
        "data_sharing",
        "research",
    }
    assert SupportPlan.objects.exists() and CaseComment.objects.exists()
    # Routes from the seeds, and names in several scripts (read back from the encrypted store).
    countries = set(Movement.objects.values_list("country_id", flat=True))
    assert len(countries) >= 8
    names = " ".join(
        "{} {}".format(d.get("first_name", ""), d.get("second_name", ""))
        for d in (decrypt_json(i.ciphertext) for i in PersonIdentity.objects.all())
    )
    assert len(scripts(names)) >= 4, scripts(names)
    # The deadline board has something overdue and something this week.
    board = deadline_board(user=worker)
    assert any(d.overdue for d in board) and any(not d.overdue for d in board)
    # Every step went through a service: one audit entry each.
    assert AuditEntry.objects.filter(object_type="cases.referral").count() >= 5


@pytest.mark.usefixtures("worker")
def test_demo_data_is_idempotent_and_deterministic() -> None:
    load("--cases", "5", "--org", ORG)
    assert "already holds 5 cases" in load("--cases", "5", "--org", ORG)
    assert Case.objects.count() == 5
    day = timezone.localdate() - dt.timedelta(days=3)
    first = demo.generate(count=25, seed=7, today=day)
    assert first == demo.generate(count=25, seed=7, today=day)
    assert first != demo.generate(count=25, seed=8, today=day)
    with pytest.raises(CommandError, match="future"):
        load("--cases", "1", "--org", ORG, "--force", "--today", "2999-01-01")


def _codes_valid(obj: models.Model) -> None:
    for f in obj._meta.concrete_fields:
        if f.choices and getattr(obj, f.attname) not in ("", None):
            assert getattr(obj, f.attname) in dict(f.flatchoices), (obj, f.name)


@pytest.mark.usefixtures("worker")
def test_every_code_is_valid_and_every_row_passes_validation() -> None:
    out = load("--cases", "60", "--org", ORG, "--bulk", "--seed", "3")
    assert "bulk" in out
    for person in Person.objects.all():
        for col in FACT_COLUMNS:
            if col.choices is not None:
                value = getattr(person, col.attr)
                for code in value if isinstance(value, list) else [value] if value else []:
                    assert code in col.choices.values, (col.name, code)
    for model in (
        Case,
        Person,
        Movement,
        Consent,
        Screening,
        Identification,
        ProtectionMeasure,
        Guardian,
        BestInterestDetermination,
        CaseShare,
        Referral,
        Return,
        FollowUpVisit,
        SupportPlan,
        Proceeding,
        CaseComment,
    ):
        for obj in model._default_manager.all():
            obj.full_clean()
            _codes_valid(obj)
    # One audit entry for the batch, naming its cases.
    entry = AuditEntry.objects.get(object_id="demo-data")
    assert entry.after is not None and len(entry.after["cases"]) == 60


def summary(case: Case) -> str:
    """The coded facts of a case and everything in it, without ids, references or pseudonyms."""

    def rows(qs: Any, *fields: str) -> list[str]:
        return sorted(json.dumps(r, default=str, sort_keys=True) for r in qs.values(*fields))

    persons = []
    for p in case.persons.all():
        identity = decrypt_json(p.identity.ciphertext) if hasattr(p, "identity") else {}
        persons.append(
            json.dumps(
                {
                    "facts": {
                        f.name: getattr(p, f.attname)
                        for f in Person._meta.concrete_fields
                        if f.name not in ("id", "pseudonym", "case", "created_at", "updated_at")
                    },
                    "identity": identity,
                    "movements": rows(
                        p.movements, "event_type", "country", "city", "date", "end_date"
                    ),
                    "consents": rows(p.consents, "purpose", "given_on", "withdrawn_on", "notes"),
                    "screenings": rows(
                        p.screenings,
                        "indicators",
                        "dimensions_met",
                        "outcome",
                        "reasoning",
                        "screened_on",
                    ),
                    "identifications": rows(
                        p.identifications,
                        "decision",
                        "decision_org_type",
                        "decided_on",
                        "authority__name",
                    ),
                    "measures": rows(
                        p.measures,
                        "kind",
                        "starts_on",
                        "ends_on",
                        "status",
                        "linked_to_cooperation",
                        "reference",
                        "renewal_of__starts_on",
                        "decided_by__name",
                    ),
                    "guardians": rows(p.guardians, "appointed_on", "organisation__name"),
                    "bids": rows(
                        p.best_interest_determinations, "decided_on", "return_in_best_interest"
                    ),
                    "referrals": rows(
                        p.referrals,
                        "service",
                        "status",
                        "scopes",
                        "sent_on",
                        "responded_on",
                        "delivered_on",
                        "closed_on",
                        "to_organisation__name",
                        "share__scopes",
                    ),
                    "revoked": sorted(r.share.revoked_at is None for r in p.referrals.all()),
                    "returns": rows(
                        p.returns,
                        "destination",
                        "status",
                        "risk_level",
                        "voluntary_consent",
                        "consent_on",
                        "decided_on",
                        "return_date",
                        "best_interest_determination__decided_on",
                    ),
                    "visits": rows(p.follow_ups, "planned_on", "done_on", "retrafficked"),
                    "plans": rows(p.support_plans, "plan_type", "planned_end"),
                },
                sort_keys=True,
                default=str,
            )
        )
    return json.dumps(
        {
            "case": {
                f: str(getattr(case, f))
                for f in (
                    "status",
                    "closed_on",
                    "opened_on",
                    "country_id",
                    "title",
                    "reason_for_closure",
                    "incoming_referral_date",
                    "reason_for_incoming_referral",
                )
            },
            "persons": sorted(persons),
            "proceedings": sorted(
                json.dumps(r, default=str, sort_keys=True)
                for r in case.proceedings.values(
                    "stage",
                    "started_on",
                    "verdict",
                    "verdict_on",
                    "sentence_months",
                    "confiscated_amount",
                    "compensation_ordered",
                    "compensation_paid",
                    "currency",
                    "suspect__role",
                )
            ),
            "comments": sorted(case.comments.values_list("text", flat=True)),
        },
        sort_keys=True,
    )


@pytest.mark.usefixtures("worker")
def test_bulk_writes_what_the_services_write(make_user: Callable[..., User]) -> None:
    """The same seed through the services (org A) and in bulk (org B): the same facts."""
    make_user("case_worker", org="Bulk shelter", country="ITA", kind="ngo")
    load("--cases", "40", "--org", ORG, "--seed", "11")
    load("--cases", "40", "--org", "Bulk shelter", "--seed", "11", "--bulk")
    by_services = sorted(summary(c) for c in Case.objects.filter(organisation__name=ORG))
    in_bulk = sorted(summary(c) for c in Case.objects.filter(organisation__name="Bulk shelter"))
    assert len(by_services) == 40
    assert by_services == in_bulk
    # Both writers keep each case's facets equal to its persons (the case list filters on them).
    assert case_facets_check() == []
    assert Case.objects.filter(has_child=True).exists()
    assert Case.objects.filter(organisation__name="Bulk shelter", has_child=True).count() == (
        Case.objects.filter(organisation__name=ORG, has_child=True).count()
    )
    assert User.objects.filter(username__startswith="demo-").exists()  # partners' workers


def test_make_run_flow_setup_demo_then_demo_data(settings: Settings, tmp_path: Path) -> None:
    """What `make run` does: the demo shelter and its case worker, then a modest demo set."""
    settings.DATA_DIR = tmp_path
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    # One demo user for every role, each printed with its role; a service provider's worker too.
    demo = User.objects.filter(
        username__in=[
            "admin", "editor", "analyst", "caseworker", "provider", "investigator", "coordinator"
        ]
    )  # fmt: skip
    assert {u.role for u in demo} == set(Role.values)
    for user in demo:
        assert user.username in out.getvalue()
    assert "national coordinator" in out.getvalue() and "service provider" in out.getvalue()
    # A second coordinator of the same office, who validates what the first submits.
    second = User.objects.get(username="coordinator2")
    first = demo.get(username="coordinator")
    assert (second.role, second.organisation) == (first.role, first.organisation)
    assert "coordinator2" in out.getvalue()
    provider = demo.get(username="provider")
    assert provider.organisation is not None
    assert provider.organisation.kind == OrganisationKind.SERVICE_PROVIDER
    worker = User.objects.get(username="caseworker")
    assert worker.role == "case_worker" and worker.organisation is not None
    assert (worker.organisation.name, worker.organisation.country_id) == (ORG, "ITA")
    password = (tmp_path / "demo-credentials.txt").read_text().strip()
    assert worker.check_password(password)
    assert "recorded by caseworker" in load("--cases", "8", "--org", ORG, "--as", "caseworker")
    call_command("setup_demo", stdout=io.StringIO())  # again: nothing new
    assert "already holds 8 cases" in load("--cases", "8", "--org", ORG, "--as", "caseworker")
