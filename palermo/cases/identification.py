"""Screening against indicator lists and the reasoned outcome (ILO/EU operational indicators).

The indicator lists are data (`palermo/cases/data/indicators.yaml`), loaded by
`palermo load-reference`. A dimension is met when the observed indicators of that dimension
reach the publication's threshold (see `dimension_met`); a person is a presumed victim when
recruitment (deceptive, coercive or by abuse of vulnerability) and exploitation are met and,
for adults, coercion or abuse of vulnerability at destination too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from palermo.cases.choices import IndicatorDimension as D
from palermo.cases.choices import IndicatorStrength, ScreeningOutcome
from palermo.cases.models import Indicator, IndicatorList

DATA_FILE = Path(__file__).resolve().parent / "data" / "indicators.yaml"
RECRUITMENT = (
    D.DECEPTIVE_RECRUITMENT,
    D.COERCIVE_RECRUITMENT,
    D.RECRUITMENT_ABUSE_OF_VULNERABILITY,
)
MEANS = (D.COERCION_AT_DESTINATION, D.ABUSE_OF_VULNERABILITY_AT_DESTINATION)


def dimension_met(strengths: Counter[str]) -> bool:
    """The ILO/EC 2009 rule: at least 2 strong; or 1 strong and 1 medium or weak; or 3 medium;
    or 2 medium and 1 weak indicators of the dimension."""
    strong = strengths[IndicatorStrength.STRONG]
    medium = strengths[IndicatorStrength.MEDIUM]
    weak = strengths[IndicatorStrength.WEAK]
    return (
        strong >= 2
        or (strong >= 1 and medium + weak >= 1)
        or medium >= 3
        or (medium >= 2 and weak >= 1)
    )


@dataclass(frozen=True)
class Assessment:
    dimensions_met: list[str]
    outcome: str
    reasoning: str


def assess(indicators: list[Indicator], *, requires_means: bool) -> Assessment:
    per_dimension: dict[str, Counter[str]] = {}
    for ind in indicators:
        per_dimension.setdefault(ind.dimension, Counter())[ind.strength] += 1
    met = sorted(d for d, counts in per_dimension.items() if dimension_met(counts))
    recruitment = [d for d in RECRUITMENT if d in met]
    exploitation = D.EXPLOITATION in met
    means = [d for d in MEANS if d in met]
    presumed = bool(recruitment) and exploitation and (bool(means) or not requires_means)
    labels = dict(D.choices)
    lines = []
    for dim in D.values:
        counts = per_dimension.get(dim, Counter())
        lines.append(
            _("{}: {} strong, {} medium, {} weak -> {}").format(
                labels[dim],
                counts["strong"],
                counts["medium"],
                counts["weak"],
                _("met") if dim in met else _("not met"),
            )
        )
    if presumed:
        recruited = ", ".join(str(labels[d]) for d in recruitment)
        if means:
            verdict = _(
                "Presumed victim: recruitment ({}) and exploitation and means ({}) are met."
            ).format(recruited, ", ".join(str(labels[d]) for d in means))
        else:
            verdict = _(
                "Presumed victim: recruitment ({}) and exploitation (means are not required for "
                "a child) are met."
            ).format(recruited)
    else:
        missing = []
        if not recruitment:
            missing.append(_("recruitment"))
        if not exploitation:
            missing.append(_("exploitation"))
        if requires_means and not means:
            missing.append(_("coercion or abuse of vulnerability at destination"))
        verdict = _("Not presumed a victim on these indicators: {} not met.").format(
            ", ".join(missing)
        )
    return Assessment(
        met,
        ScreeningOutcome.PRESUMED_VICTIM if presumed else ScreeningOutcome.NOT_A_VICTIM,
        verdict + "\n" + "\n".join(lines),
    )


def requires_means(indicator_list: IndicatorList) -> bool:
    return not indicator_list.target.startswith("child")


@transaction.atomic
def indicator_lists_load(path: Path = DATA_FILE) -> int:
    """Create or update the indicator lists from the data file; returns lists written. Only
    what differs from the stored rows is written (a repeated load reads and compares)."""
    if not path.exists():
        return 0
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data: list[dict[str, Any]] = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or []  # noqa: S506 - a safe loader
    stored_lists = {(x.key, x.version): x for x in IndicatorList.objects.all()}
    stored = {(i.indicator_list_id, i.code): i for i in Indicator.objects.all()}
    written = 0
    for item in data:
        indicators = item.get("indicators") or []
        values = {
            "title": item["title"],
            "target": item["target"],
            "source": item.get("source", ""),
            # A list without indicators cannot screen anyone: kept, but not offered.
            "active": bool(indicators),
        }
        lst = stored_lists.get((item["key"], str(item["version"])))
        if lst is None or any(getattr(lst, k) != v for k, v in values.items()):
            lst, _created = IndicatorList.objects.update_or_create(
                key=item["key"], version=str(item["version"]), defaults=values
            )
        for ind in indicators:
            if ind["dimension"] not in D.values or ind["strength"] not in IndicatorStrength.values:
                raise ValueError(
                    _("{}: indicator {} has an unknown dimension or strength").format(
                        path.name, ind.get("code")
                    )
                )
            own = {
                "dimension": ind["dimension"],
                "strength": ind["strength"],
                "text": ind["text"][:300],
            }
            current = stored.get((lst.pk, ind["code"]))
            if current is None or any(getattr(current, k) != v for k, v in own.items()):
                Indicator.objects.update_or_create(
                    indicator_list=lst, code=ind["code"], defaults=own
                )
        written += 1
    return written
