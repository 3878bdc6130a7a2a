"""Who may see what of the linkage's matches (issue 16): the review roles, and whether a user
may see a person here (the case access rules of `palermo.cases.access`)."""

from __future__ import annotations

from palermo.cases.access import CaseAccess, case_access
from palermo.cases.models import Person
from palermo.core.choices import Role
from palermo.core.errors import NotFoundError
from palermo.core.models import User

# Who may review a match (of persons they may see): case workers know the persons of their
# cases; a request to another node is for investigators and national coordinators only (the
# cooperation app's rule).
REVIEW_ROLES = (Role.CASE_WORKER, Role.INVESTIGATOR, Role.NATIONAL_COORDINATOR)

# The user's access to each case, worked out once for all the matches of a list (most persons
# of an exercise share a few cases).
Accesses = dict[object, CaseAccess | None]


def sees_person(user: User, person: Person, accesses: Accesses) -> bool:
    """The user may see this person (their case, or a share of it that covers the person)."""
    if person.case_id not in accesses:
        try:
            accesses[person.case_id] = case_access(user, person.case)
        except NotFoundError:
            accesses[person.case_id] = None
    access = accesses[person.case_id]
    return access is not None and access.sees_person(person)
