"""The persons a node holds as linkage records (`records.Record`): their names, date of birth or
age, sex, citizenship and documents, read from their encrypted identities.

Only the linkage services call this, and they write the read to the audit log (one entry per
exercise, with how many persons were read)."""

from __future__ import annotations

from collections.abc import Iterator

from palermo.cases import htcds as h
from palermo.cases.documents import documents_list
from palermo.cases.models import Person, PersonIdentity
from palermo.core.crypto import decrypt_json
from palermo.linkage.records import MAX_FIELD, Record

SEXES: dict[str, str] = {
    h.Gender.FEMININE: "f",
    h.Gender.MASCULINE: "m",
    h.Gender.TRANSGENDER_FEMININE: "x",
    h.Gender.TRANSGENDER_MASCULINE: "x",
    h.Gender.NON_CONFORMING: "x",
}


def _text(value: object) -> str:
    return str(value or "").strip()[:MAX_FIELD]


def person_values(person: Person, identity: dict[str, object]) -> dict[str, str]:
    """A person's values in the columns of `records.COLUMNS`."""
    aliases = identity.get("aliases") or []
    documents = documents_list(identity.get("documents"))
    number = _text(identity.get("identity_number")) or next(
        (_text(d.get("number")) for d in documents if d.get("number")), ""
    )
    citizenship = person.citizenship[0] if person.citizenship else ""
    values = {
        "rec_id": str(person.pk),
        "reg_date": person.case.opened_on.isoformat() if person.case.opened_on else "",
        "given_name": _text(identity.get("first_name")),
        "middle_name": _text(identity.get("middle_name")),
        "family_name": _text(identity.get("second_name")),
        "alias": _text(" ".join(str(a) for a in aliases) if isinstance(aliases, list) else ""),
        "sex": SEXES.get(person.gender, ""),
        "dob": _text(identity.get("birthdate")),
        "citizenship": str(citizenship),
        "doc_no": number,
    }
    if not values["dob"] and person.age_at_registration is not None and values["reg_date"]:
        values["age_est"] = str(person.age_at_registration)
    return values


def node_records() -> Iterator[tuple[Person, Record]]:
    """Every person this node holds with an identity, and their record."""
    identities = PersonIdentity.objects.select_related("person__case").order_by("person_id")
    for identity in identities.iterator(chunk_size=500):
        person = identity.person
        values = person_values(person, decrypt_json(identity.ciphertext))
        yield person, Record("here", str(person.pk), values)
