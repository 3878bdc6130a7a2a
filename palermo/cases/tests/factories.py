"""Test data for case management."""

from __future__ import annotations

import datetime as dt

from palermo.cases.models import Indicator, IndicatorList

D = dt.date


def indicator_list(target: str = "adult_labour") -> IndicatorList:
    """A small indicator list covering every dimension with each strength."""
    lst, _ = IndicatorList.objects.get_or_create(
        key="test-{}".format(target),
        version="1",
        defaults={"title": "Test", "target": target, "source": "test"},
    )
    dims = [
        "deceptive_recruitment",
        "coercive_recruitment",
        "recruitment_abuse_of_vulnerability",
        "exploitation",
        "coercion_at_destination",
        "abuse_of_vulnerability_at_destination",
    ]
    for i, dim in enumerate(dims):
        for strength in ("strong", "medium", "weak"):
            Indicator.objects.get_or_create(
                indicator_list=lst,
                code="{}-{}".format(i, strength[0]),
                defaults={
                    "dimension": dim,
                    "strength": strength,
                    "text": "{} {}".format(dim, strength),
                },
            )
    return lst
