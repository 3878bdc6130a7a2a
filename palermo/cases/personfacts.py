"""What the statistics count of each person, kept beside the person (`PersonFacts`), and the
counts of victims the database keeps from it (`VictimCount`, `VictimYearCount`, `RouteCount`,
`RouteTotal`, and on SQLite `NodeRouteCount`).

Deriving figures and route flows from the case tables at each request meant joining every
person to its case and organisation and finding each victim's route with correlated subqueries
on the movements: 3 s and 8 s at 1,000,000 persons. The facts of a person change only when the
person, one of their movements or returns, or their case is written, so they are computed then,
like a case's facets (`cases.facets`), and the counts follow them in the database.

- `person_facts_refresh`: the services, through `writer.row_save` and `writer.person_save`,
  after a person, movement or return is saved: computed again from the database, under a lock
  of the facts row, and written only when they changed;
- `case_facts_refresh`: after a case is saved (its organisation or opening date may change);
- `planned_facts`: the bulk writer (`writer.cases_bulk_create`: import, bulk demo data) for
  each person it is about to write, from the rows it builds (no query: the same values the
  database gives back once they are stored); `person_facts_create` for persons written just
  now (a person added to a case written earlier in the same import), and `person_facts_fill`
  for every person without facts (migration 0013, benchmarks that write rows directly).

A person confirmed to be the same as another record (`Person.duplicate_of`) is counted once,
under that record: its facts have no role, so no count counts it.

The route and the last return are computed with the same queries the statistics app ran at each
request (first movement of each kind by date then id, last completed return by date then id,
with the database's own order of unknown dates), so the results are those it gave. The count
tables are kept by triggers on `PersonFacts` (migrations 0012 and 0014): any write of the
facts, their deletion by a cascade included, moves the counts in the same statement.
`person_facts_check` and `counts_check` compare everything stored with a fresh computation
(tests hold every writer to them).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import OuterRef, QuerySet, Subquery

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.models import (
    Movement,
    NodeRouteCount,
    Person,
    PersonFacts,
    Return,
    RouteCount,
    RouteTotal,
    VictimCount,
    VictimYearCount,
)
from palermo.cases.models.counts import CELL_FACTS, UNKNOWN_COUNTRY
from palermo.core.bulk import rows_insert

# Whom the count tables count (the statistics' victims detected): frozen in migration 0012's
# triggers too.
VICTIM_ROLES = (c.PersonRole.VICTIM.value, c.PersonRole.PRESUMED_VICTIM.value)
# ICS-TIP age groups (the statistics dimension age_group): children, presumed children
# (age uncertain) included, and adults; "" when the age is not known.
CHILD = "Y0T17"
ADULT = "Y_GE18"
FACT_FIELDS = (
    "organisation_id",
    "opened_on",
    "role",
    "gender",
    "age_code",
    "forms",
    "citizenship",
    "origin",
    "transit",
    "destination",
    "returned_to",
)
BATCH = 5000


@dataclass(frozen=True)
class Tables:
    """The models the facts are computed from and written to: the live ones, or a migration's
    historical ones."""

    person: type[models.Model]
    movement: type[models.Model]
    ret: type[models.Model]
    facts: type[models.Model]


LIVE = Tables(Person, Movement, Return, PersonFacts)


def age_code(age_uncertain: bool | None, age: int | None) -> str:
    """The age group: a child when the age is uncertain or under 18, an adult from 18."""
    if age_uncertain:
        return CHILD
    if age is None:
        return ""
    return CHILD if age < 18 else ADULT


_json_string = json.encoder.encode_basestring_ascii  # json.dumps's text of one str


def forms_text(types: Any) -> str:
    """The distinct forms of exploitation as a sorted JSON list (equal sets, equal text): what
    `json.dumps(..., separators=(",", ":"))` gives, each text encoded as it encodes one (without
    making an encoder for each person)."""
    return "[" + ",".join(map(_json_string, sorted({str(t) for t in types or ()}))) + "]"


def _with_route(persons: QuerySet[Any], tables: Tables) -> QuerySet[Any]:
    """The persons with their route and last completed return, as the statistics computed them
    at each request: the first movement of each kind (by date, then id) and the last completed
    return (by return date, then id), unknown dates where the database sorts them."""

    def first(event: str) -> Subquery:
        moves = tables.movement._default_manager.filter(person=OuterRef("pk"), event_type=event)
        return Subquery(moves.order_by("date", "pk").values("country_id")[:1])

    last_return = tables.ret._default_manager.filter(
        person=OuterRef("pk"), status=c.ReturnStatus.COMPLETED
    ).order_by("-return_date", "-pk")
    annotated: QuerySet[Any] = persons.annotate(
        route_origin=first(h.EventType.RECRUITMENT),
        route_transit=first(h.EventType.TRANSIT),
        route_destination=first(h.EventType.EXPLOITATION),
        last_return=Subquery(last_return.values("destination_id")[:1]),
    )
    return annotated


def _duplicate_field(tables: Tables) -> tuple[str, ...]:
    """The field naming the record a person is counted under, where the person model has it
    (a migration before 0015 runs on a model without it)."""
    names = {f.name for f in tables.person._meta.get_fields()}
    return ("duplicate_of_id",) if "duplicate_of" in names else ()


def facts_compute(persons: QuerySet[Any], tables: Tables = LIVE) -> dict[Any, dict[str, Any]]:
    """{person id: facts} of these persons, from their records in the database."""
    rows = _with_route(persons, tables).values(
        "pk",
        "case__organisation_id",
        "case__opened_on",
        "role",
        *_duplicate_field(tables),
        "gender",
        "age_uncertain",
        "age_at_registration",
        "types_of_exploitation",
        "citizenship",
        "route_origin",
        "route_transit",
        "route_destination",
        "last_return",
    )
    out = {}
    for row in rows.order_by():
        citizenship = row["citizenship"] or []
        out[row["pk"]] = {
            "organisation_id": row["case__organisation_id"],
            "opened_on": row["case__opened_on"],
            # A confirmed duplicate of another record is counted under that one (no role here).
            "role": "" if row.get("duplicate_of_id") else row["role"] or "",
            "gender": row["gender"] or "",
            "age_code": age_code(row["age_uncertain"], row["age_at_registration"]),
            "forms": forms_text(row["types_of_exploitation"]),
            "citizenship": str(citizenship[0]) if citizenship else "",
            "origin": row["route_origin"] or "",
            "transit": row["route_transit"] or "",
            "destination": row["route_destination"] or "",
            "returned_to": row["last_return"] or "",
        }
    return out


_ROUTE_EVENTS = {
    h.EventType.RECRUITMENT.value: "origin",
    h.EventType.TRANSIT.value: "transit",
    h.EventType.EXPLOITATION.value: "destination",
}


def planned_facts(
    person: Mapping[str, Any],
    movements: Iterable[Mapping[str, Any]],
    returns: Iterable[Mapping[str, Any]],
    *,
    organisation_id: int,
    opened_on: Any,
    null_smallest: bool,
) -> dict[str, Any]:
    """The facts of a person about to be written, from its rows ({attname: value}, the
    movements and returns in the order they are inserted, which is their ids' order): the
    values `facts_compute` reads back once they are stored. `null_smallest` is the database's
    order of unknown dates (SQLite sorts them first going up, PostgreSQL last)."""

    def day(value: Any) -> tuple[int, Any]:
        if value is None:
            return (0, None) if null_smallest else (2, None)
        return (1, value)

    firsts: dict[str, tuple[tuple[int, Any], str]] = {}  # by fact: (date's key, country)
    for m in movements:
        fact = _ROUTE_EVENTS.get(m["event_type"])
        if fact is None:
            continue
        when = day(m["date"])
        first = firsts.get(fact)
        if first is None or when < first[0]:  # equal dates: the earlier row stays
            firsts[fact] = (when, m["country_id"])
    last: tuple[tuple[int, Any], Any] | None = None
    for r in returns:
        if r["status"] != c.ReturnStatus.COMPLETED:
            continue
        when = day(r["return_date"])
        if last is None or when >= last[0]:  # equal dates: the later row wins
            last = (when, r["destination_id"])
    citizenship = person["citizenship"] or []
    route = {fact: "" if first[1] is None else str(first[1]) for fact, first in firsts.items()}
    return {
        "organisation_id": organisation_id,
        "opened_on": opened_on,
        "role": str(person["role"] or ""),
        "gender": str(person["gender"] or ""),
        "age_code": age_code(person["age_uncertain"], person["age_at_registration"]),
        "forms": forms_text(person["types_of_exploitation"]),
        "citizenship": str(citizenship[0]) if citizenship else "",
        "origin": route.get("origin", ""),
        "transit": route.get("transit", ""),
        "destination": route.get("destination", ""),
        "returned_to": "" if last is None or last[1] is None else str(last[1]),
    }


def person_facts_refresh(person_ids: Iterable[uuid.UUID | str]) -> int:
    """Compute these persons' facts again and store those that changed; returns how many.

    The facts rows are locked first: a concurrent writer of the same person waits, then
    computes with this one's records committed, so neither leaves facts without the other's
    change (as `case_facets_refresh` locks the case)."""
    ids: list[Any] = list(person_ids)
    if not ids:
        return 0
    with transaction.atomic():
        stored = {
            row["person_id"]: row
            for row in PersonFacts.objects.select_for_update()
            .filter(pk__in=ids)
            .values("person_id", *FACT_FIELDS)
        }
        new = []
        changed = 0
        for pk, facts in facts_compute(Person.objects.filter(pk__in=ids)).items():
            old = stored.get(pk)
            if old is None:
                new.append({"person_id": pk, **facts})
            elif any(old[name] != value for name, value in facts.items()):
                PersonFacts.objects.filter(pk=pk).update(**facts)
                changed += 1
        rows_insert(PersonFacts, new)
    return changed + len(new)


def case_facts_refresh(case_id: uuid.UUID | str, *, organisation_id: int, opened_on: Any) -> int:
    """After a case is saved: its persons' facts take its organisation and opening date (one
    statement, only rows that differ); returns how many changed."""
    return (
        PersonFacts.objects.filter(person__case_id=case_id)
        .exclude(organisation_id=organisation_id, opened_on=opened_on)
        .update(organisation_id=organisation_id, opened_on=opened_on)
    )


def person_facts_create(person_ids: Iterable[uuid.UUID | str], tables: Tables = LIVE) -> int:
    """Store the facts of persons written just now (the bulk writer); returns how many."""
    rows: list[dict[str, Any]] = []
    ids: list[Any] = list(person_ids)
    for start in range(0, len(ids), BATCH):
        persons = tables.person._default_manager.filter(pk__in=ids[start : start + BATCH])
        computed = facts_compute(persons, tables)
        rows.extend({"person_id": pk, **facts} for pk, facts in computed.items())
    rows_insert(tables.facts, rows)
    return len(rows)


def person_facts_fill(tables: Tables = LIVE, batch: int = BATCH) -> int:
    """Store the facts of every person who has none, in batches; returns how many."""
    done = 0
    persons = tables.person._default_manager.filter(facts__isnull=True).order_by("pk")
    last = None
    while True:
        page = persons if last is None else persons.filter(pk__gt=last)
        ids = list(page.values_list("pk", flat=True)[:batch])
        if not ids:
            return done
        done += person_facts_create(ids, tables)
        last = ids[-1]


# --- checks -----------------------------------------------------------------------------------


def person_facts_check(person_ids: Iterable[uuid.UUID | str] | None = None) -> list[str]:
    """Pseudonyms of the persons whose stored facts (missing ones included) differ from their
    records; an empty list when all agree."""
    persons = Person.objects.all()
    if person_ids is not None:
        persons = persons.filter(pk__in=list(person_ids))
    stored = {
        row["person_id"]: row
        for row in PersonFacts.objects.filter(person__in=persons).values("person_id", *FACT_FIELDS)
    }
    pseudonyms = dict(persons.values_list("pk", "pseudonym"))
    wrong = []
    for pk, facts in facts_compute(persons).items():
        old = stored.get(pk)
        if old is None or any(old[name] != value for name, value in facts.items()):
            wrong.append(str(pseudonyms[pk]))
    return sorted(wrong)


def _month(day: Any) -> Any:
    return day.replace(day=1)


def _stored(model: type[models.Model], *key: str) -> Counter[tuple[Any, ...]]:
    return Counter(
        {tuple(r[:-1]): r[-1] for r in model._default_manager.values_list(*key, "persons")}
    )


def counts_check() -> list[str]:
    """The count rows that differ from the stored facts (one line each: table, key, stored,
    expected); an empty list when every count adds up. The node's route counts are kept on
    SQLite only: on PostgreSQL none is expected."""
    victims = PersonFacts.objects.filter(role__in=VICTIM_ROLES)
    tables = ("victim", "year", "route", "total", "node")
    expected: dict[str, Counter[tuple[Any, ...]]] = {t: Counter() for t in tables}
    node = connection.vendor == "sqlite"
    for f in victims.values(*FACT_FIELDS).iterator(chunk_size=BATCH):
        key = (f["gender"], f["age_code"], f["forms"], f["citizenship"], f["destination"])
        org, day = f["organisation_id"], f["opened_on"]
        expected["victim"][(org, _month(day), *key, f["returned_to"])] += 1
        expected["year"][(org, day.year, *key, f["returned_to"])] += 1
        if f["origin"] or f["destination"]:
            route = (f["origin"], f["transit"], f["destination"])
            expected["route"][(org, day.year, *route)] += 1
            expected["total"][(org, *route)] += 1
            if node:
                unknown = UNKNOWN_COUNTRY
                flow = (f["origin"] or unknown, f["transit"], f["destination"] or unknown)
                expected["node"][flow] += 1
    route = ("origin", "transit", "destination")
    stored = {
        "victim": _stored(VictimCount, "organisation_id", "month", *CELL_FACTS),
        "year": _stored(VictimYearCount, "organisation_id", "year", *CELL_FACTS),
        "route": _stored(RouteCount, "organisation_id", "year", *route),
        "total": _stored(RouteTotal, "organisation_id", *route),
        "node": _stored(NodeRouteCount, *route),
    }
    wrong = []
    for table, counts in expected.items():
        for key in sorted(set(counts) | set(stored[table]), key=str):
            if counts.get(key) != stored[table].get(key):
                wrong.append(
                    "{} {}: stored {}, counted {}".format(
                        table, key, stored[table].get(key), counts.get(key)
                    )
                )
    return wrong
