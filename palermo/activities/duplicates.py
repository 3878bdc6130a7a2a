"""One activity, several reports (issue 17): the same training reported by its donor, its
implementer and its host State is found and counted once (d-portal's open double-counting
problem).

Two reports are of one activity when they share a recipient country, their dates overlap (or
lie within `DAYS` of each other), they name an organisation in common (by IATI ref, or by its
name compared as the linkage engine compares names: romanised tokens, padded bigrams, Dice), and
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

from django.db import transaction

from palermo.activities.models import Activity, Participation, RecipientCountry
from palermo.linkage.normalise import bigrams, dice, latin_tokens

DAYS = 45  # dates this far apart still overlap (a report's planned dates, another's actual)
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


def _report(a: Activity, countries: Iterable[str], orgs: Iterable[tuple[str, str]]) -> Report:
    start = a.start_actual or a.start_planned or FAR_PAST
    end = a.end_actual or a.end_planned or start if start != FAR_PAST else FAR_FUTURE
    refs = {ref.strip().lower() for ref, _name in orgs if ref.strip()}
    refs.add(a.reporting_org_ref.strip().lower())
    names = [name for _ref, name in orgs if name] + [a.reporting_org_name]
    return Report(
        pk=a.pk,
        countries=frozenset(countries),
        start=start,
        end=end,
        refs=frozenset(r for r in refs if r),
        names=tuple(bigrams(latin_tokens(n)) for n in names if n),
        titles=tuple(bigrams(latin_tokens(t, digits=True)) for t in a.title.values() if t),
    )


def _overlap(a: Report, b: Report) -> bool:
    slack = dt.timedelta(days=DAYS)
    return a.start <= b.end + slack and b.start <= a.end + slack


def _shared_org(a: Report, b: Report) -> bool:
    if a.refs & b.refs:
        return True
    return any(dice(x, y) >= NAME_DICE for x in a.names for y in b.names)


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
    for members in by_country.values():
        members.sort(key=lambda i: reports[i].start)
        for x, y in itertools.combinations(members, 2):
            if (x, y) in seen:
                continue
            seen.add((x, y))
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
    orgs: dict[uuid.UUID, list[tuple[str, str]]] = defaultdict(list)
    for pk, ref, name in Participation.objects.values_list("activity_id", "ref", "name"):
        orgs[pk].append((ref, name))
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
    with transaction.atomic():
        changed = [a for a in rows if a.group != group_of[a.pk]]
        for a in changed:
            a.group = group_of[a.pk]
        Activity.objects.bulk_update(changed, ["group"], batch_size=2000)
    return sum(1 for g in found if len(g) > 1)
