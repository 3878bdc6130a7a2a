"""Finding persons by name through the blind index (palermo.cases.names), within the persons
whose identity the user may read; a search that finds someone is audited (which pseudonyms it
found, never the name asked for)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from palermo.cases import names
from palermo.cases.access import identity_persons
from palermo.cases.audit_kinds import NAME_SEARCH
from palermo.cases.models import Person, PersonNameToken
from palermo.cases.services.common import case_actor
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError
from palermo.core.permissions import AnyUser

MAX_HITS = 50


@dataclass(frozen=True)
class NameHit:
    """A person whose names match: `exact` when every word matched a name exactly (after
    folding and transliteration), else some only by sound."""

    person: Person
    exact: bool


def person_name_search(*, actor: AnyUser | None, text: str, limit: int = MAX_HITS) -> list[NameHit]:
    """Persons whose names match every word of `text` (exactly or by sound), best first, among
    those whose identity the actor may read. Four queries whatever the number of persons: the
    index rows matching any word (joined to what the actor may see), the persons, the audit."""
    user = case_actor(actor)
    query = names.query_digests(text)
    if not query:
        raise ApplicationError(_("Give a name to search for."), code="empty_name")
    wanted = sorted({d for word in query for ds in word.values() for d in ds})
    visible = Person.objects.filter(identity_persons(user)).values("pk")
    found = PersonNameToken.objects.filter(digest__in=wanted, identity_id__in=visible).values_list(
        "identity_id", "digest"
    )
    scores = names.match_scores(query, found)
    best = sorted(scores, key=lambda pid: -scores[pid])[:limit]
    persons = Person.objects.select_related("case").in_bulk(best)
    hits = [
        NameHit(persons[pid], exact=scores[pid] == 2 * len(query)) for pid in best if pid in persons
    ]
    hits.sort(key=lambda h: (not h.exact, -scores[h.person.pk], h.person.pseudonym))
    if hits:
        with transaction.atomic():
            audit_record(
                actor=user,
                action=AuditAction.READ,
                kind=NAME_SEARCH,
                object_id="name-search",
                after={"found": [h.person.pseudonym for h in hits], "words": len(query)},
            )
    return hits
