"""Field-level encryption of identifying data with Fernet (AES-128-CBC + HMAC-SHA256).

Keys come from settings.FIELD_ENCRYPTION_KEYS (PALERMO_FIELD_KEYS), newest first. Tokens written
with an older key stay readable until `palermo cases rotate-key` re-encrypts them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

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
