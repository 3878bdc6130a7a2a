"""Files in and out of the statistics app, one module per concern:

- `files`: rows of CSV and XLSX files with their line numbers; `ImportFileError`;
- `rows`: figures as rows of the figures table, written in bulk (imports, derivations);
- `international`: UNODC GLOTIP and CTDC imports;
- `entry_templates`: data-set templates to fill in, and reading them back as drafts;
- `imports`: `data_import_run`, the one entry point of every import;
- `exports`: figures and publications as CSV, XLSX and SDMX-CSV.

The public names are re-exported here (`from palermo.statistics import interchange`).
"""

from __future__ import annotations

from palermo.statistics.interchange.entry_templates import (
    TEMPLATE_COLUMNS,
    template_file,
    template_rows,
    template_scopes,
)
from palermo.statistics.interchange.exports import (
    EXPORT_COLUMNS,
    SDMX_COLUMNS,
    publication_export,
    sdmx_period,
    table_bytes,
    values_export,
)
from palermo.statistics.interchange.files import ImportFileError
from palermo.statistics.interchange.imports import ImportResult, data_import_run
from palermo.statistics.interchange.international import CTDC_COLUMNS, GLOTIP_COLUMNS

__all__ = [
    "CTDC_COLUMNS",
    "EXPORT_COLUMNS",
    "GLOTIP_COLUMNS",
    "SDMX_COLUMNS",
    "TEMPLATE_COLUMNS",
    "ImportFileError",
    "ImportResult",
    "data_import_run",
    "publication_export",
    "sdmx_period",
    "table_bytes",
    "template_file",
    "template_rows",
    "template_scopes",
    "values_export",
]
