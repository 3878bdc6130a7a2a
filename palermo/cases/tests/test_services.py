"""Case management services: the NRM journey and the rules that must hold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import time_machine

from palermo.cases import services as s
from palermo.cases.models import (
    Case,
    Movement,
    Person,
    PersonIdentity,
    ProtectionMeasure,
)
from palermo.cases.tests.factories import (
    CaseFactory,
    CountryPolicyFactory,
    OrganisationFactory,
    indicator_list,
)
from palermo.core.crypto import decrypt_json
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db
D = dt.date
IDENTITY = {
    "first_name": "Amina",
    "second_name": "Diallo",
    "birthdate": "2009-03-14",
    "aliases": ["Mimi"],
    "mobile_phone": "+267 71 000 000",
}


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user("case_worker", org="Shelter Gaborone", country="BWA", kind="ngo")


@pytest.fixture
def case(clock: time_machine.Traveller, worker: User) -> Case:
    """A case opened on 2026-01-10 (so the clock is pinned: no date of it is in the future)."""
    return CaseFactory.create(actor=worker, opened_on=D(2026, 1, 10), title="Farm workers")


@pytest.fixture
def child(worker: User, case: Case) -> Person:
    return s.person_add(
        actor=worker,
        case=case,
        role="presumed_victim",
        identity=IDENTITY,
        gender="Feminine",
        types_of_exploitation=["ForcedLabour"],
        citizenship=["ZWE"],
    )


def test_identity_is_encrypted_at_rest_and_apart_from_facts(
    clock: time_machine.Traveller, child: Person
) -> None:
    stored = PersonIdentity.objects.get(person=child)
    assert "Amina" not in stored.ciphertext and "2009" not in stored.ciphertext
    assert decrypt_json(stored.ciphertext)["first_name"] == "Amina"
    assert child.age_at_registration == 16 and child.is_child
    assert child.pseudonym.startswith("P-") and "Amina" not in child.pseudonym
    entry = AuditEntry.objects.filter(object_type="cases.person", object_id=str(child.pk)).get()
    assert "Amina" not in str(entry.after) and "Diallo" not in str(entry.after)


def test_every_identity_read_is_audited_with_its_reason(
    clock: time_machine.Traveller, worker: User, child: Person
) -> None:
    with pytest.raises(ApplicationError, match="why"):
        s.person_identity_read(actor=worker, person=child, reason=" ")
    data = s.person_identity_read(
        actor=worker, person=child, reason="prepare the shelter admission"
    )
    assert data["first_name"] == "Amina" and data["mobile_phone"] == "+267 71 000 000"
    read = AuditEntry.objects.filter(action="read", object_id=str(child.pk)).get()
    assert read.actor == worker and read.reason == "prepare the shelter admission"
    assert "Amina" not in str(read.after)


@pytest.mark.parametrize("role", ["analyst", "administrator", "registry_editor"])
def test_roles_without_case_access_never_read_identity(
    clock: time_machine.Traveller, make_user: Callable[..., User], child: Person, role: str
) -> None:
    user = make_user(role, org="Shelter Gaborone")
    with pytest.raises((NotFoundError, ForbiddenError)):
        s.person_identity_read(actor=user, person=child, reason="curious")
    assert not AuditEntry.objects.filter(action="read").exists()


def test_other_organisation_cannot_change_or_see(
    clock: time_machine.Traveller, make_user: Callable[..., User], case: Case, child: Person
) -> None:
    other = make_user("case_worker", org="Other NGO", country="BWA", kind="ngo")
    with pytest.raises(NotFoundError):
        s.person_add(actor=other, case=case, role="witness")
    with pytest.raises(NotFoundError):
        s.person_identity_read(actor=other, person=child, reason="x")


def test_screening_gives_a_reasoned_outcome(
    clock: time_machine.Traveller, worker: User, child: Person
) -> None:
    lst = indicator_list("adult_labour")
    weak = s.screening_record(
        actor=worker, person=child, indicator_list=lst, indicators=["0-w", "3-s"]
    )
    assert weak.outcome == "not_a_victim" and "recruitment" in weak.reasoning
    full = s.screening_record(
        actor=worker,
        person=child,
        indicator_list=lst,
        indicators=["0-s", "0-m", "3-s", "3-w", "4-s", "4-m", "5-m"],
    )
    assert full.outcome == "presumed_victim"
    assert full.dimensions_met == [
        "coercion_at_destination",
        "deceptive_recruitment",
        "exploitation",
    ]
    child.refresh_from_db()
    assert child.trafficking_status == "PossibleVictimOfTrafficking"
    with pytest.raises(ApplicationError, match="Unknown indicator code"):
        s.screening_record(actor=worker, person=child, indicator_list=lst, indicators=["nope"])
    child_list = indicator_list("child_labour")
    no_means = s.screening_record(
        actor=worker,
        person=child,
        indicator_list=child_list,
        indicators=["1-s", "1-m", "3-m", "3-s"],
    )
    assert no_means.outcome == "presumed_victim"  # a child needs no means


def test_formal_identification_sets_the_htcds_status(
    clock: time_machine.Traveller, worker: User, child: Person
) -> None:
    police = OrganisationFactory.create(name="Botswana Police", kind="government")
    s.identification_record(
        actor=worker,
        person=child,
        authority=police,
        decision="identified",
        decision_org_type="Police",
        reasoning="Interview and documents",
        decided_on=D(2026, 1, 20),
    )
    child.refresh_from_db()
    assert child.trafficking_status == "ActualVictimOfTrafficking" and child.role == "victim"


def test_impossible_dates_and_unknown_codes_are_refused(
    clock: time_machine.Traveller, worker: User, case: Case, child: Person
) -> None:
    with pytest.raises(ApplicationError, match="before the person was born"):
        s.movement_add(
            actor=worker, person=child, event_type="Exploitation", country="ZAF", date=D(2008, 1, 1)
        )
    with pytest.raises(ApplicationError, match="Unknown code for"):
        s.person_update(actor=worker, person=child, types_of_exploitation=["Slavery"])
    with pytest.raises(ApplicationError, match="before it starts"):
        s.measure_grant(
            actor=worker,
            person=child,
            kind="residence_permit",
            starts_on=D(2026, 5, 1),
            ends_on=D(2026, 4, 1),
        )
    with pytest.raises(ApplicationError, match="Unknown country"):
        s.movement_add(actor=worker, person=child, event_type="Transit", country="XXX")
    before = (Person.objects.count(), PersonIdentity.objects.count())
    with pytest.raises(ApplicationError, match="already used"):
        s.person_add(
            actor=worker,
            case=case,
            role="witness",
            pseudonym=child.pseudonym,
            identity={"first_name": "X"},
        )
    with pytest.raises(ApplicationError, match="birthdate"):
        s.person_add(actor=worker, case=case, role="witness", identity={"birthdate": "14/03/2009"})
    assert (Person.objects.count(), PersonIdentity.objects.count()) == before
    assert not Movement.objects.exists() and not ProtectionMeasure.objects.exists()


def test_reflection_period_minimum_is_configurable(
    clock: time_machine.Traveller, worker: User, child: Person
) -> None:
    with pytest.raises(ApplicationError, match="at least 30 days"):
        s.measure_grant(
            actor=worker,
            person=child,
            kind="reflection_period",
            starts_on=D(2026, 1, 10),
            ends_on=D(2026, 2, 1),
        )
    CountryPolicyFactory.create(country_id="BWA", reflection_days_min=90)
    with pytest.raises(ApplicationError, match="at least 90 days"):
        s.measure_grant(
            actor=worker,
            person=child,
            kind="reflection_period",
            starts_on=D(2026, 1, 10),
            ends_on=D(2026, 3, 1),
        )
    ok = s.measure_grant(
        actor=worker,
        person=child,
        kind="reflection_period",
        starts_on=D(2026, 1, 10),
        ends_on=D(2026, 4, 10),
    )
    assert ok.status == "active"
    permit = s.measure_grant(
        actor=worker,
        person=child,
        kind="residence_permit",
        starts_on=D(2026, 4, 11),
        ends_on=D(2026, 10, 10),
        linked_to_cooperation=True,
    )
    renewed = s.measure_renew(actor=worker, measure=permit, ends_on=D(2027, 4, 10))
    permit.refresh_from_db()
    assert (
        permit.status == "ended"
        and renewed.renewal_of == permit
        and renewed.starts_on == D(2026, 10, 11)
    )


def test_referral_shares_only_what_is_chosen_and_needs_consent_for_identity(
    clock: time_machine.Traveller, make_user: Callable[..., User], worker: User, child: Person
) -> None:
    clinic_org = OrganisationFactory.create(name="Clinic", kind="service_provider")
    clinic = make_user("case_worker", org="Clinic")
    with pytest.raises(ApplicationError, match="consent"):
        s.referral_send(
            actor=worker,
            person=child,
            to_organisation=clinic_org,
            service="medical",
            scopes=["case_facts", "identity"],
        )
    ref = s.referral_send(
        actor=worker,
        person=child,
        to_organisation=clinic_org,
        service="medical",
        scopes=["case_facts"],
    )
    with pytest.raises(NotFoundError):
        s.person_identity_read(actor=clinic, person=child, reason="treatment")
    s.referral_transition(actor=clinic, referral=ref, action="accept")
    s.referral_transition(actor=clinic, referral=ref, action="deliver")
    with pytest.raises(ApplicationError, match="cannot"):
        s.referral_transition(actor=clinic, referral=ref, action="accept")
    s.consent_record(actor=worker, person=child, purpose="data_sharing", given_on=D(2026, 1, 12))
    ref2 = s.referral_send(
        actor=worker,
        person=child,
        to_organisation=clinic_org,
        service="psychological",
        scopes=["identity"],
    )
    data = s.person_identity_read(actor=clinic, person=child, reason="therapy intake")
    assert data["first_name"] == "Amina" and "mobile_phone" not in data  # identity, not contact
    s.referral_transition(actor=clinic, referral=ref2, action="decline")
    with pytest.raises(NotFoundError):
        s.person_identity_read(actor=clinic, person=child, reason="again")


def test_child_return_needs_guardian_and_best_interest_determination(
    clock: time_machine.Traveller, worker: User, child: Person
) -> None:
    welfare = OrganisationFactory.create(name="Social Welfare", kind="government")
    ret = s.return_plan(
        actor=worker,
        person=child,
        destination="ZWE",
        risk_level="medium",
        risk_assessment="Family traced; no threat reported",
        voluntary_consent=True,
        consent_on=D(2026, 2, 1),
    )
    with pytest.raises(ApplicationError, match="guardian"):
        s.return_decide(actor=worker, ret=ret, decided_on=D(2026, 2, 10))
    s.guardian_appoint(actor=worker, person=child, appointed_on=D(2026, 1, 15), name="Ms K. Molefe")
    with pytest.raises(ApplicationError, match="best-interest determination"):
        s.return_decide(actor=worker, ret=ret, decided_on=D(2026, 2, 10))
    s.best_interest_record(
        actor=worker,
        person=child,
        decided_on=D(2026, 2, 5),
        return_in_best_interest=False,
        reasoning="Mother could not be reached",
        decided_by=welfare,
    )
    with pytest.raises(ApplicationError, match="against"):
        s.return_decide(actor=worker, ret=ret, decided_on=D(2026, 2, 10))
    bid = s.best_interest_record(
        actor=worker,
        person=child,
        decided_on=D(2026, 2, 8),
        return_in_best_interest=True,
        reasoning="Mother reached; school place found",
        decided_by=welfare,
    )
    ret = s.return_decide(actor=worker, ret=ret, decided_on=D(2026, 2, 10))
    assert ret.status == "decided" and ret.best_interest_determination == bid
    s.return_complete(actor=worker, ret=ret, return_date=D(2026, 2, 20))
    visit = s.follow_up_plan(actor=worker, person=child, planned_on=D(2026, 5, 20))
    s.follow_up_record(
        actor=worker, visit=visit, done_on=D(2026, 5, 21), outcome="In school", retrafficked=False
    )


def test_adult_is_not_subject_to_child_rules(
    clock: time_machine.Traveller, worker: User, case: Case
) -> None:
    adult = s.person_add(actor=worker, case=case, role="victim", age_at_registration=34)
    with pytest.raises(ApplicationError, match="child"):
        s.guardian_appoint(actor=worker, person=adult, appointed_on=D(2026, 1, 1), name="X")
    ret = s.return_plan(
        actor=worker, person=adult, destination="ZWE", risk_level="low", risk_assessment="ok"
    )
    with pytest.raises(ApplicationError, match="voluntary consent"):
        s.return_decide(actor=worker, ret=ret)
    uncertain = s.person_add(actor=worker, case=case, role="presumed_victim", age_uncertain=True)
    assert uncertain.is_child


def test_consent_withdrawal_stops_identity_sharing(
    clock: time_machine.Traveller, make_user: Callable[..., User], worker: User, child: Person
) -> None:
    consent = s.consent_record(
        actor=worker, person=child, purpose="data_sharing", given_on=D(2026, 1, 12)
    )
    s.consent_withdraw(actor=worker, consent=consent, withdrawn_on=D(2026, 1, 13))
    org = OrganisationFactory.create(name="Legal aid", kind="ngo")
    with pytest.raises(ApplicationError, match="consent"):
        s.referral_send(
            actor=worker,
            person=child,
            to_organisation=org,
            service="legal_aid",
            scopes=["identity"],
        )


def test_closed_case_is_anonymised_after_retention(
    clock: time_machine.Traveller, worker: User, case: Case, child: Person
) -> None:
    s.movement_add(
        actor=worker,
        person=child,
        event_type="Exploitation",
        country="ZAF",
        date=D(2025, 6, 1),
        city="Polokwane",
        description="farm near the border",
    )
    s.comment_add(actor=worker, case=case, text="Called the mother")
    s.case_close(actor=worker, case=case, reason="Returned home", closed_on=D(2026, 3, 1))
    assert s.cases_anonymise_due(today=D(2026, 3, 2), default_days=30) == 0
    assert s.cases_anonymise_due(today=D(2026, 4, 1), default_days=30) == 1
    case.refresh_from_db()
    child.refresh_from_db()
    assert case.anonymised_at is not None and case.title == "" and not case.comments.exists()
    assert not PersonIdentity.objects.filter(person=child).exists()
    mv = child.movements.get()
    assert mv.city == "" and mv.description == "" and mv.country_id == "ZAF"  # coded facts stay
    assert child.types_of_exploitation == ["ForcedLabour"] and child.gender == "Feminine"
    assert s.cases_anonymise_due(today=D(2026, 4, 2), default_days=30) == 0
    with pytest.raises(ApplicationError, match="anonymised"):
        s.case_reopen(actor=worker, case=case)


def test_case_rules(clock: time_machine.Traveller, worker: User, case: Case) -> None:
    with pytest.raises(ApplicationError, match="before it was opened"):
        s.case_close(actor=worker, case=case, reason="x", closed_on=D(2025, 1, 1))
    with pytest.raises(ApplicationError, match="reason"):
        s.case_close(actor=worker, case=case, reason="")
    assert Case.objects.get(pk=case.pk).status == "Active"


@pytest.mark.parametrize(
    ("strong", "medium", "weak", "met"),
    [
        (2, 0, 0, True),
        (1, 1, 0, True),
        (1, 0, 1, True),
        (0, 3, 0, True),
        (0, 2, 1, True),
        (1, 0, 0, False),
        (0, 2, 0, False),
        (0, 1, 1, False),
        (0, 0, 3, False),
    ],
)
def test_ilo_dimension_threshold(strong: int, medium: int, weak: int, met: bool) -> None:
    from collections import Counter

    from palermo.cases.identification import dimension_met

    assert dimension_met(Counter(strong=strong, medium=medium, weak=weak)) is met


def test_shipped_indicator_lists_load() -> None:
    from palermo.cases.identification import indicator_lists_load
    from palermo.cases.models import IndicatorList

    assert indicator_lists_load() == 4
    adult = IndicatorList.objects.get(key="ilo-ec-2009-adult-labour")
    assert adult.active and adult.indicators.count() >= 60
    assert set(adult.indicators.values_list("dimension", flat=True)) == {
        "deceptive_recruitment",
        "coercive_recruitment",
        "recruitment_abuse_of_vulnerability",
        "exploitation",
        "coercion_at_destination",
        "abuse_of_vulnerability_at_destination",
    }
    assert not IndicatorList.objects.get(key="ilo-ec-2009-adult-sexual").active


def test_a_date_of_birth_added_later_sets_the_age_and_child_rules(
    clock: time_machine.Traveller, worker: User, case: Case
) -> None:
    person = s.person_add(actor=worker, case=case, role="presumed_victim")
    # Age unknown: presumed a child (CoE Convention art. 10(3), UNODC Model Law).
    assert person.age_at_registration is None and person.presumed_child and person.is_child
    s.person_identity_set(actor=worker, person=person, identity={"birthdate": "2012-05-01"})
    person.refresh_from_db()
    assert person.age_at_registration == 13 and person.is_child and not person.presumed_child
