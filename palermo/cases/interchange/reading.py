"""Reading import files: which format a file is in, and its records one at a time.

Owns `RawRecord` (one record, numbered, with its CSV line), `detect_format`, `Source` (a file
read as UTF-8 text a chunk at a time, counting and hashing the bytes read), `json_records`
(HTCDS JSON: a list of records or {"records": [...]}, parsed one record at a time with the
standard library's JSON decoder, so the file is never in memory as a whole) and `csv_records`
(HTCDS CSV); `csv_rows` reads any CSV file, the CTDC layout too. `read_json` and `read_csv` give
all the records of a small file at once. Nothing is checked here beyond the file's shape: a file
that is not valid JSON or not UTF-8 is refused with the decoder's reason (positions, never the
text around them).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from palermo.cases.interchange.errors import InterchangeError, file_problem
from palermo.cases.interchange.fields import COLUMN_BY_NAME, FORMATS, HTCDS_VERSION
from palermo.core.errors import ApplicationError

CHUNK = 1 << 20  # bytes read at a time
# A JSON record longer than this (in characters) is refused rather than read on: it is not a
# record of this format, and a file cut in the middle of a value is not read to its end first.
MAX_RECORD = 32 << 20
_SPACE = re.compile(r"[ \t\n\r]*")


@dataclass
class RawRecord:
    """One record as read from a file: `number` counts from 1; `line` is the CSV line."""

    number: int
    data: dict[str, Any]
    line: int = 0


def detect_format(path: Path, fmt: str | None) -> str:
    """The format asked for, else the one the file's extension says."""
    if fmt:
        if fmt not in FORMATS:
            raise ApplicationError(
                _("Unknown format '{}': use one of {}.").format(fmt, ", ".join(FORMATS)),
                code="invalid",
            )
        return fmt
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "htcds-json"
    if suffix == ".csv":
        return "csv"
    raise ApplicationError(
        _("Cannot tell the format of {} from its extension: give --format {}.").format(
            path.name, "|".join(FORMATS)
        ),
        code="invalid",
    )


class Source:
    """A file read as UTF-8 text a chunk at a time (a byte order mark skipped).

    `done` counts the bytes read so far and `size` is the file's size (for a progress bar);
    `digest()` is the SHA-256 of the bytes read, which tells whether two readings of the file
    read the same bytes. Text that is not UTF-8 is refused with `invalid`.format(reason), the
    reason giving the byte's position in the file."""

    def __init__(self, path: Path, *, invalid: str) -> None:
        self.path = path
        self.name = path.name
        self.invalid = invalid
        self.size = path.stat().st_size
        self.done = 0
        self._hash = hashlib.sha256()

    def digest(self) -> bytes:
        return self._hash.digest()

    def chunks(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8")()
        first = True
        with self.path.open("rb") as f:
            while True:
                data = f.read(CHUNK)
                self._hash.update(data)
                try:
                    text = decoder.decode(data, final=not data)
                except UnicodeDecodeError as exc:
                    # exc.object is the bytes kept from the chunk before, then this chunk.
                    at = self.done - (len(exc.object) - len(data)) + exc.start
                    reason = "'utf-8' codec can't decode byte 0x{:02x} in position {}: {}".format(
                        exc.object[exc.start], at, exc.reason
                    )
                    raise file_problem(self.name, self.invalid.format(reason)) from None
                self.done += len(data)
                if first and text:
                    first = False
                    if text.startswith("\ufeff"):
                        text = text[1:]
                if text:
                    yield text
                if not data:
                    return


def _lines(chunks: Iterator[str]) -> Iterator[str]:
    """The lines of a text as `io.StringIO(text, newline="")` gives them (ends kept; "\\r\\n",
    "\\r" and "\\n" end a line), from its chunks."""
    rest = ""
    for chunk in chunks:
        text = rest + chunk
        end = len(text)
        if text.endswith("\r"):  # perhaps "\r\n" across two chunks
            end -= 1
        cut = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1
        if cut:
            yield from io.StringIO(text[:cut], newline="")
        rest = text[cut:]
    if rest:
        yield from io.StringIO(rest, newline="")


class _JsonReader:
    """The values of a JSON text read a chunk at a time: a buffer of the text not yet parsed,
    with the standard decoder run on it (its reasons and positions are those `json.loads`
    gives for the whole text)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.chunks = source.chunks()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.offset = 0  # characters dropped from the buffer's start
        self.lines = 0  # line ends among them
        self.line_start = 0  # where the last line among them starts
        self.decoder = json.JSONDecoder()

    def _more(self) -> bool:
        """Read the next chunk into the buffer (dropping what is parsed); False at the end."""
        if self.eof:
            return False
        if self.pos > CHUNK:
            dropped = self.buf[: self.pos]
            newlines = dropped.count("\n")
            if newlines:
                self.lines += newlines
                self.line_start = self.offset + dropped.rfind("\n") + 1
            self.offset += self.pos
            self.buf = self.buf[self.pos :]
            self.pos = 0
        chunk = next(self.chunks, None)
        if chunk is None:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def error(self, message: str, pos: int) -> InterchangeError:
        """The refusal `json.loads` would give: "reason: line L column C (char P)"."""
        at = self.offset + pos
        newline = self.buf.rfind("\n", 0, pos)
        line = self.lines + self.buf.count("\n", 0, pos) + 1
        column = pos - newline if newline >= 0 else at - self.line_start + 1
        reason = "{}: line {} column {} (char {})".format(message, line, column, at)
        return file_problem(self.source.name, _("not valid JSON ({})").format(reason))

    def peek(self) -> str:
        """The next character that is not white space ("" at the end)."""
        while True:
            self.pos = _SPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]  # always matches
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def value(self) -> Any:
        """The next value, whole."""
        self.peek()
        while True:
            if len(self.buf) - self.pos < CHUNK // 2 and not self.eof:
                self._more()
                continue
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                # Perhaps only cut at the buffer's end: read on, as far as a record may go.
                if not self.eof and len(self.buf) - self.pos < MAX_RECORD:
                    self._more()
                    continue
                raise self.error(exc.msg, exc.pos) from None
            if end == len(self.buf) and not self.eof:
                self._more()  # a number at the buffer's end may go on in the next chunk
                continue
            self.pos = end
            return value

    def expect(self, char: str, message: str) -> None:
        if self.peek() != char:
            raise self.error(message, self.pos)
        self.pos += 1

    def items(self) -> Iterator[Any]:
        """The values of the array that starts here."""
        self.expect("[", "Expecting value")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            char = self.peek()
            self.pos += 1
            if char == "]":
                return
            if char != ",":
                raise self.error("Expecting ',' delimiter", self.pos - 1)

    def end(self) -> None:
        if self.peek():
            raise self.error("Extra data", self.pos)


def json_records(source: Source) -> Generator[RawRecord, None, None]:
    """The records of an HTCDS JSON file, one at a time: a list of records, or an object with
    `records` (and `htcds_version`, which must be 2.0 when given).

    The file is refused for the first of the reasons `json.loads` and a look at the whole would
    give: not JSON, another HTCDS version, no list of records, an item that is not an object.
    Reading goes on to the end after such a problem (JSON that is not valid further on is the
    reason given then), and no record is given after it."""
    reader = _JsonReader(source)
    shape = _Shape(source.name)
    first = reader.peek()
    if first == "[":
        shape.found = True
        items = reader.items()
    elif first == "{":
        items = _object_items(reader, shape)
    else:
        items = iter(())
        reader.value()  # refused here if not JSON at all
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            shape.refuse(3, _("record {}: not an object").format(number))
        elif shape.problem is None:
            yield RawRecord(number, item)
    reader.end()
    if not shape.found:
        shape.refuse(2, _('expected a list of records or {"records": [...]}'))
    if shape.problem is not None:
        raise file_problem(source.name, shape.problem[1])


class _Shape:
    """What a JSON file holds besides its records: whether its list of records was found, and
    the first problem with its shape (by rank: the version, no list, an item not an object)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.found = False
        self.problem: tuple[int, str] | None = None

    def refuse(self, rank: int, reason: str) -> None:
        if self.problem is None or rank < self.problem[0]:
            self.problem = (rank, reason)


def _object_items(reader: _JsonReader, shape: _Shape) -> Iterator[Any]:
    """The items of `records` in the object that starts here; its other members are read
    whole. A second `records` is not read as records (only one list is)."""
    reader.expect("{", "Expecting value")
    if reader.peek() == "}":
        reader.pos += 1
        return
    while True:
        if reader.peek() != '"':
            raise reader.error("Expecting property name enclosed in double quotes", reader.pos)
        key = reader.value()
        reader.expect(":", "Expecting ':' delimiter")
        if key == "records" and not shape.found and reader.peek() == "[":
            shape.found = True
            yield from reader.items()
        else:
            value = reader.value()
            if key == "records":  # not a list, or a second one
                shape.found = False
                shape.refuse(2, _('expected a list of records or {"records": [...]}'))
            elif key == "htcds_version" and value is not None and str(value) != HTCDS_VERSION:
                shape.refuse(1, _("HTCDS version {} (this reads {})").format(value, HTCDS_VERSION))
        char = reader.peek()
        reader.pos += 1
        if char == "}":
            return
        if char != ",":
            raise reader.error("Expecting ',' delimiter", reader.pos - 1)


def csv_rows(
    path: Path, source: Source | None = None
) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """A CSV file's header and its rows as (line, {column: cell}), read as they are needed."""
    source = source or Source(path, invalid=_("not UTF-8 text ({})"))
    reader = csv.DictReader(_lines(source.chunks()))
    header = list(reader.fieldnames or [])
    if not header:
        raise file_problem(path.name, _("empty file (no header row)"))

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for row in reader:
            if None in row:
                raise file_problem(
                    path.name,
                    _("line {}: more cells than header columns").format(reader.line_num),
                )
            yield reader.line_num, {k: v for k, v in row.items() if v is not None}

    return header, rows()


def csv_records(source: Source) -> Generator[RawRecord, None, None]:
    """The records of an HTCDS CSV file (one row each), one at a time."""
    header, rows = csv_rows(source.path, source)
    if "yearOfRegistration" in header and not any(
        name.startswith(("plm_", "prs_", "vic_", "cas_")) for name in header
    ):
        raise file_problem(source.name, _("this is the CTDC layout; import it with --format ctdc"))
    unknown = [name for name in header if name not in COLUMN_BY_NAME]
    if unknown:
        raise file_problem(source.name, _("unknown column(s): {}").format(", ".join(unknown)))
    for number, (line, row) in enumerate(rows, start=1):
        yield RawRecord(number, row, line)


def json_source(path: Path) -> Source:
    return Source(path, invalid=_("not valid JSON ({})"))


def csv_source(path: Path) -> Source:
    return Source(path, invalid=_("not UTF-8 text ({})"))


def htcds_source(
    path: Path, fmt: str
) -> tuple[Source, Callable[[Source], Generator[RawRecord, None, None]]]:
    """A reading of an HTCDS file of the format, and how to read its records."""
    if fmt == "htcds-json":
        return json_source(path), json_records
    return csv_source(path), csv_records


def read_json(path: Path) -> list[RawRecord]:
    """All the records of an HTCDS JSON file."""
    return list(json_records(json_source(path)))


def read_csv(path: Path) -> list[RawRecord]:
    """All the records of an HTCDS CSV file (one row each)."""
    return list(csv_records(csv_source(path)))
