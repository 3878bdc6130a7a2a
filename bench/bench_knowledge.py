"""Benchmark the knowledge apps (issue 17): faceted search of the case law at 10,000 decisions,
and the clearing house's IATI import of 50,000 activity reports (`knowledge_activities`).

Run from the project root with no other setup:

    .venv/bin/python bench/bench_knowledge.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/bench_knowledge.py

A seeded generator writes BENCH_DECISIONS decisions (default 10,000) of 180 national courts
and the European Court of Human Rights: 1 to 4 defendants with their findings and sentences,
victims, forms, keywords, route countries, summaries in one to three of the six languages made
of each language's words, all indexed for search as the services index them. Then
BENCH_QUERIES searches (default 300), each what the page and the API run (`decisions_search`:
the count, a page of 20, the seven facets of all the results): words in several languages
alone, words with a facet, facets alone. The reference is a plain indexed query on the same
rows, run in the same loop: the published decisions of a range of years, newest first, a page
of 20 and their count. Goal: p95 < 100 ms (issue 17).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import django
import knowledge_activities
from benchlib import check, django_environment, env_database, env_int, finish

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_MS = 100.0
FORMS = ("SexualExploitation", "ForcedLabour", "DomesticServitude", "ForcedBegging", "Other")
OUTCOMES = ("convicted", "convicted", "convicted", "acquitted", "dismissed", "pending")
LEVELS = ("first_instance", "appeal", "supreme")
# Words of each language the summaries are made of, and searched for.
WORDS = {
    "en": [
        "trafficking",
        "victim",
        "recruitment",
        "exploitation",
        "forced",
        "labour",
        "brothel",
        "debt",
        "passport",
        "smuggling",
        "deception",
        "coercion",
        "servitude",
        "court",
        "appeal",
        "sentence",
        "witness",
        "border",
    ],
    "fr": [
        "traite",
        "victime",
        "recrutement",
        "exploitation",
        "travail",
        "forcé",
        "maison",
        "dette",
        "passeport",
        "tromperie",
        "contrainte",
        "servitude",
        "tribunal",
        "appel",
        "peine",
        "témoin",
        "frontière",
    ],
    "es": [
        "trata",
        "víctima",
        "captación",
        "explotación",
        "trabajo",
        "forzoso",
        "deuda",
        "pasaporte",
        "engaño",
        "coacción",
        "servidumbre",
        "tribunal",
        "apelación",
        "condena",
        "testigo",
        "frontera",
    ],
    "ru": [
        "торговля",
        "жертва",
        "вербовка",
        "эксплуатация",
        "принудительный",
        "труд",
        "долг",
        "паспорт",
        "обман",
        "принуждение",
        "суд",
        "апелляция",
        "приговор",
        "свидетель",
        "граница",
    ],
    "ar": [
        "الاتجار",
        "الضحية",
        "التجنيد",
        "الاستغلال",
        "العمل",
        "القسري",
        "الدين",
        "جواز",
        "الخداع",
        "الإكراه",
        "المحكمة",
        "الاستئناف",
        "الحكم",
        "الشاهد",
        "الحدود",
    ],
    "zh": [
        "贩运",
        "被害人",
        "招募",
        "剥削",
        "强迫劳动",
        "债务",
        "护照",
        "欺骗",
        "胁迫",
        "法院",
        "上诉",
        "判决",
        "证人",
        "边境",
    ],
}


@dataclass(frozen=True)
class Config:
    decisions: int
    queries: int
    activities: int
    part: str
    database_url: str
    database_name: str
    keep: bool

    @classmethod
    def from_env(cls) -> Config:
        return cls(
            decisions=env_int("BENCH_DECISIONS", 10_000, minimum=100),
            queries=env_int("BENCH_QUERIES", 300, minimum=20),
            activities=env_int("BENCH_ACTIVITIES", 50_000, minimum=100),
            part=os.environ.get("BENCH_PART", "all").strip() or "all",
            **env_database("palermo_bench_knowledge"),
        )


def generate(n: int, rng: random.Random) -> None:
    """Write `n` published decisions with their parts and search texts, in bulk."""
    from palermo.caselaw import models as m  # noqa: PLC0415
    from palermo.caselaw import search  # noqa: PLC0415
    from palermo.caselaw.services import vocabulary_load  # noqa: PLC0415
    from palermo.core.models import Country  # noqa: PLC0415
    from palermo.registry.models import Legislation, Mechanism  # noqa: PLC0415

    vocabulary_load()
    keywords = list(m.Keyword.objects.all())
    countries = list(
        Country.objects.filter(iso3__regex=r"^[A-Z]{3}$").values_list("iso3", flat=True)
    )[:60]
    laws = list(Legislation.objects.values_list("pk", flat=True)[:200])
    courts = [
        m.Court(name="{} {} court".format(code, level), country_id=code, level=level)
        for code in countries
        for level in LEVELS
    ]
    courts.append(
        m.Court(
            name="European Court of Human Rights",
            mechanism=Mechanism.objects.filter(acronym="COE").first(),
            level="regional_human_rights",
        )
    )
    m.Court.objects.bulk_create(courts)
    courts = list(m.Court.objects.all())
    decisions, summaries, places, parties_of = [], [], [], []
    for i in range(n):
        court = rng.choice(courts)
        d = m.Decision(
            key="bench-{}".format(i),
            title="Prosecutor v. D{}".format(i),
            court=court,
            decided_on=dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(26 * 365)),
            case_number="{}/{}".format(rng.randrange(1, 9999), rng.randrange(2000, 2026)),
            instance=court.level,
            language=rng.choice(list(WORDS)),
            status="published",
            forms=sorted(set(rng.sample(FORMS, rng.choice((1, 1, 2))))),
        )
        decisions.append(d)
        for language in rng.sample(list(WORDS), rng.choice((1, 1, 2, 3))):
            words = WORDS[language]
            facts = " ".join(rng.choice(words) for _ in range(60))
            summaries.append(m.Summary(decision=d, language=language, facts=facts))
        for code in rng.sample(countries, rng.choice((1, 2, 2, 3))):
            places.append(
                m.DecisionCountry(
                    decision=d, country_id=code, role=rng.choice(("origin", "destination"))
                )
            )
        parties_of.append(rng.randrange(1, 5))
    m.Decision.objects.bulk_create(decisions, batch_size=2000)
    m.Summary.objects.bulk_create(summaries, batch_size=2000)
    m.DecisionCountry.objects.bulk_create(places, batch_size=2000, ignore_conflicts=True)
    parties = [
        m.Party(decision=d, label="D{}".format(j + 1), role="defendant")
        for d, count in zip(decisions, parties_of, strict=True)
        for j in range(count)
    ]
    m.Party.objects.bulk_create(parties, batch_size=2000)
    parties = list(m.Party.objects.select_related("decision").order_by("pk"))
    findings = []
    for party in parties:
        outcome = rng.choice(OUTCOMES)
        convicted = outcome == "convicted"
        findings.append(
            m.Finding(
                decision_id=party.decision_id,
                party=party,
                provision="Trafficking in persons",
                legislation_id=rng.choice(laws) if laws and rng.random() < 0.6 else None,
                outcome=outcome,
                custody_months=rng.randrange(6, 240) if convicted else None,
                fine=Decimal(rng.randrange(0, 50_000))
                if convicted and rng.random() < 0.3
                else None,
                currency="EUR",
            )
        )
    m.Finding.objects.bulk_create(findings, batch_size=2000)
    through = m.Decision.keywords.through
    chosen: dict[Any, list[Any]] = {}
    links = []
    for d in decisions:
        chosen[d.pk] = rng.sample(keywords, rng.randrange(2, 6))
        links += [through(decision_id=d.pk, keyword_id=k.pk) for k in chosen[d.pk]]
    through.objects.bulk_create(links, batch_size=5000)
    by_decision: dict[Any, list[Any]] = {}
    for s in summaries:
        by_decision.setdefault(s.decision_id, []).append((s.language, [s.facts]))
    court_names = {c.pk: c.name for c in courts}
    texts = []
    for d in decisions:
        rows = search.texts(
            common=[d.title, d.case_number, court_names[d.court_id]],
            keywords=[(k.label, k.labels) for k in chosen[d.pk]],
            summaries=by_decision.get(d.pk, []),
        )
        texts += [
            m.SearchText(decision=d, language=lang, text=text)
            for lang, text in search.index_rows(rows)
        ]
    m.SearchText.objects.bulk_create(texts, batch_size=2000)


def queries(n: int, rng: random.Random) -> list[dict[str, Any]]:
    """The searches: words alone (30%), words with a facet (20%), facets alone (50%)."""
    from palermo.caselaw.models import Decision, Finding, Keyword  # noqa: PLC0415
    from palermo.caselaw.selectors import SENTENCES  # noqa: PLC0415

    countries = list(Decision.objects.values_list("court__country_id", flat=True).distinct())
    countries = [c for c in countries if c]
    keywords = list(Keyword.objects.values_list("code", flat=True))
    laws = [pk for pk in Finding.objects.values_list("legislation_id", flat=True).distinct() if pk]
    facets: list[Callable[[], dict[str, Any]]] = [
        lambda: {"country": rng.choice(countries)},
        lambda: {"year_from": (y := rng.randrange(2000, 2024)), "year_to": y + rng.randrange(0, 4)},
        lambda: {"outcome": rng.choice(OUTCOMES)},
        lambda: {"keyword": rng.choice(keywords)},
        lambda: {"form": rng.choice(FORMS)},
        lambda: {"sentence": rng.choice(SENTENCES)[0]},
        lambda: {"legislation": rng.choice(laws)} if laws else {},
    ]
    out = []
    for _ in range(n):
        roll = rng.random()
        words = WORDS[rng.choice(list(WORDS))]
        text = " ".join(rng.sample(words, rng.choice((1, 1, 2))))
        if roll < 0.3:
            out.append({"q": text})
        elif roll < 0.5:
            out.append({"q": text, **rng.choice(facets)()})
        else:
            out.append(rng.choice(facets)())
    return out


def timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


@dataclass
class Timings:
    ours: list[float] = field(default_factory=list)
    plain: list[float] = field(default_factory=list)
    kinds: dict[str, list[float]] = field(
        default_factory=lambda: {"words alone": [], "words and a facet": [], "facets alone": []}
    )
    text_only: list[float] = field(default_factory=list)
    hits: int = 0


def measure(plan: list[dict[str, Any]], rng: random.Random) -> Timings:
    """Each search of the plan as the page runs it, the full-text query alone, and the plain
    indexed query, one after the other."""
    from palermo.caselaw.models import Decision  # noqa: PLC0415
    from palermo.caselaw.search import matching  # noqa: PLC0415
    from palermo.caselaw.selectors import Filters, decisions_search  # noqa: PLC0415

    t = Timings()
    decisions_search(None, Filters(**plan[0]))  # the facet rows read once
    for filters in plan:
        result: dict[str, Any] = {}

        def search(f: dict[str, Any] = filters, r: dict[str, Any] = result) -> None:
            r["found"] = decisions_search(None, Filters(**f))

        t.ours.append(timed(search))
        t.hits += result["found"].count
        kind = "facets alone" if "q" not in filters else "words and a facet"
        kind = "words alone" if filters.keys() == {"q"} else kind
        t.kinds[kind].append(t.ours[-1])
        if "q" in filters:
            words: str = filters["q"]
            t.text_only.append(timed(lambda: matching(words)))  # noqa: B023 - called at once
        year = rng.randrange(2000, 2024)

        def reference(y: int = year) -> None:
            rows = Decision.objects.filter(
                status="published",
                decided_on__gte=dt.date(y, 1, 1),
                decided_on__lte=dt.date(y + 3, 12, 31),
            )
            rows.count()
            list(rows.order_by("-decided_on", "title")[:20])

        t.plain.append(timed(reference))
    return t


def line(name: str, values: list[float]) -> str:
    return "{:<48} {:>9.1f} {:>9.1f} {:>9.1f}".format(
        name, statistics.median(values), p95(values), max(values)
    )


def run(config: Config) -> None:
    from django.core.management import call_command  # noqa: PLC0415

    from palermo.registry.reference import load_reference  # noqa: PLC0415

    call_command("migrate", verbosity=0)
    load_reference()
    rng = random.Random(17)  # noqa: S311 - benchmark data
    if config.part in ("all", "caselaw"):
        caselaw(config, rng)
    if config.part in ("all", "activities"):
        print()
        for line_ in knowledge_activities.run(config.activities, rng):
            print(line_)


def caselaw(config: Config, rng: random.Random) -> None:
    from django.db import connection  # noqa: PLC0415

    from palermo.caselaw.models import Decision  # noqa: PLC0415

    start = time.perf_counter()
    generate(config.decisions, rng)
    written = time.perf_counter() - start
    check(Decision.objects.count() == config.decisions, "decisions written")
    plan = queries(config.queries, rng)
    t = measure(plan, rng)
    check(t.hits > 0, "the searches found decisions")
    vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    print()
    print(
        "Case-law search on {}: {:,} decisions written in {:.1f} s; {} searches ({} found in "
        "all)".format(vendor, config.decisions, written, len(plan), t.hits)
    )
    print()
    print("{:<48} {:>9} {:>9} {:>9}".format("", "p50 ms", "p95 ms", "max ms"))
    print(line("faceted search (count, page, 7 facets)", t.ours))
    print(line("reference: plain indexed query (count, page)", t.plain))
    for kind, values in t.kinds.items():
        if len(values) >= 2:  # noqa: PLR2004 - a quantile needs two
            print(line("  of which " + kind, values))
    if len(t.text_only) >= 2:  # noqa: PLR2004
        print(line("  the full-text query alone (words)", t.text_only))
    met = p95(t.ours) < GOAL_MS
    print()
    print(
        "p95 ratio to the plain query: x{:.1f}; goal p95 < {:.0f} ms: {}".format(
            p95(t.ours) / p95(t.plain), GOAL_MS, "met" if met else "NOT met"
        )
    )


def main() -> int:
    config = Config.from_env()
    data_dir = Path(tempfile.mkdtemp(prefix="palermo-bench-knowledge-"))
    status = 0
    pg = None
    try:
        pg = django_environment(data_dir, config.database_url, config.database_name)
        django.setup()
        run(config)
    except Exception:
        traceback.print_exc()
        status = 1
    return finish(data_dir, pg, keep=config.keep) or status


if __name__ == "__main__":
    sys.exit(main())
