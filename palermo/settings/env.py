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
    path.mkdir(parents=True, mode=0o700, exist_ok=True)  # a new one: its owner's only
    return path


def secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data dir."""
    from_env = env_str("PALERMO_SECRET_KEY")
    if from_env:
        return from_env
    path = data_dir() / "secret_key"
    if not path.exists():
        private_file_create(path, secrets.token_urlsafe(64))
    return path.read_text().strip()


# The node's key files (`palermo keys init`): in PALERMO_KEY_DIR (production: a directory
# outside the data directory, so that a copy of the data carries no key), else in the data
# directory, where a development node generates them on first start.
KEY_FILES = ("field_keys", "audit_key", "node_key", "name_index_key")
# The key files this process generated (development): a node whose database already holds data
# refuses to start with one of them (palermo.core.keys), and removes it.
GENERATED: set[Path] = set()


def key_dir() -> Path | None:
    """PALERMO_KEY_DIR, if set: the key files are read there and never generated."""
    value = env_str("PALERMO_KEY_DIR").strip()
    return Path(value).resolve() if value else None


def private_file_write(path: Path, text: str, *, exclusive: bool = False) -> None:
    """Write `text` to a file readable by its owner only (mode 600 from its creation on)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(text)


def private_file_create(path: Path, text: str) -> bool:
    """Create `path` (mode 600) holding `text` all at once: another process sees either no file
    or the whole of it. False when the file exists already (another process was first)."""
    tmp = path.with_name(".{}.{}.tmp".format(path.name, os.getpid()))
    private_file_write(tmp, text)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    return True


def private_file_write_bytes(path: Path, content: bytes) -> None:
    """Write `content` to a new file readable by its owner only (mode 600 from its creation)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)


def key_file(name: str) -> Path:
    """Where the key file `name` (one of KEY_FILES) is kept."""
    return (key_dir() or data_dir()) / name


def new_key_text(name: str) -> str:
    """A freshly generated key file's content."""
    if name == "field_keys":
        return Fernet.generate_key().decode() + "\n"
    if name in ("audit_key", "name_index_key"):
        return base64.b64encode(secrets.token_bytes(32)).decode() + "\n"
    raw = Ed25519PrivateKey.generate().private_bytes(
        encoding=serialization.Encoding.Raw,
        format=serialization.PrivateFormat.Raw,
        encryption_algorithm=serialization.NoEncryption(),
    )
    return base64.b64encode(raw).decode() + "\n"


def _key_text(name: str) -> str:
    """The key file's content; a development node (no PALERMO_KEY_DIR) generates it once.
    With PALERMO_KEY_DIR a missing file reads as empty (the start-up check then refuses)."""
    path = key_file(name)
    if not path.exists():
        if key_dir() is not None:
            return ""
        if private_file_create(path, new_key_text(name)):  # else another process was first
            GENERATED.add(path)
    return path.read_text()


def field_keys_file() -> Path:
    return key_file("field_keys")


def field_keys() -> list[str]:
    """Keys for field-level encryption of identifying data, newest first.

    Production: PALERMO_FIELD_KEYS (comma-separated Fernet keys) or `field_keys` in
    PALERMO_KEY_DIR. Without either, a key generated once is kept in the data directory (mode
    600), so a development node works out of the box."""
    from_env = env_str("PALERMO_FIELD_KEYS")
    if from_env:
        return [k.strip() for k in from_env.split(",") if k.strip()]
    return [k.strip() for k in _key_text("field_keys").splitlines() if k.strip()]


def audit_key() -> str:
    """The audit log's MAC key (base64 of 32 random bytes): PALERMO_AUDIT_KEY, else `audit_key`
    in PALERMO_KEY_DIR, else one generated once in the data directory (development)."""
    from_env = env_str("PALERMO_AUDIT_KEY")
    if from_env:
        return from_env.strip()
    return _key_text("audit_key").strip()


def node_key() -> str:
    """This node's Ed25519 private key (base64 of the raw 32 bytes) for node-to-node messages
    and signed audit checkpoints.

    Production: PALERMO_NODE_KEY or `node_key` in PALERMO_KEY_DIR. Without either, a key
    generated once is kept in the data directory as `node_key` (mode 600)."""
    from_env = env_str("PALERMO_NODE_KEY")
    if from_env:
        return from_env.strip()
    return _key_text("node_key").strip()


def name_index_key() -> str:
    """The key of the name search's blind index (base64 of 32 random bytes; HMAC-SHA256 of name
    tokens, palermo.cases.names): PALERMO_NAME_INDEX_KEY, else `name_index_key` in
    PALERMO_KEY_DIR, else one generated once in the data directory (development). Kept apart from
    the field keys: the index of a stolen database cannot be tested against guessed names
    without it."""
    from_env = env_str("PALERMO_NAME_INDEX_KEY")
    if from_env:
        return from_env.strip()
    return _key_text("name_index_key").strip()
