"""Sharing part of a case (palermo.cases.sharing): who may share it, which fields come out, and
that a victim's identifying data goes only with their consent or a stated legal basis."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from palermo.cases import services, sharing
from palermo.cases.choices import ConsentPurpose, PersonRole
from palermo.cases.models import Case, Person
from palermo.cases.sharing import ExtractSpec
from palermo.core.choices import Role
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db

REASON = "Cooperation request MLA-1 to bravo"


@dataclass
class Holding:
    """A case of a shelter with a victim (identity and contact recorded) and a suspect."""

    worker: User
    case: Case
    victim: Person
    suspect: Person


@pytest.fixture
def holding(make_user: Callable[..., User]) -> Holding:
    worker = make_user(Role.CASE_WORKER, org="Shelter", country="NGA")
    case = services.case_open(actor=worker, title="Recruitment ring", opened_on=dt.date(2026, 3, 2))
    victim = services.person_add(
        actor=worker,
        case=case,
        role=PersonRole.VICTIM,
        gender="Feminine",
        identity={"first_name": "Amina", "birthdate": "1990-02-03", "mobile_phone": "+234 1"},
    )
    suspect = services.person_add(
        actor=worker, case=case, role=PersonRole.SUSPECT, identity={"first_name": "Obi"}
    )
    return Holding(worker, case, victim, suspect)


# --- who may share ------------------------------------------------------------------------------


def test_only_the_holding_organisation_shares(
    holding: Holding, make_user: Callable[..., User]
) -> None:
    colleague = make_user(Role.INVESTIGATOR, org="Shelter", country="NGA")
    other = make_user(Role.INVESTIGATOR, org="Lagos State Police", country="NGA")
    coordinator = make_user(Role.NATIONAL_COORDINATOR, org="NAPTIP", country="NGA")
    same_org_coordinator = make_user(Role.NATIONAL_COORDINATOR, org="Shelter", country="NGA")
    for user in (holding.worker, colleague):
        assert sharing.case_may_share(user, holding.case)
        assert list(sharing.shareable_cases(user)) == [holding.case]
    # A national coordinator sees the case's facts but does not hold it; others do not see it.
    outsiders: list[User | None] = [other, coordinator, same_org_coordinator, None]
    for outsider in outsiders:
        assert not sharing.case_may_share(outsider, holding.case)
        assert not sharing.shareable_cases(outsider).exists()
    spec = ExtractSpec(case=holding.case, case_fields=("title",))
    with pytest.raises(ForbiddenError):
        sharing.extract_build(actor=coordinator, spec=spec, reason=REASON)
    with pytest.raises(NotFoundError):
        sharing.extract_build(actor=other, spec=spec, reason=REASON)


def test_shareable_cases_newest_first(holding: Holding) -> None:
    newer = services.case_open(actor=holding.worker, title="Later", opened_on=dt.date(2026, 5, 1))
    assert list(sharing.shareable_cases(holding.worker)) == [newer, holding.case]


# --- consent or legal basis -----------------------------------------------------------------------


def test_identifying_fields_of_a_victim_need_consent_or_legal_basis(holding: Holding) -> None:
    wanted = ExtractSpec(case=holding.case, persons={holding.victim.pseudonym: ("first_name",)})
    with pytest.raises(ApplicationError) as err:
        sharing.extract_build(actor=holding.worker, spec=wanted, reason=REASON)
    assert err.value.code == "consent_or_legal_basis_required"
    assert holding.victim.pseudonym in err.value.detail and "Amina" not in err.value.detail
    assert not AuditEntry.objects.filter(object_type="cases.person", action="read").exists()

    # A stated legal basis instead of consent.
    with_basis = ExtractSpec(
        case=holding.case,
        persons={holding.victim.pseudonym: ("first_name",)},
        legal_basis="  UNTOC art. 18(1)  ",
    )
    built = sharing.extract_build(actor=holding.worker, spec=with_basis, reason=REASON)
    assert (built.basis, built.legal_basis, built.consents) == (
        sharing.BASIS_LEGAL_BASIS,
        "UNTOC art. 18(1)",
        [],
    )

    # The victim's recorded consent to data sharing.
    consent = services.consent_record(
        actor=holding.worker, person=holding.victim, purpose=ConsentPurpose.DATA_SHARING
    )
    built = sharing.extract_build(actor=holding.worker, spec=wanted, reason=REASON)
    assert built.identifying and built.basis == sharing.BASIS_CONSENT
    assert built.consents == [
        {"pseudonym": holding.victim.pseudonym, "given_on": consent.given_on.isoformat()}
    ]

    # Withdrawn: the legal basis is needed again.
    services.consent_withdraw(actor=holding.worker, consent=consent)
    with pytest.raises(ApplicationError) as err:
        sharing.extract_build(actor=holding.worker, spec=wanted, reason=REASON)
    assert err.value.code == "consent_or_legal_basis_required"


def test_facts_and_other_persons_need_no_consent(holding: Holding) -> None:
    facts = ExtractSpec(
        case=holding.case,
        case_fields=("title",),
        persons={holding.victim.pseudonym: ("gender",), holding.suspect.pseudonym: ("first_name",)},
    )
    built = sharing.extract_build(actor=holding.worker, spec=facts, reason=REASON)
    assert built.identifying  # the suspect's name identifies them: recorded as identifying
    assert built.consents == []
    assert built.data["persons"][holding.suspect.pseudonym] == {"first_name": "Obi"}
    only_facts = ExtractSpec(case=holding.case, persons={holding.victim.pseudonym: ("gender",)})
    built = sharing.extract_build(actor=holding.worker, spec=only_facts, reason=REASON)
    assert not built.identifying and built.basis == sharing.BASIS_NOT_IDENTIFYING


# --- which fields come out ------------------------------------------------------------------------


def test_exactly_the_fields_chosen_come_out(holding: Holding) -> None:
    services.consent_record(
        actor=holding.worker, person=holding.victim, purpose=ConsentPurpose.DATA_SHARING
    )
    spec = ExtractSpec(
        case=holding.case,
        case_fields=("opened_on", "title", "country"),
        persons={holding.victim.pseudonym: ("role", "first_name", "mobile_phone")},
    )
    built = sharing.extract_build(actor=holding.worker, spec=spec, reason=REASON)
    assert built.case_reference == holding.case.reference
    assert built.fields == {
        "case": ["country", "opened_on", "title"],
        "persons": {holding.victim.pseudonym: ["first_name", "mobile_phone", "role"]},
    }
    assert built.data == {
        "case": {"country": "NGA", "opened_on": "2026-03-02", "title": "Recruitment ring"},
        "persons": {
            holding.victim.pseudonym: {
                "first_name": "Amina",
                "mobile_phone": "+234 1",
                "role": PersonRole.VICTIM,
            }
        },
    }
    assert "1990-02-03" not in json.dumps(built.data)  # the birthdate was not chosen
    # The identifying data was read like on the person's page: audited, with the reason.
    read = AuditEntry.objects.get(
        object_type="cases.person", action="read", object_id=str(holding.victim.pk)
    )
    assert read.reason == REASON and read.actor == holding.worker


@pytest.mark.parametrize(
    ("case_fields", "persons", "code"),
    [
        (("reason_for_closure",), {}, "unknown_field"),
        ((), {"VICTIM": ("password",)}, "unknown_field"),
        ((), {"P-NOT-HERE": ("gender",)}, "unknown_person"),
    ],
)
def test_unknown_fields_and_persons_are_refused(
    holding: Holding,
    case_fields: tuple[str, ...],
    persons: dict[str, tuple[str, ...]],
    code: str,
) -> None:
    persons = {holding.victim.pseudonym if k == "VICTIM" else k: v for k, v in persons.items()}
    spec = ExtractSpec(case=holding.case, case_fields=case_fields, persons=persons)
    with pytest.raises(ApplicationError) as err:
        sharing.extract_build(actor=holding.worker, spec=spec, reason=REASON)
    assert err.value.code == code


def test_labels_for_forms() -> None:
    assert dict(sharing.case_field_choices())["opened_on"] == "Opened on"
    assert sharing.person_field_label("first_name") == "First name"
    assert sharing.person_field_label("gender") == "Gender"
    assert [key for key, _label, _names in sharing.PERSON_FIELD_GROUPS] == [
        "facts",
        "identity",
        "contact",
    ]
    grouped = {name for _key, _label, names in sharing.PERSON_FIELD_GROUPS for name in names}
    assert grouped == set(sharing.PERSON_SHAREABLE_FIELDS)
    assert grouped >= sharing.IDENTIFYING_FIELDS
