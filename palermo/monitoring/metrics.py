"""Indicators of a plan computed from Palermo's own records as of a date.

An indicator's `metric` names what to count, over the plan's States on the last day of a
period (a national plan: its country; a regional plan: its mechanism's members that day):

- `parties:INSTRUMENT`: how many are parties to the instrument (its registry slug, such as
  `trafficking-protocol`) on that day, from the registry's treaty actions;
- `legislation`: how many have national legislation in the registry adopted by that day;
- `focal_points`: how many have a national coordinator, rapporteur or focal point in the
  directory known to this node by that day (the directory keeps no earlier states: before its
  first entry the value is unknown, not 0);
- `statistic:INDICATOR`: the sum of the published totals of a statistics indicator for
  periods within the period;
- `requests_answered_within:DAYS[:TYPE]`: the share (%) of cooperation requests to those
  States sent in the period that were completed within DAYS days (of one request type);
- `victims_assisted`: the persons this node's cases show a service delivered to by an
  organisation of those States in the period; fewer than the statistics' suppression
  threshold is shown as that, never as the number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from palermo.cases.choices import ReferralStatus
from palermo.cases.models import Referral
from palermo.cooperation.choices import RequestStatus, RequestType
from palermo.cooperation.models import Request
from palermo.core.errors import ApplicationError
from palermo.monitoring.prefill import TOTALS
from palermo.registry.choices import DirectoryRole, PartyStatus
from palermo.registry.models import DirectoryEntry, Instrument, Legislation, Mechanism
from palermo.registry.selectors import member_codes, parties
from palermo.statistics.caseflows import SUPPRESS_BELOW
from palermo.statistics.choices import ValueStatus
from palermo.statistics.models import Indicator, Value

METRICS = (
    "parties:INSTRUMENT",
    "legislation",
    "focal_points",
    "statistic:INDICATOR",
    "requests_answered_within:DAYS[:TYPE]",
    "victims_assisted",
)
_FOCAL = (
    DirectoryRole.NATIONAL_COORDINATOR,
    DirectoryRole.NATIONAL_RAPPORTEUR,
    DirectoryRole.FOCAL_POINT,
)


@dataclass(frozen=True)
class Scope:
    """Whose records an indicator counts: one State, or a mechanism's members on the day."""

    country: str | None = None
    mechanism: Mechanism | None = None

    def states(self, on: dt.date) -> set[str]:
        if self.country:
            return {self.country}
        if self.mechanism is not None:
            return member_codes(self.mechanism, on)
        return set()


@dataclass(frozen=True)
class Measured:
    """A computed value (None when suppressed), how it was computed, and the States it counts."""

    value: Decimal | None
    detail: str
    states: tuple[str, ...] = field(default_factory=tuple)
    suppressed: bool = False


def metric_check(metric: str) -> None:
    """ApplicationError naming the problem when `metric` is not one Palermo computes."""
    name, _sep, arg = metric.partition(":")
    if name == "parties":
        if not Instrument.objects.filter(slug=arg).exists():
            raise ApplicationError(
                _("{}: no instrument of the registry has the slug '{}'.").format(metric, arg),
                code="invalid",
            )
    elif name == "statistic":
        if not Indicator.objects.filter(code=arg).exists():
            raise ApplicationError(
                _("{}: no statistics indicator has the code '{}'.").format(metric, arg),
                code="invalid",
            )
    elif name == "requests_answered_within":
        days, _sep, type_ = arg.partition(":")
        if not days.isdigit() or int(days) < 1 or (type_ and type_ not in RequestType.values):
            raise ApplicationError(
                _("{}: give the days as a whole number and a type among {}.").format(
                    metric, ", ".join(RequestType.values)
                ),
                code="invalid",
            )
    elif metric not in ("legislation", "focal_points", "victims_assisted"):
        raise ApplicationError(
            _("'{}' is not a value Palermo computes: {}").format(metric, ", ".join(METRICS)),
            code="invalid",
        )


def measure(metric: str, scope: Scope, start: dt.date, end: dt.date) -> Measured:
    """The metric's value for the period `start`..`end` (treaty status, legislation and the
    directory on `end`)."""
    name, _sep, arg = metric.partition(":")
    states = scope.states(end)
    if name == "parties":
        return _parties(arg, states, end)
    if name == "statistic":
        return _statistic(arg, states, start, end)
    if name == "requests_answered_within":
        return _answered(arg, states, start, end)
    return _COUNTS[name](states, start, end)


def _legislation(states: set[str], start: dt.date, end: dt.date) -> Measured:
    del start  # legislation adopted by the end, whenever
    found = set(
        Legislation.objects.filter(country_id__in=states, date__lte=end).values_list(
            "country_id", flat=True
        )
    )
    return Measured(
        Decimal(len(found)),
        _("Registry: {} of {} States with national legislation adopted by {}").format(
            len(found), len(states), end.isoformat()
        ),
        tuple(sorted(found)),
    )


def _focal_points(states: set[str], start: dt.date, end: dt.date) -> Measured:
    del start  # focal points known by the end
    first = DirectoryEntry.objects.order_by("created_at").values_list("created_at", flat=True)
    known = first.first()
    if known is None or end < known.date():
        return Measured(
            None,
            _("Directory: this node holds no focal points from before {}").format(
                known.date().isoformat() if known else "-"
            ),
        )
    found = set(
        DirectoryEntry.objects.filter(
            country_id__in=states, role__in=_FOCAL, created_at__date__lte=end
        ).values_list("country_id", flat=True)
    )
    return Measured(
        Decimal(len(found)),
        _("Directory: {} of {} States with a national focal point known by {}").format(
            len(found), len(states), end.isoformat()
        ),
        tuple(sorted(found)),
    )


def _parties(slug: str, states: set[str], end: dt.date) -> Measured:
    instrument = Instrument.objects.get(slug=slug)
    found = sorted(
        r.country
        for r in parties(instrument=instrument, as_of=end, with_conflicts=False)
        if r.status == PartyStatus.PARTY and r.country in states
    )
    return Measured(
        Decimal(len(found)),
        _("Registry: {} of {} States parties to {} on {}").format(
            len(found), len(states), instrument.short_name, end.isoformat()
        ),
        tuple(found),
    )


def _statistic(code: str, states: set[str], start: dt.date, end: dt.date) -> Measured:
    rows = Value.objects.filter(
        indicator__code=code,
        country_id__in=states,
        status=ValueStatus.PUBLISHED,
        value__isnull=False,
        period_start__gte=start,
        period_end__lte=end,
        **TOTALS,
    ).values_list("country_id", "value")
    total = Decimal(0)
    counted: set[str] = set()
    for country, value in rows:
        total += Decimal(value or 0)
        counted.add(country)
    return Measured(
        total,
        _("Statistics: {} published for {} of {} States, {} to {}").format(
            code, len(counted), len(states), start.isoformat(), end.isoformat()
        ),
        tuple(sorted(counted)),
    )


def _answered(arg: str, states: set[str], start: dt.date, end: dt.date) -> Measured:
    days_text, _sep, type_ = arg.partition(":")
    days = int(days_text)
    qs = Request.objects.filter(
        requested_country_id__in=states,
        sent_at__date__gte=start,
        sent_at__date__lte=end,
    ).exclude(status=RequestStatus.DRAFT)
    if type_:
        qs = qs.filter(type=type_)
    sent = 0
    within = 0
    for sent_at, completed_at in qs.values_list("sent_at", "completed_at"):
        sent += 1
        if (
            completed_at is not None
            and sent_at is not None
            and (completed_at - sent_at <= dt.timedelta(days=days))
        ):
            within += 1
    if not sent:
        return Measured(None, _("Cooperation: no request sent in the period"))
    share = (Decimal(100 * within) / Decimal(sent)).quantize(Decimal("0.1"))
    return Measured(
        share,
        _("Cooperation: {} of {} requests completed within {} days").format(within, sent, days),
    )


def _assisted(states: set[str], start: dt.date, end: dt.date) -> Measured:
    persons = (
        Referral.objects.filter(
            Q(status=ReferralStatus.DELIVERED) | Q(delivered_on__isnull=False),
            to_organisation__country_id__in=states,
            delivered_on__gte=start,
            delivered_on__lte=end,
        )
        .values("person_id")
        .distinct()
        .count()
    )
    if persons < SUPPRESS_BELOW:
        return Measured(
            None,
            _("Cases: fewer than {} persons assisted (not shown)").format(SUPPRESS_BELOW),
            suppressed=True,
        )
    return Measured(
        Decimal(persons), _("Cases: persons to whom a service was delivered in the period")
    )


_COUNTS = {
    "legislation": _legislation,
    "focal_points": _focal_points,
    "victims_assisted": _assisted,
}
