"""Test data for the statistics app: a country's annual figures entered through the service."""

from __future__ import annotations

from typing import Any

from palermo.statistics.services import CellInput, values_enter


def enter(
    user: Any,
    cells: dict[str, Any],
    *,
    country: str = "BWA",
    period: str = "2023",
    dataset: str = "tip-annual",
    **kw: Any,
) -> list[Any]:
    """Enter `{cell id: value}` as draft figures."""
    return values_enter(
        actor=user,
        dataset=dataset,
        country=country,
        period=period,
        cells=[CellInput(cell=c, value=v, **kw) for c, v in cells.items()],
    )


# A consistent set: victims by sex and age add up to the total; prosecutions above convictions.
GOOD = {
    "victims_detected": 20,
    "victims_detected:sex=F:age_group=Y0T17": 6,
    "victims_detected:sex=F:age_group=Y_GE18": 8,
    "victims_detected:sex=M:age_group=Y0T17": 2,
    "victims_detected:sex=M:age_group=Y_GE18": 4,
    "persons_prosecuted": 9,
    "persons_convicted": 5,
}
