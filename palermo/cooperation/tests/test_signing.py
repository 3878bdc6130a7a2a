from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ValidationError
from pytest_django import Settings

from palermo.cooperation import signing


def test_sign_verify_round_trip() -> None:
    key = Ed25519PrivateKey.generate()
    env = signing.envelope_build(to="bravo", kind="ping", payload={"ä": 1, "b": [1, 2]})
    body, headers = signing.signed(env, key=key)
    assert (
        body == json.dumps(env, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    )
    assert "ä" in body.decode()
    pub = signing.public_key_b64(key)
    assert signing.verify(body, headers[signing.SIGNATURE_HEADER], pub)
    assert not signing.verify(body + b" ", headers[signing.SIGNATURE_HEADER], pub)
    other = signing.public_key_b64(Ed25519PrivateKey.generate())
    assert not signing.verify(body, headers[signing.SIGNATURE_HEADER], other)
    assert not signing.verify(body, "not base64!", pub)
    assert set(env) == {"v", "id", "from", "to", "ts", "kind", "request", "seq", "payload"}


def test_public_key_validation() -> None:
    signing.validate_public_key(signing.node_public_key())
    with pytest.raises(ValidationError):
        signing.validate_public_key("nope!")
    with pytest.raises(ValidationError):
        signing.validate_public_key(base64.b64encode(b"x" * 31).decode())


def test_node_key_is_stable() -> None:
    assert signing.node_public_key() == signing.node_public_key()
    assert len(base64.b64decode(signing.node_public_key())) == 32


def test_bad_node_key_fails_the_system_check(settings: Settings) -> None:
    from palermo.cooperation.checks import node_key_check

    assert node_key_check() == []
    settings.PALERMO_NODE_KEY = "AAAA"
    assert node_key_check()[0].id == "palermo.cooperation.E001"
