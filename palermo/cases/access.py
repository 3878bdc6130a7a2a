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
from django.utils.translation import gettext as _

from palermo.cases.choices import REFERRAL_TRANSITIONS, ShareScope
from palermo.cases.models import (
    Case,
    CaseShare,
    Consent,
    FollowUpVisit,
    Person,
    PersonPhoto,
    ProtectionMeasure,
    Referral,
    Return,
)
from palermo.core.choices import Role
from palermo.core.errors import ForbiddenError, NotFoundError
from palermo.core.models import User
from palermo.core.permissions import AnyUser, active_user, has_role
from palermo.core.prepared import Prepared

CASE_ROLES = frozenset({Role.CASE_WORKER, Role.INVESTIGATOR})
# Those who see cases at all: the case roles, and national coordinators (de-identified facts).
CASE_VIEWER_ROLES = CASE_ROLES | {Role.NATIONAL_COORDINATOR}
ALL_SCOPES = frozenset(ShareScope.values)
IDENTIFYING_SCOPES = frozenset({ShareScope.IDENTITY, ShareScope.CONTACT})


def _user(user: AnyUser | None) -> User | None:
    """The active user when they belong to an organisation (only such users see cases)."""
    active = active_user(user)
    return active if active is not None and active.organisation_id else None


def whole_cases(user: AnyUser | None) -> Q:
    """The cases whose every person the user sees (the organisation's own for case workers and
    investigators, the country's for a national coordinator); shared cases are not among them."""
    u = _user(user)
    if u is None:
        return Q(pk__in=[])
    if u.role in CASE_ROLES:
        return Q(organisation_id=u.organisation_id)
    if u.role == Role.NATIONAL_COORDINATOR and u.organisation and u.organisation.country_id:
        return Q(organisation__country_id=u.organisation.country_id)
    return Q(pk__in=[])


def shared_grants(user: AnyUser | None) -> dict[uuid.UUID, list[tuple[frozenset[str], list[str]]]]:
    """Per case shared with the user's organisation (and not one of its whole cases), each live
    share's (scopes, pseudonyms; empty = every person)."""
    u = _user(user)
    if u is None or u.role not in CASE_VIEWER_ROLES:
        return {}
    rows = (
        CaseShare.objects.filter(organisation_id=u.organisation_id or 0, revoked_at__isnull=True)
        .exclude(case__in=Case.objects.filter(whole_cases(u)))
        .values_list("case_id", "scopes", "persons")
    )
    grants: dict[uuid.UUID, list[tuple[frozenset[str], list[str]]]] = {}
    for case_id, scopes, persons in rows:
        grants.setdefault(case_id, []).append((frozenset(scopes), list(persons)))
    return grants


def identity_persons(user: AnyUser | None) -> Q:
    """The persons (a condition on Person) whose identity the user may read: case workers and
    investigators, in their organisation's cases and, in a case shared with it, the persons a
    live share with the identity scope names (all of the case's when it names none). National
    coordinators never see identities. (The name search looks only here.)"""
    u = _user(user)
    if u is None or u.role not in CASE_ROLES:
        return Q(pk__in=[])
    condition = Q(case__organisation_id=u.organisation_id)
    for case_id, grants in shared_grants(u).items():
        names: set[str] = set()
        for scopes, pseudonyms in grants:
            if ShareScope.IDENTITY not in scopes:
                continue
            if not pseudonyms:
                condition |= Q(case_id=case_id)
                break
            names.update(pseudonyms)
        else:
            if names:
                condition |= Q(case_id=case_id, pseudonym__in=sorted(names))
    return condition


def case_queryset(user: AnyUser | None) -> QuerySet[Case]:
    """The cases this user may see at all."""
    u = _user(user)
    if u is None:
        return Case.objects.none()
    # A subquery, not a join: no duplicate rows, so no DISTINCT over wide rows at scale. When
    # nothing is shared with the organisation (one indexed lookup) the condition is left out:
    # an OR with a subquery keeps PostgreSQL from reading the case list from its index alone.
    shares = CaseShare.objects.filter(
        organisation_id=u.organisation_id or 0, revoked_at__isnull=True
    ).values("case_id")
    shared = Q(pk__in=shares) if shares.exists() else Q(pk__in=[])
    if u.role in CASE_ROLES:
        return Case.objects.filter(Q(organisation_id=u.organisation_id) | shared)
    if u.role == Role.NATIONAL_COORDINATOR:
        country = u.organisation.country_id if u.organisation else None
        national = Q(organisation__country_id=country) if country else Q(pk__in=[])
        return Case.objects.filter(national | shared)
    return Case.objects.none()


@dataclass(frozen=True)
class CaseAccess:
    """What one user may do with one case."""

    case: Case
    owner: bool
    scopes: frozenset[str]
    persons: frozenset[str] = field(default_factory=frozenset)  # pseudonyms; empty = all
    viewer_organisation_id: int | None = None  # the organisation of the user this is for
    # One (scopes, pseudonyms) pair per share: a share's scopes hold for the persons it names
    # (empty = all), not for persons another share names. Empty: `scopes` hold for every person.
    grants: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()

    def sees_person(self, person: Person) -> bool:
        return self.owner or not self.persons or person.pseudonym in self.persons

    def can(self, scope: str, person: Person | None = None) -> bool:
        """`scope` for this person, or (person None) for the case as a whole."""
        if person is None:
            return scope in self.scopes
        if not self.sees_person(person):
            return False
        if self.owner or not self.grants:
            return scope in self.scopes
        return any(
            scope in scopes and (not names or person.pseudonym in names)
            for scopes, names in self.grants
        )

    def scopes_for(self, person: Person) -> frozenset[str]:
        return frozenset(scope for scope in self.scopes if self.can(scope, person))

    @property
    def can_edit(self) -> bool:
        return self.owner

    @property
    def whole_case_facts(self) -> bool:
        """Case-level facts (proceedings, incoming referral, closure) need the case facts of the
        whole case: a referral of one person shares that person's facts, not the case's."""
        if self.owner or not self.grants:
            return self.can(ShareScope.CASE_FACTS)
        return any(ShareScope.CASE_FACTS in scopes and not names for scopes, names in self.grants)


def case_access(user: AnyUser | None, case: Case) -> CaseAccess:
    """The user's access to a case; NotFoundError when they may not see it at all."""
    u = _user(user)
    if u is None:
        raise NotFoundError(_("No such case."), code="not_found")
    if u.role in CASE_ROLES and case.organisation_id == u.organisation_id:
        return CaseAccess(
            case, owner=True, scopes=ALL_SCOPES, viewer_organisation_id=u.organisation_id
        )
    if u.role not in CASE_VIEWER_ROLES:
        raise NotFoundError(_("No such case."), code="not_found")
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
                case,
                owner=False,
                scopes=frozenset({ShareScope.CASE_FACTS, ShareScope.PROTECTION}),
                viewer_organisation_id=org_id,
            )
        scopes -= {ShareScope.IDENTITY, ShareScope.CONTACT}
    if not shares:
        raise NotFoundError(_("No such case."), code="not_found")
    withheld = (
        {ShareScope.IDENTITY, ShareScope.CONTACT} if u.role == Role.NATIONAL_COORDINATOR else set()
    )
    return CaseAccess(
        case,
        owner=False,
        scopes=frozenset(scopes),
        persons=frozenset() if all_persons else frozenset(persons),
        viewer_organisation_id=org_id,
        grants=tuple(
            (frozenset(share.scopes) - withheld, frozenset(share.persons)) for share in shares
        ),
    )


CASE_GET_RELATED = ("organisation", "country", "owner", "referring_organisation")

# A case worker's or investigator's lookup of a case by id (the start of most case requests),
# compiled once: the case if their organisation holds it or it is shared with it. The same
# condition as case_queryset's, the shares' subquery always in (one row: no cost to a list).
CASE_OF_ORGANISATION: Prepared[Case] = Prepared(
    lambda case_id, org_id: (
        Case.objects.filter(
            Q(pk=case_id)
            & (
                Q(organisation_id=org_id)
                | Q(
                    pk__in=CaseShare.objects.filter(
                        organisation_id=org_id, revoked_at__isnull=True
                    ).values("case_id")
                )
            )
        )
        .select_related(*CASE_GET_RELATED)
        .order_by()[:1]
    ),
    value_fields=lambda: [Case._meta.pk, Case._meta.get_field("organisation").target_field],
)


def case_get(user: AnyUser | None, case_id: object) -> tuple[Case, CaseAccess]:
    """A visible case by id or reference, with the user's access; 404 otherwise."""
    case = None
    try:
        pk = uuid.UUID(str(case_id))
    except ValueError:  # not a UUID: maybe a reference
        pk = None
    u = _user(user)
    if pk is not None and u is not None and u.role in CASE_ROLES:
        found = CASE_OF_ORGANISATION.fetch(pk, u.organisation_id)
        case = found[0] if found else None
    elif pk is not None:
        case = case_queryset(user).select_related(*CASE_GET_RELATED).filter(pk=pk).first()
    if case is None:
        qs = case_queryset(user).select_related(*CASE_GET_RELATED)
        case = qs.filter(reference=str(case_id)).first()
    if case is None:
        raise NotFoundError(_("No such case."), code="not_found")
    return case, case_access(user, case)


def person_get(user: AnyUser | None, pseudonym: str) -> tuple[Person, CaseAccess]:
    """A person the user may see, by pseudonym; 404 otherwise."""
    person = (
        Person.objects.select_related("case", "case__organisation")
        .filter(pseudonym=pseudonym)
        .first()
    )
    if person is None or not case_queryset(user).filter(pk=person.case_id).exists():
        raise NotFoundError(_("No such person."), code="not_found")
    access = case_access(user, person.case)
    if not access.sees_person(person):
        raise NotFoundError(_("No such person."), code="not_found")
    return person, access


def require_edit(access: CaseAccess) -> None:
    if not access.can_edit:
        raise ForbiddenError(_("Only the organisation holding the case can change it."))


def require_scope(access: CaseAccess, scope: str, person: Person | None = None) -> None:
    if not access.can(scope, person):
        raise NotFoundError(_("Not shared with your organisation."), code="not_found")


# --- what the pages offer a user ---------------------------------------------------------------


def may_open_cases(user: AnyUser | None) -> bool:
    """Case workers and investigators open cases (held by their organisation)."""
    return has_role(user, *CASE_ROLES)


def sees_title(user: User, case: Case) -> bool:
    """A case's working title shows in lists to its own organisation and to national
    coordinators; an organisation it was shared with sees only the reference."""
    return case.organisation_id == user.organisation_id or user.role == Role.NATIONAL_COORDINATOR


def identity_readable(user: User, person: Person, access: CaseAccess) -> bool:
    """Whether the user may ask for the person's identifying data (the read is then audited):
    case workers and investigators who see the person, with identity or contact shared."""
    return (
        user.role in CASE_ROLES
        and access.sees_person(person)
        and bool(IDENTIFYING_SCOPES & access.scopes_for(person))
    )


def referral_actions(user: User, referral: Referral) -> list[str]:
    """The actions the user's organisation may take on a referral now: accept, decline and
    deliver for the receiving organisation, close for either side, as its status allows."""
    receiving = user.organisation_id == referral.to_organisation_id
    sending = user.organisation_id == referral.from_organisation_id
    return [
        action
        for action, (allowed, _target) in REFERRAL_TRANSITIONS.items()
        if referral.status in allowed and (receiving or (sending and action == "close"))
    ]


# --- records looked up by integer id (API): always through a case the user may see -----------


def _person_record_get[R: (Consent, ProtectionMeasure, Return, FollowUpVisit)](
    user: AnyUser | None, qs: QuerySet[R], pk: int, scope: str, missing_text: str
) -> tuple[R, CaseAccess]:
    """One record of a person, when the user sees the person and `scope` of the case.

    Whether the id does not exist or is not visible, the answer is the same 404."""
    missing = NotFoundError(missing_text, code="not_found")
    record = qs.select_related("person__case__organisation").filter(pk=pk).first()
    if record is None or not case_queryset(user).filter(pk=record.person.case_id).exists():
        raise missing
    try:
        access = case_access(user, record.person.case)
    except NotFoundError:
        raise missing from None
    if not access.can(scope, record.person):
        raise missing
    return record, access


def consent_get(user: AnyUser | None, pk: int) -> tuple[Consent, CaseAccess]:
    return _person_record_get(
        user, Consent.objects.all(), pk, ShareScope.CASE_FACTS, _("No such consent.")
    )


def measure_get(user: AnyUser | None, pk: int) -> tuple[ProtectionMeasure, CaseAccess]:
    return _person_record_get(
        user, ProtectionMeasure.objects.all(), pk, ShareScope.PROTECTION, _("No such measure.")
    )


def return_get(user: AnyUser | None, pk: int) -> tuple[Return, CaseAccess]:
    return _person_record_get(
        user, Return.objects.all(), pk, ShareScope.CASE_FACTS, _("No such return.")
    )


def visit_get(user: AnyUser | None, pk: int) -> tuple[FollowUpVisit, CaseAccess]:
    return _person_record_get(
        user, FollowUpVisit.objects.all(), pk, ShareScope.CASE_FACTS, _("No such follow-up visit.")
    )


def referral_get(user: AnyUser | None, pk: int) -> Referral:
    """A referral sent or received by the user's organisation (case workers, investigators)."""
    u = _user(user)
    referral = None
    if u is not None and u.role in CASE_ROLES:
        referral = (
            Referral.objects.select_related("person__case__organisation")
            .filter(
                Q(to_organisation_id=u.organisation_id) | Q(from_organisation_id=u.organisation_id)
            )
            .filter(pk=pk)
            .first()
        )
    if referral is None:
        raise NotFoundError(_("No such referral."), code="not_found")
    return referral


def share_get(access: CaseAccess, pk: int) -> CaseShare:
    """A share of the case; only the owning organisation sees the shares."""
    share = access.case.shares.filter(pk=pk).first() if access.owner else None
    if share is None:
        raise NotFoundError(_("No such share."), code="not_found")
    return share


def photo_get(person: Person, pk: int) -> PersonPhoto:
    """A photo of a person already looked up with person_get."""
    photo = person.photos.filter(pk=pk).first()
    if photo is None:
        raise NotFoundError(_("No such photo."), code="not_found")
    return photo
