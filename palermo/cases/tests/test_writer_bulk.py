"""The one bulk writer of case rows (`writer.cases_bulk_create`): rows of every table from the
plans, facets from the planned persons, links between new rows, one audit entry per batch."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection, transaction

from palermo.cases import bulkwriting
from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.facets import case_facets_check
from palermo.cases.models import (
    Case,
    Guardian,
    Person,
    PersonFacts,
    ProtectionMeasure,
    Referral,
    Return,
)
from palermo.cases.personfacts import counts_check, person_facts_check
from palermo.cases.writer import (
    ID_ALPHABET,
    CasePlan,
    MeasurePlan,
    PersonPlan,
    ReferralPlan,
    ReturnPlan,
    cases_bulk_create,
    random_id,
)
from palermo.core.choices import OrganisationKind
from palermo.core.crypto import decrypt_json, decrypt_text
from palermo.core.models import AuditEntry, Organisation, User
from palermo.core.services import organisation_create

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Bulk shelter", country="ITA", kind="ngo")


@pytest.fixture
def partner() -> Organisation:
    return organisation_create(
        actor=None,
        system=True,
        name="Partner clinic",
        kind=OrganisationKind.SERVICE_PROVIDER,
        country="ITA",
    )


def _child(partner: Organisation) -> PersonPlan:
    """A girl of 15 with an identity, a renewed permit, a guardian, a best-interest
    determination, a completed return tied to it and a declined referral."""
    return PersonPlan(
        facts={
            "role": c.PersonRole.VICTIM,
            "age_at_registration": 15,
            "types_of_exploitation": [h.TypeOfExploitation.FORCED_LABOUR],
        },
        identity={"first_name": "Ada", "birthdate": "2010-02-01"},
        movements=[{"event_type": h.EventType.EXPLOITATION, "country": "ITA", "city": "Latina"}],
        measures=[
            MeasurePlan(
                kind=c.MeasureKind.RESIDENCE_PERMIT,
                starts_on=D(2025, 3, 1),
                ends_on=D(2025, 9, 1),
                status=c.MeasureStatus.ENDED,
                decided_by=partner.pk,
            ),
            MeasurePlan(
                kind=c.MeasureKind.RESIDENCE_PERMIT,
                starts_on=D(2025, 9, 2),
                ends_on=D(2026, 9, 1),
                status=c.MeasureStatus.ACTIVE,
                renewal_of=0,
            ),
        ],
        guardian={"appointed_on": D(2025, 2, 3), "name": "Giulia Rossi"},
        bid={
            "decided_on": D(2025, 4, 1),
            "return_in_best_interest": True,
            "reasoning": "Family traced.",
            "decided_by": partner.pk,
        },
        returns=[
            ReturnPlan(
                destination="NGA",
                status=c.ReturnStatus.COMPLETED,
                risk_level=c.RiskLevel.LOW,
                decided_on=D(2025, 4, 2),
                return_date=D(2025, 4, 20),
                with_bid=True,
            )
        ],
        referrals=[
            ReferralPlan(
                to_organisation=partner.pk,
                service=c.ServiceType.MEDICAL,
                scopes=[c.ShareScope.CASE_FACTS],
                sent_on=D(2025, 2, 5),
                status=c.ReferralStatus.DECLINED,
                responded_on=D(2025, 2, 6),
            )
        ],
    )


def _plans(partner: Organisation) -> list[CasePlan]:
    adult = PersonPlan(
        facts={"role": c.PersonRole.SUSPECT, "age_at_registration": 40},
        pseudonym="P-BULKTEST01",
    )
    return [
        CasePlan(
            opened_on=D(2025, 2, 1),
            country="ITA",
            persons=[_child(partner), adult],
            proceedings=[
                {
                    "suspect": 1,
                    "stage": c.ProceedingStage.INVESTIGATION,
                    "started_on": D(2025, 3, 1),
                }
            ],
            comments=["First interview."],
        ),
        CasePlan(
            opened_on=D(2025, 5, 1),
            country="ITA",
            persons=[PersonPlan(facts={"role": c.PersonRole.WITNESS})],
        ),
        CasePlan(
            opened_on=D(2024, 1, 1),
            country="ITA",
            status=h.CaseStatus.CLOSED,
            closed_on=D(2024, 6, 1),
        ),
    ]


def test_every_table_and_link_is_written_with_one_audit_entry_per_batch(
    worker: User, partner: Organisation
) -> None:
    assert worker.organisation is not None
    report = cases_bulk_create(
        _plans(partner),
        actor=worker,
        organisation=worker.organisation,
        label="test-bulk",
        reason="a test",
        batch_size=2,
    )
    assert len(report.case_ids) == 3
    assert report.rows["case"] == 3 and report.rows["person"] == 3
    assert report.rows["identity"] == 1 and report.rows["renewal"] == 1
    entries = AuditEntry.objects.filter(object_id="test-bulk").order_by("sequence")
    assert [len(e.after["cases"]) for e in entries if e.after] == [2, 1]
    assert {e.object_type for e in entries} == {"cases.case"}
    assert case_facets_check() == []
    first = Case.objects.get(opened_on=D(2025, 2, 1))
    assert (first.owner, first.has_child, first.person_roles) == (
        worker,
        True,
        ["suspect", "victim"],
    )
    assert first.reference.startswith("C-") and first.comments.get().author == worker
    girl = first.persons.get(role="victim")
    assert girl.pseudonym.startswith("P-") and len(girl.pseudonym) == 12
    assert decrypt_json(girl.identity.ciphertext) == {
        "first_name": "Ada",
        "birthdate": "2010-02-01",
    }
    renewal = ProtectionMeasure.objects.get(renewal_of__isnull=False)
    assert renewal.renewal_of is not None and renewal.renewal_of.starts_on == D(2025, 3, 1)
    assert renewal.organisation == worker.organisation
    referral = Referral.objects.get()
    assert referral.share.revoked_at is not None and referral.share.persons == [girl.pseudonym]
    ret = Return.objects.get()
    assert ret.best_interest_determination is not None
    assert ret.best_interest_determination.person == girl
    assert decrypt_text(Guardian.objects.get().name_ciphertext) == "Giulia Rossi"
    suspect = first.proceedings.get().suspect
    assert suspect is not None and suspect.pseudonym == "P-BULKTEST01"


def test_a_refused_batch_writes_nothing(worker: User, partner: Organisation) -> None:
    assert worker.organisation is not None
    plans = _plans(partner)
    plans[1].persons[0].pseudonym = "P-BULKTEST01"  # the suspect's of the first case
    with pytest.raises(IntegrityError), transaction.atomic():
        cases_bulk_create(
            plans, actor=worker, organisation=worker.organisation, label="x", reason="x"
        )
    assert not Case.objects.exists() and not Person.objects.exists()
    assert not AuditEntry.objects.filter(object_id="x").exists()


def test_counted_facts_held_for_several_batches_are_all_written(
    worker: User, partner: Organisation
) -> None:
    """In one transaction on PostgreSQL the counted facts of FACTS_EVERY batches are written
    together (and the rest at the end): every person counted, as its rows say, whatever the
    batches."""
    assert worker.organisation is not None
    plans = [plan for _ in range(5) for plan in _plans(partner)]  # 15 cases, 15 persons
    for n, plan in enumerate(plans):
        for person in plan.persons:
            person.pseudonym = "P-HELD{:02d}".format(n) if person.pseudonym else ""
    batches: list[int] = []
    real = bulkwriting.HeldFacts.flush

    def flush(self: bulkwriting.HeldFacts) -> None:
        batches.append(self.rows.rows if self.rows is not None else 0)
        real(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bulkwriting.HeldFacts, "flush", flush)
        with transaction.atomic():
            cases_bulk_create(
                plans,
                actor=worker,
                organisation=worker.organisation,
                label="held",
                reason="a test",
                batch_size=1,
            )
    per_batch = [len(plan.persons) for plan in plans]
    if connection.vendor == "postgresql":  # ten batches' persons, then the last five's
        every = bulkwriting.FACTS_EVERY
        assert batches == [sum(per_batch[:every]), sum(per_batch[every:])] == [11, 4]
    else:  # SQLite: each batch's facts written with it (its triggers count row by row)
        assert batches == []
    assert PersonFacts.objects.count() == Person.objects.count() == 15
    assert person_facts_check() == []
    assert counts_check() == []


def test_a_large_write_starts_with_smaller_batches() -> None:
    """Batches of 64 plans or more start at 1/8, 1/4 and 1/2 of their size (the database
    gets its first rows sooner); every plan is written once, in order."""
    plans = [CasePlan(opened_on=D(2025, 1, 1), country="ITA", title=str(n)) for n in range(3000)]
    chunks = list(bulkwriting.chunks(plans, 1000))
    assert [len(chunk) for chunk in chunks] == [125, 250, 500, 1000, 1000, 125]
    assert [plan for chunk in chunks for plan in chunk] == plans
    assert [len(chunk) for chunk in bulkwriting.chunks(plans[:100], 1000)] == [100]
    assert [len(chunk) for chunk in bulkwriting.chunks(plans[:5], 2)] == [2, 2, 1]


def test_the_switch_interval_is_short_while_writing_and_restored_after_the_last_writer() -> None:
    """Two writes at once (two threads) shorten Python's switch interval once and restore it
    when the last is done, whatever the order they end in."""
    before = sys.getswitchinterval()
    switching = bulkwriting.SwitchInterval()
    switching.enter()
    assert sys.getswitchinterval() == pytest.approx(bulkwriting.SWITCH_INTERVAL)
    switching.enter()
    switching.leave()
    assert sys.getswitchinterval() == pytest.approx(bulkwriting.SWITCH_INTERVAL)
    switching.leave()
    assert sys.getswitchinterval() == before


def test_random_ids_use_every_letter_and_only_those() -> None:
    made = [random_id("C-") for _ in range(2000)]
    assert all(re.fullmatch("C-[{}]{{10}}".format(ID_ALPHABET), m) for m in made)
    assert len(set(made)) == 2000
    assert set("".join(m[2:] for m in made)) == set(ID_ALPHABET)
