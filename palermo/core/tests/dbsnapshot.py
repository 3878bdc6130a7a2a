"""A copy of the test database's rows in memory, written back in bulk after a transactional test
(a live-server browser test) emptied the tables: much faster than loading the reference data
again, and the same rows (ids included).

    rows = snapshot_database()      # once, while the reference data is there
    ...                             # a transactional test; its end empties every table
    restore_database(rows)          # the same rows again
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction


@dataclass(frozen=True)
class Snapshot:
    """The rows of every Palermo table that had any, table by table."""

    tables: list[tuple[type[models.Model], list[models.Model]]]


def _palermo_models() -> list[type[models.Model]]:
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("palermo.")
        for model in config.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def snapshot_database() -> Snapshot:
    """Every row of Palermo's tables (many-to-many tables too), read into memory."""
    tables = []
    for model in _palermo_models():
        rows = list(model._base_manager.order_by("pk"))
        if rows:
            tables.append((model, rows))
    return Snapshot(tables)


def restore_database(snapshot: Snapshot) -> None:
    """Write the snapshot's rows back into tables that are empty again (a table that has rows
    is left as it is); the id sequences then continue after the restored ids."""
    restored = []
    with transaction.atomic():  # foreign keys are checked at the end (deferred)
        for model, rows in snapshot.tables:
            if model._base_manager.exists():
                continue
            model._base_manager.bulk_create(rows, batch_size=500)
            restored.append(model)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), restored):
            cursor.execute(sql)
