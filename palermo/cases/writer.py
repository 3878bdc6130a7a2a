"""Writing case rows: the one place that saves case data.

Owns how a row of case data reaches the database: `row_save` for one row written by a service
(validated, a case's facets untouched, a person's case facets refreshed) and `person_save` for
some fields of a person.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models

from palermo.cases.facets import FACET_FIELDS, case_facets_refresh
from palermo.cases.models import Case, Person
from palermo.core.errors import ApplicationError

# An ordinary save of a case writes every field but its facets (cases.facets keeps those): a
# case loaded before a person changed must not put back the facets it was loaded with.
_CASE_SAVED_FIELDS = tuple(
    f.name for f in Case._meta.concrete_fields if not f.primary_key and f.name not in FACET_FIELDS
)


def row_save(obj: models.Model) -> None:
    """Validate and save one row of case data; a case keeps its facets, a person refreshes its
    case's. Errors come back as one ApplicationError (a race past full_clean too)."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), code="invalid") from exc
    try:
        if isinstance(obj, Case) and not obj._state.adding:
            obj.save(update_fields=_CASE_SAVED_FIELDS)
        else:
            obj.save()
    except IntegrityError as exc:  # a race past full_clean: still one clear error
        raise ApplicationError(
            "This record conflicts with an existing one.", code="conflict"
        ) from exc
    if isinstance(obj, Person):
        case_facets_refresh(obj.case_id)


def person_save(person: Person, fields: list[str]) -> None:
    """Save some fields of a person and bring its case's facets up to date."""
    person.save(update_fields=[*fields, "updated_at"])
    case_facets_refresh(person.case_id)
