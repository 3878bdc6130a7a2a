"""Reads of the case law (issue 17): what a user may see, the search with its facets, one
decision with its parts."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from palermo.caselaw import choices as c
from palermo.caselaw import facets, search
from palermo.caselaw.models import Decision, Keyword
from palermo.caselaw.services import EDITOR_ROLES
from palermo.cases.htcds import TypeOfExploitation
from palermo.core.errors import NotFoundError
from palermo.core.models import Country, User
from palermo.core.permissions import AnyUser
from palermo.registry.models import Legislation

PAGE = 20
FACET_ORDER = ("country", "year", "form", "outcome", "legislation", "sentence", "keyword")
SENTENCES = facets.SENTENCES


def visible(user: AnyUser | None) -> QuerySet[Decision]:
    """Published decisions for everyone; drafts too for those who write case law."""
    decisions = Decision.objects.all()
    if writes_case_law(user):
        return decisions
    return decisions.filter(status=c.Status.PUBLISHED)


@dataclass
class Filters:
    q: str = ""
    country: str = ""
    year_from: int | None = None
    year_to: int | None = None
    form: str = ""
    outcome: str = ""
    legislation: int | None = None
    keyword: str = ""
    instance: str = ""
    sentence: str = ""

    def applied(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v not in ("", None)}


@dataclass
class Facet:
    value: str
    label: str
    count: int


@dataclass
class Results:
    count: int
    decisions: list[Decision]
    facets: dict[str, list[Facet]] = field(default_factory=dict)


def _positions(index: facets.Index, f: Filters, writer: bool) -> frozenset[int] | None:
    """The positions of the rows matching the filters (None: every row)."""
    sets: list[frozenset[int]] = []
    if not writer:
        sets.append(index.having(("status", c.Status.PUBLISHED)))
    if f.country:
        sets.append(index.having(("country", f.country)) | index.having(("route", f.country)))
    if f.year_from is not None or f.year_to is not None:
        low = f.year_from if f.year_from is not None else 0
        high = f.year_to if f.year_to is not None else 9999
        years = [
            found
            for (name, value), found in index.postings.items()
            if name == "year" and low <= value <= high
        ]
        sets.append(frozenset().union(*years))
    for name, value in (
        ("form", f.form),
        ("outcome", f.outcome),
        ("legislation", f.legislation),
        ("keyword", f.keyword),
        ("instance", f.instance),
        ("sentence", f.sentence),
    ):
        if value not in ("", None):
            sets.append(index.having((name, value)))
    if not sets:
        return None
    sets.sort(key=len)
    return sets[0].intersection(*sets[1:])


def writes_case_law(user: AnyUser | None) -> bool:
    """Registry editors and investigators/prosecutors: they see drafts too."""
    return isinstance(user, User) and user.is_authenticated and user.role in EDITOR_ROLES


def _facets(
    index: facets.Index, positions: Sequence[int], keywords: dict[str, Keyword]
) -> dict[str, list[Facet]]:
    language = get_language() or "en"
    counts: dict[str, Counter[Any]] = {name: Counter() for name in FACET_ORDER}
    keys = index.keys
    for (name, value), n in Counter(
        itertools.chain.from_iterable(keys[i] for i in positions)
    ).items():
        counts[name][value] = n
    names = dict(
        Country.objects.filter(iso3__in=list(counts["country"])).values_list("iso3", "name")
    )
    titles = dict(
        Legislation.objects.filter(pk__in=list(counts["legislation"])).values_list("pk", "title")
    )
    forms = dict(TypeOfExploitation.choices)
    outcomes = dict(c.Outcome.choices)
    labels: dict[str, Callable[[Any], str]] = {
        "country": lambda k: names.get(k, k),
        "year": str,
        "form": lambda k: str(forms.get(k, k)),
        "outcome": lambda k: str(outcomes.get(k, k)),
        "legislation": lambda k: titles.get(k, str(k)),
        "keyword": lambda k: keywords[k].label_in(language) if k in keywords else k,
        "sentence": lambda k: _("{} months").format(k),
    }
    out: dict[str, list[Facet]] = {}
    for name in FACET_ORDER:
        found = counts[name]
        if name == "year":
            ordered = sorted(found.items(), reverse=True)
        elif name == "sentence":
            ordered = [(n, found[n]) for n, _low, _high in SENTENCES if found[n]]
        else:
            ordered = sorted(found.items(), key=lambda kv: (-kv[1], str(kv[0])))
        out[name] = [Facet(str(k), labels[name](k), n) for k, n in ordered]
    return out


def decisions_search(
    user: AnyUser | None,
    filters: Filters,
    *,
    page: int = 1,
    size: int = PAGE,
    facets_too: bool = True,
) -> Results:
    """The decisions matching the filters (best match first when there is a text, else the
    newest first), one page of them, and the facets of all of them."""
    current = facets.index()
    found = _positions(current, filters, writes_case_law(user))
    positions: list[int] = list(range(len(current.rows))) if found is None else sorted(found)
    ranked = search.matching(filters.q) if filters.q else None
    if ranked is not None:  # best match first; else the index's order, newest first
        order = {hex_id: i for i, hex_id in enumerate(ranked)}
        rows = current.rows
        positions = sorted(
            (i for i in positions if rows[i].hex in order), key=lambda i: order[rows[i].hex]
        )
    start = (max(page, 1) - 1) * size
    ids = [current.rows[i].pk for i in positions[start : start + size]]
    by_id = {d.pk: d for d in _rows(Decision.objects.filter(pk__in=ids))}
    shown = [by_id[pk] for pk in ids if pk in by_id]
    counted = _facets(current, positions, current.keywords) if facets_too else {}
    return Results(len(positions), shown, counted)


def _rows(rows: QuerySet[Decision]) -> QuerySet[Decision]:
    return rows.select_related("court").prefetch_related("findings")


def decision_get(user: AnyUser | None, key: str) -> Decision:
    """One decision the user may see, by key, with its parts (NotFoundError otherwise)."""
    decision = (
        visible(user)
        .select_related("court__country", "court__mechanism", "appeal_of")
        .prefetch_related(
            "summaries",
            "countries__country",
            "parties",
            "findings__party",
            "findings__legislation",
            "keywords",
            "sources__document",
            "appeals",
            "judgments",
        )
        .filter(key=key)
        .first()
    )
    if decision is None:
        raise NotFoundError(_("No such decision."), code="not_found")
    return decision


def summary_for(decision: Decision, language: str) -> Any:
    """The summary in the page's language, else in the judgment's, else the first."""
    summaries = list(decision.summaries.all())
    want = search.base_language(language)
    for candidate in (want, search.base_language(decision.language)):
        for s in summaries:
            if search.base_language(s.language) == candidate:
                return s
    return summaries[0] if summaries else None


def row(decision: Decision) -> dict[str, Any]:
    return {
        "id": decision.pk,
        "key": decision.key,
        "title": decision.title,
        "court": decision.court.name,
        "country": decision.court.country_id,
        "decided_on": decision.decided_on,
        "case_number": decision.case_number,
        "instance": decision.instance,
        "status": decision.status,
        "outcomes": sorted({f.outcome for f in decision.findings.all()}),
    }


def chain(decision: Decision) -> list[Decision]:
    """The decision's chain of appeals, first instance first (as far as it is recorded)."""
    earlier: list[Decision] = []
    current = decision.appeal_of
    while current is not None and current not in earlier and len(earlier) < 10:
        earlier.insert(0, current)
        current = current.appeal_of
    return [*earlier, decision, *decision.appeals.all()]


def export_rows(user: AnyUser | None, keys: Sequence[str] = ()) -> QuerySet[Decision]:
    rows = visible(user)
    return rows.filter(key__in=keys) if keys else rows


def keyword_rows() -> list[dict[str, Any]]:
    return [
        {
            "code": k.code,
            "label": k.label,
            "labels": k.labels,
            "vocabulary": k.vocabulary.version,
            "sherloc": k.sherloc,
        }
        for k in Keyword.objects.select_related("vocabulary").order_by("vocabulary", "code")
    ]


def elements(decision: Decision) -> list[tuple[str, list[str]]]:
    """The elements of the Protocol's definition found present, labelled: (part, [labels])."""
    parts = (
        (_("Act"), c.Act, decision.acts),
        (_("Means"), c.Means, decision.means),
        (_("Purpose"), c.Purpose, decision.purposes),
    )
    out = []
    for name, choices, values in parts:
        labels = dict(choices.choices)
        out.append((name, [str(labels.get(v, v)) for v in values]))
    return out
