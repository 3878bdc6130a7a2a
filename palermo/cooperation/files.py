"""Attachment files: encrypted at rest under the data dir, checked by SHA-256 when read.

A file's name on disk is random (`new_name`): a name derived from the content (its SHA-256, as
before issue 11) would let anyone who can list the directory confirm that a known document is
attached. The SHA-256 stays in the database only, to check the file when it is read."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.utils.translation import gettext as _

from palermo.cooperation.models import Attachment, SharedCaseExtract
from palermo.core.crypto import column_rotate, fernet
from palermo.core.errors import ApplicationError

DEFAULT_MAX_ATTACHMENT_BYTES = 512 * 1024


def max_attachment_bytes() -> int:
    """Per message (all its files together): they travel inside one signed envelope."""
    return int(
        getattr(settings, "PALERMO_COOPERATION_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES)
    )


def root() -> Path:
    return Path(settings.DATA_DIR) / "cooperation" / "attachments"


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def new_name() -> str:
    """A random path for a new file, relative to the attachments root."""
    name = secrets.token_hex(16)
    return "{}/{}.bin".format(name[:2], name)


def store(content: bytes) -> str:
    """Write the encrypted content under a random name; return its path relative to the
    attachments root."""
    relative = new_name()
    path = root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, fernet().encrypt(content))
    return relative


def load(relative: str, expected_sha256: str) -> bytes:
    path = (root() / relative).resolve()
    if root().resolve() not in path.parents:
        raise ApplicationError(_("The attachment path is not valid."), code="attachment_missing")
    try:
        content = fernet().decrypt(path.read_bytes())
    except FileNotFoundError:
        raise ApplicationError(
            _("The attachment's file is missing from the data directory."),
            code="attachment_missing",
        ) from None
    if sha256(content) != expected_sha256:
        raise ApplicationError(
            _("The attachment's file does not match its SHA-256."), code="attachment_corrupt"
        )
    return content


def _write(path: Path, token: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        os.chmod(tmp, 0o600)
        fh.write(token)
    os.replace(tmp, path)


def attachments_rotate() -> int:
    """Re-encrypt every stored attachment file with the newest field key (each file replaced
    atomically; a file under an older key stays readable until then). Returns the count."""
    done = 0
    for relative in Attachment.objects.order_by("pk").values_list("path", flat=True).iterator():
        path = root() / relative
        if not path.exists():
            continue  # reported when read ("attachment_missing"); nothing to re-encrypt
        try:
            token = fernet().rotate(path.read_bytes())
        except InvalidToken:
            raise ApplicationError(
                _(
                    "An attachment file cannot be read with any configured key: add the key it was "
                    "written with (after the newest) and run again."
                ),
                code="undecryptable",
            ) from None
        _write(path, token)
        done += 1
    return done


def extracts_rotate() -> int:
    """Re-encrypt every shared case extract with the newest field key (in the caller's
    transaction)."""
    return column_rotate(SharedCaseExtract, "ciphertext")


def attachments_decrypt_check(limit: int | None = None) -> tuple[int, int]:
    """(readable, unreadable) attachment files: decrypted with the node's keys and matching
    their SHA-256 (a missing file counts as unreadable)."""
    readable = unreadable = 0
    rows = Attachment.objects.order_by("-created_at").values_list("path", "sha256")
    for relative, digest in rows[:limit] if limit is not None else rows.iterator():
        try:
            load(relative, digest)
            readable += 1
        except (ApplicationError, InvalidToken):
            unreadable += 1
    return readable, unreadable
