"""Property: over random organisations, users, cases and shares, access follows the written rule.

The rule, restated here independently of access.py:
- a case worker or investigator of the owning organisation sees and may use everything;
- an organisation a case was shared with (unrevoked shares only) may use scope S on person P
  when one of its shares grants S and names P (or names nobody, i.e. all persons);
- a national coordinator sees the case facts and protection measures of every case held in
  their country, and what is shared with them elsewhere, but never identity or contacts;
- analysts, registry editors, administrators, inactive users and users without an
  organisation see no case, and nobody but case workers and investigators reads identity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.cases import services as s
from palermo.cases.access import case_access, case_queryset, person_get
from palermo.cases.choices import ShareScope
from palermo.cases.models import Case, Person
from palermo.cases.tests.factories import OrganisationFactory, UserFactory, organisation_of
from palermo.core.choices import OrganisationKind, Role
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db

CASE_ROLES = {Role.CASE_WORKER, Role.INVESTIGATOR}
SCOPES = sorted(ShareScope.values)
IDENTIFYING = {ShareScope.IDENTITY, ShareScope.CONTACT}


@dataclass(frozen=True)
class UserSpec:
    org: int | None
    role: str
    active: bool


@dataclass(frozen=True)
class CaseSpec:
    org: int
    persons: tuple[str, ...]  # roles


@dataclass(frozen=True)
class ShareSpec:
    case: int
    org: int
    scopes: frozenset[str]
    persons: frozenset[int]  # indices into the case's persons; empty = all
    revoked: bool


@dataclass(frozen=True)
class WorldSpec:
    countries: tuple[str | None, ...]
    users: tuple[UserSpec, ...]
    cases: tuple[CaseSpec, ...]
    shares: tuple[ShareSpec, ...]


@st.composite
def worlds(draw: st.DrawFn) -> WorldSpec:
    countries = tuple(draw(st.lists(st.sampled_from(["BWA", "ZAF", None]), min_size=2, max_size=3)))
    n = len(countries)
    users = tuple(
        draw(
            st.lists(
                st.builds(
                    UserSpec,
                    org=st.integers(0, n - 1) | st.integers(0, n - 1) | st.none(),
                    role=st.sampled_from(Role.values),
                    active=st.booleans() | st.just(True),
                ),
                max_size=4,
            )
        )
    )
    cases = tuple(
        draw(
            st.lists(
                st.builds(
                    CaseSpec,
                    org=st.integers(0, n - 1),
                    persons=st.lists(
                        st.sampled_from(["victim", "presumed_victim", "suspect", "witness"]),
                        min_size=1,
                        max_size=3,
                    ).map(tuple),
                ),
                min_size=1,
                max_size=2,
            )
        )
    )
    shares = []
    for case, spec in enumerate(cases):
        # Each case is shared with up to two organisations (usually not its own), each of them
        # by up to three shares: referrals of one person, a share of everyone, revoked ones.
        others = [i for i in range(n) if i != spec.org] or [spec.org]
        targets = draw(st.lists(st.sampled_from(others) | st.integers(0, n - 1), max_size=2))
        for org in targets:
            for _ in range(draw(st.integers(1, 3))):
                shares.append(
                    ShareSpec(
                        case=case,
                        org=org,
                        scopes=draw(st.frozensets(st.sampled_from(SCOPES))),
                        persons=draw(st.frozensets(st.integers(0, len(spec.persons) - 1))),
                        revoked=draw(st.integers(0, 3)) == 0,
                    )
                )
    return WorldSpec(countries, users, cases, tuple(shares))


# --- the rule, as a model ----------------------------------------------------------------------

Grant = tuple[frozenset[str], frozenset[int]]  # scopes, persons (empty = all)


@dataclass(frozen=True)
class Expected:
    owner: bool
    grants: tuple[Grant, ...]

    def can(self, scope: str, person: int) -> bool:
        if self.owner:
            return True
        return any(scope in sc and (not ps or person in ps) for sc, ps in self.grants)

    def sees(self, person: int) -> bool:
        return self.owner or any(not ps or person in ps for _, ps in self.grants)

    @property
    def scopes(self) -> frozenset[str]:
        if self.owner:
            return frozenset(SCOPES)
        return frozenset().union(*(sc for sc, _ in self.grants))


def expected_access(world: WorldSpec, user: UserSpec, case_index: int) -> Expected | None:
    """What the rule says `user` may do with the case, or None: the case does not exist for them."""
    case = world.cases[case_index]
    if not user.active or user.org is None:
        return None
    if user.role in CASE_ROLES and user.org == case.org:
        return Expected(owner=True, grants=())
    if user.role not in CASE_ROLES | {Role.NATIONAL_COORDINATOR}:
        return None
    shares = [
        sh for sh in world.shares if sh.case == case_index and sh.org == user.org and not sh.revoked
    ]
    if user.role == Role.NATIONAL_COORDINATOR:
        country = world.countries[user.org]
        if country is not None and world.countries[case.org] == country:
            return Expected(
                owner=False,
                grants=((frozenset({ShareScope.CASE_FACTS, ShareScope.PROTECTION}), frozenset()),),
            )
        grants = tuple((sh.scopes - IDENTIFYING, sh.persons) for sh in shares)
    else:
        grants = tuple((sh.scopes, sh.persons) for sh in shares)
    return Expected(owner=False, grants=grants) if shares else None


# --- building the world through the services ---------------------------------------------------


def build(world: WorldSpec) -> tuple[list[User], list[Case], list[list[Person]]]:
    orgs = [
        OrganisationFactory.create(
            name="Org {}".format(i), kind=OrganisationKind.NGO, country_id=country
        )
        for i, country in enumerate(world.countries)
    ]
    # Each organisation's own case worker opens and shares its cases (and is checked too).
    founders = [
        UserFactory.create(username="founder-{}".format(i), organisation=org)
        for i, org in enumerate(orgs)
    ]
    users = founders + [
        UserFactory.create(
            username="user-{}".format(i),
            organisation=orgs[u.org] if u.org is not None else None,
            role=u.role,
            is_active=u.active,
        )
        for i, u in enumerate(world.users)
    ]
    cases, persons = [], []
    for i, spec in enumerate(world.cases):
        founder = founders[spec.org]
        case = s.case_open(actor=founder, title="case {}".format(i), country="BWA")
        people = []
        for j, role in enumerate(spec.persons):
            person = s.person_add(
                actor=founder,
                case=case,
                role=role,
                identity={
                    "first_name": "Name{}x{}".format(i, j),
                    "mobile_phone": "+1{}{}".format(i, j),
                },
            )
            if role in ("victim", "presumed_victim"):
                s.consent_record(actor=founder, person=person, purpose="data_sharing")
            people.append(person)
        cases.append(case)
        persons.append(people)
    for sh in world.shares:
        spec = world.cases[sh.case]
        share = s.case_share(
            actor=founders[spec.org],
            case=cases[sh.case],
            organisation=orgs[sh.org],
            scopes=sorted(sh.scopes),
            reason="property test",
            persons=[persons[sh.case][p].pseudonym for p in sorted(sh.persons)],
        )
        if sh.revoked:
            s.case_share_revoke(actor=founders[spec.org], share=share)
    return users, cases, persons


def user_specs(world: WorldSpec) -> list[UserSpec]:
    founders = [
        UserSpec(org=i, role=Role.CASE_WORKER, active=True) for i in range(len(world.countries))
    ]
    return founders + list(world.users)


# --- the property ----------------------------------------------------------------------------


def check(world: WorldSpec) -> None:  # noqa: PLR0912 - one assertion block per rule
    users, cases, persons = build(world)
    reads: list[tuple[int, Any]] = []
    for user, uspec in zip(users, user_specs(world), strict=True):
        visible = set(case_queryset(user).values_list("pk", flat=True))
        for ci, case in enumerate(cases):
            exp = expected_access(world, uspec, ci)
            where = (uspec, ci, world)
            assert (case.pk in visible) == (exp is not None), where
            if exp is None:
                with pytest.raises(NotFoundError):
                    case_access(user, case)
                for person in persons[ci]:
                    with pytest.raises(NotFoundError):
                        person_get(user, person.pseudonym)
                continue
            access = case_access(user, case)
            assert access.owner == exp.owner and access.can_edit == exp.owner, where
            assert access.scopes == exp.scopes, where
            for pi, person in enumerate(persons[ci]):
                assert access.sees_person(person) == exp.sees(pi), (where, pi)
                for scope in SCOPES:
                    assert access.can(scope, person) == (exp.sees(pi) and exp.can(scope, pi)), (
                        where,
                        pi,
                        scope,
                    )
                if exp.sees(pi):
                    assert person_get(user, person.pseudonym)[0] == person
                else:
                    with pytest.raises(NotFoundError):
                        person_get(user, person.pseudonym)
        # Identity: read (and audited) exactly when a share grants identity or contact.
        for ci in range(len(cases)):
            exp = expected_access(world, uspec, ci)
            for pi, person in enumerate(persons[ci]):
                may_identity = bool(
                    exp is not None
                    and uspec.role in CASE_ROLES
                    and exp.sees(pi)
                    and exp.can(ShareScope.IDENTITY, pi)
                )
                may_contact = bool(
                    exp is not None
                    and uspec.role in CASE_ROLES
                    and exp.sees(pi)
                    and exp.can(ShareScope.CONTACT, pi)
                )
                try:
                    data = s.person_identity_read(actor=user, person=person, reason="check")
                except (NotFoundError, ApplicationError):
                    assert not (may_identity or may_contact), (uspec, ci, pi, world)
                    continue
                assert may_identity or may_contact, (uspec, ci, pi, world)
                assert uspec.role not in (Role.ANALYST, Role.ADMINISTRATOR, Role.REGISTRY_EDITOR)
                assert ("first_name" in data) == may_identity, (uspec, ci, pi, data)
                assert ("mobile_phone" in data) == may_contact, (uspec, ci, pi, data)
                reads.append((user.pk, person.pk))
    # Every successful read, and nothing else, is in the audit log with who, whom and why.
    audited = AuditEntry.objects.filter(action="read").values_list(
        "actor_id", "object_id", "reason"
    )
    assert sorted(audited) == sorted((u, str(p), "check") for u, p in reads)


@settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=worlds())
def test_access_follows_the_rule(db: None, world: WorldSpec) -> None:
    with transaction.atomic():
        check(world)
        transaction.set_rollback(True)  # every example starts from an empty case register


def test_a_referral_of_one_person_does_not_share_another(
    make_user: Callable[..., User],
) -> None:
    """Found by the property: two shares with one organisation must not mix their scopes."""
    owner = make_user("case_worker", org="Shelter")
    clinic = make_user("case_worker", org="Clinic", kind="service_provider")
    case = s.case_open(actor=owner, title="two persons")
    child = s.person_add(
        actor=owner, case=case, role="presumed_victim", identity={"first_name": "C"}
    )
    adult = s.person_add(actor=owner, case=case, role="victim", identity={"first_name": "A"})
    s.consent_record(actor=owner, person=adult, purpose="data_sharing")
    s.referral_send(
        actor=owner,
        person=child,
        to_organisation=organisation_of(clinic),
        service="medical",
        scopes=["case_facts"],
    )
    s.referral_send(
        actor=owner,
        person=adult,
        to_organisation=organisation_of(clinic),
        service="legal_aid",
        scopes=["identity"],
    )
    assert s.person_identity_read(actor=clinic, person=adult, reason="claim") == {"first_name": "A"}
    with pytest.raises(NotFoundError):
        s.person_identity_read(actor=clinic, person=child, reason="curious")
    access = case_access(clinic, case)
    assert access.can("case_facts", child) and not access.can("case_facts", adult)
