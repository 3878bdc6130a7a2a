"""Figures derived from case records and cooperation requests, and route flows from movements.

A national coordinator computes the country's figures for a period from the case records held
by the country's organisations. The database does the counting, over what the case services
keep of each person for the statistics (`palermo.cases.personfacts`): victims detected are read
from the victims counted per organisation and year (periods of whole years) or month, the other
indicators group the stored facts of the persons they count (sex, age group, citizenship, forms
of exploitation, country of exploitation and of return), and only the distinct combinations
come back to Python to be coded and added up into the cells of each breakdown (route flows:
`palermo.statistics.caseflows`, re-exported here). The cooperation indicators count the
country's requests on this node:
those it sent (by date sent) and those it received (by date received), drafts never.
Each derived figure can be traced back to the pseudonyms of the persons it counts, or to the
references of the requests it counts, by the country's coordinator only, and every trace is
audited.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext as _

from palermo.cases.access import case_queryset
from palermo.cases.choices import PersonRole, ProceedingStage, ReferralStatus, ReturnStatus, Verdict
from palermo.cases.models import (
    Person,
    PersonFacts,
    Proceeding,
    Referral,
    Return,
    VictimCount,
    VictimYearCount,
)
from palermo.cooperation.choices import Direction, RequestStatus
from palermo.cooperation.models import Request
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError
from palermo.core.models import Country, Organisation, User
from palermo.core.permissions import AnyUser
from palermo.core.progress import Progress
from palermo.statistics.access import require_coordinator
from palermo.statistics.caseflows import SUPPRESS_BELOW, CaseFlow, route_flows_from_cases
from palermo.statistics.choices import ValueOrigin, ValueStatus
from palermo.statistics.interchange.rows import figure_row, insert_figures
from palermo.statistics.models import DIMENSIONS, TOTAL, UNKNOWN, Derivation, Dimension, Indicator
from palermo.statistics.models import Value as Figure
from palermo.statistics.periods import Period
from palermo.statistics.services import Scope, scope_get
from palermo.statistics.validation import Key

VICTIM_ROLES = (PersonRole.VICTIM, PersonRole.PRESUMED_VICTIM)
PROSECUTED_STAGES = (
    ProceedingStage.PROSECUTION,
    ProceedingStage.TRIAL,
    ProceedingStage.VERDICT,
    ProceedingStage.APPEAL,
)
# The stored facts of a person (cases.personfacts) a cell is coded from.
_FIELDS = (
    "gender",
    "age_code",
    "citizenship",
    "forms",
    "destination",
    "returned_to",
)


def _national(country: str | None) -> QuerySet[Person]:
    """The persons in cases held by the country's organisations (None: every case here), each
    counted once: a record confirmed to be the same person as another is counted under that one
    (`Person.duplicate_of`)."""
    persons = Person.objects.filter(duplicate_of__isnull=True)
    if country is None:
        return persons.filter(case__organisation__country__isnull=False)
    return persons.filter(case__organisation__country_id=country)


def _in(period: Period, field: str) -> Q:
    return Q(**{"{}__gte".format(field): period.start, "{}__lte".format(field): period.end})


def _victims_detected(country: str | None, period: Period) -> QuerySet[Person]:
    return _national(country).filter(Q(role__in=VICTIM_ROLES) & _in(period, "case__opened_on"))


def _victims_assisted(country: str | None, period: Period) -> QuerySet[Person]:
    served = Referral.objects.filter(
        _in(period, "sent_on"),
        status__in=[ReferralStatus.ACCEPTED, ReferralStatus.DELIVERED, ReferralStatus.CLOSED],
    )
    return _national(country).filter(role__in=VICTIM_ROLES, pk__in=served.values("person_id"))


def _victims_returned(country: str | None, period: Period) -> QuerySet[Person]:
    returned = Return.objects.filter(_in(period, "return_date"), status=ReturnStatus.COMPLETED)
    return _national(country).filter(pk__in=returned.values("person_id"))


def _suspects(
    proceedings: QuerySet[Proceeding],
) -> Callable[[str | None, Period], QuerySet[Person]]:
    def persons(country: str | None, period: Period) -> QuerySet[Person]:
        del period  # the proceedings queryset is built for the period by the caller
        return _national(country).filter(
            role=PersonRole.SUSPECT, pk__in=proceedings.values("suspect_id")
        )

    return persons


def _proceedings(period: Period, indicator: str) -> QuerySet[Proceeding]:
    qs = Proceeding.objects.filter(suspect__isnull=False)
    if indicator == "persons_investigated":
        return qs.filter(_in(period, "started_on"))
    if indicator == "persons_prosecuted":
        return qs.filter(_in(period, "started_on"), stage__in=PROSECUTED_STAGES)
    verdict = Verdict.CONVICTED if indicator == "persons_convicted" else Verdict.ACQUITTED
    return qs.filter(_in(period, "verdict_on"), verdict=verdict)


def persons_for(indicator: str, country: str | None, period: Period) -> QuerySet[Person] | None:
    """The persons an indicator counts for a country and period; None if not derivable."""
    if indicator == "victims_detected":
        return _victims_detected(country, period)
    if indicator == "victims_assisted":
        return _victims_assisted(country, period)
    if indicator == "victims_returned":
        return _victims_returned(country, period)
    if indicator in (
        "persons_investigated",
        "persons_prosecuted",
        "persons_convicted",
        "persons_acquitted",
    ):
        return _suspects(_proceedings(period, indicator))(country, period)
    return None


DERIVABLE = (
    "victims_detected",
    "victims_assisted",
    "victims_returned",
    "persons_investigated",
    "persons_prosecuted",
    "persons_convicted",
    "persons_acquitted",
)


# Indicators counted from the cooperation requests of this node (totals: a request carries none
# of the statistics dimensions).
FROM_REQUESTS = ("cooperation_requests_sent", "cooperation_requests_received")


def requests_for(indicator: str, country: str, period: Period) -> QuerySet[Request] | None:
    """The cooperation requests an indicator counts for a country and period; None if it is not
    counted from requests. Sent: the country's outgoing requests, by the day they were sent.
    Received: requests made to the country, by the day they reached this node. Drafts never
    count (they were not sent)."""
    if indicator not in FROM_REQUESTS:
        return None
    requests = Request.objects.exclude(status=RequestStatus.DRAFT)
    if indicator == "cooperation_requests_sent":
        return requests.filter(
            _in(period, "sent_at__date"), direction=Direction.OUTGOING, requesting_country=country
        )
    return requests.filter(
        _in(period, "received_at__date"), direction=Direction.INCOMING, requested_country=country
    )


def request_references(requests: QuerySet[Request]) -> list[str]:
    """This node's reference of each request (its id when it has none), in order."""
    rows = requests.values_list("pk", "direction", "requester_reference", "requested_reference")
    refs = []
    for pk, direction, requester_ref, requested_ref in rows.order_by():
        local = requester_ref if direction == Direction.OUTGOING else requested_ref
        refs.append(local or str(pk))
    return sorted(refs)


# The stored facts each dimension is coded from.
_NEEDS = {
    "sex": ("gender",),
    "age_group": ("age_code",),
    "exploitation": ("forms",),
    "citizenship": ("citizenship",),
    "country_of_exploitation": ("destination",),
    "country_of_repatriation": ("returned_to",),
}


def _fields(dimensions: Sequence[str]) -> tuple[str, ...]:
    return tuple(f for d in dimensions for f in _NEEDS[d])


class Coder:
    """Codes a person's stored facts as the statistics dimensions define them (dimensions.yaml
    `htcds`)."""

    def __init__(self) -> None:
        dims = {
            d.code: d
            for d in Dimension.objects.filter(code__in=("sex", "exploitation")).only(
                "code", "codes"
            )
        }
        self.sex = {v: c["code"] for c in dims["sex"].codes for v in c.get("htcds", [])}
        self.forms = {v: c["code"] for c in dims["exploitation"].codes for v in c.get("htcds", [])}
        self.countries = set(Country.objects.values_list("iso3", flat=True))
        self._form_of: dict[str, str] = {}

    def country(self, code: object) -> str:
        return str(code) if code in self.countries else UNKNOWN

    def form(self, stored: str) -> str:
        """The form of exploitation of a stored list of HTCDS forms (a JSON list)."""
        form = self._form_of.get(stored)
        if form is None:
            forms = {self.forms.get(str(t), "OTHER") for t in json.loads(stored or "[]")}
            form = forms.pop() if len(forms) == 1 else ("MULTIPLE" if forms else UNKNOWN)
            self._form_of[stored] = form
        return form

    def key(self, row: dict[str, Any]) -> Key:
        """The code of every dimension (UNKNOWN for facts the row was not asked for)."""
        return (
            self.sex.get(row.get("gender") or "", UNKNOWN),
            str(row.get("age_code") or UNKNOWN),
            self.form(row.get("forms") or ""),
            self.country(row.get("citizenship") or ""),
            self.country(row.get("destination") or ""),
            self.country(row.get("returned_to") or ""),
        )


def _persons(indicator: str, country: str | None, period: Period) -> QuerySet[Person]:
    persons = persons_for(indicator, country, period)
    if persons is None:
        raise ApplicationError(_("'{}' cannot be derived from case records.").format(indicator))
    return persons


def _facts(persons: QuerySet[Person]) -> QuerySet[PersonFacts]:
    """The stored facts of these persons."""
    return PersonFacts.objects.filter(person__in=persons)


def _victim_counts(country: str | None, *, yearly: bool = False) -> QuerySet[Any]:
    """The victims counted per organisation and month (per year when `yearly`) of the
    country's organisations (every country's on this node for None)."""
    model: type[VictimCount | VictimYearCount] = VictimYearCount if yearly else VictimCount
    counts: QuerySet[Any] = model._default_manager.all()
    if country is None:
        return counts.filter(organisation__country__isnull=False)
    return counts.filter(organisation__country_id=country)


def _whole_years(period: Period) -> bool:
    """True when the period is whole calendar years (its counts can be read per year)."""
    start, end = period.start, period.end
    return (start.month, start.day) == (1, 1) and (end.month, end.day) == (12, 31)


def _counted(
    indicator: str, country: str | None, period: Period
) -> tuple[QuerySet[Any], Count | Sum]:
    """The rows an indicator counts the persons of (the country's, or every country's on this
    node for None), and how to add them up: victims detected from the victims counted per
    organisation and month their case was opened, the others from the facts of the persons."""
    if indicator != "victims_detected":
        return _facts(_persons(indicator, country, period)), Count("pk")
    if _whole_years(period):
        years = Q(year__gte=period.start.year, year__lte=period.end.year)
        return _victim_counts(country, yearly=True).filter(years), Sum("persons")
    # Periods are whole months (periods.py): a case opened in the period is one of its months.
    months = Q(month__gte=period.start, month__lte=period.end)
    return _victim_counts(country).filter(months), Sum("persons")


def _groups(
    rows: QuerySet[Any], total: Count | Sum, fields: Sequence[str], *by: str, coder: Coder
) -> Iterator[tuple[tuple[Any, ...], Key, int]]:
    """(values of `by`, coded key, persons) per distinct combination of `by` and `fields`,
    grouped in the database (each distinct combination of facts coded once)."""
    keys: dict[tuple[Any, ...], Key] = {}
    width = len(by)
    grouped = rows.values(*by, *fields).annotate(n=total).order_by()
    for values in grouped.values_list(*by, *fields, "n"):
        facts = values[width:-1]
        key = keys.get(facts)
        if key is None:
            key = keys[facts] = coder.key(dict(zip(fields, facts, strict=True)))
        yield values[:width], key, int(values[-1])


def person_keys(indicator: str, country: str, period: Period) -> Counter[Key]:
    """How many persons an indicator counts per full key (every dimension coded), set-based."""
    counts: Counter[Key] = Counter()
    for _row, key, n in _groups(*_counted(indicator, country, period), _FIELDS, coder=Coder()):
        counts[key] += n
    return counts


def person_records(
    indicator: str, country: str, period: Period, dimensions: Sequence[str]
) -> Iterator[tuple[str, Key]]:
    """(person id, key over `dimensions`) per person, for differentially private releases."""
    facts = _facts(_persons(indicator, country, period))
    coder = Coder()
    positions = [DIMENSIONS.index(d) for d in dimensions]
    fields = _fields(dimensions)
    for row in facts.values("person_id", *fields).iterator(chunk_size=5000):
        key = coder.key(row)
        yield str(row["person_id"]), tuple(key[i] for i in positions)


def country_table(
    indicator: str, period: Period, dimensions: Sequence[str], countries: Sequence[str] = ()
) -> Counter[Key]:
    """Persons per (country, *dimensions) over every country's cases on this node, counted in
    one grouped query: the input of a regional table (a benchmark, or a release that checks
    access itself). No access check here: callers decide who may have it."""
    counts: Counter[Key] = Counter()
    for (country, _text, *codes), n in country_tables(
        indicator, [period], dimensions, countries
    ).items():
        counts[(country, *codes)] += n
    return counts


def _months(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def _disjoint(periods: Sequence[Period]) -> bool:
    ordered = sorted(periods, key=lambda p: p.start)
    return all(a.end < b.start for a, b in zip(ordered, ordered[1:], strict=False))


def country_tables(
    indicator: str,
    periods: Sequence[Period],
    dimensions: Sequence[str],
    countries: Sequence[str] = (),
) -> Counter[Key]:
    """Persons per (country, period, *dimensions) over every country's cases on this node
    (the period as its text): `country_table` of several periods at once, such as a country x
    year table. Victims detected are counted in one grouped query for periods that do not
    overlap (each month of the counts falls in one of them), over the counts per year when every
    period is whole years; the other indicators in one query per period. No access check here:
    callers decide who may have it."""
    coder = Coder()
    positions = [DIMENSIONS.index(d) for d in dimensions]
    fields = _fields(dimensions)
    counts: Counter[Key] = Counter()
    if not periods:
        return counts
    if indicator == "victims_detected" and _disjoint(periods):
        if all(_whole_years(p) for p in periods):
            return _year_tables(periods, fields, positions, countries, coder)
        # Each month in at most one period: one query, its rows put in their period by the
        # database (a CASE on the month: no date function, none of SQLite's Python ones).
        first = min(p.start for p in periods)
        last = max(p.end for p in periods)
        rows: QuerySet[Any] = _victim_counts(None).filter(month__gte=first, month__lte=last)
        if countries:
            rows = rows.filter(organisation__country_id__in=list(countries))
        which = Case(
            *(
                When(month__gte=p.start, month__lte=p.end, then=Value(i))
                for i, p in enumerate(periods)
            ),
            output_field=IntegerField(),
        )
        rows = rows.annotate(period_of=which)
        if sum(_months(p) for p in periods) < _months(Period("", first, last)):
            rows = rows.filter(period_of__isnull=False)  # not the months between the periods
        texts = [p.text for p in periods]
        grouped = rows.values("organisation__country_id", "period_of", *fields)
        query = (
            grouped.annotate(n=Sum("persons"))
            .order_by()
            .values_list("organisation__country_id", "period_of", *fields, "n")
        )
        # Read through the cursor (no Django row objects), each distinct combination of facts
        # coded once, one tuple and one addition per row.
        codes: dict[tuple[Any, ...], tuple[str, ...]] = {}
        with connection.cursor() as cursor:
            cursor.execute(*query.query.sql_with_params())
            for country, i, *facts, n in cursor.fetchall():
                found = tuple(facts)
                code = codes.get(found)
                if code is None:
                    key = coder.key(dict(zip(fields, found, strict=True)))
                    code = codes[found] = tuple(key[j] for j in positions)
                counts[(country, texts[i], *code)] += n
        return counts
    for period in periods:
        counted, total = _counted(indicator, None, period)
        if countries:
            counted = counted.filter(organisation__country_id__in=list(countries))
        for (country,), key, n in _groups(
            counted, total, fields, "organisation__country_id", coder=coder
        ):
            counts[(str(country), period.text, *(key[j] for j in positions))] += n
    return counts


def _year_tables(
    periods: Sequence[Period],
    fields: Sequence[str],
    positions: Sequence[int],
    countries: Sequence[str],
    coder: Coder,
) -> Counter[Key]:
    """`country_tables` of victims detected for periods of whole years that do not overlap: one
    query over the victims counted per organisation and year (a twelfth of the rows per
    month), grouped by organisation, year and facts, the order of the counts' key (SQLite reads
    it in that order instead of sorting when the facts asked for are the key's first ones, as
    sex, age group and form are). Each organisation is given its country, each year its period,
    here: no join, no CASE per row."""
    text_of = {year: p.text for p in periods for year in range(p.start.year, p.end.year + 1)}
    organisations = Organisation.objects.filter(country__isnull=False)
    rows = VictimYearCount.objects.filter(year__gte=min(text_of), year__lte=max(text_of))
    if countries:
        organisations = organisations.filter(country_id__in=list(countries))
    country_of: dict[int, str] = dict(organisations.values_list("pk", "country_id"))
    counts: Counter[Key] = Counter()
    if countries:
        if not country_of:
            return counts  # no organisation of those countries here
        rows = rows.filter(organisation_id__in=list(country_of))
    query = (
        rows.values("organisation_id", "year", *fields)
        .annotate(n=Sum("persons"))
        .order_by()
        .values_list("organisation_id", "year", *fields, "n")
    )
    codes: dict[tuple[Any, ...], tuple[str, ...]] = {}
    with connection.cursor() as cursor:
        cursor.execute(*query.query.sql_with_params())
        for organisation, year, *facts, n in cursor.fetchall():
            country = country_of.get(organisation)
            text = text_of.get(year)
            if country is None or text is None:  # no country, or a year between the periods
                continue
            found = tuple(facts)
            code = codes.get(found)
            if code is None:
                key = coder.key(dict(zip(fields, found, strict=True)))
                code = codes[found] = tuple(key[j] for j in positions)
            counts[(country, text, *code)] += n
    return counts


def cells_from(indicator: Indicator, counts: Counter[Key]) -> Counter[Key]:
    """Add person counts up into the cells of every breakdown the indicator collects."""
    cells: Counter[Key] = Counter()
    for key, n in counts.items():
        for breakdown in indicator.breakdowns:
            cell = tuple(
                code if dim in breakdown else TOTAL
                for dim, code in zip(DIMENSIONS, key, strict=True)
            )
            cells[cell] += n
    cells[tuple(TOTAL for _ in DIMENSIONS)] += 0  # a total of 0 is a figure too
    return cells


@transaction.atomic
def derivation_run(
    *,
    actor: AnyUser | None,
    dataset: str,
    country: str,
    period: str,
    progress: Progress | None = None,
) -> Derivation:
    """Compute a country's figures for a period from its case records, as draft figures.

    Replaces the drafts of the derivable indicators; refuses when some are already submitted.
    `progress`, when given, is told how many indicators of how many are counted."""
    scope: Scope = scope_get(dataset=dataset, country=country, period=period)
    user = require_coordinator(actor, scope.country)
    indicators = [
        i for i in scope.dataset.indicators.all() if i.code in DERIVABLE or i.code in FROM_REQUESTS
    ]
    if not indicators:
        raise ApplicationError(
            _("No indicator of this data set can be derived from case records or requests.")
        )
    current = scope.values().filter(indicator__in=indicators)
    if current.exclude(status=ValueStatus.DRAFT).exists():
        raise ApplicationError(
            _("Some of these figures are already submitted: return them to draft first."),
            code="already_submitted",
        )
    derivation = Derivation.objects.create(
        dataset=scope.dataset,
        country=scope.country,
        period=scope.period.text,
        period_start=scope.period.start,
        period_end=scope.period.end,
        actor=user,
    )
    rows = []
    persons = 0
    requests = 0
    for done, indicator in enumerate(indicators):
        if progress is not None:
            progress(done, len(indicators))
        counted = requests_for(indicator.code, scope.country.iso3, scope.period)
        if counted is not None:
            n = counted.count()
            requests += n
            counts: Counter[Key] = Counter({tuple(TOTAL for _ in DIMENSIONS): n})
        else:
            counts = person_keys(indicator.code, scope.country.iso3, scope.period)
            persons += sum(counts.values())
        allowed = set(indicator.dimensions)
        for cell, n in sorted(cells_from(indicator, counts).items()):
            if any(c != TOTAL and d not in allowed for d, c in zip(DIMENSIONS, cell, strict=True)):
                continue
            rows.append(
                figure_row(
                    dataset_id=scope.dataset.pk,
                    indicator_id=indicator.pk,
                    country=scope.country.iso3,
                    period=scope.period,
                    cell=cell,
                    number=n,
                    text=str(n),
                    masked=False,
                    origin=ValueOrigin.DERIVED.value,
                    derivation_id=derivation.pk,
                    created_by_id=user.pk,
                )
            )
    if progress is not None:
        progress(len(indicators), len(indicators))
    replaced = current.count()
    Figure.objects.filter(pk__in=list(current.values_list("pk", flat=True))).delete()
    derivation.values = insert_figures(rows)
    derivation.persons = persons
    derivation.save(update_fields=["values", "persons"])
    audit_record(
        actor=user,
        action=AuditAction.CREATE,
        obj=derivation,
        after={
            "scope": scope.describe(),
            "indicators": [i.code for i in indicators],
            "figures": derivation.values,
            "persons": persons,
            "requests": requests,
            "replaced": replaced,
        },
    )
    return derivation


@dataclass(frozen=True)
class Trace:
    """What a derived figure counts, as the records are now: the pseudonyms of the persons, or
    (for the cooperation indicators) this node's references of the requests."""

    figure: Figure
    pseudonyms: list[str]
    requests: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when the records changed since the figure was derived."""
        return len(self.pseudonyms) + len(self.requests) != (self.figure.value or 0)


def derivation_trace(*, actor: AnyUser | None, figure: Figure, reason: str) -> Trace:
    """The pseudonymous persons (or the requests) behind a derived figure; the country's
    coordinator only, with a reason, and audited (who, which figure, which persons or
    requests, why)."""
    user = require_coordinator(actor, figure.country_id)
    if figure.origin != ValueOrigin.DERIVED:
        raise ApplicationError(_("Only derived figures can be traced."))
    if not reason.strip():
        raise ApplicationError(_("Give a reason for tracing the figure."), code="reason_required")
    period = Period(figure.period, figure.period_start, figure.period_end)
    counted = requests_for(figure.indicator.code, figure.country_id, period)
    if counted is not None:
        trace = Trace(figure, [], request_references(counted))
        read = {"requests": trace.requests}
    else:
        trace = Trace(figure, _counted_pseudonyms(figure, period))
        read = {"persons": trace.pseudonyms}
    audit_record(actor=user, action=AuditAction.READ, obj=figure, after=read, reason=reason.strip())
    return trace


def _counted_pseudonyms(figure: Figure, period: Period) -> list[str]:
    """The pseudonyms of the persons a derived figure of a person indicator counts."""
    persons = persons_for(figure.indicator.code, figure.country_id, period)
    assert persons is not None  # noqa: S101 - derived figures are of derivable indicators
    coder = Coder()
    want = figure.key
    found = []
    rows = _facts(persons).values("person__pseudonym", *_FIELDS).order_by("person__pseudonym")
    for row in rows:
        key = coder.key(row)
        if all(w in (TOTAL, k) for w, k in zip(want, key, strict=True)):
            found.append(str(row["person__pseudonym"]))
    return found


@dataclass(frozen=True)
class TracedPerson:
    """A person a figure counts: the pseudonym, and the case reference when the user may see
    the case (None otherwise: the pseudonym alone is shown)."""

    pseudonym: str
    case_reference: str | None


def traced_persons(user: User, pseudonyms: list[str]) -> list[TracedPerson]:
    """The case of each traced person, among the cases this user may see only."""
    visible = dict(
        Person.objects.filter(pseudonym__in=pseudonyms, case__in=case_queryset(user)).values_list(
            "pseudonym", "case__reference"
        )
    )
    return [TracedPerson(p, visible.get(p)) for p in pseudonyms]


# The route flows live in caseflows.py; the views and the API read them from here.
__all__ = ["SUPPRESS_BELOW", "CaseFlow", "route_flows_from_cases"]
