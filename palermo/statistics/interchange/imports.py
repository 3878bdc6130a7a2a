"""The import entry point: a GLOTIP or CTDC file (international, replacing the previous import),
or a filled-in data-set template (entered as the country's drafts).

An import reads and checks the whole file first; the first bad row stops it with the file and
line and nothing is written. The figures are then written in one transaction with bulk inserts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError
from palermo.core.permissions import AnyUser
from palermo.statistics.choices import ImportFormat, ValueOrigin
from palermo.statistics.interchange.entry_templates import template_import
from palermo.statistics.interchange.international import (
    ctdc_figures,
    glotip_figures,
    require_importer,
)
from palermo.statistics.interchange.rows import replace_import
from palermo.statistics.models import DataImport, DataSet


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
            _("Unknown format '{}' (use {}).").format(fmt, ", ".join(ImportFormat.values))
        )
    if not path.is_file():
        raise ApplicationError(_("No file {}.").format(path), code="not_found")
    if fmt in (ImportFormat.CSV, ImportFormat.XLSX):
        written = template_import(path, actor, public)
        return ImportResult(len(written), len(written), "")
    user = require_importer(actor)
    dataset = DataSet.objects.get(code=fmt)
    reader = glotip_figures if fmt == ImportFormat.GLOTIP else ctdc_figures
    figures, rows, notes = reader(path, dataset, public)
    origin = ValueOrigin.GLOTIP if fmt == ImportFormat.GLOTIP else ValueOrigin.CTDC
    record = replace_import(
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
