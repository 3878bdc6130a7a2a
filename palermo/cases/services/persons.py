"""Persons and their identity: add, update facts, set and read identifying data (audited),
photos."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from palermo.cases import choices as c
from palermo.cases.access import CASE_ROLES, case_access
from palermo.cases.documents import documents_list
from palermo.cases.models import (
    Case,
    Movement,
    Person,
    PersonIdentity,
    PersonPhoto,
)
from palermo.cases.names import name_index_set
from palermo.cases.services.common import (
    age_on,
    birthdate_of,
    case_actor,
    check_age_and_birthdate,
    check_choice,
    check_countries,
    check_multi,
    local_today,
    owner_actor,
)
from palermo.cases.services.fields import (
    CONTACT_FIELDS,
    IDENTITY_FIELDS,
    IDENTITY_MAX,
    MULTI_FIELDS,
    PERSON_FACT_FIELDS,
    SINGLE_FIELDS,
)
from palermo.cases.writer import person_save, row_save
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.crypto import decrypt_json, decrypt_text, encrypt_json, encrypt_text
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import User
from palermo.core.permissions import AnyUser
from palermo.core.pickers import language_code
from palermo.core.services import country_get


def _clean_facts(facts: dict[str, Any]) -> dict[str, Any]:
    unknown = set(facts) - set(PERSON_FACT_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Unknown person field(s): {}.").format(", ".join(sorted(unknown))),
            code="unknown_field",
        )
    out = dict(facts)
    for name, choices in SINGLE_FIELDS.items():
        if name in out and out[name] is not None:
            out[name] = check_choice(str(out[name]), choices, name)
    for name, choices in MULTI_FIELDS.items():
        if name in out:
            out[name] = check_multi(out[name], choices, name)
    if "citizenship" in out:
        out["citizenship"] = check_countries(out["citizenship"])
    for name in ("primary_language", "secondary_language"):
        if name in out:
            out[name] = language_code(str(out[name] or ""), name)
    for name in ("age_at_registration", "age_when_trafficked"):
        value = out.get(name)
        if value is not None and not 0 <= int(value) <= 120:
            raise ApplicationError(
                _("{} must be between 0 and 120.").format(name), code="invalid_age"
            )
    return out


def _clean_identity(identity: dict[str, Any]) -> dict[str, Any]:
    unknown = set(identity) - set(IDENTITY_FIELDS) - set(CONTACT_FIELDS)
    if unknown:
        raise ApplicationError(
            _("Unknown identity field(s): {}.").format(", ".join(sorted(unknown))),
            code="unknown_field",
        )
    out = {k: v for k, v in identity.items() if v not in (None, "", [])}
    if "birthdate" in out:
        try:
            born = dt.date.fromisoformat(str(out["birthdate"]))
        except ValueError:
            raise ApplicationError(
                _("birthdate must be a date (YYYY-MM-DD)."), code="invalid_date"
            ) from None
        if born > local_today():
            raise ApplicationError(_("The date of birth is in the future."), code="invalid_date")
        out["birthdate"] = born.isoformat()
    if "mailing_country" in out:
        out["mailing_country"] = country_get(str(out["mailing_country"]), "mailing_country").iso3
    if "aliases" in out and not isinstance(out["aliases"], list):
        raise ApplicationError(_("aliases must be a list of names."), code="invalid")
    if "documents" in out:
        try:
            out["documents"] = documents_list(out["documents"])
        except ValueError:
            raise ApplicationError(
                _("documents must be a list of documents or a text."), code="invalid"
            ) from None
        if not out["documents"]:
            del out["documents"]
    _check_identity_lengths(out)
    return out


def _check_identity_lengths(identity: dict[str, Any]) -> None:
    """Each identifying text within IDENTITY_MAX; the refusal names the field, never the value."""
    for name, most in IDENTITY_MAX.items():
        value = identity.get(name)
        if isinstance(value, list):  # aliases; documents (a list of objects of strings)
            parts = [item.values() if isinstance(item, dict) else [item] for item in value]
            texts = [str(v) for part in parts for v in part]
        else:
            texts = [str(value)] if value is not None else []
        longest = max((len(t) for t in texts), default=0)
        if longest > most:
            raise ApplicationError(
                _("{} may have at most {} characters (it has {}).").format(name, most, longest),
                code="too_long",
            )


@transaction.atomic
def person_add(
    *,
    actor: AnyUser | None,
    case: Case,
    role: str,
    identity: dict[str, Any] | None = None,
    pseudonym: str | None = None,
    **facts: Any,
) -> Person:
    """Add a person to a case; identifying data is encrypted apart from the facts."""
    user = owner_actor(actor, case)
    facts = _clean_facts({"role": role, **facts})
    if pseudonym and Person.objects.filter(pseudonym=pseudonym).exists():
        raise ApplicationError(
            _("The pseudonym '{}' is already used.").format(pseudonym), code="duplicate_pseudonym"
        )
    person = Person(case=case, **facts)
    if pseudonym:
        person.pseudonym = pseudonym
    clean_identity = _clean_identity(identity or {})
    if clean_identity.get("birthdate"):
        born = dt.date.fromisoformat(clean_identity["birthdate"])
        check_age_and_birthdate(person.age_at_registration, born, case.opened_on)
        if person.age_at_registration is None:
            person.age_at_registration = age_on(born, case.opened_on)
    row_save(person)
    if clean_identity:
        PersonIdentity.objects.create(person=person, ciphertext=encrypt_json(clean_identity))
        name_index_set(person.pk, clean_identity)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=person,
        after={
            "pseudonym": person.pseudonym,
            "role": person.role,
            "identity_fields": sorted(clean_identity),
        },
    )
    return person


@transaction.atomic
def person_update(*, actor: AnyUser | None, person: Person, **facts: Any) -> Person:
    user = owner_actor(actor, person.case)
    facts = _clean_facts(facts)
    if facts.get("age_at_registration") is not None:
        check_age_and_birthdate(
            facts["age_at_registration"], birthdate_of(person), person.case.opened_on
        )
    before = {k: getattr(person, k) for k in facts}
    for k, v in facts.items():
        setattr(person, k, v)
    row_save(person)
    audit_record(actor=user, action=AuditAction.UPDATE, obj=person, before=before, after=facts)
    return person


@transaction.atomic
def person_identity_set(
    *, actor: AnyUser | None, person: Person, identity: dict[str, Any]
) -> Person:
    """Replace the identifying data (merge: keys given replace, others stay)."""
    user = owner_actor(actor, person.case)
    current = PersonIdentity.objects.filter(person=person).first()
    data = decrypt_json(current.ciphertext) if current else {}
    had_birthdate = bool(data.get("birthdate"))
    data.update(_clean_identity(identity))
    for key in [k for k, v in identity.items() if v in (None, "", [])]:
        data.pop(key, None)
    if data.get("birthdate"):
        born = dt.date.fromisoformat(data["birthdate"])
        first = Movement.objects.filter(person=person, date__isnull=False).order_by("date").first()
        if first is not None and first.date is not None and first.date < born:
            raise ApplicationError(
                _("The date of birth is after a recorded movement ({}).").format(first.date),
                code="invalid_date",
            )
        if "birthdate" in identity and not had_birthdate:
            # A first date of birth must agree with an age recorded before it.
            check_age_and_birthdate(person.age_at_registration, born, person.case.opened_on)
        if "birthdate" in identity:
            # The age at registration follows a (corrected) date of birth: the child rules use it.
            person.age_at_registration = age_on(born, person.case.opened_on)
            person_save(person, ["age_at_registration"])
    PersonIdentity.objects.update_or_create(
        person=person, defaults={"ciphertext": encrypt_json(data)}
    )
    name_index_set(person.pk, data)
    # Only which fields changed is logged, never their values.
    audit_record(
        actor=user,
        action=AuditAction.UPDATE,
        obj=person,
        after={"identity_fields": sorted(identity)},
    )
    return person


def person_identity_read(
    *, actor: AnyUser | None, person: Person, reason: str, scopes: Iterable[str] | None = None
) -> dict[str, Any]:
    """The identifying data the actor may see; every read is written to the audit log."""
    user = case_actor(actor) if not isinstance(actor, User) or actor.role in CASE_ROLES else None
    if user is None:
        raise NotFoundError(_("No such person."), code="not_found")
    if not reason.strip():
        raise ApplicationError(
            _("Say why you need to see this person's identifying data."), code="reason_required"
        )
    access = case_access(user, person.case)
    allowed = set(scopes or access.scopes)
    granted = access.scopes_for(person)  # what the shares grant for this very person
    # What is asked for (a photo asks for identity only) must be shared, not just something.
    if not access.sees_person(person) or not (
        {c.ShareScope.IDENTITY, c.ShareScope.CONTACT} & granted & allowed
    ):
        raise NotFoundError(_("Not shared with your organisation."), code="not_found")
    identity = PersonIdentity.objects.filter(person=person).first()
    data = decrypt_json(identity.ciphertext) if identity else {}
    visible: dict[str, Any] = {}
    if c.ShareScope.IDENTITY in granted & allowed:
        visible.update({k: v for k, v in data.items() if k in IDENTITY_FIELDS})
    if c.ShareScope.CONTACT in granted & allowed:
        visible.update({k: v for k, v in data.items() if k in CONTACT_FIELDS})
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.READ,
            obj=person,
            reason=reason.strip()[:500],
            after={"pseudonym": person.pseudonym, "fields": sorted(visible)},
        )
    return visible


@transaction.atomic
def photo_add(
    *, actor: AnyUser | None, person: Person, content: bytes, content_type: str
) -> PersonPhoto:
    user = owner_actor(actor, person.case)
    if content_type not in ("image/jpeg", "image/png", "image/webp"):
        raise ApplicationError(_("Photos must be JPEG, PNG or WebP."), code="invalid_type")
    if len(content) > 5 * 1024 * 1024:
        raise ApplicationError(_("The photo is larger than 5 MiB."), code="too_large")
    photo = PersonPhoto(
        person=person,
        content_type=content_type,
        ciphertext=encrypt_text(base64.b64encode(content).decode()),
    )
    row_save(photo)
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=photo,
        after={"person": person.pseudonym, "bytes": len(content)},
    )
    return photo


def photo_read(*, actor: AnyUser | None, photo: PersonPhoto, reason: str) -> bytes:
    person_identity_read(
        actor=actor, person=photo.person, reason=reason, scopes=[c.ShareScope.IDENTITY]
    )
    return base64.b64decode(decrypt_text(photo.ciphertext))
