"""Field-level encryption of identifying data with Fernet (AES-128-CBC + HMAC-SHA256).

Owns encrypting and decrypting values, and key rotation: keys come from
settings.FIELD_ENCRYPTION_KEYS (PALERMO_FIELD_KEYS), newest first. Tokens written with an older
key stay readable until `palermo cases rotate-key` re-encrypts them: every app that keeps
encrypted columns registers their re-encryption here (`rotation_register`, from its
`AppConfig.ready`), and `encrypted_fields_rotate` runs them all in one audited transaction.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.core.audit import audit_record
from palermo.core.audit_kinds import FIELD_KEYS
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError
from palermo.settings.env import field_keys_file, private_file_write


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ApplicationError(
            _("No field encryption key is configured (PALERMO_FIELD_KEYS)."), code="no_key"
        )
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_text(value: str) -> str:
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ApplicationError(
            _("Encrypted data cannot be read with the configured keys."), code="undecryptable"
        ) from exc


def encrypt_json(value: dict[str, Any]) -> str:
    return encrypt_text(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))


def decrypt_json(token: str) -> dict[str, Any]:
    data = json.loads(decrypt_text(token))
    return data if isinstance(data, dict) else {}


def rotate_token(token: str) -> str:
    """The same plaintext encrypted under the newest key."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")


def column_rotate(
    model: type[models.Model], column: str, *, exclude_empty: bool = False, batch_size: int = 500
) -> int:
    """Re-encrypt every token in `model.column` with the newest key; call in a transaction.
    Returns the number of rows; a token no configured key reads stops it with a clear error."""
    qs = model._default_manager.order_by("pk").only("pk", column)
    if exclude_empty:
        qs = qs.exclude(**{column: ""})
    done = 0
    pending: list[models.Model] = []
    for obj in qs.iterator(chunk_size=batch_size):
        try:
            setattr(obj, column, rotate_token(getattr(obj, column)))
        except InvalidToken:
            raise ApplicationError(
                _(
                    "{} {} cannot be read with any configured key: add the key it was written "
                    "with (after the newest) and run again; nothing was changed."
                ).format(model._meta.verbose_name, obj.pk),
                code="undecryptable",
            ) from None
        pending.append(obj)
        if len(pending) >= batch_size:
            model._default_manager.bulk_update(pending, [column])
            done += len(pending)
            pending = []
    if pending:
        model._default_manager.bulk_update(pending, [column])
        done += len(pending)
    return done


# What the apps keep encrypted with these keys, re-encrypted by `palermo cases rotate-key`:
# label -> function returning how many items it re-encrypted, in the order registered.
_ROTATIONS: dict[str, Callable[[], int]] = {}


def rotation_register(label: str, rotate: Callable[[], int]) -> None:
    """Called from an app's ready(): `rotate` re-encrypts that app's data with the newest key."""
    _ROTATIONS[label] = rotate


def registered_rotations() -> list[tuple[str, Callable[[], int]]]:
    return list(_ROTATIONS.items())


# The encrypted columns registered with `encrypted_column_register`: (model label, column).
_COLUMNS: set[tuple[str, str]] = set()


def encrypted_column_register(
    label: str, model: type[models.Model], column: str, *, exclude_empty: bool = False
) -> None:
    """Called from an app's ready(): a column of Fernet tokens, re-encrypted by `palermo cases
    rotate-key` and checked at start-up and by `palermo restore` (`registered_columns` lets a
    test find an encrypted column left out)."""
    _COLUMNS.add((model._meta.label, column))
    rotation_register(label, lambda: column_rotate(model, column, exclude_empty=exclude_empty))
    decrypt_check_register(label, lambda limit: column_decrypt_check(model, column, limit))


def registered_columns() -> set[tuple[str, str]]:
    return set(_COLUMNS)


# What the apps keep encrypted, checked by the start-up check (a sample) and by `palermo restore`
# (everything): label -> function(limit) returning (readable, unreadable) counts.
DecryptCheck = Callable[[int | None], tuple[int, int]]
_DECRYPT_CHECKS: dict[str, DecryptCheck] = {}


def decrypt_check_register(label: str, check: DecryptCheck) -> None:
    """Called from an app's ready(): `check(limit)` tries to decrypt up to `limit` (None: all)
    of that app's encrypted items with the configured keys."""
    _DECRYPT_CHECKS[label] = check


def column_decrypt_check(
    model: type[models.Model], column: str, limit: int | None = None
) -> tuple[int, int]:
    """(readable, unreadable) tokens of `model.column` (empty values skipped), newest first."""
    qs = model._default_manager.exclude(**{column: ""}).order_by("-pk")
    tokens = qs.values_list(column, flat=True)
    readable = unreadable = 0
    for token in tokens[:limit] if limit is not None else tokens.iterator(chunk_size=500):
        try:
            fernet().decrypt(str(token).encode("ascii"))
            readable += 1
        except (InvalidToken, ApplicationError):
            unreadable += 1
    return readable, unreadable


def encrypted_data_check(limit: int | None = None) -> dict[str, tuple[int, int]]:
    """(readable, unreadable) for each registered kind of encrypted data, in registration order."""
    return {label: check(limit) for label, check in _DECRYPT_CHECKS.items()}


KEYS_FROM_ENV_HELP = gettext_lazy(
    "The field keys come from PALERMO_FIELD_KEYS, so Palermo cannot add one. Generate a key with\n"
    "  python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'\n"
    "put it FIRST in PALERMO_FIELD_KEYS (keep the old keys after it, comma-separated), restart "
    "Palermo, run `palermo cases rotate-key`, and only then drop the old keys from the variable."
)


def field_key_add() -> Path:
    """Prepend a new key to the data directory's key file (mode 600) and use it from now on."""
    if os.environ.get("PALERMO_FIELD_KEYS", "").strip():
        raise ApplicationError(str(KEYS_FROM_ENV_HELP), code="keys_from_environment")
    path = field_keys_file()
    old = [k.strip() for k in path.read_text().splitlines() if k.strip()] if path.exists() else []
    new = Fernet.generate_key().decode()
    tmp = path.with_suffix(".new")
    tmp.unlink(missing_ok=True)
    private_file_write(tmp, "\n".join([new, *old]) + "\n", exclusive=True)
    tmp.replace(path)
    settings.FIELD_ENCRYPTION_KEYS = [new, *old]
    return path


@dataclass
class RotationReport:
    """How many items of each registered kind were re-encrypted, in registration order."""

    counts: dict[str, int] = field(default_factory=dict)


def encrypted_fields_rotate() -> RotationReport:
    """Re-encrypt everything the apps registered (rotation_register) with the newest key, in one
    transaction, audited. Tokens under any configured key are read; none is left under an old
    key, and a token no key reads stops it with nothing changed."""
    with transaction.atomic():
        report = RotationReport({label: rotate() for label, rotate in registered_rotations()})
        audit_record(
            actor=None,
            actor_label="rotate-key",
            action=AuditAction.UPDATE,
            kind=FIELD_KEYS,
            object_id="rotate",
            after={**report.counts, "keys": len(settings.FIELD_ENCRYPTION_KEYS)},
        )
    return report
