"""Judgment files attached to case law (issue 17): the anonymised text of a decision, as PDF,
Word (DOCX), HTML or plain text, at most `MAX_BYTES`; encrypted at rest under the data
directory (`palermo.core.filestore`), checked by SHA-256 when read. A file is read by whoever
may read its decision (a draft's by those who write case law); attaching one is audited."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from palermo.caselaw.models import Decision, Judgment
from palermo.caselaw.services import editor_required
from palermo.core import filestore
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.permissions import AnyUser

STORE = filestore.FileStore("caselaw/judgments", code="judgment")
MAX_BYTES = 20 * 1024 * 1024
# What a judgment may be, told by its first bytes (never by the name or the browser's word).
KINDS = {
    "application/pdf": b"%PDF-",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": b"PK\x03\x04",
}
TEXT_KINDS = ("text/html", "text/plain")


def _kind(content: bytes, filename: str) -> str:
    for kind, magic in KINDS.items():
        if content.startswith(magic):
            if kind.endswith("document") and not filename.lower().endswith(".docx"):
                break
            return kind
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and "\x00" not in text:
        start = text.lstrip()[:200].lower()
        return "text/html" if start.startswith(("<!doctype html", "<html")) else "text/plain"
    raise ApplicationError(
        _("A judgment is a PDF, a Word document (DOCX), HTML or plain text (UTF-8)."),
        code="invalid_file",
    )


def judgment_attach(
    *, actor: AnyUser | None, decision: Decision, filename: str, language: str, content: bytes
) -> Judgment:
    """Attach a judgment's file to a decision (those who write case law)."""
    user = editor_required(actor)
    if not content:
        raise ApplicationError(_("The file is empty."), code="invalid_file")
    if len(content) > MAX_BYTES:
        raise ApplicationError(
            _("A judgment's file may be at most {} MB.").format(MAX_BYTES // (1024 * 1024)),
            code="too_large",
        )
    name = filestore.safe_filename(filename, "judgment")
    kind = _kind(content, name)
    with transaction.atomic():
        judgment = Judgment(
            decision=decision,
            language=(language or decision.language)[:8],
            filename=name,
            content_type=kind,
            size=len(content),
            sha256=filestore.sha256(content),
            path=STORE.store(content),
        )
        judgment.save()
        audit_record(
            actor=user,
            action=AuditAction.UPDATE,
            obj=decision,
            after={"judgment": str(judgment.pk), "size": len(content)},
            reason="judgment file attached",
        )
    return judgment


def judgment_get(decision: Decision, pk: str) -> Judgment:
    """A file of a decision the caller may already read (NotFoundError otherwise)."""
    found = decision.judgments.filter(pk=pk).first() if _uuid(pk) else None
    if found is None:
        raise NotFoundError(_("No such file."), code="not_found")
    return found


def judgment_read(judgment: Judgment) -> bytes:
    return STORE.load(judgment.path, judgment.sha256)


def download(judgment: Judgment) -> HttpResponse:
    """A judgment's file as a download for a page or the API (HTML as text: never shown as a
    page of this site)."""
    content = judgment_read(judgment)
    kind = judgment.content_type if judgment.content_type != "text/html" else "text/plain"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = content_disposition_header(True, judgment.filename)
    return response


def _uuid(text: str) -> bool:
    try:
        uuid.UUID(str(text))
    except ValueError:
        return False
    return True


def judgments_rotate() -> int:
    return STORE.rotate(Judgment.objects.order_by("pk").values_list("path", flat=True).iterator())


def judgments_decrypt_check(limit: int | None = None) -> tuple[int, int]:
    rows = Judgment.objects.order_by("-created_at").values_list("path", "sha256")
    return STORE.decrypt_check(rows[:limit] if limit is not None else rows.iterator())
