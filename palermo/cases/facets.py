"""What a case's persons are, kept on the case itself so that the case list can filter on it.

The case list filters cases by the persons in them (a child among them, a role, a form of
exploitation). Asked of the person table, every such filter is a semi-join over all matching
persons, and its count touches each of them: at 200,000 cases that alone is over 100 ms. Kept on
the case (a flag and two short code lists), a filter and its count read one partial index of the
case table instead (see migration 0005).

The facets are derived data: `case_facets` computes them from persons, one function for both
ways case rows are written (`writer.cases_bulk_create` from the planned persons of the import
and bulk demo data; `writer.row_save` for the services, through `case_facets_refresh`, which
recomputes them from the database after a person changes). They never hold anything that is
not also on the persons, and nothing identifying.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from palermo.cases.models import Case, Person, is_child

# The Case fields that follow from its persons; ordinary saves of a case leave them alone.
FACET_FIELDS = ("has_child", "person_roles", "exploitation_types")
_PERSON_FIELDS = ("role", "types_of_exploitation", "age_uncertain", "age_at_registration")


def case_facets(persons: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The facets of a case from its persons' facts (role, types_of_exploitation,
    age_uncertain, age_at_registration); sorted lists, so equal facts give equal facets."""
    roles: set[str] = set()
    forms: set[str] = set()
    child = False
    for p in persons:
        if p.get("role"):
            roles.add(str(p["role"]))
        forms.update(str(code) for code in p.get("types_of_exploitation") or ())
        child = child or is_child(
            p.get("role"), p.get("age_uncertain"), p.get("age_at_registration")
        )
    return {"has_child": child, "person_roles": sorted(roles), "exploitation_types": sorted(forms)}


def case_facets_refresh(case_id: uuid.UUID | str) -> dict[str, Any]:
    """Recompute a case's facets from its persons in the database and store them.

    The case row is locked first: a concurrent writer of another person of the same case waits,
    and then computes with that person committed, so neither overwrites the other's facet."""
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case_id).values_list("pk", flat=True).first()
        facets = case_facets(Person.objects.filter(case_id=case_id).values(*_PERSON_FIELDS))
        Case.objects.filter(pk=case_id).update(**facets)
    return facets


def case_facets_check(case_ids: Iterable[uuid.UUID | str] | None = None) -> list[str]:
    """References of the cases whose stored facets differ from their persons; an empty list
    when all agree (tests hold every writer to this)."""
    qs = Case.objects.all() if case_ids is None else Case.objects.filter(pk__in=list(case_ids))
    stored = {row["pk"]: row for row in qs.values("pk", "reference", *FACET_FIELDS)}
    persons: dict[Any, list[dict[str, Any]]] = {pk: [] for pk in stored}
    for row in Person.objects.filter(case_id__in=list(stored)).values("case_id", *_PERSON_FIELDS):
        persons[row["case_id"]].append(row)
    wrong = []
    for pk, row in stored.items():
        expected = case_facets(persons[pk])
        if any(row[name] != expected[name] for name in FACET_FIELDS):
            wrong.append(str(row["reference"]))
    return sorted(wrong)
