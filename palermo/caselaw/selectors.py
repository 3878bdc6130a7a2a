"""Reads of the case law (issue 17): what a user may see, the search with its facets, one
decision with its parts."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from palermo.caselaw import choices as c
from palermo.caselaw import search
from palermo.caselaw.models import Decision, Finding, Keyword
from palermo.caselaw.services import EDITOR_ROLES
from palermo.cases.htcds import TypeOfExploitation
from palermo.core.errors import NotFoundError
from palermo.core.models import Country, User
from palermo.core.permissions import AnyUser
from palermo.registry.models import Legislation

PAGE = 20
# Sentence ranges (the longest custody of a decision, in months).
SENTENCES = (
    ("0-11", 0, 11),
    ("12-59", 12, 59),
    ("60-119", 60, 119),
    ("120+", 120, None),
)


def visible(user: AnyUser | None) -> QuerySet[Decision]:
    """Published decisions for everyone; drafts too for those who write case law."""
    decisions = Decision.objects.all()
    if isinstance(user, User) and user.is_authenticated and user.role in EDITOR_ROLES:
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


def _sentence(rows: QuerySet[Decision], code: str) -> QuerySet[Decision]:
    for name, low, high in SENTENCES:
        if name == code:
            rows = rows.annotate(longest=Max("findings__custody_months")).filter(longest__gte=low)
            return rows.filter(longest__lte=high) if high is not None else rows
    return rows.none()


def _filtered(user: AnyUser | None, f: Filters) -> tuple[QuerySet[Decision], list[Any] | None]:
    rows = visible(user)
    ranked = search.matching(f.q) if f.q else None
    if ranked is not None:
        rows = rows.filter(pk__in=ranked)
    if f.country:
        rows = rows.filter(Q(court__country_id=f.country) | Q(countries__country_id=f.country))
    if f.year_from is not None:
        rows = rows.filter(decided_on__gte=dt.date(f.year_from, 1, 1))
    if f.year_to is not None:
        rows = rows.filter(decided_on__lte=dt.date(f.year_to, 12, 31))
    if f.form:
        rows = rows.filter(pk__in=[pk for pk, forms in _forms(rows) if f.form in forms])
    if f.outcome:
        rows = rows.filter(findings__outcome=f.outcome)
    if f.legislation is not None:
        rows = rows.filter(findings__legislation_id=f.legislation)
    if f.keyword:
        rows = rows.filter(keywords__code=f.keyword)
    if f.instance:
        rows = rows.filter(instance=f.instance)
    if f.sentence:
        rows = _sentence(rows, f.sentence)
    return rows.distinct(), ranked


def _forms(rows: QuerySet[Decision]) -> list[tuple[Any, list[str]]]:
    return list(rows.values_list("pk", "forms"))


def _facets(rows: QuerySet[Decision]) -> dict[str, list[Facet]]:
    ids = rows.values("pk")
    language = get_language() or "en"
    names = dict(Country.objects.values_list("iso3", "name"))
    facets: dict[str, list[Facet]] = {}
    countries = Counter(
        dict(
            Decision.objects.filter(pk__in=ids, court__country__isnull=False)
            .values_list("court__country_id")
            .annotate(n=Count("pk"))
            .values_list("court__country_id", "n")
        )
    )
    facets["country"] = [Facet(k, names.get(k, k), n) for k, n in countries.most_common()]
    years = (
        Decision.objects.filter(pk__in=ids)
        .annotate(y=ExtractYear("decided_on"))
        .values_list("y")
        .annotate(n=Count("pk"))
        .values_list("y", "n")
        .order_by("-y")
    )
    facets["year"] = [Facet(str(y), str(y), n) for y, n in years]
    forms: Counter[str] = Counter()
    for _pk, values in Decision.objects.filter(pk__in=ids).values_list("pk", "forms"):
        forms.update(set(values or ()))
    form_labels = dict(TypeOfExploitation.choices)
    facets["form"] = [Facet(k, str(form_labels.get(k, k)), n) for k, n in forms.most_common()]
    outcomes = (
        Finding.objects.filter(decision__in=ids)
        .values_list("outcome")
        .annotate(n=Count("decision", distinct=True))
        .values_list("outcome", "n")
    )
    outcome_labels = dict(c.Outcome.choices)
    facets["outcome"] = [
        Facet(k, str(outcome_labels.get(k, k)), n) for k, n in sorted(outcomes, key=lambda r: -r[1])
    ]
    laws = (
        Finding.objects.filter(decision__in=ids, legislation__isnull=False)
        .values_list("legislation")
        .annotate(n=Count("decision", distinct=True))
        .values_list("legislation", "n")
    )
    titles = dict(
        Legislation.objects.filter(pk__in=[k for k, _n in laws]).values_list("pk", "title")
    )
    facets["legislation"] = [Facet(str(k), titles.get(k, str(k)), n) for k, n in laws]
    keywords = (
        Keyword.objects.filter(decisions__in=ids)
        .annotate(n=Count("decisions", distinct=True))
        .order_by("-n", "label")
    )
    facets["keyword"] = [Facet(k.code, k.label_in(language), k.n) for k in keywords]
    longest = (
        Decision.objects.filter(pk__in=ids)
        .annotate(longest=Max("findings__custody_months"))
        .exclude(longest__isnull=True)
        .values_list("longest", flat=True)
    )
    buckets: Counter[str] = Counter()
    for months in longest:
        for name, low, high in SENTENCES:
            if months >= low and (high is None or months <= high):
                buckets[name] += 1
    facets["sentence"] = [
        Facet(name, _("{} months").format(name), buckets[name])
        for name, _l, _h in SENTENCES
        if buckets[name]
    ]
    return facets


def decisions_search(
    user: AnyUser | None, filters: Filters, *, page: int = 1, facets: bool = True
) -> Results:
    """The decisions matching the filters (best match first when there is a text, else the
    newest first), one page of them, and the facets of all of them."""
    rows, ranked = _filtered(user, filters)
    count = rows.count()
    start = (max(page, 1) - 1) * PAGE
    if ranked is not None:
        order = {pk: i for i, pk in enumerate(ranked)}
        found = sorted(rows.values_list("pk", flat=True), key=lambda pk: order.get(pk, len(order)))
        ids = found[start : start + PAGE]
        by_id = {d.pk: d for d in _rows(Decision.objects.filter(pk__in=ids))}
        shown = [by_id[pk] for pk in ids]
    else:
        shown = list(_rows(rows.order_by("-decided_on", "title"))[start : start + PAGE])
    return Results(count, shown, _facets(rows) if facets else {})


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
