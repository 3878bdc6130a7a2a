"""Reading import files: which format a file is in, and its records as they are written.

Owns `RawRecord` (one record, numbered, with its CSV line), `detect_format`, `read_json` (HTCDS
JSON: a list of records or {"records": [...]}) and `read_csv` (HTCDS CSV); `csv_rows` reads any
CSV file, the CTDC layout too. Nothing is checked here beyond the file's shape.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from palermo.cases.interchange.errors import file_problem
from palermo.cases.interchange.fields import COLUMN_BY_NAME, FORMATS, HTCDS_VERSION
from palermo.core.errors import ApplicationError


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


def read_json(path: Path) -> list[RawRecord]:
    """The records of an HTCDS JSON file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise file_problem(path.name, _("not valid JSON ({})").format(exc)) from exc
    if isinstance(data, dict):
        version = data.get("htcds_version")
        if version is not None and str(version) != HTCDS_VERSION:
            raise file_problem(
                path.name, _("HTCDS version {} (this reads {})").format(version, HTCDS_VERSION)
            )
        data = data.get("records")
    if not isinstance(data, list):
        raise file_problem(path.name, _('expected a list of records or {"records": [...]}'))
    out = []
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise file_problem(path.name, _("record {}: not an object").format(i))
        out.append(RawRecord(i, item))
    return out


def csv_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """A CSV file's header and its rows as (line, {column: cell}), read as they are needed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise file_problem(path.name, _("not UTF-8 text ({})").format(exc)) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
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


def read_csv(path: Path) -> list[RawRecord]:
    """The records of an HTCDS CSV file (one row each)."""
    header, rows = csv_rows(path)
    if "yearOfRegistration" in header and not any(
        name.startswith(("plm_", "prs_", "vic_", "cas_")) for name in header
    ):
        raise file_problem(path.name, _("this is the CTDC layout; import it with --format ctdc"))
    unknown = [name for name in header if name not in COLUMN_BY_NAME]
    if unknown:
        raise file_problem(path.name, _("unknown column(s): {}").format(", ".join(unknown)))
    return [RawRecord(i, row, line) for i, (line, row) in enumerate(rows, start=1)]
