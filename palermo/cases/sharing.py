"""Sharing part of a case outside the organisation that holds it (e.g. with a cooperation request).

Owns:
- which fields of a case and of its persons may leave the organisation, which of them identify
  a person, and their labels for forms (`CASE_SHAREABLE_FIELDS`, `PERSON_SHAREABLE_FIELDS`,
  `IDENTIFYING_FIELDS`, `PERSON_FIELD_GROUPS`, `case_field_choices`, `person_field_label`);
- who may share a case: only the organisation holding it, through its case workers and
  investigators (`case_may_share`, `shareable_cases`);
- `extract_build`: an extract of exactly the chosen fields of a case for a recipient. Every rule
  is checked before a value is read: the user's organisation holds the case, the fields are
  shareable, the persons are the case's, and identifying fields (identity, contact) of a victim
  need their recorded consent to data sharing or a stated legal basis. Identifying values are
  read through the audited `person_identity_read`, with the caller's reason.
How an extract travels and who receives it is the caller's business (palermo.cooperation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.cases.access import CASE_ROLES, case_access, case_queryset
from palermo.cases.choices import ConsentPurpose, PersonRole
from palermo.cases.forms import IDENTITY_LABELS
from palermo.cases.models import Case, Consent, Person
from palermo.cases.services import (
    CONTACT_FIELDS,
    IDENTITY_FIELDS,
    PERSON_FACT_FIELDS,
    has_consent,
    person_identity_read,
)
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import User
from palermo.core.permissions import AnyUser

CASE_SHAREABLE_FIELDS = (
    "title",
    "status",
    "opened_on",
    "country",
    "reason_for_incoming_referral",
    "incoming_referral_date",
)
PERSON_FACT_SHAREABLE_FIELDS = ("role", *PERSON_FACT_FIELDS)
PERSON_SHAREABLE_FIELDS = (*PERSON_FACT_SHAREABLE_FIELDS, *IDENTITY_FIELDS, *CONTACT_FIELDS)
IDENTIFYING_FIELDS = frozenset(IDENTITY_FIELDS) | frozenset(CONTACT_FIELDS)
VICTIM_ROLES = frozenset({PersonRole.VICTIM, PersonRole.PRESUMED_VICTIM})
# The person fields as a form offers them: (key, label, field names).
PERSON_FIELD_GROUPS = (
    ("facts", gettext_lazy("Facts (not identifying)"), PERSON_FACT_SHAREABLE_FIELDS),
    ("identity", gettext_lazy("Identity (identifying)"), IDENTITY_FIELDS),
    ("contact", gettext_lazy("Contact details (identifying)"), CONTACT_FIELDS),
)

# What an extract of identifying data rests on (the values of cooperation's CaseBasis).
BASIS_CONSENT = "consent"
BASIS_LEGAL_BASIS = "legal_basis"
BASIS_NOT_IDENTIFYING = "not_identifying"


@dataclass(frozen=True)
class ExtractSpec:
    """Exactly which fields of a case go: case-level fields and, per person (pseudonym), fields.

    Identifying fields (identity, contact) of a victim need their recorded consent to data
    sharing or a stated legal basis (`legal_basis`)."""

    case: Case
    case_fields: tuple[str, ...] = ()
    persons: dict[str, tuple[str, ...]] = field(default_factory=dict)
    legal_basis: str = ""


@dataclass(frozen=True)
class CaseExtract:
    """What goes: the fields chosen, their values, and what sharing them rests on."""

    case_reference: str
    fields: dict[str, Any]  # {"case": [names], "persons": {pseudonym: [names]}}
    data: dict[str, Any]  # {"case": {name: value}, "persons": {pseudonym: {name: value}}}
    identifying: bool
    basis: str  # BASIS_CONSENT, BASIS_LEGAL_BASIS or BASIS_NOT_IDENTIFYING
    legal_basis: str
    consents: list[dict[str, Any]]  # [{"pseudonym", "given_on"}] of the victims who consented


# --- labels ------------------------------------------------------------------------------------


def case_field_choices() -> list[tuple[str, str]]:
    """The shareable case fields with their labels, for a form."""
    return [
        (name, str(getattr(Case._meta.get_field(name), "verbose_name", name)).capitalize())
        for name in CASE_SHAREABLE_FIELDS
    ]


def person_field_label(name: str) -> str:
    """The label of a shareable person field (identity and contact fields included)."""
    if name in IDENTITY_LABELS:
        return str(IDENTITY_LABELS[name])
    try:
        return str(getattr(Person._meta.get_field(name), "verbose_name", name)).capitalize()
    except Exception:  # noqa: BLE001 - a contact field kept with the identity
        return name.replace("_", " ").capitalize()


def case_label(case: Case) -> str:
    """How a case is named in a choice: its reference and working title (never a name)."""
    return "{} {}".format(case.reference, case.title).strip()


# --- who may share ------------------------------------------------------------------------------


def shareable_cases(user: AnyUser | None) -> QuerySet[Case]:
    """The cases the user may share, newest first: those of their organisation, for its case
    workers and investigators."""
    if not isinstance(user, User) or user.role not in CASE_ROLES or not user.organisation_id:
        return Case.objects.none()
    return case_queryset(user).filter(organisation_id=user.organisation_id).order_by("-opened_on")


def case_may_share(user: AnyUser | None, case: Case) -> bool:
    """Whether the user may share (part of) this case: only the organisation holding it does."""
    try:
        return case_access(user, case).owner
    except NotFoundError:
        return False


def case_persons(case: Case) -> list[Person]:
    """The persons of a case whose fields may be chosen, by pseudonym."""
    return list(case.persons.order_by("pseudonym"))


# --- the extract --------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


def _consents(
    spec: ExtractSpec, persons: dict[str, Person], legal_basis: str
) -> tuple[bool, list[dict[str, Any]]]:
    """(identifying, consents): checks the person fields and the consent-or-legal-basis rule."""
    consents: list[dict[str, Any]] = []
    identifying = False
    for pseudonym, wanted in sorted(spec.persons.items()):
        bad = sorted(set(wanted) - set(PERSON_SHAREABLE_FIELDS))
        if bad:
            raise ApplicationError(
                _("Not shareable person fields: {}.").format(", ".join(bad)), code="unknown_field"
            )
        if not IDENTIFYING_FIELDS & set(wanted):
            continue
        identifying = True
        person = persons[pseudonym]
        if person.role not in VICTIM_ROLES:
            continue
        consent = (
            Consent.objects.filter(person=person, purpose=ConsentPurpose.DATA_SHARING)
            .order_by("-given_on")
            .first()
        )
        if has_consent(person, ConsentPurpose.DATA_SHARING) and consent is not None:
            consents.append({"pseudonym": pseudonym, "given_on": consent.given_on.isoformat()})
        elif not legal_basis:
            raise ApplicationError(
                _(
                    "Sharing {}'s identifying data ({}) needs their recorded consent to data "
                    "sharing or a stated legal basis."
                ).format(pseudonym, ", ".join(sorted(IDENTIFYING_FIELDS & set(wanted)))),
                code="consent_or_legal_basis_required",
            )
    return identifying, consents


def extract_build(*, actor: AnyUser | None, spec: ExtractSpec, reason: str) -> CaseExtract:
    """An extract of exactly the fields in `spec`; every rule is checked before a value is read.

    NotFoundError when the actor may not see the case, ForbiddenError when their organisation
    does not hold it; identifying values are read (and audited) with `reason`, which names the
    recipient."""
    case = spec.case
    if not case_access(actor, case).owner:
        raise ForbiddenError(_("Only the organisation holding the case can share it."))
    bad = sorted(set(spec.case_fields) - set(CASE_SHAREABLE_FIELDS))
    if bad:
        raise ApplicationError(
            _("Not shareable case fields: {} (use {}).").format(
                ", ".join(bad), ", ".join(CASE_SHAREABLE_FIELDS)
            ),
            code="unknown_field",
        )
    persons = {p.pseudonym: p for p in case.persons.all()}
    unknown = sorted(set(spec.persons) - set(persons))
    if unknown:
        raise ApplicationError(
            _("Not persons of this case: {}.").format(", ".join(unknown)), code="unknown_person"
        )
    legal_basis = spec.legal_basis.strip()
    identifying, consents = _consents(spec, persons, legal_basis)
    data: dict[str, Any] = {
        "case": {f: _json_value(getattr(case, f)) for f in sorted(set(spec.case_fields))},
        "persons": {},
    }
    for pseudonym, wanted in sorted(spec.persons.items()):
        person = persons[pseudonym]
        values = {
            f: _json_value(getattr(person, f)) for f in sorted(set(wanted) - IDENTIFYING_FIELDS)
        }
        if IDENTIFYING_FIELDS & set(wanted):
            # The same audited read as a person's identity page.
            identity = person_identity_read(actor=actor, person=person, reason=reason)
            values.update({f: identity.get(f) for f in sorted(IDENTIFYING_FIELDS & set(wanted))})
        data["persons"][pseudonym] = values
    if legal_basis:
        basis = BASIS_LEGAL_BASIS
    elif identifying:
        basis = BASIS_CONSENT
    else:
        basis = BASIS_NOT_IDENTIFYING
    return CaseExtract(
        case_reference=case.reference,
        fields={
            "case": sorted(set(spec.case_fields)),
            "persons": {k: sorted(set(v)) for k, v in sorted(spec.persons.items())},
        },
        data=data,
        identifying=identifying,
        basis=basis,
        legal_basis=legal_basis,
        consents=consents,
    )
