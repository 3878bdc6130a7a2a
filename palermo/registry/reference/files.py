"""Reading the registry's data files (palermo/registry/data/): YAML lists and CSV tables become
`Row`s that know their file and line, and every malformed value becomes a `ReferenceDataError`
naming the file, the line and the reason (for people: translated)."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import models
from django.utils.translation import gettext as _

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# libyaml's parser where PyYAML was built with it (several times faster), else the Python one.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# The columns of each CSV file, in order (the data README describes them).
CSV_COLUMNS: dict[str, list[str]] = {
    "treaty_actions.csv": [
        "instrument",
        "country",
        "name_in_source",
        "action",
        "date",
        "date_text",
        "source",
        "locator",
        "note",
    ],
    "depositary_status.csv": [
        "instrument",
        "participant",
        "signature",
        "consent",
        "source",
        "locator",
    ],
    "status_claims.csv": ["listing", "country", "name_in_source", "status", "note"],
    "memberships.csv": [
        "mechanism",
        "country",
        "name_in_source",
        "role",
        "joined",
        "left",
        "source",
        "locator",
        "note",
    ],
    "legislation.csv": [
        "country",
        "name_in_source",
        "title",
        "kind",
        "year",
        "date",
        "status",
        "implements",
        "summary",
        "source",
        "locator",
    ],
    "legislation_transmittals.csv": [
        "country",
        "name_in_source",
        "recipient",
        "date",
        "date_text",
        "source",
        "locator",
    ],
    "directory.csv": [
        "country",
        "name_in_source",
        "organisation",
        "organisation_kind",
        "role",
        "unit",
        "description",
        "languages",
        "url",
        "email",
        "phone",
        "address",
        "person_name",
        "source",
        "locator",
    ],
}


class ReferenceDataError(Exception):
    """A malformed row in the reference data: names the file, the line and the reason."""

    def __init__(self, path: Path | str, line: int, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        super().__init__("{}:{}: {}".format(self.path, line, reason))


@dataclass
class Row:
    """One record from a data file with the place it came from."""

    path: Path
    line: int
    data: dict[str, Any]

    def fail(self, reason: str) -> ReferenceDataError:
        return ReferenceDataError(self.path.name, self.line, reason)

    def text(self, name: str, *, required: bool = False) -> str:
        value = self.data.get(name)
        text = "" if value is None else str(value).strip()
        if required and not text:
            raise self.fail(_("'{}' is required").format(name))
        return text

    def date(self, name: str) -> dt.date | None:
        value = self.data.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise self.fail(
                _("'{}' is not a date (YYYY-MM-DD): '{}'").format(name, value)
            ) from None

    def choice(self, name: str, choices: type[models.TextChoices], *, required: bool = True) -> str:
        value = self.text(name, required=required)
        if value and value not in choices.values:
            raise self.fail(
                _("'{}' has unknown value '{}' (expected one of: {})").format(
                    name, value, ", ".join(choices.values)
                )
            )
        return value

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        if not value:
            return None
        try:
            return int(value)
        except ValueError:
            raise self.fail(_("'{}' is not a whole number: '{}'").format(name, value)) from None


def read_yaml(path: Path) -> list[Row]:
    """The records of a YAML file holding a list of mappings, each with its line."""
    loader = _LOADER(path.read_text(encoding="utf-8"))
    try:  # parsed once: the nodes give the lines, the data is constructed from them
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ReferenceDataError(
            path.name, (mark.line + 1) if mark else 0, _("invalid YAML: {}").format(exc)
        ) from exc
    finally:
        loader.dispose()
    if data is None:
        return []
    if not isinstance(data, list) or node is None or not isinstance(node, yaml.SequenceNode):
        raise ReferenceDataError(path.name, 1, _("the file must hold a list of records"))
    rows = []
    for item, item_node in zip(data, node.value, strict=True):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            raise ReferenceDataError(path.name, line, _("each record must be a mapping"))
        rows.append(Row(path, line, item))
    return rows


def read_csv(path: Path) -> list[Row]:
    """The non-empty rows of a CSV file with exactly the columns of CSV_COLUMNS, each with its
    line."""
    expected = CSV_COLUMNS[path.name]
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        if list(header) != expected:
            missing = [c for c in expected if c not in header]
            extra = [c for c in header if c not in expected]
            raise ReferenceDataError(
                path.name,
                1,
                _("columns do not match (missing: {}; unexpected: {})").format(
                    ", ".join(missing) or _("none"), ", ".join(extra) or _("none")
                ),
            )
        rows = []
        for record in reader:
            if None in record:
                raise ReferenceDataError(path.name, reader.line_num, _("more cells than columns"))
            if all(not (v or "").strip() for v in record.values()):
                continue
            rows.append(Row(path, reader.line_num, dict(record)))
        return rows
