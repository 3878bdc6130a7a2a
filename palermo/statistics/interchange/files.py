"""Reading import files: rows of CSV and XLSX files with their line numbers, the error that names
a bad row's file and line, and country names or codes read as ISO 3166 alpha-3."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError
from palermo.core.models import Country
from palermo.statistics.choices import PeriodType
from palermo.statistics.periods import Period, PeriodError, parse_period


class ImportFileError(ApplicationError):
    """A bad row in an import file: names the file and the line."""

    def __init__(self, filename: str, line: int, reason: str) -> None:
        super().__init__(_("{}: line {}: {}").format(filename, line, reason), code="invalid_file")
        self.filename = filename
        self.line = line
        self.reason = reason


@dataclass
class Raw:
    """One data row of a file and the line it came from."""

    line: int
    data: dict[str, Any]

    def text(self, name: str) -> str:
        value = self.data.get(name)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()


def _read_csv(path: Path, columns: Sequence[str], *, exact: bool = True) -> Iterator[Raw]:
    with path.open(encoding="utf-8-sig", newline="", errors="replace") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        _check_header(path.name, 1, header, columns, exact=exact)
        for record in reader:
            if None in record:
                raise ImportFileError(path.name, reader.line_num, _("more cells than columns"))
            if all(not (v or "").strip() for v in record.values()):
                continue
            yield Raw(reader.line_num, dict(record))


def _check_header(
    filename: str, line: int, header: Sequence[str], columns: Sequence[str], *, exact: bool
) -> None:
    names = [str(h).strip() if h is not None else "" for h in header]
    missing = [c for c in columns if c not in names]
    extra = [c for c in names if c and c not in columns] if exact else []
    if missing or extra:
        raise ImportFileError(
            filename,
            line,
            _("columns do not match (missing: {}; unexpected: {})").format(
                ", ".join(missing) or "none", ", ".join(extra) or "none"
            ),
        )


def _read_xlsx(path: Path, columns: Sequence[str], *, exact: bool = True) -> Iterator[Raw]:
    """Rows of the first sheet; the header is the first row holding the first column's name
    (GLOTIP's workbook has a title and a date above it)."""
    import openpyxl  # type: ignore[import-untyped]  # noqa: PLC0415 - only for spreadsheets

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same error to the user
        raise ImportFileError(path.name, 0, _("not a readable XLSX file ({})").format(exc)) from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some producers write a wrong sheet size
        header: list[str] | None = None
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if header is None:
                if row and row[0] is not None and str(row[0]).strip() == columns[0]:
                    header = [str(c).strip() if c is not None else "" for c in row]
                    _check_header(path.name, number, header, columns, exact=exact)
                elif number >= 10:
                    raise ImportFileError(
                        path.name, number, _("no header row starting with '{}'").format(columns[0])
                    )
                continue
            if all(c is None or str(c).strip() == "" for c in row):
                continue
            yield Raw(number, {h: c for h, c in zip(header, row, strict=False) if h})
        if header is None:
            raise ImportFileError(path.name, 0, _("the sheet is empty"))
    finally:
        workbook.close()


def read_rows(path: Path, columns: Sequence[str], *, exact: bool = True) -> Iterator[Raw]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, columns, exact=exact)
    return _read_csv(path, columns, exact=exact)


def file_digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


class CountryNames:
    """Country names in English and the UN languages (CLDR), and ISO codes, to ISO alpha-3."""

    def __init__(self) -> None:
        self.iso3: set[str] = set()
        self.iso2: dict[str, str] = {}
        self.names: dict[str, str] = {}
        for country in Country.objects.all():
            self.iso3.add(country.iso3)
            if country.iso2:
                self.iso2[country.iso2] = country.iso3
            for name in [country.name, country.official_name, *(country.names or {}).values()]:
                if name:
                    self.names.setdefault(fold(name), country.iso3)

    def code(self, text: str) -> str | None:
        """ISO alpha-3 for a code or a name, or None."""
        value = text.strip()
        if value.upper() in self.iso3:
            return value.upper()
        if value.upper() in self.iso2:
            return self.iso2[value.upper()]
        folded = fold(value)
        return self.names.get(folded) or self.names.get(re.sub(r"^the ", "", folded))


@lru_cache(maxsize=512)
def year_period(text: str) -> Period:
    """A calendar year (GLOTIP `Year`, CTDC `yearOfRegistration`); PeriodError otherwise."""
    period = parse_period(text)
    if period.kind != PeriodType.YEAR:
        raise PeriodError(_("'{}' is not a year").format(text))
    return period


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())
