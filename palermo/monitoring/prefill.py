"""Answers Palermo fills in before a State answers: what the node already holds about the State
as of the round's date, each with where it comes from. The State sees them as pre-filled, and
may change them, giving a reason.

Sources (a question's `palermo_prefill` in the XLSForm, or its indicator):

- `party:INSTRUMENT` (a yes/no question): whether the State is a party to the instrument (its
  registry slug, such as `trafficking-protocol`) on the round's date, from the registry's
  treaty actions;
- `legislation` (a text question): the State's national legislation in the registry adopted by
  that date, title and date;
- a number bound to a statistics indicator: the State's latest published figure of that
  indicator (totals only) for a period ended by that date;
- `requests_sent[:TYPE]`, `requests_received[:TYPE]` (a whole number): how many cooperation
  requests on this node the State sent, or received, in the year before that date (of one type,
  such as `mla`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext as _

from palermo.cooperation.choices import RequestStatus, RequestType
from palermo.cooperation.models import Request
from palermo.monitoring.choices import NUMERIC, QuestionKind
from palermo.monitoring.models import Question
from palermo.monitoring.xlsform import FormPlan, refused
from palermo.registry.choices import PartyStatus
from palermo.registry.models import Instrument, Legislation
from palermo.registry.selectors import parties
from palermo.statistics.choices import ValueStatus
from palermo.statistics.models import TOTAL, Value

SOURCES = ("party:INSTRUMENT", "legislation", "requests_sent[:TYPE]", "requests_received[:TYPE]")
REQUESTS = ("requests_sent", "requests_received")
# The total of every breakdown: a country's headline figure of an indicator.
TOTALS = {
    "sex": TOTAL,
    "age_group": TOTAL,
    "exploitation": TOTAL,
    "citizenship": TOTAL,
    "country_of_exploitation": TOTAL,
    "country_of_repatriation": TOTAL,
}


@dataclass(frozen=True)
class Prefilled:
    value: Any
    source: str


def prefill_check(plan: FormPlan) -> None:
    """Every `palermo_prefill` of a form names a source Palermo has, for a question of the
    right kind; ApplicationError naming the question otherwise."""
    slugs = set(Instrument.objects.values_list("slug", flat=True))
    for q in plan.questions:
        if not q.prefill:
            continue
        kind, _sep, instrument = q.prefill.partition(":")
        if kind == "party":
            if q.kind != QuestionKind.YES_NO:
                raise refused(q.name, _("palermo_prefill party: is for a yes/no question"))
            if instrument not in slugs:
                raise refused(
                    q.name,
                    _("palermo_prefill names no instrument of the registry: {}").format(instrument),
                )
        elif q.prefill == "legislation":
            if q.kind != QuestionKind.TEXT:
                raise refused(q.name, _("palermo_prefill legislation is for a text question"))
        elif kind in REQUESTS:
            if q.kind != QuestionKind.INTEGER:
                raise refused(q.name, _("palermo_prefill {} is for a whole number").format(kind))
            if instrument and instrument not in RequestType.values:
                raise refused(
                    q.name,
                    _("palermo_prefill {}: the type is one of {}").format(
                        kind, ", ".join(RequestType.values)
                    ),
                )
        else:
            raise refused(
                q.name,
                _("palermo_prefill '{}' is not a source Palermo has: {}").format(
                    q.prefill, ", ".join(SOURCES)
                ),
            )


class Prefiller:
    """The answers to pre-fill in every reply of a round: what the registry and the published
    statistics say as of the round's date, read once for all the States (a round to 190 States
    asks the same questions of each)."""

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of
        self._parties: dict[str, tuple[Instrument, dict[str, Any]]] = {}
        self._laws: dict[str, list[Legislation]] | None = None
        self._figures: dict[int, dict[str, Value]] = {}
        self._requests: dict[str, dict[str, int]] = {}

    def party(self, slug: str, country: str) -> Prefilled:
        if slug not in self._parties:
            instrument = Instrument.objects.get(slug=slug)
            found = parties(instrument=instrument, as_of=self.as_of, with_conflicts=False)
            self._parties[slug] = (instrument, {r.country: r for r in found})
        instrument, by_country = self._parties[slug]
        row = by_country.get(country)
        if row is not None and row.status == PartyStatus.PARTY:
            when = row.consent_date.isoformat() if row.consent_date else "?"
            return Prefilled(
                "yes",
                _("Registry: a party to {} ({} of {}), as of {}").format(
                    instrument.short_name,
                    row.consent_action or _("consent"),
                    when,
                    self.as_of.isoformat(),
                ),
            )
        return Prefilled(
            "no",
            _("Registry: not a party to {} as of {}").format(
                instrument.short_name, self.as_of.isoformat()
            ),
        )

    def legislation(self, country: str) -> Prefilled | None:
        if self._laws is None:
            self._laws = {}
            for law in Legislation.objects.filter(date__lte=self.as_of).order_by("date", "title"):
                self._laws.setdefault(law.country_id, []).append(law)
        laws = self._laws.get(country)
        if not laws:
            return None
        text = "; ".join(
            "{} ({})".format(law.title, law.date.isoformat() if law.date else "?") for law in laws
        )
        return Prefilled(
            text, _("Registry: national legislation adopted by {}").format(self.as_of.isoformat())
        )

    def figure(self, question: Question, country: str) -> Prefilled | None:
        indicator = question.indicator_id
        if indicator is None or question.indicator is None:
            return None
        if indicator not in self._figures:
            latest: dict[str, Value] = {}
            for v in (
                Value.objects.filter(
                    indicator=question.indicator,
                    period_end__lte=self.as_of,
                    value__isnull=False,
                    status=ValueStatus.PUBLISHED,
                    **TOTALS,
                )
                .select_related("dataset")
                .order_by("country_id", "-period_end", "-period_start")
            ):
                latest.setdefault(v.country_id, v)
            self._figures[indicator] = latest
        figure = self._figures[indicator].get(country)
        if figure is None:
            return None
        value: Any = (
            figure.value if question.kind == QuestionKind.INTEGER else float(figure.value or 0)
        )
        return Prefilled(
            value,
            _("Statistics: {} for {}, {} ({})").format(
                question.indicator.code, figure.period, figure.value, figure.dataset.code
            ),
        )

    def requests(self, source: str, country: str) -> Prefilled:
        """How many cooperation requests the State sent or received in the year before."""
        if source not in self._requests:
            side, _sep, type_ = source.partition(":")
            field = "requesting_country_id" if side == "requests_sent" else "requested_country_id"
            start = self.as_of - dt.timedelta(days=365)
            qs = Request.objects.filter(
                sent_at__date__gt=start, sent_at__date__lte=self.as_of
            ).exclude(status=RequestStatus.DRAFT)
            if type_:
                qs = qs.filter(type=type_)
            self._requests[source] = dict(
                qs.values(field).annotate(n=Count("pk")).values_list(field, "n")
            )
        count = self._requests[source].get(country, 0)
        text = (
            _("Cooperation: {} requests sent on this node, {} to {}")
            if source.startswith("requests_sent")
            else _("Cooperation: {} requests received on this node, {} to {}")
        )
        since = (self.as_of - dt.timedelta(days=364)).isoformat()
        return Prefilled(count, text.format(count, since, self.as_of.isoformat()))

    def answers(self, questions: Iterable[Question], country: str) -> dict[int, Prefilled]:
        """The pre-filled answers of one State, by question id (questions with nothing to
        fill in are left out)."""
        out: dict[int, Prefilled] = {}
        for q in questions:
            found: Prefilled | None = None
            if q.prefill.startswith("party:"):
                found = self.party(q.prefill.partition(":")[2], country)
            elif q.prefill == "legislation":
                found = self.legislation(country)
            elif q.prefill.partition(":")[0] in REQUESTS:
                found = self.requests(q.prefill, country)
            elif q.indicator_id is not None and q.kind in NUMERIC:
                found = self.figure(q, country)
            if found is not None:
                out[q.pk] = found
        return out
