"""Ed25519 signing of node-to-node envelopes and receipts (with `cryptography`, nothing hand-made).

An envelope or receipt travels as its canonical JSON (sorted keys, no spaces, UTF-8); the
signature covers exactly those bytes and travels base64-encoded in `X-Palermo-Signature`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
import uuid
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

SIGNATURE_HEADER = "X-Palermo-Signature"
NODE_HEADER = "X-Palermo-Node"
VERSION = 1


def canonical(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


@lru_cache(maxsize=8)
def _private_key(b64: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(b64, validate=True))


def node_private_key() -> Ed25519PrivateKey:
    return _private_key(settings.PALERMO_NODE_KEY)


def node_name() -> str:
    return str(settings.PALERMO_NODE_NAME)


def public_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(
        encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw
    )
    return base64.b64encode(raw).decode()


def node_public_key() -> str:
    """This node's public key, base64 of the raw 32 bytes, to give to peer administrators."""
    return public_key_b64(node_private_key())


def private_key_b64(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(
        encoding=serialization.Encoding.Raw,
        format=serialization.PrivateFormat.Raw,
        encryption_algorithm=serialization.NoEncryption(),
    )
    return base64.b64encode(raw).decode()


@lru_cache(maxsize=256)
def load_public_key(b64: str) -> Ed25519PublicKey:
    """A peer's public key from base64 of its raw 32 bytes; ValidationError when malformed."""
    try:
        raw = base64.b64decode(b64.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(_("The public key is not valid base64."), code="bad_key") from None
    if len(raw) != 32:
        raise ValidationError(
            _("An Ed25519 public key is 32 bytes; this one is {}.").format(len(raw)), code="bad_key"
        )
    return Ed25519PublicKey.from_public_bytes(raw)


def validate_public_key(value: str) -> None:
    load_public_key(value)


def sign(body: bytes, key: Ed25519PrivateKey | None = None) -> str:
    return base64.b64encode((key or node_private_key()).sign(body)).decode()


def verify(body: bytes, signature_b64: str, public_key_b64_value: str) -> bool:
    """True when the base64 signature is a valid Ed25519 signature of body by that key."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        load_public_key(public_key_b64_value).verify(signature, body)
    except (binascii.Error, ValueError, InvalidSignature, ValidationError):
        return False
    return True


def utc_now_iso(now: dt.datetime | None = None) -> str:
    return (now or timezone.now()).astimezone(dt.UTC).isoformat()


def envelope_build(
    *,
    to: str,
    kind: str,
    payload: dict[str, Any],
    request: str | None = None,
    seq: int | None = None,
    envelope_id: uuid.UUID | str | None = None,
    sender: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    return {
        "v": VERSION,
        "id": str(envelope_id or uuid.uuid4()),
        "from": sender or node_name(),
        "to": to,
        "ts": utc_now_iso(now),
        "kind": kind,
        "request": request,
        "seq": seq,
        "payload": payload,
    }


def receipt_build(
    *, receipt_for: str, to: str, status: str, now: dt.datetime | None = None
) -> dict[str, Any]:
    return {
        "v": VERSION,
        "receipt_for": receipt_for,
        "from": node_name(),
        "to": to,
        "ts": utc_now_iso(now),
        "status": status,
    }


def signed(
    document: dict[str, Any], key: Ed25519PrivateKey | None = None, sender: str | None = None
) -> tuple[bytes, dict[str, str]]:
    """The canonical body and the headers that carry its signature and sender."""
    body = canonical(document)
    return body, {
        SIGNATURE_HEADER: sign(body, key),
        NODE_HEADER: sender or str(document.get("from") or node_name()),
    }


# --- the benchmark's unsigned mode -----------------------------------------------------------
#
# bench/bench_cooperation.py compares signed delivery with the same nodes exchanging unsigned
# messages. Unsigned messages are refused unless PALERMO_NODE_UNSIGNED_BENCH is on, which only
# the test settings can turn on (a system check fails any other settings module that does).

UNSIGNED = "unsigned"
BENCH_SETTINGS_MODULE = "palermo.settings.test"


def settings_module() -> str:
    """The settings module in use (override_settings hides it; the environment names it)."""
    return str(settings.SETTINGS_MODULE or os.environ.get("DJANGO_SETTINGS_MODULE", ""))


def unsigned_allowed() -> bool:
    return bool(getattr(settings, "PALERMO_NODE_UNSIGNED_BENCH", False)) and (
        settings_module() == BENCH_SETTINGS_MODULE
    )


def unsigned(document: dict[str, Any], sender: str | None = None) -> tuple[bytes, dict[str, str]]:
    """The canonical body with the `unsigned` marker instead of a signature (bench only)."""
    if not unsigned_allowed():
        raise ValidationError(
            _(
                "Unsigned node messages are only for the benchmark (PALERMO_NODE_UNSIGNED_BENCH "
                "with the test settings)."
            ),
            code="unsigned_refused",
        )
    return canonical(document), {
        SIGNATURE_HEADER: UNSIGNED,
        NODE_HEADER: sender or str(document.get("from") or node_name()),
    }
