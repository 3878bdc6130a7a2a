"""One place that reads the environment for settings."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def data_dir() -> Path:
    """Where the node keeps its SQLite database, secret key and uploads."""
    path = Path(env_str("PALERMO_DATA_DIR", str(BASE_DIR / "var"))).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data dir."""
    from_env = env_str("PALERMO_SECRET_KEY")
    if from_env:
        return from_env
    key_file = data_dir() / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def field_keys_file() -> Path:
    return data_dir() / "field_keys"


def field_keys() -> list[str]:
    """Keys for field-level encryption of identifying data, newest first.

    Production: PALERMO_FIELD_KEYS (comma-separated Fernet keys). Without it, a key generated once
    is kept in the data directory (mode 600), so a development node works out of the box."""
    from_env = env_str("PALERMO_FIELD_KEYS")
    if from_env:
        return [k.strip() for k in from_env.split(",") if k.strip()]
    path = field_keys_file()
    if not path.exists():
        path.write_text(Fernet.generate_key().decode() + "\n")
        path.chmod(0o600)
    return [k.strip() for k in path.read_text().splitlines() if k.strip()]


def node_key() -> str:
    """This node's Ed25519 private key (base64 of the raw 32 bytes) for node-to-node messages.

    Production: PALERMO_NODE_KEY. Without it, a key generated once is kept in the data
    directory as `node_key` (mode 600)."""
    from_env = env_str("PALERMO_NODE_KEY")
    if from_env:
        return from_env.strip()
    path = data_dir() / "node_key"
    if not path.exists():
        raw = Ed25519PrivateKey.generate().private_bytes(
            encoding=serialization.Encoding.Raw,
            format=serialization.PrivateFormat.Raw,
            encryption_algorithm=serialization.NoEncryption(),
        )
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(base64.b64encode(raw).decode() + "\n")
    return path.read_text().strip()
