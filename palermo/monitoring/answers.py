"""A State's answer to one question: checked and stored as its kind asks, and read back as a
form's expressions read it.

Stored values (JSON): text as a string; yes/no as "yes" or "no"; one choice as its name;
several choices, or several countries (ISO 3166-1 alpha-3), as a list; whole numbers as int;
numbers as float; dates as "YYYY-MM-DD". An empty answer is None.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from palermo.cooperation.files import max_attachment_bytes, sha256
from palermo.core.errors import ApplicationError
from palermo.monitoring.choices import QuestionKind
from palermo.monitoring.countrylists import known_codes
from palermo.monitoring.expressions import Value

MAX_TEXT = 20_000


def _refused(reason: str) -> ApplicationError:
    return ApplicationError(reason, code="invalid_answer")


def _items(raw: Any) -> list[str]:
    if isinstance(raw, str):
        return [x for x in raw.replace(",", " ").split() if x]
    if isinstance(raw, Iterable):
        return [str(x).strip() for x in raw if str(x).strip()]
    raise _refused(_("give a list"))


def coerce(kind: str, raw: Any, choices: Iterable[str] = ()) -> Any:  # noqa: C901, PLR0911, PLR0912 - one branch per kind
    """The stored value of an answer of this kind; ApplicationError saying what is wrong (the
    value itself is never repeated: answers may hold what a State keeps confidential)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
        return None
    if kind == QuestionKind.TEXT:
        text = str(raw).strip()
        if len(text) > MAX_TEXT:
            raise _refused(_("at most {} characters").format(MAX_TEXT))
        return text
    if kind == QuestionKind.YES_NO:
        value = str(raw).strip().lower()
        if value not in ("yes", "no"):
            raise _refused(_("answer yes or no"))
        return value
    if kind == QuestionKind.SELECT_ONE:
        value = str(raw).strip()
        if value not in set(choices):
            raise _refused(_("not one of the choices"))
        return value
    if kind == QuestionKind.SELECT_MULTIPLE:
        values = list(dict.fromkeys(_items(raw)))
        if not set(values) <= set(choices):
            raise _refused(_("not one of the choices"))
        return values
    if kind == QuestionKind.COUNTRY_LIST:
        codes = list(dict.fromkeys(c.upper() for c in _items(raw)))
        unknown = [c for c in codes if c not in known_codes()]
        if unknown:
            raise _refused(_("unknown country codes: {}").format(", ".join(unknown)))
        return codes
    if kind == QuestionKind.INTEGER:
        try:
            number = float(str(raw).strip())
        except ValueError:
            raise _refused(_("give a whole number")) from None
        if not number.is_integer():
            raise _refused(_("give a whole number"))
        return int(number)
    if kind == QuestionKind.DECIMAL:
        try:
            number = float(str(raw).strip())
        except ValueError:
            raise _refused(_("give a number")) from None
        if not math.isfinite(number):
            raise _refused(_("give a number"))
        return number
    if kind == QuestionKind.DATE:
        try:
            return dt.date.fromisoformat(str(raw).strip()).isoformat()
        except ValueError:
            raise _refused(_("give a date as YYYY-MM-DD")) from None
    raise _refused(_("this question takes no typed answer"))


def expression_value(value: Any) -> Value:
    """An answer as a form's expressions read it ("" when there is none)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return str(value)


# A file answer (a law's text): what it may be, told by its first bytes, not by its name.
FILE_TYPES = {
    "application/pdf": (b"%PDF-",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.oasis.opendocument.text": (b"PK\x03\x04",),
    "text/plain": (),
}
FILE_SUFFIXES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".txt": "text/plain",
}


def answer_file_value(name: str, content: bytes) -> dict[str, Any]:
    """What an answer keeps of a file (its name, type, size and SHA-256), once checked: a PDF,
    Word, OpenDocument or UTF-8 text file of at most the transport's attachment size (it
    travels to the secretariat's node inside a signed message)."""
    clean = "".join(c for c in name.strip().replace("\\", "/").split("/")[-1] if c.isprintable())
    suffix = "." + clean.rsplit(".", 1)[-1].lower() if "." in clean else ""
    content_type = FILE_SUFFIXES.get(suffix)
    if not clean or content_type is None:
        raise _refused(_("upload a PDF, Word (.docx), OpenDocument (.odt) or text (.txt) file"))
    if not content:
        raise _refused(_("the file is empty"))
    limit = max_attachment_bytes()
    if len(content) > limit:
        raise _refused(_("the file is larger than {} KB").format(limit // 1024))
    magic = FILE_TYPES[content_type]
    if magic and not content.startswith(magic):
        raise _refused(_("the file is not the {} its name says").format(suffix))
    if content_type == "text/plain":
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise _refused(_("a text file is UTF-8")) from None
    return {
        "name": clean[:200],
        "content_type": content_type,
        "size": len(content),
        "sha256": sha256(content),
    }
