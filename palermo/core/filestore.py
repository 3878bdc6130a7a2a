"""Files kept under the data directory, encrypted at rest with the node's field keys and
checked by their SHA-256 when read: the attachments of cooperation messages, the judgments
attached to case law.

A file's name on disk is random (`new_name`): a name derived from the content (its SHA-256)
would let anyone who can list the directory confirm that a known document is kept. The
SHA-256 stays in the database only, to check the file when it is read. Each app registers its
store's re-encryption (`rotate`) and check (`decrypt_check`) with `palermo.core.crypto`.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.utils.translation import gettext as _

from palermo.core.crypto import fernet
from palermo.core.errors import ApplicationError


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def safe_filename(name: str, default: str = "file") -> str:
    """A file name safe in a download header: printable, no path separators or quotes."""
    cleaned = "".join(ch if ch.isprintable() and ch not in '/\\"' else "_" for ch in name)
    return cleaned.strip()[:255] or default


def new_name() -> str:
    """A random path for a new file, relative to a store's root."""
    name = secrets.token_hex(16)
    return "{}/{}.bin".format(name[:2], name)


def _write(path: Path, token: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        os.chmod(tmp, 0o600)
        fh.write(token)
    os.replace(tmp, path)


class FileStore:
    """The encrypted files of one kind, under `folder` of the data directory; errors carry
    `<code>_missing` and `<code>_corrupt`."""

    def __init__(self, folder: str, code: str) -> None:
        self.folder = folder
        self.code = code

    def root(self) -> Path:
        return Path(settings.DATA_DIR) / self.folder

    def store(self, content: bytes) -> str:
        """Write the encrypted content under a random name; return its path relative to the
        root."""
        relative = new_name()
        path = self.root() / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, fernet().encrypt(content))
        return relative

    def load(self, relative: str, expected_sha256: str) -> bytes:
        root = self.root().resolve()
        path = (root / relative).resolve()
        if root not in path.parents:
            raise ApplicationError(
                _("The stored file's path is not valid."), code=self.code + "_missing"
            )
        try:
            content = fernet().decrypt(path.read_bytes())
        except FileNotFoundError:
            raise ApplicationError(
                _("The stored file is missing from the data directory."),
                code=self.code + "_missing",
            ) from None
        except InvalidToken:  # damaged, or written under a key the node no longer has
            raise ApplicationError(
                _("The stored file cannot be decrypted with this node's keys."),
                code=self.code + "_corrupt",
            ) from None
        if sha256(content) != expected_sha256:
            raise ApplicationError(
                _("The stored file does not match its SHA-256."), code=self.code + "_corrupt"
            )
        return content

    def rotate(self, paths: Iterable[str]) -> int:
        """Re-encrypt these files with the newest field key (each replaced atomically; a file
        under an older key stays readable until then). Returns the count."""
        done = 0
        for relative in paths:
            path = self.root() / relative
            if not path.exists():
                continue  # reported when read (`<code>_missing`); nothing to re-encrypt
            try:
                token = fernet().rotate(path.read_bytes())
            except InvalidToken:
                raise ApplicationError(
                    _(
                        "A stored file cannot be read with any configured key: add the key it "
                        "was written with (after the newest) and run again."
                    ),
                    code="undecryptable",
                ) from None
            _write(path, token)
            done += 1
        return done

    def decrypt_check(self, rows: Iterable[tuple[str, str]]) -> tuple[int, int]:
        """(readable, unreadable) of these (path, SHA-256) files: decrypted with the node's keys
        and matching their SHA-256 (a missing file counts as unreadable)."""
        readable = unreadable = 0
        for relative, digest in rows:
            try:
                self.load(relative, digest)
                readable += 1
            except ApplicationError:
                unreadable += 1
        return readable, unreadable
