"""Drawing demo data: one seeded random generator and what generation reads from the database.

Owns `Draw` (every random choice of a demo set goes through its one generator, so a seed and a
day always give the same cases) and `Reference` (the active indicator lists and each country's
minimum reflection period).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from palermo.cases import services as s
from palermo.cases.demo.data import demo_data
from palermo.cases.models import Indicator, IndicatorList
from palermo.core.errors import ApplicationError
from palermo.core.models import Country


@dataclass
class Reference:
    """What generation reads from the database: indicator lists and reflection minimums."""

    lists: dict[str, tuple[IndicatorList, list[Indicator]]]
    reflection_days: Callable[[str], int]

    @classmethod
    def load(cls) -> Reference:
        lists: dict[str, tuple[IndicatorList, list[Indicator]]] = {}
        for lst in IndicatorList.objects.filter(active=True).order_by("key", "-version"):
            indicators = list(lst.indicators.order_by("code"))
            if indicators and lst.target not in lists:
                lists[lst.target] = (lst, indicators)
        if not lists:
            raise ApplicationError(
                _("No indicator lists are loaded: run `palermo load-reference` first."),
                code="no_reference_data",
            )
        wanted = demo_data().countries()
        countries = {x.iso3: x for x in Country.objects.filter(iso3__in=wanted)}
        missing = sorted(wanted - set(countries))
        if missing:
            raise ApplicationError(
                _("Countries missing ({}): run `palermo load-reference` first.").format(
                    ", ".join(missing)
                ),
                code="no_reference_data",
            )
        cache: dict[str, int] = {}

        def reflection(iso3: str) -> int:
            if iso3 not in cache:
                cache[iso3] = s.reflection_days_min(countries[iso3])
            return cache[iso3]

        return cls(lists=lists, reflection_days=reflection)


class Draw:
    """Random choices for one demo set: all from one seeded generator, around `today`."""

    def __init__(self, *, seed: int, today: dt.date, ref: Reference) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
        self.today = today
        self.ref = ref

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def days(self, lo: int, hi: int) -> dt.timedelta:
        return dt.timedelta(days=self.rng.randint(lo, hi))

    def past(self, day: dt.date) -> dt.date:
        return min(day, self.today)

    def pick(self, items: Sequence[Any]) -> Any:
        return items[self.rng.randrange(len(items))]

    def some(self, items: Sequence[str], lo: int, hi: int) -> list[str]:
        """Between lo and hi distinct items, sorted (as the services store multi-selects)."""
        distinct = list(dict.fromkeys(items))
        k = min(len(distinct), self.rng.randint(lo, hi))
        return sorted(self.rng.sample(distinct, k))

    def name(self, locale: str, female: bool) -> dict[str, Any]:
        """An invented name in the locale's script, as an identity's first and second name."""
        pool = demo_data().names[locale]
        given = self.pick(pool.female if female else pool.male)
        out: dict[str, Any] = {"first_name": given}
        if pool.family:
            out["second_name"] = self.pick(pool.family)
        return out
