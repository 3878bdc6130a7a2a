"""Who may see and change which case, and which parts of it.

- The owning organisation's case workers and investigators see and change the whole case,
  identifying data included (each read of identifying data is audited).
- An organisation a case was shared with (a referral, a cooperation request) sees exactly the
  scopes of the share, for the persons it names, and acts only on what is addressed to it.
- National coordinators see the de-identified case facts of cases held in their country.
- Analysts, registry editors and administrators never see cases.
A case a user may not see does not exist for them: selectors leave it out and lookups 404.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from palermo.cases.choices import ShareScope
from palermo.cases.models import Case, CaseShare, Person
from palermo.core.choices import Role
from palermo.core.errors import ForbiddenError, NotFoundError
from palermo.core.models import User
from palermo.core.permissions import AnyUser

CASE_ROLES = frozenset({Role.CASE_WORKER, Role.INVESTIGATOR})
ALL_SCOPES = frozenset(ShareScope.values)


def _user(user: AnyUser | None) -> User | None:
    if isinstance(user, User) and user.is_authenticated and user.is_active and user.organisation_id:
        return user
    return None


def case_queryset(user: AnyUser | None) -> QuerySet[Case]:
    """The cases this user may see at all."""
    u = _user(user)
    if u is None:
        return Case.objects.none()
    shared = Q(shares__organisation_id=u.organisation_id, shares__revoked_at__isnull=True)
    if u.role in CASE_ROLES:
        return Case.objects.filter(Q(organisation_id=u.organisation_id) | shared).distinct()
    if u.role == Role.NATIONAL_COORDINATOR:
        country = u.organisation.country_id if u.organisation else None
        national = Q(organisation__country_id=country) if country else Q(pk__in=[])
        return Case.objects.filter(national | shared).distinct()
    return Case.objects.none()


@dataclass(frozen=True)
class CaseAccess:
    """What one user may do with one case."""

    case: Case
    owner: bool
    scopes: frozenset[str]
    persons: frozenset[str] = field(default_factory=frozenset)  # pseudonyms; empty = all

    def sees_person(self, person: Person) -> bool:
        return self.owner or not self.persons or person.pseudonym in self.persons

    def can(self, scope: str, person: Person | None = None) -> bool:
        if person is not None and not self.sees_person(person):
            return False
        return scope in self.scopes

    @property
    def can_edit(self) -> bool:
        return self.owner


def case_access(user: AnyUser | None, case: Case) -> CaseAccess:
    """The user's access to a case; NotFoundError when they may not see it at all."""
    u = _user(user)
    if u is None:
        raise NotFoundError("No such case.", code="not_found")
    if u.role in CASE_ROLES and case.organisation_id == u.organisation_id:
        return CaseAccess(case, owner=True, scopes=ALL_SCOPES)
    if u.role not in CASE_ROLES | {Role.NATIONAL_COORDINATOR}:
        raise NotFoundError("No such case.", code="not_found")
    org_id: int = u.organisation_id or 0
    shares = list(
        CaseShare.objects.filter(case=case, organisation_id=org_id, revoked_at__isnull=True)
    )
    scopes: set[str] = set()
    persons: set[str] = set()
    all_persons = False
    for share in shares:
        scopes.update(share.scopes)
        if share.persons:
            persons.update(share.persons)
        else:
            all_persons = True
    if u.role == Role.NATIONAL_COORDINATOR:
        country = u.organisation.country_id if u.organisation else None
        if country and case.organisation.country_id == country:
            # National oversight: de-identified facts only, never identity or contacts.
            return CaseAccess(
                case, owner=False, scopes=frozenset({ShareScope.CASE_FACTS, ShareScope.PROTECTION})
            )
        scopes -= {ShareScope.IDENTITY, ShareScope.CONTACT}
    if not shares:
        raise NotFoundError("No such case.", code="not_found")
    return CaseAccess(
        case,
        owner=False,
        scopes=frozenset(scopes),
        persons=frozenset() if all_persons else frozenset(persons),
    )


def case_get(user: AnyUser | None, case_id: object) -> tuple[Case, CaseAccess]:
    """A visible case by id or reference, with the user's access; 404 otherwise."""
    qs = case_queryset(user).select_related("organisation", "country", "owner")
    case = None
    try:
        case = qs.filter(pk=uuid.UUID(str(case_id))).first()
    except ValueError:  # not a UUID: maybe a reference
        case = None
    if case is None:
        case = qs.filter(reference=str(case_id)).first()
    if case is None:
        raise NotFoundError("No such case.", code="not_found")
    return case, case_access(user, case)


def person_get(user: AnyUser | None, pseudonym: str) -> tuple[Person, CaseAccess]:
    """A person the user may see, by pseudonym; 404 otherwise."""
    person = (
        Person.objects.select_related("case", "case__organisation")
        .filter(pseudonym=pseudonym)
        .first()
    )
    if person is None or not case_queryset(user).filter(pk=person.case_id).exists():
        raise NotFoundError("No such person.", code="not_found")
    access = case_access(user, person.case)
    if not access.sees_person(person):
        raise NotFoundError("No such person.", code="not_found")
    return person, access


def require_edit(access: CaseAccess) -> None:
    if not access.can_edit:
        raise ForbiddenError("Only the organisation holding the case can change it.")


def require_scope(access: CaseAccess, scope: str, person: Person | None = None) -> None:
    if not access.can(scope, person):
        raise NotFoundError("Not shared with your organisation.", code="not_found")
