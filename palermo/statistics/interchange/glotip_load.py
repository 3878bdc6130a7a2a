"""`palermo stats load-glotip`: the UNODC GLOTIP country data on a node, once.

The file is not shipped in the package: UNODC publishes it (data_glotip.xlsx, UNODC Research
Data Portal), and its licence for redistribution is recorded only second-hand (Our World in
Data's pipeline records "CC BY 3.0 IGO"; see the PROVENANCE.md kept next to the CSV). The node
reads it from the project's shared data folder (`../shared/data/unodc-glotip/data_glotip.csv`
beside the repository), or from `PALERMO_GLOTIP_FILE`, or from a path given on the command
line. When there is none, the load says so and what to do, and changes nothing.

Loading is idempotent: a file whose SHA-256 matches the last GLOTIP import, with its figures
all still there, is not imported again; otherwise the import replaces the previous one, in one
transaction (the figures, the import record and its audit entry, or nothing).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from palermo.settings.env import BASE_DIR
from palermo.statistics.choices import ImportFormat, ValueOrigin
from palermo.statistics.interchange.files import file_digest
from palermo.statistics.interchange.imports import data_import_run
from palermo.statistics.models import DataImport, Value

GLOTIP_ENV = "PALERMO_GLOTIP_FILE"
GLOTIP_RELATIVE = Path("shared", "data", "unodc-glotip", "data_glotip.csv")
GLOTIP_DOWNLOAD = "https://dataunodc.un.org/dp-trafficking-persons"


def glotip_default_path() -> Path:
    """`PALERMO_GLOTIP_FILE`, else the shared data folder beside the repository."""
    configured = os.environ.get(GLOTIP_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return BASE_DIR.parent / GLOTIP_RELATIVE


@dataclass(frozen=True)
class GlotipLoad:
    """What a load did: `status` is "loaded", "unchanged" or "absent"."""

    status: str
    path: Path
    figures: int = 0
    countries: int = 0
    notes: str = ""
    provenance: str = ""

    @property
    def message(self) -> str:
        if self.status == "absent":
            return _(
                "UNODC GLOTIP data not loaded: there is no file {path}. Download "
                "data_glotip.xlsx from {url} (UNODC Research Data Portal, Trafficking in "
                "persons), save its sheet as CSV (header on row 3) and run "
                "`palermo stats load-glotip FILE`, or set {env}."
            ).format(path=self.path, url=GLOTIP_DOWNLOAD, env=GLOTIP_ENV)
        if self.status == "unchanged":
            text = _(
                "UNODC GLOTIP data already loaded from {name}: {figures} figures of {countries} "
                "countries (same file, nothing changed)."
            )
        else:
            text = _(
                "UNODC GLOTIP data loaded from {name}: {figures} figures of {countries} "
                "countries, public."
            )
        return text.format(name=self.path.name, figures=self.figures, countries=self.countries)


def _provenance(path: Path) -> str:
    """The first line of the PROVENANCE.md beside the file, if there is one."""
    note = path.parent / "PROVENANCE.md"
    if not note.is_file():
        return ""
    first = note.read_text(encoding="utf-8").strip().splitlines()
    return first[0].lstrip("# ").strip() if first else ""


def _loaded() -> tuple[int, int]:
    figures = Value.objects.filter(origin=ValueOrigin.GLOTIP)
    return figures.count(), figures.values("country_id").distinct().count()


def glotip_load(path: Path | None = None, *, force: bool = False) -> GlotipLoad:
    """Import the GLOTIP CSV as public figures, unless the same file is already loaded."""
    path = path or glotip_default_path()
    if not path.is_file():
        return GlotipLoad("absent", path)
    provenance = _provenance(path)
    last = DataImport.objects.filter(format=ImportFormat.GLOTIP, dataset__code="glotip").first()
    figures, countries = _loaded()
    if (
        not force
        and last is not None
        and last.public
        and last.digest == file_digest(path)
        and last.values == figures
    ):
        return GlotipLoad("unchanged", path, figures, countries, last.notes, provenance)
    with transaction.atomic():
        result = data_import_run(actor=None, path=path, fmt=ImportFormat.GLOTIP, public=True)
        figures, countries = _loaded()
    return GlotipLoad("loaded", path, result.figures, countries, result.notes, provenance)
