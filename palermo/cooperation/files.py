"""Attachment files: encrypted at rest under the data dir, checked by SHA-256 when read
(`palermo.core.filestore`; a file's name on disk is random since issue 11)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from palermo.cooperation.models import Attachment
from palermo.core import filestore

DEFAULT_MAX_ATTACHMENT_BYTES = 512 * 1024
STORE = filestore.FileStore("cooperation/attachments", code="attachment")
sha256 = filestore.sha256
new_name = filestore.new_name


def max_attachment_bytes() -> int:
    """Per message (all its files together): they travel inside one signed envelope."""
    return int(
        getattr(settings, "PALERMO_COOPERATION_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES)
    )


def root() -> Path:
    return STORE.root()


def store(content: bytes) -> str:
    """Write the encrypted content under a random name; return its path relative to the
    attachments root."""
    return STORE.store(content)


def load(relative: str, expected_sha256: str) -> bytes:
    return STORE.load(relative, expected_sha256)


def attachments_rotate() -> int:
    """Re-encrypt every stored attachment file with the newest field key. Returns the count."""
    return STORE.rotate(Attachment.objects.order_by("pk").values_list("path", flat=True).iterator())


def attachments_decrypt_check(limit: int | None = None) -> tuple[int, int]:
    """(readable, unreadable) attachment files: decrypted with the node's keys and matching
    their SHA-256 (a missing file counts as unreadable)."""
    rows = Attachment.objects.order_by("-created_at").values_list("path", "sha256")
    return STORE.decrypt_check(rows[:limit] if limit is not None else rows.iterator())
