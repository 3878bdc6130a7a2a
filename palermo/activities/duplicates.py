"""One activity, several reports (issue 17): the same training reported by its donor, its
implementer and its host State is found and counted once (d-portal's open double-counting
problem).

Two reports are of one activity when they share a recipient country, their dates overlap (or
lie within `DAYS` of each other), they name an organisation in common (by IATI ref, or by its
name compared as the linkage engine compares names: romanised tokens, padded bigrams, Dice; the
implementing organisation when both name one), and
their titles agree (the best Dice of their titles' bigrams over the languages each gives,
through the same romanisation: a French title against a French one, a Cyrillic one against its
Latin transliteration). The rule is strict on purpose: every link needs evidence of all four
kinds, so that reports are not chained through a common country and year. Reports are grouped
by the links (each group one activity, `Activity.group`), regrouped whenever activities are
imported; a report that links to none is its own group.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from palermo.activities.models import Activity, Participation, RecipientCountry
from palermo.linkage.normalise import bigrams, dice, latin_tokens

DAYS = 45  # dates this far apart still overlap (a report's planned dates, another's actual)
TOGETHER = dt.timedelta(days=120)  # two reports of one activity begin or end this close
TITLE_DICE = 0.55  # titles at least this alike (Dice of their bigrams, best language pair)
NAME_DICE = 0.8  # organisation names at least this alike
FAR_FUTURE = dt.date(9999, 12, 31)
FAR_PAST = dt.date(1, 1, 1)


@dataclass(frozen=True)
class Report:
    pk: uuid.UUID
    countries: frozenset[str]
    start: dt.date
    end: dt.date
    refs: frozenset[str]
    names: tuple[list[int], ...]
    titles: tuple[list[int], ...]
    # The implementing organisations named (IATI role 4): refs, and names' bigrams.
    implementers: frozenset[str]
    implementer_names: tuple[list[int], ...]


def _report(a: Activity, countries: Iterable[str], orgs: Iterable[tuple[str, str, str]]) -> Report:
    start = a.start_actual or a.start_planned or FAR_PAST
    end = a.end_actual or a.end_planned or start if start != FAR_PAST else FAR_FUTURE
    listed = list(orgs)
    refs = {ref.strip().lower() for _role, ref, _name in listed if ref.strip()}
    refs.add(a.reporting_org_ref.strip().lower())
    names = [name for _role, _ref, name in listed if name] + [a.reporting_org_name]
    implementing = [(ref, name) for role, ref, name in listed if role == "4"]
    return Report(
        pk=a.pk,
        countries=frozenset(countries),
        start=start,
        end=end,
        refs=frozenset(r for r in refs if r),
        names=tuple(bigrams(latin_tokens(n, digits=True)) for n in names if n),
        titles=tuple(bigrams(latin_tokens(t, digits=True)) for t in a.title.values() if t),
        implementers=frozenset(ref.strip().lower() for ref, _name in implementing if ref.strip()),
        implementer_names=tuple(
            bigrams(latin_tokens(n, digits=True)) for _ref, n in implementing if n
        ),
    )


def _overlap(a: Report, b: Report) -> bool:
    """Their periods overlap, and they begin or end about the same time (one report's planned
    dates, another's actual ones): two projects that merely run at the same time do not."""
    slack = dt.timedelta(days=DAYS)
    if not (a.start <= b.end + slack and b.start <= a.end + slack):
        return False
    return abs(a.start - b.start) <= TOGETHER or abs(a.end - b.end) <= TOGETHER


def _alike(
    a: frozenset[str], b: frozenset[str], x: Sequence[list[int]], y: Sequence[list[int]]
) -> bool:
    """Organisations in common: by IATI ref where both sides give refs (two refs that differ
    are two organisations, whatever their names), else by name."""
    if a and b:
        return bool(a & b)
    return any(dice(p, q) >= NAME_DICE for p in x for q in y)


def _shared_org(a: Report, b: Report) -> bool:
    """An organisation in common; where both name who implements, the implementer in common
    (one donor funds many activities in a country at once, each implemented by another)."""
    if (a.implementers or a.implementer_names) and (b.implementers or b.implementer_names):
        return _alike(a.implementers, b.implementers, a.implementer_names, b.implementer_names)
    return _alike(a.refs, b.refs, a.names, b.names)


def _titles(a: Report, b: Report) -> float:
    return max((dice(x, y) for x in a.titles for y in b.titles), default=0.0)


def same_activity(a: Report, b: Report) -> bool:
    """Two reports of one activity (every kind of evidence present)."""
    return (
        bool(a.countries & b.countries)
        and _overlap(a, b)
        and _shared_org(a, b)
        and _titles(a, b) >= TITLE_DICE
    )


def groups(reports: Sequence[Report]) -> list[set[uuid.UUID]]:
    """The reports grouped by their links (pairs compared within a country only)."""
    by_country: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(reports):
        for code in r.countries:
            by_country[code].append(i)
    parent = list(range(len(reports)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: set[tuple[int, int]] = set()
    slack = dt.timedelta(days=DAYS)
    for members in by_country.values():
        # A sweep by start date: each report against those that start before it ends (with the
        # slack), not against every other report of the country.
        members.sort(key=lambda i: reports[i].start)
        for n, x in enumerate(members):
            limit = reports[x].end + slack if reports[x].end < FAR_FUTURE - slack else FAR_FUTURE
            for y in itertools.islice(members, n + 1, None):
                if reports[y].start > limit:
                    break
                pair = (x, y) if x < y else (y, x)
                if pair in seen:
                    continue
                seen.add(pair)
                if same_activity(reports[x], reports[y]):
                    parent[root(x)] = root(y)
    found: dict[int, set[uuid.UUID]] = defaultdict(set)
    for i, r in enumerate(reports):
        found[root(i)].add(r.pk)
    return list(found.values())


def regroup() -> int:
    """Group every activity's reports again; returns how many groups have several reports."""
    countries: dict[uuid.UUID, set[str]] = defaultdict(set)
    for pk, code in RecipientCountry.objects.values_list("activity_id", "country_id"):
        countries[pk].add(code)
    orgs: dict[uuid.UUID, list[tuple[str, str, str]]] = defaultdict(list)
    for pk, role, ref, name in Participation.objects.values_list(
        "activity_id", "role", "ref", "name"
    ):
        orgs[pk].append((role, ref, name))
    rows = list(
        Activity.objects.only(
            "pk",
            "group",
            "title",
            "reporting_org_ref",
            "reporting_org_name",
            "start_planned",
            "start_actual",
            "end_planned",
            "end_actual",
        )
    )
    reports = [_report(a, countries[a.pk], orgs[a.pk]) for a in rows]
    found = groups(reports)
    group_of = {pk: min(group) for group in found for pk in group}
    changed = [(group_of[a.pk], a.pk) for a in rows if a.group != group_of[a.pk]]
    # One UPDATE statement run for every change (Django's bulk_update builds a CASE of every
    # row, 3.5 s at 10,000).
    field = Activity._meta.get_field("id")
    prepared = [
        (field.get_db_prep_value(key, connection), field.get_db_prep_value(pk, connection))
        for key, pk in changed
    ]
    table = connection.ops.quote_name(Activity._meta.db_table)
    column = connection.ops.quote_name("group")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE {} SET {} = %s WHERE id = %s".format(table, column),  # noqa: S608 - names
            prepared,
        )
    return sum(1 for g in found if len(g) > 1)
