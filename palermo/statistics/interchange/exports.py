"""Exports: figures and publications as CSV, XLSX and SDMX-CSV (version 1). Masked figures stay
masked: no number is made up for them, and SDMX marks them confidential.

Columns are named by their codes (what imports and scripts read, the same in every language);
a spreadsheet (XLSX) starts with a row naming each column in the reader's language, above the
row of codes (imports find the header row by its first code and skip what is above it)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.core.errors import ApplicationError
from palermo.statistics.models import DIMENSIONS, Publication, Value
from palermo.statistics.periods import parse_period
from palermo.statistics.selectors import publication_table

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


# Columns that are not a figure's own fields (those are named by their fields' names).
COLUMN_LABELS = {
    "publication": gettext_lazy("Publication"),
    "version": gettext_lazy("Version"),
    "flag": gettext_lazy("Suppression flag"),
    "method": gettext_lazy("Suppression method and parameters"),
    "description": gettext_lazy("What the figure counts"),
    "comment": gettext_lazy("Comment"),
}


def column_label(column: str) -> str:
    """A column's name in the reader's language (its code when it has none)."""
    if column in COLUMN_LABELS:
        return str(COLUMN_LABELS[column])
    try:
        field = Value._meta.get_field(column)
    except FieldDoesNotExist:
        return column
    return capfirst(str(getattr(field, "verbose_name", column)))


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
    """Rows as CSV (UTF-8) or XLSX (the columns named in the reader's language, then by code)."""
    if fmt == "xlsx":
        import openpyxl  # type: ignore[import-untyped]  # noqa: PLC0415 - only for spreadsheets

        workbook = openpyxl.Workbook(write_only=True)
        ws = workbook.create_sheet(title=sheet[:31] or "data")
        ws.append([column_label(c) for c in columns])
        ws.append(list(columns))
        for row in rows:
            ws.append([row.get(c, "") for c in columns])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    if fmt not in ("csv", "sdmx-csv"):
        raise ApplicationError(_("Unknown export format '{}' (csv, xlsx, sdmx-csv).").format(fmt))
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
