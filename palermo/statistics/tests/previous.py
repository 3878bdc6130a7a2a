"""The queries the derivation and the route flows ran at each request before issue 14, kept as
the reference: the stored facts and counts (`palermo.cases.personfacts`) must give the same
results (tests, and `bench/bench_derivation.py` at 1,000,000 persons).

Persons joined to their cases and organisations, each victim's route and last return found by
correlated subqueries on the movements and returns, grouped in the database, coded here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import CharField, Count, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import ExtractYear

from palermo.cases import htcds as h
from palermo.cases.choices import ReturnStatus
from palermo.cases.models import Movement, Person, Return
from palermo.core.models import Country
from palermo.statistics.access import coordinator_country
from palermo.statistics.derivation import VICTIM_ROLES, persons_for
from palermo.statistics.models import DIMENSIONS, UNKNOWN, Dimension
from palermo.statistics.periods import Period
from palermo.statistics.validation import Key

FIELDS = (
    "gender",
    "age_code",
    "citizenship",
    "types_of_exploitation",
    "exploited_in",
    "returned_to",
)
NEEDS = {
    "sex": ("gender",),
    "age_group": ("age_code",),
    "exploitation": ("types_of_exploitation",),
    "citizenship": ("citizenship",),
    "country_of_exploitation": ("exploited_in",),
    "country_of_repatriation": ("returned_to",),
}


def annotated(persons: QuerySet[Person], fields: Sequence[str] = FIELDS) -> QuerySet[Person]:
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
    def __init__(self) -> None:
        dims = {d.code: d for d in Dimension.objects.all()}
        self.sex = {v: c["code"] for c in dims["sex"].codes for v in c.get("htcds", [])}
        self.forms = {v: c["code"] for c in dims["exploitation"].codes for v in c.get("htcds", [])}
        self.countries = set(Country.objects.values_list("iso3", flat=True))

    def country(self, code: object) -> str:
        return str(code) if code in self.countries else UNKNOWN

    def key(self, row: dict[str, Any]) -> Key:
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
    assert persons is not None  # noqa: S101 - a derivable indicator
    return persons


def person_keys(indicator: str, country: str, period: Period) -> Counter[Key]:
    coder = Coder()
    counts: Counter[Key] = Counter()
    persons = annotated(_persons(indicator, country, period))
    for row in persons.values(*FIELDS).annotate(n=Count("pk")).order_by():
        counts[coder.key(row)] += row["n"]
    return counts


def country_table(
    indicator: str, period: Period, dimensions: Sequence[str], countries: Sequence[str] = ()
) -> Counter[Key]:
    persons = _persons(indicator, None, period)
    if countries:
        persons = persons.filter(case__organisation__country_id__in=list(countries))
    positions = [DIMENSIONS.index(d) for d in dimensions]
    fields = tuple(f for d in dimensions for f in NEEDS[d])
    coder = Coder()
    counts: Counter[Key] = Counter()
    country = "case__organisation__country_id"
    rows = annotated(persons, fields).values(country, *fields).annotate(n=Count("pk")).order_by()
    for row in rows:
        key = coder.key(row)
        counts[(str(row[country]), *(key[i] for i in positions))] += row["n"]
    return counts


def route_flows(
    *, user: Any, year_from: int | None = None, year_to: int | None = None, threshold: int = 5
) -> list[tuple[str, str, str, int | None]]:
    """(origin, transit, destination, count) in the order route_flows_from_cases gave them."""
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
        count = n if country or n >= threshold else None
        flows.append(
            (row["origin"] or UNKNOWN, row["transit"] or "", row["destination"] or UNKNOWN, count)
        )
    return sorted(flows, key=lambda f: (-(f[3] or 0), f[0], f[1], f[2]))


def person_records(
    indicator: str, country: str, period: Period, dimensions: Sequence[str]
) -> list[tuple[str, Key]]:
    coder = Coder()
    positions = [DIMENSIONS.index(d) for d in dimensions]
    fields = tuple(f for d in dimensions for f in NEEDS[d])
    out = []
    for row in annotated(_persons(indicator, country, period), fields).values("pk", *fields):
        key = coder.key(row)
        out.append((str(row["pk"]), tuple(key[i] for i in positions)))
    return out
