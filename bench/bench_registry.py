"""Benchmark the registry: reference data load, who-is-bound selectors and the parties API.

Run from the project root with no other setup:

    .venv/bin/python bench/bench_registry.py

It uses a fresh data directory and SQLite database in a temporary directory (removed at the
end), or, when BENCH_DATABASE_URL is set, a dedicated PostgreSQL database (BENCH_DATABASE_NAME,
default palermo_bench) that it creates on that server and drops afterwards. See bench/README.md
for the environment variables that scale the synthetic data up.
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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import django
from benchlib import Postgres, check, env_database, env_int, finish
from django.conf import settings
from django.core.management import call_command
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from palermo.registry.models import Instrument, Mechanism

SYNTHETIC_SLUG = "bench-convention"
API_PATH = "/api/v1/registry/parties"
QUERY_LOG_LIMIT = 1_000_000
API_PARAMS = {"instrument": "trafficking-protocol", "member_of": "AALCO", "as_of": "2005-01-01"}


def env_date(name: str, default: str) -> dt.date:
    raw = os.environ.get(name, "").strip() or default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise SystemExit("{} must be a date as YYYY-MM-DD, not '{}'".format(name, raw)) from None


@dataclass(frozen=True)
class Config:
    """What to measure and at which size; every field comes from a BENCH_* variable."""

    states: int
    sources: int
    listings: int
    repeat: int
    load_repeat: int
    seed: int
    as_of: dt.date
    mechanism: str
    database_url: str
    database_name: str
    keep: bool

    @classmethod
    def from_env(cls) -> Config:
        return cls(
            states=env_int("BENCH_STATES", 190, minimum=1),
            sources=env_int("BENCH_SOURCES", 2, minimum=1),
            listings=env_int("BENCH_LISTINGS", 2),
            repeat=env_int("BENCH_REPEAT", 20, minimum=1),
            load_repeat=env_int("BENCH_LOAD_REPEAT", 3, minimum=1),
            seed=env_int("BENCH_SEED", 20001215),
            as_of=env_date("BENCH_AS_OF", "2006-01-01"),
            mechanism=os.environ.get("BENCH_MECHANISM", "").strip() or "AU",
            **env_database("palermo_bench"),
        )


# --- environment and database ----------------------------------------------------------------


def prepare_environment(config: Config, data_dir: Path) -> Postgres | None:
    """Point the settings at the temporary data dir and a fresh database, before django.setup()."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "palermo.settings.test"
    os.environ["PALERMO_DATA_DIR"] = str(data_dir)
    (data_dir / "static").mkdir()  # STATIC_ROOT; WhiteNoise warns when it is missing
    hosts = [
        h for h in os.environ.get("PALERMO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
    ]
    if "testserver" not in hosts:
        hosts.append("testserver")
    os.environ["PALERMO_ALLOWED_HOSTS"] = ",".join(hosts)
    # Keep one connection across API requests, so the timings are the request's own work;
    # PALERMO_DB_CONN_MAX_AGE=0 measures a new connection per request instead.
    os.environ.setdefault("PALERMO_DB_CONN_MAX_AGE", "600")
    if config.database_url:
        pg = Postgres(config.database_url, config.database_name)
        pg.create()
        os.environ["DATABASE_URL"] = pg.url
        return pg
    os.environ["DATABASE_URL"] = "sqlite:///{}".format(data_dir / "bench.sqlite3")
    return None


def setup_django() -> None:
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    # The default log keeps 9000 queries; a cold reference load runs more than that.
    connection.queries_log = deque(maxlen=QUERY_LOG_LIMIT)


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Result:
    operation: str
    size: str
    samples_ms: list[float]
    queries: int

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        if len(self.samples_ms) < 2:
            return self.samples_ms[0]
        return statistics.quantiles(self.samples_ms, n=20, method="inclusive")[18]


@dataclass
class Bench:
    config: Config
    results: list[Result] = field(default_factory=list)

    def once(self, operation: str, size: str, fn: Callable[[], Any]) -> Any:
        """Time a single call (and count its queries); returns what `fn` returned."""
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            value = fn()
            elapsed = (time.perf_counter() - start) * 1000
        queries = len(ctx.captured_queries)  # read now: the log is a bounded, resettable deque
        self.results.append(Result(operation, size, [elapsed], queries))
        return value

    def repeat(
        self, operation: str, size: str, fn: Callable[[], Any], runs: int | None = None
    ) -> Any:
        """One warm-up call that counts queries, then `runs` timed calls without query capture."""
        reset_queries()  # a request resets the log; start from empty so the count stays right
        with CaptureQueriesContext(connection) as ctx:
            value = fn()
        queries = len(ctx.captured_queries)  # read now: later requests reset the log
        samples: list[float] = []
        for _ in range(runs or self.config.repeat):
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1000)
        self.results.append(Result(operation, size, samples, queries))
        return value


def render_table(results: list[Result]) -> str:
    header = ["operation", "size", "median ms", "p95 ms", "queries"]
    rows = [
        [r.operation, r.size, "{:.2f}".format(r.median), "{:.2f}".format(r.p95), str(r.queries)]
        for r in results
    ]
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    right = {2, 3, 4}

    def fmt(line: list[str]) -> str:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        return " | ".join(cells).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(r) for r in rows)])


# --- synthetic data --------------------------------------------------------------------------


@dataclass
class Synthetic:
    instrument: Instrument
    states: int
    actions: int
    claims: int


def _random_date(rng: random.Random, start: dt.date, days: int) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, days))


def build_synthetic(config: Config) -> Synthetic:  # noqa: PLR0914 - one linear setup script
    """A binding instrument with signature and ratification for N states from K sources each,
    sometimes disagreeing on dates, plus exhaustive listings whose claims sometimes disagree.
    Inserted with bulk_create (bypassing services and the audit log) for speed."""
    # Models import only once django.setup() has run.
    from palermo.core.models import Country, Document, Source  # noqa: PLC0415
    from palermo.registry.choices import (  # noqa: PLC0415
        InstrumentKind,
        PartyStatus,
        TreatyActionKind,
    )
    from palermo.registry.models import (  # noqa: PLC0415
        Instrument,
        Listing,
        StatusClaim,
        TreatyAction,
    )

    rng = random.Random(config.seed)  # noqa: S311 - reproducible data, not secrets
    codes = sorted(Country.objects.filter(historical=False).values_list("iso3", flat=True))
    if config.states > len(codes):
        print(
            "note: BENCH_STATES={} but only {} ISO countries exist; using {}".format(
                config.states, len(codes), len(codes)
            ),
            file=sys.stderr,
        )
    states = sorted(rng.sample(codes, min(config.states, len(codes))))

    with transaction.atomic():
        documents = Document.objects.bulk_create(
            [
                Document(
                    key="bench-source-{}".format(k),
                    title="Benchmark status table {}".format(k),
                    publisher="Benchmark",
                    date=dt.date(2012, 1, 1) + dt.timedelta(days=30 * k),
                )
                for k in range(config.sources + config.listings)
            ]
        )
        # bulk_create sets primary keys on SQLite and PostgreSQL, and keeps the order.
        sources = Source.objects.bulk_create(
            [Source(document=d, locator="table 1") for d in documents]
        )
        action_sources = sources[: config.sources]
        listing_sources = sources[config.sources :]

        instrument = Instrument.objects.create(
            slug=SYNTHETIC_SLUG,
            short_name="Benchmark Convention",
            title="Synthetic convention for benchmarks",
            kind=InstrumentKind.CONVENTION,
            adopted=dt.date(2000, 11, 15),
            opened_for_signature=dt.date(2000, 12, 12),
            eif_instruments_required=40,
            eif_days_after_threshold=90,
            eif_days_after_later_deposit=30,
        )

        truth: dict[str, tuple[dt.date, dt.date]] = {}
        actions: list[TreatyAction] = []
        for state in states:
            signed = _random_date(rng, dt.date(2000, 12, 12), 3 * 365)
            ratified = signed + dt.timedelta(days=rng.randint(30, 10 * 365))
            truth[state] = (signed, ratified)
            for k, source in enumerate(action_sources):
                for kind, date in (
                    (TreatyActionKind.SIGNATURE, signed),
                    (TreatyActionKind.RATIFICATION, ratified),
                ):
                    stated: dt.date | None = date
                    roll = rng.random()
                    if k > 0 and roll < 0.03:
                        stated = None  # the source prints no date
                    elif k > 0 and roll < 0.13:
                        stated = date + dt.timedelta(days=rng.choice([-1, 1]) * rng.randint(1, 400))
                    actions.append(
                        TreatyAction(
                            instrument=instrument,
                            country_id=state,
                            action=kind,
                            date=stated,
                            date_text=stated.isoformat() if stated else "n.d.",
                            source=source,
                        )
                    )
        TreatyAction.objects.bulk_create(actions, batch_size=2000)

        claims: list[StatusClaim] = []
        for i, source in enumerate(listing_sources):
            listing = Listing.objects.create(
                key="bench-listing-{}".format(i),
                instrument=instrument,
                as_of=config.as_of,
                exhaustive=True,
                source=source,
            )
            counts = {PartyStatus.PARTY.value: 0, PartyStatus.SIGNATORY.value: 0}
            for state, (signed, ratified) in truth.items():
                if signed > config.as_of:
                    continue
                if i > 0 and rng.random() < 0.03:
                    continue  # missing from this exhaustive list
                status = PartyStatus.PARTY if ratified <= config.as_of else PartyStatus.SIGNATORY
                if rng.random() < 0.05:
                    status = (
                        PartyStatus.SIGNATORY if status == PartyStatus.PARTY else PartyStatus.PARTY
                    )
                counts[status.value] += 1
                claims.append(StatusClaim(listing=listing, country_id=state, status=status))
            if i == 0:
                counts[PartyStatus.PARTY.value] += 1  # a stated total that does not add up
                listing.stated_counts = counts
                listing.save(update_fields=["stated_counts"])
        StatusClaim.objects.bulk_create(claims, batch_size=2000)

    return Synthetic(
        instrument=instrument, states=len(states), actions=len(actions), claims=len(claims)
    )


# --- the benchmark ---------------------------------------------------------------------------

# Issue 14: loading the reference data again (nothing changed) takes less than half a second.
RELOAD_GOAL_MS = 500.0


def reload_goal(results: list[Result]) -> str:
    """The repeated load against its goal, in one line."""
    reload = next(r for r in results if r.operation == "load_reference (idempotent)")
    cold = next(r for r in results if r.operation == "load_reference (cold)")
    return (
        "load_reference again: median {:.0f} ms, {} queries (cold: {:.0f} ms, {} queries); "
        "goal < {:.0f} ms: {}"
    ).format(
        reload.median,
        reload.queries,
        cold.median,
        cold.queries,
        RELOAD_GOAL_MS,
        "met" if reload.median < RELOAD_GOAL_MS else "NOT met",
    )


def run(config: Config) -> list[Result]:
    # Palermo's modules import models, so only once django.setup() has run.
    from palermo.registry import selectors  # noqa: PLC0415
    from palermo.registry.models import TreatyAction  # noqa: PLC0415
    from palermo.registry.reference import load_reference  # noqa: PLC0415

    bench = Bench(config)
    print(
        "Palermo registry benchmark on {} ({})".format(
            connection.vendor, settings.DATABASES["default"]["NAME"]
        )
    )
    print(
        "states={} sources={} listings={} repeat={} as_of={} mechanism={} seed={}".format(
            config.states,
            config.sources,
            config.listings,
            config.repeat,
            config.as_of,
            config.mechanism,
            config.seed,
        )
    )
    print(
        "API: GET {}?{}".format(
            API_PATH, "&".join("{}={}".format(k, v) for k, v in API_PARAMS.items())
        ),
        flush=True,
    )

    # 1. Reference data: cold, then again (must change nothing).
    cold = bench.once("load_reference (cold)", "reference data", load_reference)
    facts = sum(c["created"] for c in cold.counts.values())
    bench.results[-1].size = "{} rows created".format(facts)
    check(facts > 0, "the cold load_reference created nothing")

    def reload() -> None:
        report = load_reference()
        check(report.changed == 0, "a second load_reference changed {} rows".format(report.changed))

    bench.repeat(
        "load_reference (idempotent)",
        "{} rows unchanged".format(facts),
        reload,
        runs=config.load_repeat,
    )

    # 2. Synthetic scale.
    synthetic = build_synthetic(config)
    instrument = selectors.instrument_get(SYNTHETIC_SLUG)
    mechanism: Mechanism = selectors.mechanism_get(config.mechanism)
    size = "{} states x {} src = {} actions".format(
        synthetic.states, config.sources, synthetic.actions
    )

    # 3. Selectors on the synthetic instrument.
    eif = bench.repeat(
        "general_entry_into_force", size, lambda: selectors.general_entry_into_force(instrument)
    )
    check(
        eif.date is not None,
        "synthetic instrument has no computed entry into force ({})".format(eif.method),
    )

    rows = bench.repeat(
        "parties", size, lambda: selectors.parties(instrument=instrument, as_of=config.as_of)
    )
    check(len(rows) > 0, "parties() returned no rows for the synthetic instrument")
    bench.results[-1].size += " -> {} rows".format(len(rows))

    members = bench.repeat(
        "parties member_of={}".format(mechanism.acronym),
        size,
        lambda: selectors.parties(instrument=instrument, as_of=config.as_of, member_of=mechanism),
    )
    bench.results[-1].size += " -> {} rows".format(len(members))

    conflicts = bench.repeat(
        "conflict_list", size, lambda: selectors.conflict_list(instrument=instrument)
    )
    check(len(conflicts) > 0, "conflict_list() found no conflicts in the synthetic data")
    bench.results[-1].size = "{} actions + {} claims -> {} conflicts".format(
        synthetic.actions, synthetic.claims, len(conflicts)
    )

    # 4. The API endpoint on the reference data.
    client = Client()

    def get_parties() -> dict[str, Any]:
        response = client.get(API_PATH, API_PARAMS)
        check(
            response.status_code == 200, "GET {} answered {}".format(API_PATH, response.status_code)
        )
        body: dict[str, Any] = response.json()
        return body

    body = bench.repeat("GET {}".format(API_PATH), "", get_parties)
    ref_actions = TreatyAction.objects.filter(
        instrument__slug__in=["trafficking-protocol", "untoc"]
    ).count()
    bench.results[-1].size = "{} actions -> {} rows".format(ref_actions, body["count"])

    return bench.results


def main() -> int:
    config = Config.from_env()
    data_dir = Path(tempfile.mkdtemp(prefix="palermo-bench-"))
    pg: Postgres | None = None
    status = 0
    try:
        pg = prepare_environment(config, data_dir)
        started = time.perf_counter()
        setup_django()
        results = run(config)
        print()
        print(render_table(results))
        print()
        print(reload_goal(results))
        print("total {:.1f} s".format(time.perf_counter() - started))
    except Exception:
        traceback.print_exc()
        status = 1
    finally:
        status = finish(data_dir, pg, keep=config.keep) or status
    return status


if __name__ == "__main__":
    sys.exit(main())
