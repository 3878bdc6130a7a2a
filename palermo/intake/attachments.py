"""Files sent with a report (issue 18): photos, a document, a voice message. Scanned before
anything is kept: the kind read from the content itself (never from the name or the browser's
claim), the size and count bounded; a photo is decoded and written again without its metadata
(a phone's photo carries where and when it was taken, and the phone: it could identify the
reporter); each file encrypted at rest with the node's field keys (`core.filestore`)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from palermo.core import filestore
from palermo.core.errors import ApplicationError
from palermo.intake.models import Report, ReportAttachment

STORE = filestore.FileStore("intake/attachments", code="report_attachment")
MAX_FILES = 3
MAX_BYTES = 5 * 1024 * 1024  # each
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
# The kinds taken, by their first bytes.
MAGIC = {
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "pdf": (b"%PDF-",),
    "mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
    "ogg": (b"OggS",),
}
MEDIA = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "m4a": "audio/mp4",
}


def kind_of(content: bytes) -> str | None:
    for kind, signatures in MAGIC.items():
        if any(content.startswith(s) for s in signatures):
            return kind
    if content[4:8] == b"ftyp" and content[8:11] in (b"M4A", b"mp4", b"iso"):
        return "m4a"
    return None


def _clean_image(content: bytes, kind: str) -> bytes:
    """The photo decoded and written again: pixels only, no EXIF, GPS or maker notes."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(content)) as opened:
            # Turned as the phone meant it (the orientation is metadata too), then rebuilt from
            # its pixels alone: nothing of `info` (EXIF, GPS, ICC, text chunks) goes along.
            image = ImageOps.exif_transpose(opened) or opened
            if image.mode not in ("RGB", "RGBA", "L", "LA"):
                image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
            pixels = Image.frombytes(image.mode, image.size, image.tobytes())
            out = io.BytesIO()
            if kind == "jpeg":
                pixels.convert("RGB" if pixels.mode != "L" else "L").save(out, "JPEG", quality=90)
            else:
                pixels.save(out, "PNG")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise ApplicationError(
            _("A photo could not be read: send it again as JPEG or PNG."), code="invalid_file"
        ) from None
    return out.getvalue()


@dataclass(frozen=True)
class Checked:
    kind: str
    content: bytes


def check(files: list[tuple[str, bytes]]) -> list[Checked]:
    """The files scanned, or ApplicationError naming the file (by its position: a name can
    identify) and what is wrong."""
    if len(files) > MAX_FILES:
        raise ApplicationError(
            _("At most {} files with a report.").format(MAX_FILES), code="invalid_file"
        )
    out = []
    for position, (_name, content) in enumerate(files, start=1):
        if len(content) > MAX_BYTES:
            raise ApplicationError(
                _("File {} is over {} MB.").format(position, MAX_BYTES // (1024 * 1024)),
                code="invalid_file",
            )
        kind = kind_of(content)
        if kind is None:
            raise ApplicationError(
                _("File {}: send a photo (JPEG, PNG), a PDF or a voice message (MP3, M4A, OGG).")
                .format(position),
                code="invalid_file",
            )  # fmt: skip
        kept = _clean_image(content, kind) if kind in ("jpeg", "png") else content
        out.append(Checked(kind, kept))
    return out


def store(report: Report, files: list[Checked]) -> None:
    """Keep the scanned files with the report, encrypted (inside the caller's transaction)."""
    for position, f in enumerate(files, start=1):
        ReportAttachment.objects.create(
            report=report,
            position=position,
            kind=f.kind,
            size=len(f.content),
            sha256=filestore.sha256(f.content),
            path=STORE.store(f.content),
        )
    if files:
        Report.objects.filter(pk=report.pk).update(attachments=len(files))
        report.attachments = len(files)


def load(attachment: ReportAttachment) -> bytes:
    return STORE.load(attachment.path, attachment.sha256)
