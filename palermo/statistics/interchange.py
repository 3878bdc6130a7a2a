"""Files in and out: UNODC GLOTIP and CTDC imports, data-set templates (CSV, XLSX) and their
upload, and exports of figures and publications as CSV, XLSX and SDMX-CSV.

An import reads and checks the whole file first; the first bad row stops it with the file and
line and nothing is written. The figures are then written in one transaction with bulk
inserts. Masked values such as "<5" stay masked; they are never turned into numbers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from palermo.cases import interchange as cases_interchange
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction, Role
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import Country, Document, Source, User
from palermo.core.permissions import AnyUser
from palermo.statistics.access import active_user, require_coordinator
from palermo.statistics.audit_kinds import VALUE_SCOPE
from palermo.statistics.choices import (
    ImportFormat,
    PeriodType,
    Qualifier,
    ValueOrigin,
    ValueStatus,
)
from palermo.statistics.models import (
    DIMENSIONS,
    OTHER,
    TOTAL,
    UNKNOWN,
    DataImport,
    DataSet,
    Dimension,
    Publication,
    ValidationIssue,
    Value,
)
from palermo.statistics.periods import Period, PeriodError, parse_period
from palermo.statistics.selectors import entry_grid, publication_table
from palermo.statistics.services import CellErrors, CellInput, parse_figure, values_enter
from palermo.statistics.validation import cell_id

GLOTIP_COLUMNS = [
    "Iso3_code",
    "Country",
    "Region",
    "Subregion",
    "Indicator",
    "Dimension",
    "Category",
    "Sex",
    "Age",
    "Year",
    "Unit of measurement",
    "txtVALUE",
    "Source",
]
GLOTIP_DIMENSIONS = {
    "Total": None,
    "by form of exploitation": "exploitation",
    "by citizenship": "citizenship",
    "by country of repatriation": "country_of_repatriation",
}
# A count of persons above this is not plausible for one country and year; GLOTIP holds a few
# such cells (questionnaire references and dates read as numbers): kept, and flagged `suspect`.
SUSPECT_ABOVE = 100_000
# Category labels that mean the reporting country's own nationals, or no known country.
OWN_NATIONALS = {"nationals", "own country", "ciudadanos de su país", "ciudadanos de su pa�s"}
UNKNOWN_LABELS = {
    "unknown",
    "no information",
    "desconocido",
    "desconocida",
    "no determinada",
    "no determinadas",
    "no determinado",
    "sin determinar",
    "no registra",
    "(nationality not stated)",
}
# The CTDC synthetic victim dataset layout, as the cases import reads it.
CTDC_COLUMNS = list(cases_interchange.CTDC_COLUMNS)
CTDC_FLAGS = [c for c in CTDC_COLUMNS if c.startswith(("means", "is", "typeOf", "recruiter"))]
TEMPLATE_COLUMNS = [
    "dataset",
    "country",
    "period",
    "indicator",
    *DIMENSIONS,
    "description",
    "value",
    "notes",
    "comment",
]
# An upload needs these; a missing dimension column means the total over it.
TEMPLATE_REQUIRED = ["dataset", "country", "period", "indicator", "value"]
EXPORT_COLUMNS = [
    "dataset",
    "indicator",
    "country",
    "period",
    *DIMENSIONS,
    "label",
    "value",
    "value_text",
    "masked",
    "qualifier",
    "suspect",
    "status",
    "origin",
    "source",
    "source_ref",
    "notes",
]
BATCH = 5000


class ImportFileError(ApplicationError):
    """A bad row in an import file: names the file and the line."""

    def __init__(self, filename: str, line: int, reason: str) -> None:
        super().__init__("{}: line {}: {}".format(filename, line, reason), code="invalid_file")
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
                raise ImportFileError(path.name, reader.line_num, "more cells than columns")
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
            "columns do not match (missing: {}; unexpected: {})".format(
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
        raise ImportFileError(path.name, 0, "not a readable XLSX file ({})".format(exc)) from exc
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
                        path.name, number, "no header row starting with '{}'".format(columns[0])
                    )
                continue
            if all(c is None or str(c).strip() == "" for c in row):
                continue
            yield Raw(number, {h: c for h, c in zip(header, row, strict=False) if h})
        if header is None:
            raise ImportFileError(path.name, 0, "the sheet is empty")
    finally:
        workbook.close()


def _rows(path: Path, columns: Sequence[str], *, exact: bool = True) -> Iterator[Raw]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, columns, exact=exact)
    return _read_csv(path, columns, exact=exact)


def _digest(path: Path) -> str:
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
                    self.names.setdefault(_fold(name), country.iso3)

    def code(self, text: str) -> str | None:
        """ISO alpha-3 for a code or a name, or None."""
        value = text.strip()
        if value.upper() in self.iso3:
            return value.upper()
        if value.upper() in self.iso2:
            return self.iso2[value.upper()]
        folded = _fold(value)
        return self.names.get(folded) or self.names.get(re.sub(r"^the ", "", folded))


@lru_cache(maxsize=512)
def _year(text: str) -> Period:
    """A calendar year (GLOTIP `Year`, CTDC `yearOfRegistration`); PeriodError otherwise."""
    period = parse_period(text)
    if period.kind != PeriodType.YEAR:
        raise PeriodError("'{}' is not a year".format(text))
    return period


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def _require_importer(actor: AnyUser | None) -> User | None:
    """International data sets: imported from the command line, or by an analyst or admin."""
    if actor is None:
        return None
    user = active_user(actor)
    if user is None or user.role not in (Role.ANALYST, Role.ADMINISTRATOR):
        raise ForbiddenError("Only analysts and administrators import international data sets.")
    return user


def _source(document_key: str, locator: str) -> Source:
    document = Document.objects.filter(key=document_key).first()
    if document is None:
        raise ApplicationError(
            "Document '{}' is not loaded: run palermo load-reference.".format(document_key)
        )
    source, _ = Source.objects.get_or_create(document=document, locator=locator)
    return source


def _codes_by_label(dimension: str, field: str) -> dict[str, str]:
    dim = Dimension.objects.get(code=dimension)
    out: dict[str, str] = {}
    for c in dim.codes:
        for label in c.get(field, []):
            out[str(label)] = str(c["code"])
    return out


_VALUE_COLUMNS = [
    str(f.column)
    for f in Value._meta.concrete_fields
    if not f.primary_key  # the id comes from the database
]


def insert_figures(rows: Sequence[dict[str, Any]]) -> int:
    """Insert figures given as {column: value} with one prepared statement (executemany): the
    set-based path for imports and derivations, without a model instance per row."""
    if not rows:
        return 0
    table = connection.ops.quote_name(Value._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _VALUE_COLUMNS)
    placeholders = ", ".join(["%s"] * len(_VALUE_COLUMNS))
    # Names from the model's metadata, quoted; values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(table, columns, placeholders)  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            cursor.executemany(sql, [[row.get(c) for c in _VALUE_COLUMNS] for row in chunk])
    return len(rows)


def _delete_figures(queryset: QuerySet[Value]) -> int:
    """Delete figures and their validation issues in two statements."""
    ValidationIssue.objects.filter(value__in=queryset.values("pk")).delete()
    count = queryset.count()
    Value.objects.filter(pk__in=queryset.values("pk"))._raw_delete(queryset.db)
    return count


def figure_row(
    *,
    dataset_id: int,
    indicator_id: int,
    country: str,
    period: Period,
    cell: Sequence[str],
    number: int | None,
    text: str,
    masked: bool,
    **extra: Any,
) -> dict[str, Any]:
    """One figure as a row of the figures table (defaults of the model filled in)."""
    now = timezone.now()
    row: dict[str, Any] = {
        "dataset_id": dataset_id,
        "indicator_id": indicator_id,
        "country_id": country,
        "period": period.text,
        "period_start": period.start,
        "period_end": period.end,
        "year": period.year,
        **dict(zip(DIMENSIONS, cell, strict=True)),
        "label": "",
        "value": number,
        "value_text": text,
        "masked": masked,
        "qualifier": Qualifier.EXACT.value,
        "suspect": False,
        "status": ValueStatus.DRAFT.value,
        "public": False,
        "source_ref": "",
        "notes": "",
        "comment": "",
        "created_at": now,
        "updated_at": now,
    }
    row.update(extra)
    return row


def _replace_import(
    *,
    dataset: DataSet,
    origin: str,
    fmt: str,
    path: Path,
    rows: int,
    public: bool,
    actor: User | None,
    notes: str,
    figures: list[dict[str, Any]],
) -> DataImport:
    """Write an import's figures in bulk, replacing those of the previous import of the file's
    kind into the same data set (so importing the same file again changes nothing)."""
    with transaction.atomic():
        removed = _delete_figures(Value.objects.filter(dataset=dataset, origin=origin))
        record = DataImport.objects.create(
            format=fmt,
            filename=path.name,
            digest=_digest(path),
            dataset=dataset,
            rows=rows,
            public=public,
            notes=notes,
            actor=actor,
        )
        for figure in figures:
            figure["data_import_id"] = record.pk
        written = insert_figures(figures)
        record.values = written
        record.save(update_fields=["values"])
        audit_record(
            actor=actor,
            actor_label="" if actor else "palermo stats import",
            action=AuditAction.CREATE,
            obj=record,
            after={
                "format": fmt,
                "file": path.name,
                "sha256": record.digest,
                "rows": rows,
                "figures": written,
                "replaced": removed,
                "public": public,
                "notes": notes,
            },
        )
    return record


# --- GLOTIP -----------------------------------------------------------------------------------


def _glotip_figures(  # noqa: PLR0912, PLR0915 - one check per column
    path: Path, dataset: DataSet, public: bool
) -> tuple[list[dict[str, Any]], int, str]:
    indicators = {i.glotip_name: i for i in dataset.indicators.all() if i.glotip_name}
    sexes = _codes_by_label("sex", "glotip")
    ages = _codes_by_label("age_group", "glotip")
    forms = _codes_by_label("exploitation", "glotip")
    names = CountryNames()
    source = _source("unodc-glotip-2025", path.name)
    figures: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    rows = 0
    for raw in _rows(path, GLOTIP_COLUMNS):
        rows += 1

        def fail(reason: str, raw: Raw = raw) -> ImportFileError:
            return ImportFileError(path.name, raw.line, reason)

        iso3 = raw.text("Iso3_code").upper()
        if not iso3:
            skipped[raw.text("Country") or "(no name)"] += 1
            continue
        if iso3 not in names.iso3:
            raise fail("unknown country code '{}'".format(iso3))
        indicator = indicators.get(raw.text("Indicator"))
        if indicator is None:
            raise fail("unknown indicator '{}'".format(raw.text("Indicator")))
        dimension_text = raw.text("Dimension")
        if dimension_text not in GLOTIP_DIMENSIONS:
            raise fail("unknown dimension '{}'".format(dimension_text))
        sex = "_T" if raw.text("Sex") == "Total" else sexes.get(raw.text("Sex"))
        age = "_T" if raw.text("Age") == "Total" else ages.get(raw.text("Age"))
        if sex is None:
            raise fail("unknown sex '{}'".format(raw.text("Sex")))
        if age is None:
            raise fail("unknown age '{}'".format(raw.text("Age")))
        try:
            period = _year(raw.text("Year"))
        except PeriodError as exc:
            raise fail("'Year': {}".format(exc)) from None
        if raw.text("Unit of measurement") != "Counts":
            raise fail("unit '{}' is not Counts".format(raw.text("Unit of measurement")))
        try:
            figure = parse_figure(raw.text("txtVALUE"))
        except ValueError as exc:
            raise fail("'txtVALUE': {}".format(exc)) from None
        if figure is None:
            raise fail("'txtVALUE' is empty")
        number, text, masked = figure
        if number is not None and number < 0:
            raise fail("'txtVALUE' is negative")
        cell = dict.fromkeys(DIMENSIONS, TOTAL)
        cell["sex"], cell["age_group"] = sex, age
        label = ""
        dim = GLOTIP_DIMENSIONS[dimension_text]
        category = raw.text("Category")
        if dim is None:
            if category != "Total":
                raise fail("category '{}' with dimension Total".format(category))
        elif dim == "exploitation":
            code = forms.get(category)
            if code is None:
                raise fail("unknown form of exploitation '{}'".format(category))
            cell[dim] = code
        else:
            label = category[:200]
            folded = _fold(category)
            if folded in OWN_NATIONALS:
                cell[dim] = iso3
            elif folded in UNKNOWN_LABELS or not folded:
                cell[dim] = UNKNOWN
            else:
                cell[dim] = names.code(category) or OTHER
        figures.append(
            figure_row(
                dataset_id=dataset.pk,
                indicator_id=indicator.pk,
                country=iso3,
                period=period,
                cell=[cell[d] for d in DIMENSIONS],
                number=number,
                text=text,
                masked=masked,
                label=label,
                suspect=number is not None and number > SUSPECT_ABOVE,
                status=ValueStatus.PUBLISHED.value,
                origin=ValueOrigin.GLOTIP.value,
                public=public,
                source_id=source.pk,
                source_ref="line {}".format(raw.line),
            )
        )
    notes = ""
    if skipped:
        notes = "rows without an ISO 3166 code not imported: {}".format(
            ", ".join("{} ({})".format(k, v) for k, v in sorted(skipped.items()))
        )
    return figures, rows, notes


# --- CTDC -------------------------------------------------------------------------------------


def _ctdc_figures(  # noqa: PLR0912 - one check per column
    path: Path, dataset: DataSet, public: bool
) -> tuple[list[dict[str, Any]], int, str]:
    indicator = dataset.indicators.get(code="victims_registered")
    sexes = _codes_by_label("sex", "ctdc")
    ages = _codes_by_label("age_group", "ctdc")
    forms = _codes_by_label("exploitation", "ctdc")
    names = CountryNames()
    source = _source("ctdc-synthetic-2024", path.name)
    counts: Counter[tuple[str, int, tuple[str, ...]]] = Counter()
    rows = 0
    no_country = 0
    for raw in _rows(path, CTDC_COLUMNS):
        rows += 1

        def fail(reason: str, raw: Raw = raw) -> ImportFileError:
            return ImportFileError(path.name, raw.line, reason)

        year_text = raw.text("yearOfRegistration")
        if not year_text.isdigit() or not 1900 <= int(year_text) <= 2100:
            raise fail("'yearOfRegistration' is not a year: '{}'".format(year_text))
        flags = {}
        for name in CTDC_FLAGS:
            value = raw.text(name)
            if value not in ("", "1"):
                raise fail("'{}' must be 1 or empty, not '{}'".format(name, value))
            flags[name] = value == "1"
        sex = sexes.get(raw.text("gender"))
        if sex is None:
            raise fail("unknown gender '{}'".format(raw.text("gender")))
        age = ages.get(raw.text("ageBroad"))
        if age is None:
            raise fail("unknown ageBroad '{}'".format(raw.text("ageBroad")))
        codes = {}
        for column in ("citizenship", "CountryOfExploitation"):
            text = raw.text(column)
            code = names.code(text) if text else UNKNOWN
            if code is None:
                raise fail("unknown country '{}' in '{}'".format(text, column))
            codes[column] = code
        exploited = [
            forms[f] for f in ("isSexualExploit", "isForcedLabour", "isOtherExploit") if flags[f]
        ]
        form = exploited[0] if len(exploited) == 1 else ("MULTIPLE" if exploited else UNKNOWN)
        where = codes["CountryOfExploitation"]
        if where == UNKNOWN:
            no_country += 1
            continue
        key: tuple[str, ...] = (sex, age, form, codes["citizenship"], where, TOTAL)
        counts[(where, int(year_text), key)] += 1
    cells: Counter[tuple[str, int, tuple[str, ...]]] = Counter()
    for (where, year, key), n in counts.items():
        for breakdown in indicator.breakdowns:
            cell = tuple(
                code if dim in breakdown else TOTAL
                for dim, code in zip(DIMENSIONS, key, strict=True)
            )
            cells[(where, year, cell)] += n
    figures = [
        figure_row(
            dataset_id=dataset.pk,
            indicator_id=indicator.pk,
            country=where,
            period=_year(str(year)),
            cell=cell,
            number=n,
            text=str(n),
            masked=False,
            status=ValueStatus.PUBLISHED.value,
            origin=ValueOrigin.CTDC.value,
            public=public,
            source_id=source.pk,
            source_ref=path.name,
        )
        for (where, year, cell), n in sorted(cells.items())
    ]
    notes = (
        "{} records without a country of exploitation not counted".format(no_country)
        if no_country
        else ""
    )
    return figures, rows, notes


# --- templates (CSV / XLSX) -------------------------------------------------------------------


def template_rows(
    *, user: AnyUser | None, dataset: str, country: str, period: str
) -> list[dict[str, Any]]:
    """The entry grid as rows of the data-set template, with the current figures filled in."""
    rows = []
    for block in entry_grid(user=user, dataset=dataset, country=country, period=period):
        for cell in block.cells:
            rows.append(
                {
                    "dataset": dataset,
                    "country": country.upper(),
                    "period": period,
                    "indicator": cell.indicator,
                    **dict(zip(DIMENSIONS, cell.key, strict=True)),
                    "description": "{}{}".format(
                        block.indicator.name,
                        "".join(", {}".format(v) for v in cell.labels.values()),
                    ),
                    "value": cell.value.value_text if cell.value is not None else "",
                    "notes": cell.value.notes if cell.value is not None else "",
                    "comment": cell.value.comment if cell.value is not None else "",
                }
            )
    return rows


def template_file(
    *, user: AnyUser | None, dataset: str, country: str, period: str, fmt: str
) -> bytes:
    """The data-set template to fill in (CSV or XLSX), one row per cell."""
    rows = template_rows(user=user, dataset=dataset, country=country, period=period)
    return table_bytes(rows, TEMPLATE_COLUMNS, fmt, sheet=dataset)


def _template_cells(path: Path) -> dict[tuple[str, str, str], list[tuple[int, CellInput]]]:
    groups: dict[tuple[str, str, str], list[tuple[int, CellInput]]] = defaultdict(list)
    for raw in _rows(path, TEMPLATE_REQUIRED, exact=False):
        key = {d: raw.text(d) or TOTAL for d in DIMENSIONS}
        indicator = raw.text("indicator")
        if not indicator:
            raise ImportFileError(path.name, raw.line, "'indicator' is empty")
        value = raw.data.get("value")
        cell = CellInput(
            cell=cell_id(indicator, tuple(key[d] for d in DIMENSIONS)),
            value=value if isinstance(value, int) else raw.text("value") or None,
            notes=raw.text("notes"),
            comment=raw.text("comment"),
        )
        scope = (raw.text("dataset"), raw.text("country").upper(), raw.text("period"))
        if not all(scope):
            raise ImportFileError(
                path.name, raw.line, "'dataset', 'country' and 'period' are required"
            )
        groups[scope].append((raw.line, cell))
    return groups


def template_scopes(path: Path) -> list[tuple[str, str, str]]:
    """The (data set, country, period) a filled-in template holds figures for."""
    return sorted(_template_cells(path))


def _template_import(path: Path, actor: AnyUser | None, public: bool) -> list[Value]:
    """A filled-in template: the figures are entered as drafts of each country (its national
    coordinator only); `public` marks them as already published and public."""
    if actor is None:
        raise ApplicationError(
            "Importing a template needs a national coordinator (--as USER).", code="forbidden"
        )
    written: list[Value] = []
    with transaction.atomic():
        for (dataset, country, period), cells in _template_cells(path).items():
            lines = {c.cell: line for line, c in cells}
            try:
                written += values_enter(
                    actor=actor,
                    dataset=dataset,
                    country=country,
                    period=period,
                    cells=[c for _, c in cells],
                )
            except CellErrors as exc:
                first = exc.errors[0]
                raise ImportFileError(
                    path.name,
                    lines.get(first["cell"], 0),
                    "{}: {}".format(first["cell"], first["message"]),
                ) from exc
            except ApplicationError as exc:
                raise ImportFileError(path.name, cells[0][0], exc.detail) from exc
        if public and written:
            user = require_coordinator(actor, written[0].country_id)
            ids = [v.pk for v in written]
            Value.objects.filter(pk__in=ids).update(public=True, status=ValueStatus.PUBLISHED)
            audit_record(
                actor=user,
                action=AuditAction.UPDATE,
                kind=VALUE_SCOPE,
                object_id=path.name,
                after={"public": True, "status": ValueStatus.PUBLISHED, "figures": len(ids)},
            )
    return written


# --- the import entry point -------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    figures: int
    rows: int
    notes: str
    data_import: DataImport | None = None


def data_import_run(
    *, actor: AnyUser | None, path: Path, fmt: str, public: bool = False
) -> ImportResult:
    """Import a file: GLOTIP or CTDC (international, replaces the previous import), or a filled-in
    data-set template (CSV or XLSX, entered as the country's drafts)."""
    if fmt not in ImportFormat.values:
        raise ApplicationError(
            "Unknown format '{}' (use {}).".format(fmt, ", ".join(ImportFormat.values))
        )
    if not path.is_file():
        raise ApplicationError("No file {}.".format(path), code="not_found")
    if fmt in (ImportFormat.CSV, ImportFormat.XLSX):
        written = _template_import(path, actor, public)
        return ImportResult(len(written), len(written), "")
    user = _require_importer(actor)
    dataset = DataSet.objects.get(code=fmt)
    reader = _glotip_figures if fmt == ImportFormat.GLOTIP else _ctdc_figures
    figures, rows, notes = reader(path, dataset, public)
    origin = ValueOrigin.GLOTIP if fmt == ImportFormat.GLOTIP else ValueOrigin.CTDC
    record = _replace_import(
        dataset=dataset,
        origin=origin,
        fmt=fmt,
        path=path,
        rows=rows,
        public=public,
        actor=user,
        notes=notes,
        figures=figures,
    )
    return ImportResult(record.values, rows, notes, record)


# --- exports ----------------------------------------------------------------------------------


def value_rows(values: Iterable[Value]) -> Iterator[dict[str, Any]]:
    for v in values:
        yield {
            "dataset": v.dataset.code,
            "indicator": v.indicator.code,
            "country": v.country_id,
            "period": v.period,
            **{d: getattr(v, d) for d in DIMENSIONS},
            "label": v.label,
            "value": "" if v.masked else v.value,
            "value_text": v.value_text,
            "masked": "1" if v.masked else "",
            "qualifier": v.qualifier,
            "suspect": "1" if v.suspect else "",
            "status": v.status,
            "origin": v.origin,
            "source": str(v.source) if v.source is not None else "",
            "source_ref": v.source_ref,
            "notes": v.notes,
        }


SDMX_DIMENSIONS = {
    "sex": "SEX",
    "age_group": "AGE",
    "exploitation": "EXPLOITATION",
    "citizenship": "CITIZENSHIP",
    "country_of_exploitation": "COUNTRY_EXPLOITATION",
    "country_of_repatriation": "COUNTRY_REPATRIATION",
}
SDMX_COLUMNS = [
    "DATAFLOW",
    "REF_AREA",
    "INDICATOR",
    *SDMX_DIMENSIONS.values(),
    "TIME_PERIOD",
    "OBS_VALUE",
    "UNIT_MEASURE",
    "OBS_STATUS",
    "CONF_STATUS",
    "COMMENT_OBS",
]


def sdmx_period(period: str) -> str:
    """SDMX time period: 2019, 2019-Q1, 2019-S1, 2019-M07; ranges as ISO 8601 intervals."""
    parsed = parse_period(period)
    if "/" in period:
        return "{}/{}".format(parsed.start.isoformat(), parsed.end.isoformat())
    if re.match(r"^\d{4}-\d{2}$", period):
        return "{}-M{}".format(period[:4], period[5:])
    return period


def sdmx_rows(values: Iterable[Value]) -> Iterator[dict[str, Any]]:
    """SDMX-CSV (version 1) observations: masked figures have no OBS_VALUE and CONF_STATUS C."""
    for v in values:
        comment = v.value_text if v.masked else v.notes
        yield {
            "DATAFLOW": "PALERMO:{}(1.0)".format(v.dataset.code.upper().replace("-", "_")),
            "REF_AREA": v.country_id,
            "INDICATOR": v.indicator.code.upper(),
            **{col: getattr(v, dim) for dim, col in SDMX_DIMENSIONS.items()},
            "TIME_PERIOD": sdmx_period(v.period),
            "OBS_VALUE": "" if v.masked else v.value,
            "UNIT_MEASURE": v.indicator.unit.upper(),
            "OBS_STATUS": "E" if v.qualifier != "exact" else "A",
            "CONF_STATUS": "C" if v.masked else "F",
            "COMMENT_OBS": comment,
        }


def table_bytes(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], fmt: str, *, sheet: str = "data"
) -> bytes:
    """Rows as CSV (UTF-8) or XLSX."""
    if fmt == "xlsx":
        import openpyxl  # noqa: PLC0415 - only for spreadsheets

        workbook = openpyxl.Workbook(write_only=True)
        ws = workbook.create_sheet(title=sheet[:31] or "data")
        ws.append(list(columns))
        for row in rows:
            ws.append([row.get(c, "") for c in columns])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    if fmt not in ("csv", "sdmx-csv"):
        raise ApplicationError("Unknown export format '{}' (csv, xlsx, sdmx-csv).".format(fmt))
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return text.getvalue().encode("utf-8")


def values_export(values: Iterable[Value], fmt: str) -> bytes:
    """Figures as CSV, XLSX or SDMX-CSV (pass a queryset from `value_list`, already scoped)."""
    if fmt == "sdmx-csv":
        return table_bytes(sdmx_rows(values), SDMX_COLUMNS, "csv")
    return table_bytes(value_rows(values), EXPORT_COLUMNS, fmt, sheet="figures")


def publication_export(publication: Publication, fmt: str) -> bytes:
    """A publication's cells (suppressed cells empty, flagged) with its method in every row."""
    dims = list(publication.dimensions)
    method = "{} {}".format(
        publication.method,
        ", ".join("{}={}".format(k, v) for k, v in sorted(publication.parameters.items())),
    )
    if fmt == "sdmx-csv":
        columns = [
            "DATAFLOW",
            "INDICATOR",
            *[d.upper() for d in dims],
            "TIME_PERIOD",
            "OBS_VALUE",
            "CONF_STATUS",
            "COMMENT_OBS",
        ]
        rows: Iterator[dict[str, Any]] = (
            {
                "DATAFLOW": "PALERMO:{}({}.0)".format(
                    publication.key.upper().replace("-", "_"), publication.version
                ),
                "INDICATOR": publication.indicator.code.upper(),
                **{d.upper(): c for d, c in zip(dims, cell.key, strict=True)},
                "TIME_PERIOD": sdmx_period(publication.period),
                "OBS_VALUE": "" if cell.value is None else cell.value,
                "CONF_STATUS": "C" if cell.value is None else "F",
                "COMMENT_OBS": cell.flag,
            }
            for cell in publication_table(publication)
        )
        return table_bytes(rows, columns, "csv")
    columns = ["publication", "version", "indicator", "period", *dims, "value", "flag", "method"]
    rows = (
        {
            "publication": publication.key,
            "version": publication.version,
            "indicator": publication.indicator.code,
            "period": publication.period,
            **dict(zip(dims, cell.key, strict=True)),
            "value": "" if cell.value is None else cell.value,
            "flag": cell.flag,
            "method": method,
        }
        for cell in publication_table(publication)
    )
    return table_bytes(rows, columns, fmt, sheet=publication.key)


__all__ = [
    "ImportFileError",
    "ImportResult",
    "data_import_run",
    "publication_export",
    "template_file",
    "values_export",
]
