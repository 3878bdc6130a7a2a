"""The audit log's MAC: HMAC-SHA256 with the audit key (kept outside the database, settings.
PALERMO_AUDIT_KEY) over an entry's sequence and hash, chained to the previous entry's MAC."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

GENESIS = "0" * 64


def audit_key_bytes(key: str | None = None) -> bytes:
    """The audit MAC key (settings.PALERMO_AUDIT_KEY, base64 of 32 random bytes)."""
    value = settings.PALERMO_AUDIT_KEY if key is None else key
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) < 32:
        raise ImproperlyConfigured(
            "PALERMO_AUDIT_KEY (or audit_key in PALERMO_KEY_DIR) is not base64 of 32 bytes"
        )
    return raw


def entry_mac(
    *, sequence: int, entry_hash: str, previous_mac: str, key: bytes | None = None
) -> str:
    """HMAC-SHA256 of an entry: its sequence and hash (which covers its content and the previous
    hash) chained to the previous entry's MAC."""
    message = "palermo-audit-mac-v1|{}|{}|{}".format(sequence, entry_hash, previous_mac)
    return hmac.new(key or audit_key_bytes(), message.encode("ascii"), hashlib.sha256).hexdigest()
