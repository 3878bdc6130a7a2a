"""No value of a request or of a model reaches a log line.

An exception's message can carry the values it is about (pydantic's `input_value=...`, a
database error quoting a row, a `KeyError` on a name), and Django logs every unhandled
exception of a page with its message. `install()` (run when the core app is ready) makes every
log record, whatever its logger and handler, keep only where an exception happened: its type
and the frames of its traceback (file, line, function, source line), never its message. The
development server's request lines lose their query strings (a search term is personal data).
"""

from __future__ import annotations

import logging
import re
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any

WITHHELD = "(message withheld)"
_QUERY = re.compile(r"\?[^\s\"]*")
_installed = False
PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)


def exception_summary(exc: BaseException, tb: TracebackType | None = None) -> str:
    """A traceback without the messages: the frames, then each exception's type."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(
            tb if current is exc and tb is not None else current.__traceback__
        )
        block = ["Traceback (most recent call last):"]
        block += [
            '  File "{}", line {}, in {}'.format(f.filename, f.lineno, f.name) for f in frames
        ]
        block.append("{} {}".format(_type_name(current), WITHHELD))
        lines = block + ([""] if lines else []) + lines
        current = current.__cause__ or current.__context__
    return "\n".join(lines)


def exception_location(exc: BaseException) -> str:
    """Where an exception was raised, as `file:line in function`: the innermost frame of
    Palermo's own code (else the innermost frame)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "unknown location"
    ours = [f for f in frames if PACKAGE_DIR in f.filename and "/.venv/" not in f.filename]
    last = (ours or frames)[-1]
    return "{}:{} in {}".format(last.filename, last.lineno, last.name)


def _type_name(exc: BaseException) -> str:
    cls = type(exc)
    return "{}.{}".format(cls.__module__, cls.__qualname__)


def redact(record: logging.LogRecord) -> logging.LogRecord:
    """Replace an exception's text by `exception_summary`; strip query strings of requests."""
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = exception_summary(record.exc_info[1], record.exc_info[2])
        record.exc_info = None
    if record.name == "django.server" and isinstance(record.args, tuple):
        record.args = tuple(_QUERY.sub("?…", a) if isinstance(a, str) else a for a in record.args)
    return record


def install() -> None:
    """Make every log record go through `redact` (once per process)."""
    global _installed  # noqa: PLW0603 - one factory per process
    if _installed:
        return
    base = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact(base(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
