"""Offline edits synced without losing any (issue 18).

A device (the offline web app, a field worker's tablet) keeps the cases it works on with the
version of each field it saw (`FieldVersion`). An edit made offline carries its ID, the record
(a case, or a person by pseudonym), the field, the new value and the version it was based on.
The server merges **field by field**:

- the field has not changed since that version: the value is written (through the cases app's
  services, with their checks and audit) and the field's version goes up;
- it changed since, to the same value: nothing to do;
- it changed since, to another value: **both values are kept**: the one written stays, the
  device's is recorded with it as a `Conflict` (encrypted), shown on the case for a person to
  decide (`conflict_resolve`). Nothing is dropped: the last write does not silently win.

An edit sent again (the device did not get the answer) gets the same result (`DeviceEdit`). A
device coalesces its own edits of one field between two syncs (what it sends is the value its
user left). With each sync the device says which cases it holds; those the user may no longer
see are answered in `purge`, and the device deletes them.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.cases import services as cases
from palermo.cases.access import CaseAccess, case_get, person_get, require_edit
from palermo.cases.choices import ShareScope
from palermo.cases.models import Case, Person
from palermo.cases.services.common import owner_actor
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.crypto import decrypt_text, encrypt_text
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.intake.models import Conflict, DeviceEdit, FieldVersion

# What devices edit offline: a case's and a person's fields (the cases app checks each value).
FIELDS = {
    "case": ("title", "incoming_referral_details"),
    "person": (
        "gender",
        "age_at_registration",
        "citizenship",
        "primary_language",
        "details_of_vulnerabilities",
    ),
}
APPLIED, SAME, CONFLICT, REFUSED = "applied", "same", "conflict", "refused"


@dataclass(frozen=True)
class Edit:
    id: uuid.UUID
    kind: str
    object: str  # a case's id, or a person's pseudonym
    field: str
    value: Any
    base: int  # the field's version the device saw


@dataclass
class Outcome:
    id: str
    status: str
    version: int = 0
    detail: str = ""


@dataclass
class SyncResult:
    results: list[Outcome] = field(default_factory=list)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    purge: list[str] = field(default_factory=list)


def _record(user: User, kind: str, ref: str) -> tuple[Case | Person, CaseAccess]:
    """The case or person an edit changes, when the user may change it: the cases app's own
    lookups (a case or person the user may not see does not exist; one they may only read is
    forbidden)."""
    record: Case | Person
    if kind == "case":
        record, access = case_get(user, ref)
    else:
        record, access = person_get(user, ref)
    require_edit(access)
    return record, access


def _value(record: Case | Person, name: str) -> Any:
    value = getattr(record, name)
    return value.isoformat() if isinstance(value, dt.date) else value


def _write(user: User, record: Case | Person, name: str, value: Any) -> None:
    if isinstance(record, Case):
        cases.case_update(actor=user, case=record, **{name: value})
    else:
        cases.person_update(actor=user, person=record, **{name: value})


def _version(kind: str, object_id: str, name: str) -> FieldVersion:
    found, _created = FieldVersion.objects.select_for_update().get_or_create(
        kind=kind, object_id=object_id, field=name
    )
    return found


def _apply(
    user: User, device: str, edit: Edit, now: dt.datetime
) -> tuple[Outcome, CaseAccess | None]:
    """The edit's outcome, and the user's access to its case."""
    if edit.kind not in FIELDS or edit.field not in FIELDS[edit.kind]:
        return Outcome(str(edit.id), REFUSED, detail=_("This field is not edited offline.")), None
    record, access = _record(user, edit.kind, edit.object)
    return _merged(user, device, edit, access.case, record, now), access


def _merged(
    user: User, device: str, edit: Edit, case: Case, record: Case | Person, now: dt.datetime
) -> Outcome:
    object_id = str(record.pk)
    version = _version(edit.kind, object_id, edit.field)
    if edit.base > version.version:
        return Outcome(
            str(edit.id),
            REFUSED,
            version.version,
            _("The version the edit is based on is unknown."),
        )
    current = _value(record, edit.field)
    if edit.base == version.version:
        if current != edit.value:
            _write(user, record, edit.field, edit.value)
        version.version += 1
        version.changed_at, version.changed_by, version.device = now, user, device
        version.save()
        return Outcome(str(edit.id), APPLIED, version.version)
    if current == edit.value:
        return Outcome(str(edit.id), SAME, version.version)
    conflict = Conflict.objects.create(
        case=case,
        kind=edit.kind,
        object_id=object_id,
        field=edit.field,
        ciphertext=encrypt_text(
            json.dumps(
                {
                    "kept": {"value": current, "version": version.version,
                             "by": version.changed_by.username if version.changed_by else ""},
                    "other": {"value": edit.value, "by": user.username, "device": device,
                              "base": edit.base, "at": now.isoformat()},
                },
                ensure_ascii=False,
                default=str,
            )
        ),
        created_at=now,
    )  # fmt: skip
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=conflict,
        after={"case": str(case.pk), "field": edit.field},
    )
    return Outcome(str(edit.id), CONFLICT, version.version)


def _records(accesses: dict[str, CaseAccess]) -> dict[str, dict[str, Any]]:
    """The cases' offline fields with their versions (and their persons'), as far as the user
    sees them: as the case's page and API show them, the incoming referral's details with the
    whole case's facts, the persons the user sees, their facts where those are shared."""
    out: dict[str, dict[str, Any]] = {}
    case_ids = set(accesses)
    persons = [
        p
        for p in Person.objects.filter(case_id__in=case_ids)
        if accesses[str(p.case_id)].sees_person(p)
    ]
    versions = {
        (v.kind, v.object_id, v.field): v.version
        for v in FieldVersion.objects.filter(object_id__in=case_ids | {str(p.pk) for p in persons})
    }
    open_conflicts = dict(
        Conflict.objects.filter(case_id__in=case_ids, resolved_at__isnull=True)
        .values_list("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )

    def fields(kind: str, record: Case | Person, names: tuple[str, ...]) -> dict[str, Any]:
        oid = str(record.pk)
        return {
            f: {"value": _value(record, f), "version": versions.get((kind, oid, f), 0)}
            for f in names
        }

    for case in Case.objects.filter(pk__in=case_ids):  # as written by the edits just applied
        oid = str(case.pk)
        access = accesses[oid]
        shown = FIELDS["case"] if access.whole_case_facts else ("title",)
        out[oid] = {
            "reference": case.reference,
            "can_edit": access.can_edit,
            "case": fields("case", case, shown),
            "persons": {
                p.pseudonym: fields(
                    "person",
                    p,
                    FIELDS["person"] if access.can(ShareScope.CASE_FACTS, p) else (),
                )
                for p in persons
                if p.case_id == case.pk
            },
            "conflicts": open_conflicts.get(case.pk, 0) if access.can_edit else 0,
        }
    return out


def sync(
    *,
    actor: User,
    device: str,
    holds: list[str],
    edits: list[Edit],
    now: dt.datetime | None = None,
) -> SyncResult:
    """Apply a device's offline edits in order, each in its own transaction (one refused edit
    does not undo the others); answer the current records and what to purge."""
    current = now or timezone.now()
    if not device.strip() or len(device) > 64:  # noqa: PLR2004
        raise ApplicationError(_("Name the device (at most 64 characters)."), code="invalid")
    result = SyncResult()
    accesses: dict[str, CaseAccess] = {}
    seen = {d.edit_id: d for d in DeviceEdit.objects.filter(edit_id__in=[e.id for e in edits])}
    for edit in edits:
        if edit.id in seen:
            result.results.append(Outcome(**seen[edit.id].result))
            continue
        try:
            with transaction.atomic():
                outcome, access = _apply(actor, device, edit, current)
                seen[edit.id] = DeviceEdit.objects.create(
                    edit_id=edit.id, device=device, user=actor, result=outcome.__dict__,
                    received_at=current,
                )  # fmt: skip
        except ApplicationError as exc:
            outcome, access = Outcome(str(edit.id), REFUSED, detail=exc.detail), None
        result.results.append(outcome)
        if access is not None and outcome.status != REFUSED:
            accesses[str(access.case.pk)] = access
    for ref in holds:
        try:
            case, access = case_get(actor, ref)
        except ApplicationError:
            result.purge.append(ref)
            continue
        accesses.setdefault(str(case.pk), access)
    result.records = _records(accesses)
    return result


@dataclass(frozen=True)
class ConflictView:
    conflict: Conflict
    kind: str
    record: str
    field: str
    kept: dict[str, Any]
    other: dict[str, Any]


def conflicts_of(user: User, case: Case) -> list[ConflictView]:
    """The open conflicts of a case, for those who may change it (the values decrypted)."""
    owner_actor(user, case)
    out = []
    for conflict in Conflict.objects.filter(case=case, resolved_at__isnull=True):
        values = json.loads(decrypt_text(conflict.ciphertext))
        out.append(
            ConflictView(conflict, conflict.kind, conflict.object_id, conflict.field,
                         values["kept"], values["other"])
        )  # fmt: skip
    return out


def conflict_resolve(*, actor: User, conflict: Conflict, keep: str) -> Conflict:
    """A person decides: `kept` (the value written stays) or `other` (the other is written)."""
    if keep not in ("kept", "other"):
        raise ApplicationError(_("Choose the value to keep."), code="invalid")
    with transaction.atomic():
        locked = Conflict.objects.select_for_update().get(pk=conflict.pk)
        if locked.resolved_at is not None:
            raise ApplicationError(_("This conflict was decided already."), code="decided")
        values = json.loads(decrypt_text(locked.ciphertext))
        kind = locked.kind
        record: Case | Person
        if kind == "case":
            record, _access = case_get(actor, locked.object_id)
            case = record
        else:
            record = Person.objects.select_related("case").get(pk=locked.object_id)
            case, _access = case_get(actor, record.case_id)
        owner_actor(actor, case)  # deciding is changing the case, whichever value is kept
        if keep == "other":
            _write(actor, record, locked.field, values["other"]["value"])
            version = _version(kind, locked.object_id, locked.field)
            version.version += 1
            version.changed_at, version.changed_by, version.device = timezone.now(), actor, ""
            version.save()
        locked.resolved_at, locked.resolved_by = timezone.now(), actor
        locked.save(update_fields=["resolved_at", "resolved_by"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            after={"case": str(case.pk), "field": locked.field, "kept": keep},
        )
    return locked
