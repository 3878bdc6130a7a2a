"""Partial breakdowns: a breakdown by country (citizenship, country of exploitation or of
repatriation) whose parts are known only for some countries, entered with an explicit
"not stated / other" remainder that Palermo computes: the total minus the parts given.

The remainder is stored as a figure of its own code (`REMAINDER`, "_R"), so that it is shown,
exported and checked as what it is (never mistaken for an "unknown" the source stated), and the
breakdown adds up to its total. Parts that add up to more than the total are refused with the
numbers. A remainder is computed again each time its parts are saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from palermo.core.errors import ApplicationError
from palermo.core.models import Country
from palermo.core.permissions import AnyUser
from palermo.statistics.access import require_coordinator
from palermo.statistics.choices import ValueStatus
from palermo.statistics.models import DIMENSIONS, REMAINDER, TOTAL, DataSet, Dimension, Value
from palermo.statistics.services import CellErrors, CellInput, Scope, scope_get, values_enter
from palermo.statistics.validation import Key, cell_id

REMAINDER_NOTE = "remainder: total minus the parts given"


@dataclass(frozen=True)
class RemainderRequest:
    """Compute (`wanted`) or remove the remainder of one indicator's breakdown by `dimension`."""

    indicator: str
    dimension: str
    wanted: bool = True


def remainder_dimensions() -> set[str]:
    """The dimensions whose breakdowns may carry a computed remainder."""
    return {
        d.code for d in Dimension.objects.all() if REMAINDER in {str(c["code"]) for c in d.codes}
    }


def _total_key() -> Key:
    return tuple(TOTAL for _ in DIMENSIONS)


def remainder_key(dimension: str) -> Key:
    i = DIMENSIONS.index(dimension)
    return tuple(REMAINDER if n == i else TOTAL for n in range(len(DIMENSIONS)))


def remainder_of(values: dict[Key, Value], indicator: str, dimension: str) -> int:
    """The total minus the parts given of `indicator` by `dimension` (the figures of one
    indicator by key). ApplicationError/CellErrors, naming the numbers, when it cannot be."""
    i = DIMENSIONS.index(dimension)
    total = values.get(_total_key())
    label = dimension.replace("_", " ")
    if total is None:
        raise ApplicationError(
            _("Enter the total of {} before computing the '{}' remainder.").format(
                indicator, label
            ),
            code="total_required",
        )
    if total.masked or total.value is None:
        raise ApplicationError(
            _("The total of {} is masked ({}): a remainder cannot be computed from it.").format(
                indicator, total.display
            ),
            code="total_masked",
        )
    parts = [
        v
        for key, v in values.items()
        if key[i] not in (TOTAL, REMAINDER) and all(c == TOTAL for n, c in enumerate(key) if n != i)
    ]
    masked = [v for v in parts if v.masked or v.value is None]
    if masked:
        raise CellErrors(
            _("A masked part ({}) leaves the '{}' remainder of {} unknown: enter a number.").format(
                masked[0].display, label, indicator
            ),
            [{"cell": cell_id(indicator, v.key), "message": _("a masked part")} for v in masked],
            code="part_masked",
        )
    given = sum(int(v.value or 0) for v in parts)
    if given > total.value:
        message = _(
            "The {label} parts given add up to {given}, more than the total {total}: correct "
            "them (the remainder cannot be negative)."
        ).format(label=label, given=given, total=total.value)
        raise CellErrors(
            message,
            [{"cell": cell_id(indicator, total.key), "message": message}],
            code="parts_exceed_total",
        )
    return int(total.value) - given


def _indicator_values(scope: Scope, indicator: str) -> dict[Key, Value]:
    return {v.key: v for v in scope.values().filter(indicator__code=indicator)}


@transaction.atomic
def values_enter_with_remainders(
    *,
    actor: AnyUser | None,
    dataset: DataSet | str,
    country: Country | str,
    period: str,
    cells: Sequence[CellInput],
    remainders: Sequence[RemainderRequest] = (),
) -> list[Value]:
    """Enter draft figures, then compute (or remove) the asked-for remainders, all in one
    transaction: when a remainder cannot be computed, nothing is written."""
    scope = scope_get(dataset=dataset, country=country, period=period)
    require_coordinator(actor, scope.country)
    where: dict[str, Any] = {
        "dataset": scope.dataset,
        "country": scope.country,
        "period": scope.period.text,
    }
    written = values_enter(actor=actor, cells=cells, **where)
    allowed = remainder_dimensions()
    changes: list[CellInput] = []
    for request in remainders:
        if request.dimension not in allowed:
            raise ApplicationError(
                _("A breakdown by {} has no 'not stated / other' remainder.").format(
                    request.dimension.replace("_", " ")
                )
            )
        values = _indicator_values(scope, request.indicator)
        key = remainder_key(request.dimension)
        current = values.get(key)
        name = cell_id(request.indicator, key)
        if current is not None and current.status != ValueStatus.DRAFT:
            continue  # submitted or later: left as it is
        if not request.wanted:
            if current is not None:
                changes.append(CellInput(cell=name, value=None))
            continue
        n = remainder_of(values, request.indicator, request.dimension)
        if current is None or current.value != n or current.masked:
            changes.append(CellInput(cell=name, value=n, notes=_(REMAINDER_NOTE)))
    if changes:
        written += values_enter(actor=actor, cells=changes, **where)
    return written
