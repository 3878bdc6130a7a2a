"""Figures derived from case records and cooperation requests, and route flows from movements.

A national coordinator computes the country's figures for a period from the case records held
by the country's organisations. The database does the counting: persons are grouped by the
coded facts that make up a cell (sex, age group, citizenship, forms of exploitation, country of
exploitation), and only the distinct combinations come back to Python to be coded and added up
into the cells of each breakdown. The cooperation indicators count the country's requests on
this node: those it sent (by date sent) and those it received (by date received), drafts never.
Each derived figure can be traced back to the pseudonyms of the persons it counts, or to the
references of the requests it counts, by the country's coordinator only, and every trace is
audited.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Case as SqlCase
from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from palermo.cases import htcds as h
from palermo.cases.access import case_queryset
from palermo.cases.choices import PersonRole, ProceedingStage, ReferralStatus, ReturnStatus, Verdict
from palermo.cases.models import Movement, Person, Proceeding, Referral, Return
from palermo.cooperation.choices import Direction, RequestStatus
from palermo.cooperation.models import Request
from palermo.core.audit import audit_record
from palermo.core.choices import AuditAction
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import Country, User
from palermo.core.permissions import AnyUser
from palermo.core.progress import Progress
from palermo.statistics.access import coordinator_country, reads_case_flows, require_coordinator
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
_FIELDS = (
    "gender",
    "age_code",
    "citizenship",
    "types_of_exploitation",
    "exploited_in",
    "returned_to",
)


def _national(country: str | None) -> QuerySet[Person]:
    """The persons in cases held by the country's organisations (None: every case here)."""
    if country is None:
        return Person.objects.filter(case__organisation__country__isnull=False)
    return Person.objects.filter(case__organisation__country_id=country)


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


# The person fields each dimension is coded from.
_NEEDS = {
    "sex": ("gender",),
    "age_group": ("age_code",),
    "exploitation": ("types_of_exploitation",),
    "citizenship": ("citizenship",),
    "country_of_exploitation": ("exploited_in",),
    "country_of_repatriation": ("returned_to",),
}


def _fields(dimensions: Sequence[str]) -> tuple[str, ...]:
    return tuple(f for d in dimensions for f in _NEEDS[d])


def _annotated(persons: QuerySet[Person], fields: Sequence[str] = _FIELDS) -> QuerySet[Person]:
    """Add the coded facts a cell needs, computed in the database (only those `fields` use)."""
    first_exploitation = Movement.objects.filter(
        person=OuterRef("pk"), event_type=h.EventType.EXPLOITATION
    ).order_by("date", "pk")
    last_return = Return.objects.filter(
        person=OuterRef("pk"), status=ReturnStatus.COMPLETED
    ).order_by("-return_date", "-pk")
    annotations: dict[str, Any] = {}
    if "age_code" in fields:
        annotations["age_code"] = SqlCase(
            When(age_uncertain=True, then=Value("Y0T17")),
            When(age_at_registration__lt=18, then=Value("Y0T17")),
            When(age_at_registration__gte=18, then=Value("Y_GE18")),
            default=Value(UNKNOWN),
            output_field=CharField(),
        )
    if "exploited_in" in fields:
        annotations["exploited_in"] = Subquery(first_exploitation.values("country_id")[:1])
    if "returned_to" in fields:
        annotations["returned_to"] = Subquery(last_return.values("destination_id")[:1])
    return persons.annotate(**annotations)


class Coder:
    """Codes HTCDS facts as the statistics dimensions define them (dimensions.yaml `htcds`)."""

    def __init__(self) -> None:
        dims = {d.code: d for d in Dimension.objects.all()}
        self.sex = {v: c["code"] for c in dims["sex"].codes for v in c.get("htcds", [])}
        self.forms = {v: c["code"] for c in dims["exploitation"].codes for v in c.get("htcds", [])}
        self.countries = set(Country.objects.values_list("iso3", flat=True))

    def country(self, code: object) -> str:
        return str(code) if code in self.countries else UNKNOWN

    def key(self, row: dict[str, Any]) -> Key:
        """The code of every dimension (UNKNOWN for facts the row was not asked for)."""
        citizenship = row.get("citizenship") or []
        types = row.get("types_of_exploitation") or []
        forms = {self.forms.get(str(t), "OTHER") for t in types}
        form = forms.pop() if len(forms) == 1 else ("MULTIPLE" if forms else UNKNOWN)
        return (
            self.sex.get(row.get("gender") or "", UNKNOWN),
            str(row.get("age_code") or UNKNOWN),
            form,
            self.country(citizenship[0]) if citizenship else UNKNOWN,
            self.country(row.get("exploited_in")),
            self.country(row.get("returned_to")),
        )


def _persons(indicator: str, country: str | None, period: Period) -> QuerySet[Person]:
    persons = persons_for(indicator, country, period)
    if persons is None:
        raise ApplicationError(_("'{}' cannot be derived from case records.").format(indicator))
    return persons


def _groups(
    persons: QuerySet[Person], fields: Sequence[str], *by: str
) -> Iterator[tuple[dict[str, Any], Key, int]]:
    """(row, coded key, persons) per distinct combination of `by` and `fields`, grouped in the
    database."""
    coder = Coder()
    rows = _annotated(persons, fields).values(*by, *fields).annotate(n=Count("pk")).order_by()
    for row in rows:
        yield row, coder.key(row), row["n"]


def person_keys(indicator: str, country: str, period: Period) -> Counter[Key]:
    """How many persons an indicator counts per full key (every dimension coded), set-based."""
    counts: Counter[Key] = Counter()
    for _row, key, n in _groups(_persons(indicator, country, period), _FIELDS):
        counts[key] += n
    return counts


def person_records(
    indicator: str, country: str, period: Period, dimensions: Sequence[str]
) -> Iterator[tuple[str, Key]]:
    """(person id, key over `dimensions`) per person, for differentially private releases."""
    persons = _persons(indicator, country, period)
    coder = Coder()
    positions = [DIMENSIONS.index(d) for d in dimensions]
    fields = _fields(dimensions)
    for row in _annotated(persons, fields).values("pk", *fields).iterator(chunk_size=5000):
        key = coder.key(row)
        yield str(row["pk"]), tuple(key[i] for i in positions)


def country_table(
    indicator: str, period: Period, dimensions: Sequence[str], countries: Sequence[str] = ()
) -> Counter[Key]:
    """Persons per (country, *dimensions) over every country's cases on this node, counted in
    one grouped query: the input of a regional table (a benchmark, or a release that checks
    access itself). No access check here: callers decide who may have it."""
    persons = _persons(indicator, None, period)
    if countries:
        persons = persons.filter(case__organisation__country_id__in=list(countries))
    positions = [DIMENSIONS.index(d) for d in dimensions]
    counts: Counter[Key] = Counter()
    country = "case__organisation__country_id"
    for row, key, n in _groups(persons, _fields(dimensions), country):
        counts[(str(row[country]), *(key[i] for i in positions))] += n
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
    for row in _annotated(persons).values("pseudonym", *_FIELDS).order_by("pseudonym"):
        key = coder.key(row)
        if all(w in (TOTAL, k) for w, k in zip(want, key, strict=True)):
            found.append(str(row["pseudonym"]))
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


# --- route flows from case movements ----------------------------------------------------------


@dataclass(frozen=True)
class CaseFlow:
    """Victims recruited in `origin`, moved through `transit` ("" if none recorded), exploited
    in `destination`. `count` is None when suppressed (below the threshold, for analysts)."""

    origin: str
    transit: str
    destination: str
    count: int | None

    @property
    def display(self) -> str:
        return "<{}".format(SUPPRESS_BELOW) if self.count is None else str(self.count)


SUPPRESS_BELOW = 5


def route_flows_from_cases(
    *,
    user: AnyUser | None,
    year_from: int | None = None,
    year_to: int | None = None,
    threshold: int = SUPPRESS_BELOW,
) -> list[CaseFlow]:
    """Origin -> transit -> destination of victims from the movements in case records.

    A national coordinator gets the exact flows of the country's cases; an analyst gets the
    flows of every case on this node with flows below `threshold` suppressed (only counts of
    groups leave the node, never a case). Others: ForbiddenError."""
    if not reads_case_flows(user):
        raise ForbiddenError(_("Route flows from case records are for coordinators and analysts."))
    country = coordinator_country(user)
    persons = Person.objects.filter(role__in=VICTIM_ROLES)
    if country:
        persons = persons.filter(case__organisation__country_id=country)
    if year_from is not None or year_to is not None:
        persons = persons.annotate(opened_year=ExtractYear("case__opened_on"))
        if year_from is not None:
            persons = persons.filter(opened_year__gte=year_from)
        if year_to is not None:
            persons = persons.filter(opened_year__lte=year_to)

    def first(event: str) -> Subquery:
        moves = Movement.objects.filter(person=OuterRef("pk"), event_type=event)
        return Subquery(moves.order_by("date", "pk").values("country_id")[:1])

    rows = (
        persons.annotate(
            origin=first(h.EventType.RECRUITMENT),
            transit=first(h.EventType.TRANSIT),
            destination=first(h.EventType.EXPLOITATION),
        )
        .exclude(origin__isnull=True, destination__isnull=True)
        .values("origin", "transit", "destination")
        .annotate(n=Count("pk"))
        .order_by()
    )
    flows = []
    for row in rows:
        n = int(row["n"])
        count: int | None = n if country or n >= threshold else None
        flows.append(
            CaseFlow(
                row["origin"] or UNKNOWN, row["transit"] or "", row["destination"] or UNKNOWN, count
            )
        )
    return sorted(flows, key=lambda f: (-(f.count or 0), f.origin, f.transit, f.destination))
