"""A case's persons and their records, read for the case page, the API case detail and the case
file: one prepared query per kind of record (compiled once per connection, see
palermo/core/prepared.py), each selecting the records of the whole case by its id.

The rows are put where Django's `prefetch_related` puts them (each person's prefetch cache, each
record's person set), so the pages and serializers read `person.screenings.all()` and
`record.person` without a query, and a further `.filter()` on such a manager still filters by
its person. Each query orders by the record's own date alone: within one person the order is the
models' default ordering, without its joins through the person to the case.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db.models import Field, Model, QuerySet

from palermo.cases.models import (
    BestInterestDetermination,
    Case,
    CaseComment,
    CaseShare,
    FollowUpVisit,
    Identification,
    Movement,
    Person,
    Proceeding,
    ProtectionMeasure,
    Referral,
    Return,
    Screening,
)
from palermo.core.prepared import Prepared


def _case_pk() -> list[Field[Any, Any]]:
    return [Case._meta.pk]


def _by_case(build: Callable[[Any], QuerySet[Any]]) -> Prepared[Any]:
    return Prepared(build, value_fields=_case_pk)


PERSONS = _by_case(lambda case_id: Person.objects.filter(case_id=case_id).order_by("pseudonym"))

# (related name on Person, the prepared query of that kind of record for a whole case)
RECORDS: tuple[tuple[str, Prepared[Any]], ...] = (
    (
        "screenings",
        _by_case(
            lambda c: Screening.objects.filter(person__case_id=c).order_by("-screened_on", "pk")
        ),
    ),
    (
        "identifications",
        _by_case(
            lambda c: Identification.objects.filter(person__case_id=c).order_by("-decided_on", "pk")
        ),
    ),
    (
        "movements",
        _by_case(
            lambda c: (
                Movement.objects.filter(person__case_id=c)
                .select_related("country")  # the timeline names the places
                .order_by("date", "pk")
            )
        ),
    ),
    (
        "measures",
        _by_case(
            lambda c: (
                ProtectionMeasure.objects.filter(person__case_id=c)
                .select_related("decided_by", "organisation")
                .order_by("ends_on", "pk")
            )
        ),
    ),
    (
        "referrals",
        _by_case(lambda c: Referral.objects.filter(person__case_id=c).order_by("-sent_on", "pk")),
    ),
    (
        "returns",
        _by_case(
            lambda c: (
                Return.objects.filter(person__case_id=c)
                .select_related("destination")  # the timeline names the places
                .order_by("pk")
            )
        ),
    ),
    (
        "best_interest_determinations",
        _by_case(
            lambda c: BestInterestDetermination.objects.filter(person__case_id=c).order_by(
                "-decided_on", "pk"
            )
        ),
    ),
    (
        "follow_ups",
        _by_case(
            lambda c: FollowUpVisit.objects.filter(person__case_id=c).order_by("planned_on", "pk")
        ),
    ),
)


PROCEEDINGS = _by_case(
    lambda c: (
        Proceeding.objects.filter(case_id=c).select_related("suspect").order_by("started_on", "pk")
    )
)
COMMENTS = _by_case(
    lambda c: (
        CaseComment.objects.filter(case_id=c)
        .select_related("author")
        .only("case", "text", "author", "created_at", "author__username")
        .order_by("created_at", "pk")
    )
)
SHARES = _by_case(
    lambda c: CaseShare.objects.filter(case_id=c).select_related("organisation").order_by("pk")
)
ACTIVE_SHARES = _by_case(
    lambda c: (
        CaseShare.objects.filter(case_id=c, revoked_at__isnull=True)
        .select_related("organisation")
        .order_by("pk")
    )
)


def case_proceedings(case: Case) -> list[Proceeding]:
    """The case's proceedings with their suspects, oldest first."""
    return _with_case(PROCEEDINGS.fetch(case.pk), case)


def case_comments(case: Case) -> list[CaseComment]:
    """The case's comments with their authors' user names, oldest first."""
    return _with_case(COMMENTS.fetch(case.pk), case)


def case_shares(case: Case, *, active_only: bool = False) -> list[CaseShare]:
    """The case's shares with their organisations (only those not revoked if `active_only`)."""
    return _with_case((ACTIVE_SHARES if active_only else SHARES).fetch(case.pk), case)


def _with_case[R: Model](records: list[R], case: Case) -> list[R]:
    for record in records:
        record.case = case  # type: ignore[attr-defined]
    return records


def _prefetched(owner: Model, name: str, records: list[Any]) -> None:
    """Put `records` in `owner`'s prefetch cache for its reverse relation `name`, as
    prefetch_related does: the manager's queryset (filtered by `owner`) with its result set."""
    manager = getattr(owner, name)
    queryset = manager.get_queryset()
    queryset._result_cache = records
    queryset._prefetch_done = True
    cache = owner.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[manager.field.remote_field.cache_name] = queryset


def case_records_load(case: Case) -> None:
    """Load the case's persons and every kind of their records (9 prepared queries)."""
    persons = PERSONS.fetch(case.pk)
    for person in persons:
        person.case = case
    _prefetched(case, "persons", persons)
    by_pk = {person.pk: person for person in persons}
    for name, query in RECORDS:
        grouped: dict[Any, list[Any]] = defaultdict(list)
        for record in query.fetch(case.pk) if persons else ():
            person = by_pk[record.person_id]
            record.person = person
            grouped[person.pk].append(record)
        for person in persons:
            _prefetched(person, name, grouped.get(person.pk, []))
