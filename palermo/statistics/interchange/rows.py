"""Figures as rows of the figures table (`figure_row`), written in bulk by imports and derivations
(`insert_figures`: one prepared statement, without a model instance or a prepared value per
figure), and the audited replacement of an import."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.models import User
from palermo.statistics.choices import Qualifier, ValueStatus
from palermo.statistics.interchange.files import file_digest
from palermo.statistics.models import DIMENSIONS, DataImport, DataSet, ValidationIssue, Value
from palermo.statistics.periods import Period

BATCH = 5000
_VALUE_COLUMNS = [
    str(f.column)
    for f in Value._meta.concrete_fields
    if not f.primary_key  # the id comes from the database
]


def insert_figures(rows: Sequence[dict[str, Any]]) -> int:
    """Insert figures given as {column: value} with one prepared statement (executemany).

    Not `palermo.core.bulk.rows_insert`: on SQLite that prepares every value through its model
    field, which doubles the time of a GLOTIP import (58,769 rows); the figures' values are
    plain numbers, texts, dates and booleans that the database driver takes as they are."""
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


def delete_figures(queryset: QuerySet[Value]) -> int:
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


def replace_import(
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
        removed = delete_figures(Value.objects.filter(dataset=dataset, origin=origin))
        record = DataImport.objects.create(
            format=fmt,
            filename=path.name,
            digest=file_digest(path),
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
