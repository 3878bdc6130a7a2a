"""The tamper-evident audit log: what an entry is about, append with a hash chain, verify.

Owns `AuditKind`, the registered, typed names of what entries are about (`cases.case`): each
app declares its kinds in its `audit_kinds.py` (a kind may be bound to a model, so that an entry
about an instance finds its kind), and `audit_record` is the one way to write an entry.

Each entry's hash covers its content and the previous entry's hash, so changing, inserting or
removing any entry breaks the chain from that point. Each entry also carries a MAC (HMAC-SHA256
with the audit key, which is kept outside the database) over its hash and the previous entry's
MAC, so a chain recomputed by someone who can write the database but has not the key does not
verify; signed checkpoints of the chain head kept outside the database
(palermo.core.checkpoints) find removed tails. Appends lock the chain head row, so concurrent
writers on PostgreSQL are serialised; SQLite serialises writers itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from palermo.core.auditmac import GENESIS, audit_key_bytes, entry_mac
from palermo.core.checkpoints import checkpoints_load
from palermo.core.choices import AuditAction
from palermo.core.models import AuditChainHead, AuditEntry, User


@dataclass(frozen=True)
class AuditKind:
    """What an audit entry is about: its registered name (`app.thing`), a label for people, and
    the model whose instances it names, if any."""

    name: str
    label: str | Promise
    model: type[models.Model] | None = None

    def __str__(self) -> str:
        return self.name


_KINDS: dict[str, AuditKind] = {}
_BY_MODEL: dict[type[models.Model], AuditKind] = {}


def audit_kind(
    name: str, label: str | Promise, *, model: type[models.Model] | None = None
) -> AuditKind:
    """Register a kind (from an app's `audit_kinds.py`); a name or model registered twice is a
    programming error."""
    app, dot, thing = name.partition(".")
    if not (app and dot and thing) or name != name.lower():
        raise ImproperlyConfigured("audit kind {!r} is not 'app.thing' in lower case".format(name))
    if name in _KINDS or (model is not None and model in _BY_MODEL):
        raise ImproperlyConfigured("audit kind {!r} is registered twice".format(name))
    kind = AuditKind(name, label, model)
    _KINDS[name] = kind
    if model is not None:
        _BY_MODEL[model] = kind
    return kind


def audit_kind_of(model: type[models.Model] | models.Model) -> AuditKind:
    """The kind registered for a model (or an instance's model)."""
    cls = model if isinstance(model, type) else type(model)
    if cls not in _BY_MODEL:
        autodiscover_modules("audit_kinds")  # every app's kinds, once
    try:
        return _BY_MODEL[cls]
    except KeyError:
        raise ImproperlyConfigured(
            "no audit kind is registered for {}".format(cls._meta.label)
        ) from None


def audit_kinds() -> dict[str, AuditKind]:
    """Every registered kind by name (each installed app's `audit_kinds` module is loaded)."""
    autodiscover_modules("audit_kinds")
    return dict(sorted(_KINDS.items()))


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_digest(
    *,
    sequence: int,
    timestamp: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    before: Any,
    after: Any,
    reason: str,
    previous_hash: str,
) -> str:
    payload = _canonical(
        {
            "sequence": sequence,
            "timestamp": timestamp.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor_label": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "before": before,
            "after": after,
            "reason": reason,
            "previous_hash": previous_hash,
        }
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _json_safe(value: Any) -> Any:
    return json.loads(_canonical(value)) if value is not None else None


def audit_record(
    *,
    actor: User | None,
    action: AuditAction | str,
    kind: AuditKind | None = None,
    obj: models.Model | None = None,
    object_id: object = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    actor_label: str = "",
) -> AuditEntry:
    """Append one entry about `obj` (its model's kind and its pk), or about `kind` and
    `object_id`. Call inside the transaction of the write it records."""
    if obj is not None:
        kind = kind or audit_kind_of(obj)
        object_id = object_id or obj.pk
    if kind is None:
        raise ImproperlyConfigured("an audit entry needs a kind or an object")
    object_type = kind.name
    # No savepoint: inside the write's transaction (as documented) a failure here rolls the
    # whole write back, as it must; outside one, this is the transaction.
    with transaction.atomic(savepoint=False):
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        sequence = head.sequence + 1
        timestamp = timezone.now()
        label = actor_label or (actor.username if actor is not None else "system")
        before_j, after_j = _json_safe(before), _json_safe(after)
        digest = entry_digest(
            sequence=sequence,
            timestamp=timestamp,
            actor_id=actor.pk if actor is not None else None,
            actor_label=label,
            action=str(action),
            object_type=object_type,
            object_id=str(object_id),
            before=before_j,
            after=after_j,
            reason=reason,
            previous_hash=head.entry_hash,
        )
        entry = AuditEntry(
            sequence=sequence,
            timestamp=timestamp,
            actor=actor,
            actor_label=label,
            action=str(action),
            object_type=object_type,
            object_id=str(object_id),
            before=before_j,
            after=after_j,
            reason=reason,
            previous_hash=head.entry_hash,
            entry_hash=digest,
            mac=entry_mac(sequence=sequence, entry_hash=digest, previous_mac=head.mac),
        )
        entry.save()
        AuditChainHead.objects.filter(id=1).update(
            sequence=sequence, entry_hash=digest, mac=entry.mac
        )
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_sequence: int | None = None
    reason: str = ""
    checkpoints: int = 0


def _entry_problem(entry: AuditEntry, previous: str, previous_mac: str, key: bytes) -> str:
    """Why this entry does not hold (its link, its hash, its MAC), or ""."""
    if entry.previous_hash != previous:
        return _("link to the previous entry does not match")
    digest = entry_digest(
        sequence=entry.sequence,
        timestamp=entry.timestamp,
        actor_id=entry.actor_id,
        actor_label=entry.actor_label,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        before=entry.before,
        after=entry.after,
        reason=entry.reason,
        previous_hash=entry.previous_hash,
    )
    if digest != entry.entry_hash:
        return _("content does not match its hash (altered)")
    expected = entry_mac(
        sequence=entry.sequence, entry_hash=entry.entry_hash, previous_mac=previous_mac, key=key
    )
    if not hmac.compare_digest(expected, entry.mac):
        return _(
            "its MAC does not match (the entry or the chain before it was rewritten, or this "
            "node has another audit key)"
        )
    return ""


def _walk(
    key: bytes, by_sequence: dict[int, list[Any]], batch_size: int
) -> tuple[int, int | None, str]:
    """Entries checked, and the first bad entry's sequence and why (None, "" when all hold)."""
    previous, previous_mac = GENESIS, GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=batch_size):
        if entry.sequence != checked + 1:
            reason = _("entry #{} follows #{}: entries are missing").format(entry.sequence, checked)
            return checked, entry.sequence, reason
        if problem := _entry_problem(entry, previous, previous_mac, key):
            return checked, entry.sequence, problem
        for checkpoint in by_sequence.get(entry.sequence, []):
            if checkpoint.entry_hash != entry.entry_hash or checkpoint.mac != entry.mac:
                reason = _(
                    "differs from the signed checkpoint of {}: the log was rewritten"
                ).format(checkpoint.time)
                return checked, entry.sequence, reason
        previous, previous_mac = entry.entry_hash, entry.mac
        checked += 1
    return checked, None, ""


def audit_verify(
    *,
    batch_size: int = 2000,
    checkpoint_files: list[Path] | None = None,
    witnessed: dict[str, list[Any]] | None = None,
) -> ChainReport:
    """Recompute the chain's hashes and MACs and compare it with the signed checkpoints (the
    node's checkpoint file and any `checkpoint_files`, e.g. a peer's witnesses); report the first
    entry whose link, hash, MAC or checkpoint does not hold. `witnessed`: copies of this node's
    checkpoints kept by others (core.checkpoints.witness_copies), checked the same way."""

    try:
        key = audit_key_bytes()
    except ImproperlyConfigured as exc:
        return ChainReport(False, 0, None, str(exc))
    loaded = checkpoints_load(checkpoint_files or [], witnessed)
    if loaded.invalid:
        return ChainReport(False, 0, None, loaded.invalid[0], len(loaded.valid))
    by_sequence: dict[int, list[Any]] = {}
    for checkpoint in loaded.valid:
        by_sequence.setdefault(checkpoint.sequence, []).append(checkpoint)
    checked, broken, reason = _walk(key, by_sequence, batch_size)
    if broken is None:
        beyond = [c for c in loaded.valid if c.sequence > checked]
        head = AuditChainHead.objects.filter(id=1).first()
        if beyond:
            last = max(beyond, key=lambda c: c.sequence)
            broken, reason = (
                checked + 1,
                _(
                    "the signed checkpoint of {} covers entry #{} but the log ends at #{}: "
                    "entries were removed"
                ).format(last.time, last.sequence, checked),
            )
        elif head is not None and head.sequence != checked:
            broken, reason = (
                checked + 1,
                _("the chain head says {} entries but {} were found: entries were removed").format(
                    head.sequence, checked
                ),
            )
    return ChainReport(broken is None, checked, broken, reason, len(loaded.valid))


def model_snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    """A JSON-ready dict of some fields of a model instance, for before/after in the log."""
    data: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if hasattr(value, "pk"):
            value = value.pk
        elif isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        data[name] = value
    return data
