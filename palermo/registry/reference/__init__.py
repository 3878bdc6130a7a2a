"""The registry's reference data (palermo/registry/data/, schema in its README): read the files
(`files`), check every row into a plan (`validate`), then write it in one transaction (`write`).

The first malformed row stops the load with the file, the line and the reason, and nothing is
written. Loading twice changes nothing; facts an editor corrected are kept on reload.
"""

from palermo.registry.reference.files import (
    CSV_COLUMNS,
    DATA_DIR,
    ReferenceDataError,
    Row,
    read_csv,
    read_yaml,
)
from palermo.registry.reference.validate import Plan, validate
from palermo.registry.reference.write import ACTOR, LoadReport, load_reference

__all__ = [
    "ACTOR",
    "CSV_COLUMNS",
    "DATA_DIR",
    "LoadReport",
    "Plan",
    "ReferenceDataError",
    "Row",
    "load_reference",
    "read_csv",
    "read_yaml",
    "validate",
]
