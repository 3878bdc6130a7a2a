"""Records of one person: what a person's page and the person API show of the other records a
reviewer confirmed to be the same person (issue 16).

Several organisations may register the same victim, and a person trafficked again may be
registered again. The linkage app finds such duplicates among this node's persons, and a
reviewer confirms a pair as one person or keeps the two apart, with a reason. Both records stay
in their cases, as their organisations wrote them; what changes is that each shows the other, to
whoever may see both, and that the statistics count the person once
(`services.duplicates.persons_counted_once`).

The cases app does not know how duplicates are found or decided: the app that decides them
registers a provider here (`provider_register`, from its AppConfig.ready), which gives, for a
person and a user, the other records the user may see with who confirmed them, when and why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ninja import Field, Schema

from palermo.cases.models import Person
from palermo.core.models import User

COUNTED_UNDER = (
    "Pseudonym of the record the statistics count this person under (a confirmed duplicate "
    "registered first); null when counted under this record or when the caller sees no other "
    "record of the person, empty when the caller may not see that record"
)


class SamePerson(Schema):
    """Another record reviewers confirmed to be the same person, as one user may see it (the
    page's and the API's)."""

    pseudonym: str
    case_reference: str
    organisation: str
    confirmed_by: str
    confirmed_at: dt.datetime | None
    reason: str
    review_url: str = Field(
        description="Where the decision is reviewed or undone (empty: not the caller's to review)"
    )


Provider = Callable[[User, Person], list[SamePerson]]
_PROVIDERS: dict[str, Provider] = {}


def provider_register(label: str, provider: Provider) -> None:
    """Called from an app's ready(): `provider` lists the records confirmed to be the same
    person as a given one, those the user may see only (and audits what it shows)."""
    _PROVIDERS[label] = provider


def same_person(user: User, person: Person) -> list[SamePerson]:
    """The other records of `person` the user may see, every provider's, by pseudonym."""
    found = [entry for provider in _PROVIDERS.values() for entry in provider(user, person)]
    return sorted(found, key=lambda entry: entry.pseudonym)
