"""The case law's facets, counted in memory (issue 17).

Counting seven facets over the decisions that match a search is seven grouped queries over
joins (findings, keywords, countries), each as long as the results: 60 to 150 ms at 2,000
decisions on SQLite. What a facet is made of changes only when a decision is written, and every
write of a decision saves its row (`updated_at`), so each process keeps one compact row per
decision (`FacetRow`: its court's country, the route's countries, year, forms, outcomes,
provisions, keywords, longest custody, instance, status) and reads them again when the number of
decisions or their latest `updated_at` differs from what it read (one indexed query a search).
Filtering and counting are then set operations on 10,000 rows: a few milliseconds. Search
engines count facets the same way (Lucene's doc values, held in memory).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max

from palermo.caselaw.models import Decision, DecisionCountry, Finding, Keyword


@dataclass(frozen=True)
class FacetRow:
    pk: Any
    hex: str  # the id as 32 hexadecimal digits (how the full-text search gives it back)
    status: str
    country: str  # the court's ("" for a regional or international court)
    route: frozenset[str]
    year: int
    decided_on: dt.date
    title: str
    instance: str
    forms: frozenset[str]
    outcomes: frozenset[str]
    laws: frozenset[int]
    keywords: frozenset[str]
    longest: int | None  # the longest custody imposed, in months
    sentence: str  # the custody range `longest` falls in ("" for none)

    @property
    def keys(self) -> tuple[tuple[str, Any], ...]:
        """The (facet, value) pairs this decision is counted under."""
        return (
            *((("country", self.country),) if self.country else ()),
            ("year", self.year),
            *(("form", v) for v in self.forms),
            *(("outcome", v) for v in self.outcomes),
            *(("legislation", v) for v in self.laws),
            *(("keyword", v) for v in self.keywords),
            *((("sentence", self.sentence),) if self.sentence else ()),
        )


@dataclass(frozen=True)
class Index:
    version: tuple[Any, ...]
    rows: tuple[FacetRow, ...]  # newest first, then by title: the order of a list
    keywords: dict[str, Keyword]
    # Each row's facet pairs (counted with one C-level Counter over all of them), and for each
    # pair, and ("status", s), ("instance", i), ("route", country), the positions of the rows
    # that have it: a filter is an intersection of these sets.
    keys: tuple[tuple[tuple[str, Any], ...], ...]
    postings: dict[tuple[str, Any], frozenset[int]]

    def having(self, pair: tuple[str, Any]) -> frozenset[int]:
        return self.postings.get(pair, frozenset())


_lock = threading.Lock()
_cache: dict[str, Index] = {}


# Sentence ranges (the longest custody of a decision, in months): (name, from, to or None).
SENTENCES = (
    ("0-11", 0, 11),
    ("12-59", 12, 59),
    ("60-119", 60, 119),
    ("120+", 120, None),
)


def sentence_range(months: int | None) -> str:
    if months is None:
        return ""
    for name, low, high in SENTENCES:
        if months >= low and (high is None or months <= high):
            return name
    return ""


def _version() -> tuple[Any, ...]:
    seen = Decision.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    return (seen["n"], seen["last"])


def _build(version: tuple[Any, ...]) -> Index:
    route: dict[Any, set[str]] = defaultdict(set)
    for pk, code in DecisionCountry.objects.values_list("decision_id", "country_id"):
        route[pk].add(code)
    outcomes: dict[Any, set[str]] = defaultdict(set)
    laws: dict[Any, set[int]] = defaultdict(set)
    longest: dict[Any, int] = {}
    for pk, outcome, law, months in Finding.objects.values_list(
        "decision_id", "outcome", "legislation_id", "custody_months"
    ):
        outcomes[pk].add(outcome)
        if law is not None:
            laws[pk].add(law)
        if months is not None and months > longest.get(pk, -1):
            longest[pk] = months
    codes = {k.pk: k for k in Keyword.objects.all()}
    tagged: dict[Any, set[str]] = defaultdict(set)
    through = Decision.keywords.through
    for pk, keyword in through.objects.values_list("decision_id", "keyword_id"):
        tagged[pk].add(codes[keyword].code)
    rows = tuple(
        FacetRow(
            pk=pk,
            hex=pk.hex,
            status=status,
            country=country or "",
            route=frozenset(route[pk]),
            year=decided_on.year,
            decided_on=decided_on,
            title=title,
            instance=instance,
            forms=frozenset(forms or ()),
            outcomes=frozenset(outcomes[pk]),
            laws=frozenset(laws[pk]),
            keywords=frozenset(tagged[pk]),
            longest=longest.get(pk),
            sentence=sentence_range(longest.get(pk)),
        )
        for pk, status, country, decided_on, title, instance, forms in Decision.objects.values_list(
            "pk", "status", "court__country_id", "decided_on", "title", "instance", "forms"
        ).order_by("-decided_on", "title")
    )
    keys = tuple(row.keys for row in rows)
    postings: dict[tuple[str, Any], set[int]] = defaultdict(set)
    for i, row in enumerate(rows):
        for pair in keys[i]:
            postings[pair].add(i)
        postings[("status", row.status)].add(i)
        postings[("instance", row.instance)].add(i)
        for code in row.route:
            postings[("route", code)].add(i)
    return Index(
        version,
        rows,
        {k.code: k for k in codes.values()},
        keys,
        {pair: frozenset(found) for pair, found in postings.items()},
    )


def index() -> Index:
    """The facet rows of every decision, read again when a decision was written since."""
    version = _version()
    current = _cache.get("index")
    if current is not None and current.version == version:
        return current
    with _lock:
        current = _cache.get("index")
        if current is None or current.version != version:
            current = _cache["index"] = _build(version)
        return current
