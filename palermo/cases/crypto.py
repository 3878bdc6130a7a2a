"""Field-level encryption of identifying data with Fernet (AES-128-CBC + HMAC-SHA256).

Keys come from settings.FIELD_ENCRYPTION_KEYS (PALERMO_FIELD_KEYS), newest first. Tokens written
with an older key stay readable until `palermo cases rotate-key` re-encrypts them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

from palermo.core.errors import ApplicationError


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ApplicationError(
            "No field encryption key is configured (PALERMO_FIELD_KEYS).", code="no_key"
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
            "Encrypted data cannot be read with the configured keys.", code="undecryptable"
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
                "{} {} cannot be read with any configured key: add the key it was written with "
                "(after the newest) and run again; nothing was changed.".format(
                    model._meta.verbose_name, obj.pk
                ),
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


# What other apps keep encrypted with these keys, re-encrypted by `palermo cases rotate-key`
# with the case fields: label -> function returning how many items it re-encrypted.
_ROTATIONS: dict[str, Callable[[], int]] = {}


def rotation_register(label: str, rotate: Callable[[], int]) -> None:
    """Called from an app's ready(): `rotate` re-encrypts that app's data with the newest key."""
    _ROTATIONS[label] = rotate


def registered_rotations() -> list[tuple[str, Callable[[], int]]]:
    return sorted(_ROTATIONS.items())
