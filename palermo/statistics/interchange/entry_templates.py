"""Data-set templates: the entry grid of a country, data set and period as a CSV or XLSX file to
fill in, and a filled-in template read back as the country's draft figures."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError
from palermo.core.permissions import AnyUser
from palermo.statistics.access import require_coordinator
from palermo.statistics.audit_kinds import VALUE_SCOPE
from palermo.statistics.choices import ValueStatus
from palermo.statistics.interchange.exports import table_bytes
from palermo.statistics.interchange.files import ImportFileError, read_rows
from palermo.statistics.models import DIMENSIONS, TOTAL, Value
from palermo.statistics.selectors import entry_grid
from palermo.statistics.services import CellErrors, CellInput, values_enter
from palermo.statistics.validation import cell_id

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
                        _(block.indicator.name),
                        "".join(", {}".format(_(v)) for v in cell.labels.values()),
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
    for raw in read_rows(path, TEMPLATE_REQUIRED, exact=False):
        key = {d: raw.text(d) or TOTAL for d in DIMENSIONS}
        indicator = raw.text("indicator")
        if not indicator:
            raise ImportFileError(path.name, raw.line, _("'indicator' is empty"))
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
                path.name, raw.line, _("'dataset', 'country' and 'period' are required")
            )
        groups[scope].append((raw.line, cell))
    return groups


def template_scopes(path: Path) -> list[tuple[str, str, str]]:
    """The (data set, country, period) a filled-in template holds figures for."""
    return sorted(_template_cells(path))


def template_import(path: Path, actor: AnyUser | None, public: bool) -> list[Value]:
    """A filled-in template: the figures are entered as drafts of each country (its national
    coordinator only); `public` marks them as already published and public."""
    if actor is None:
        raise ApplicationError(
            _("Importing a template needs a national coordinator (--as USER)."), code="forbidden"
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
