"""Benchmark case management: synthetic cases, HTCDS export and import, the API and the case page.

Run from the project root with no other setup:

    .venv/bin/python bench/bench_cases.py          # or: make bench-cases

It makes BENCH_CASES synthetic cases (`palermo.cases.demo`, bulk path) held by a shelter,
exports them as de-identified HTCDS JSON and CSV, imports the JSON into a second organisation
(new pseudonyms), and on PostgreSQL times PostgreSQL's own COPY of the same CSV rows into a plain
table, printing the ratio. Then, logged in as a case worker of the shelter, it times the cases
API (first page, unfiltered and filtered), the API case detail and the case page.

Like bench_registry.py it uses a temporary data directory and SQLite database (removed at the
end), or, with BENCH_DATABASE_URL, a dedicated PostgreSQL database (BENCH_DATABASE_NAME, default
palermo_bench_cases) created on that server and dropped afterwards. See bench/README.md.
"""

from __future__ import annotations

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
from typing import Any

import django
from benchlib import Postgres, check, django_environment, env_database, env_int, finish
from django.conf import settings
from django.core.management import call_command
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHELTER = "Bench shelter"
IMPORTER = "Bench import shelter"
COPY_TABLE = "bench_htcds_copy"


@dataclass(frozen=True)
class Config:
    """What to measure and at which size; every field comes from a BENCH_* variable."""

    cases: int
    repeat: int
    seed: int
    database_url: str
    database_name: str
    keep: bool

    @classmethod
    def from_env(cls) -> Config:
        return cls(
            cases=env_int("BENCH_CASES", 2000, minimum=25),
            repeat=env_int("BENCH_REPEAT", 30, minimum=2),
            seed=env_int("BENCH_SEED", 20001215),
            **env_database("palermo_bench_cases"),
        )


# --- environment and database ----------------------------------------------------------------


def prepare_environment(config: Config, data_dir: Path) -> Postgres | None:
    """Point the settings at the temporary data dir and a fresh database, before django.setup()."""
    pg = django_environment(data_dir, config.database_url, config.database_name)
    hosts = [
        h for h in os.environ.get("PALERMO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
    ]
    if "testserver" not in hosts:
        hosts.append("testserver")
    os.environ["PALERMO_ALLOWED_HOSTS"] = ",".join(hosts)
    # One connection kept across requests, so that timings are the request's own work.
    os.environ.setdefault("PALERMO_DB_CONN_MAX_AGE", "600")
    return pg


def setup_django() -> None:
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    connection.queries_log = deque(maxlen=1_000_000)


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Result:
    operation: str
    size: str
    samples_ms: list[float]
    queries: int | None
    rows: int = 0  # rows handled by one run, for throughput

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        if len(self.samples_ms) < 2:
            return self.samples_ms[0]
        return statistics.quantiles(self.samples_ms, n=20, method="inclusive")[18]

    @property
    def throughput(self) -> str:
        if not self.rows:
            return ""
        return "{:,.0f}".format(self.rows / (self.median / 1000))


@dataclass
class Bench:
    config: Config
    results: list[Result] = field(default_factory=list)

    def once(
        self, operation: str, size: str, fn: Callable[[], Any], *, rows: int = 0, count: bool = True
    ) -> Any:
        """Time one call; count its queries unless `count` is False (bulk work: logging them
        would cost more than the work)."""
        reset_queries()
        start = time.perf_counter()
        if count:
            with CaptureQueriesContext(connection) as ctx:
                value = fn()
            queries: int | None = len(ctx.captured_queries)
        else:
            value = fn()
            queries = None
        elapsed = (time.perf_counter() - start) * 1000
        self.results.append(Result(operation, size, [elapsed], queries, rows))
        print("  {:<38} {:>10.0f} ms".format(operation, elapsed), flush=True)
        return value

    def repeat(self, operation: str, size: str, fn: Callable[[int], Any]) -> None:
        """One warm-up call that counts queries, then `repeat` timed calls (fn gets the run)."""
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            fn(-1)
        queries = len(ctx.captured_queries)
        samples: list[float] = []
        for run in range(self.config.repeat):
            start = time.perf_counter()
            fn(run)
            samples.append((time.perf_counter() - start) * 1000)
        result = Result(operation, size, samples, queries)
        self.results.append(result)
        print(
            "  {:<38} p50 {:>7.1f} ms  p95 {:>7.1f} ms".format(
                operation, result.median, result.p95
            ),
            flush=True,
        )


def render_table(results: list[Result]) -> str:
    header = ["operation", "size", "rows/s", "median ms", "p95 ms", "queries"]
    rows = [
        [
            r.operation,
            r.size,
            r.throughput,
            "{:.1f}".format(r.median),
            "{:.1f}".format(r.p95),
            "" if r.queries is None else str(r.queries),
        ]
        for r in results
    ]
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    right = {2, 3, 4, 5}

    def fmt(line: list[str]) -> str:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        return " | ".join(cells).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(r) for r in rows)])


# --- the benchmark ---------------------------------------------------------------------------


def analyse() -> None:
    """Bring the fresh bulk load to the state autovacuum keeps a live database in: planner
    statistics (ANALYZE) and, on PostgreSQL, the visibility map that lets a count read an index
    alone (VACUUM)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def copy_into_plain_table(csv_path: Path) -> int:
    """PostgreSQL's own COPY of the export's CSV rows into a plain table of text columns."""
    with csv_path.open(encoding="utf-8") as f:
        header = f.readline().strip().split(",")
    connection.ensure_connection()
    raw = connection.connection
    check(raw is not None and raw.autocommit, "expected an autocommit connection")
    assert raw is not None
    with raw.cursor() as cur:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(COPY_TABLE)))
        cur.execute(
            sql.SQL("CREATE TABLE {} ({})").format(
                sql.Identifier(COPY_TABLE),
                sql.SQL(", ").join(
                    sql.SQL("{} text").format(sql.Identifier(name)) for name in header
                ),
            )
        )
        statement = sql.SQL("COPY {} FROM STDIN WITH (FORMAT csv, HEADER true)").format(
            sql.Identifier(COPY_TABLE)
        )
        with cur.copy(statement) as copy, csv_path.open("rb") as f:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(COPY_TABLE)))
        row = cur.fetchone()
    return int(row[0]) if row else 0


def copy_same_rows_into_same_tables(organisation_id: int) -> tuple[float, int]:
    """PostgreSQL's own COPY of exactly the rows the import wrote, into the same tables (same
    indexes, constraints, foreign keys and their deferred checks): the rows are copied out,
    deleted and copied back in one transaction. Only copying back in and the commit are timed.
    Returns (milliseconds, rows)."""
    from palermo.cases.models import (  # noqa: PLC0415 - models exist once Django is set up
        Case,
        CaseComment,
        Consent,
        Movement,
        Person,
        PersonIdentity,
        SupportPlan,
    )

    cases = sql.SQL("SELECT id FROM {} WHERE organisation_id = {}").format(
        sql.Identifier(Case._meta.db_table), sql.Literal(organisation_id)
    )
    persons = sql.SQL("SELECT id FROM {} WHERE case_id IN ({})").format(
        sql.Identifier(Person._meta.db_table), cases
    )
    # Parents first; each table with the rows of the organisation's cases.
    tables = [
        (Case, sql.SQL("organisation_id = {}").format(sql.Literal(organisation_id))),
        (Person, sql.SQL("case_id IN ({})").format(cases)),
        (PersonIdentity, sql.SQL("person_id IN ({})").format(persons)),
        (Movement, sql.SQL("person_id IN ({})").format(persons)),
        (SupportPlan, sql.SQL("person_id IN ({})").format(persons)),
        (Consent, sql.SQL("person_id IN ({})").format(persons)),
        (CaseComment, sql.SQL("case_id IN ({})").format(cases)),
    ]
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    dumps: list[tuple[sql.Identifier, bytes]] = []
    rows = 0
    with raw.cursor() as cur:
        for model, where in tables:
            table = sql.Identifier(model._meta.db_table)
            buffer = bytearray()
            out = sql.SQL("COPY (SELECT * FROM {} WHERE {}) TO STDOUT").format(table, where)
            with cur.copy(out) as copy:
                for chunk in copy:
                    buffer += chunk
            rows += buffer.count(b"\n")
            dumps.append((table, bytes(buffer)))
        with raw.transaction():
            # Children first; a WHERE reads the parent rows, which are deleted after them.
            for (_, where), (name, _) in zip(reversed(tables), reversed(dumps), strict=True):
                cur.execute(sql.SQL("DELETE FROM {} WHERE {}").format(name, where))
            start = time.perf_counter()
            for name, data in dumps:
                with cur.copy(sql.SQL("COPY {} FROM STDIN").format(name)) as copy:
                    copy.write(data)
        elapsed = (time.perf_counter() - start) * 1000  # the commit included
    return elapsed, rows


def run(config: Config, work: Path) -> tuple[list[Result], str]:  # noqa: PLR0915 - one linear script
    # Palermo's modules import models, so only once django.setup() has run.
    from palermo.cases import demo, interchange  # noqa: PLC0415
    from palermo.cases.identification import indicator_lists_load  # noqa: PLC0415
    from palermo.cases.models import Case, Movement, Person  # noqa: PLC0415
    from palermo.core.models import Organisation, User  # noqa: PLC0415
    from palermo.core.services import organisation_create, user_create  # noqa: PLC0415
    from palermo.registry.reference import load_reference  # noqa: PLC0415

    bench = Bench(config)
    print(
        "Palermo cases benchmark on {} ({})".format(
            connection.vendor, settings.DATABASES["default"]["NAME"]
        )
    )
    print("cases={} repeat={} seed={}".format(config.cases, config.repeat, config.seed), flush=True)
    load_reference()
    indicator_lists_load()

    def shelter(name: str, username: str) -> tuple[Organisation, User]:
        org = organisation_create(actor=None, system=True, name=name, kind="ngo", country="ITA")
        user, _ = user_create(
            actor=None,
            system=True,
            username=username,
            organisation=name,
            role="case_worker",
            password="bench-only-password-2026",  # noqa: S106 - a throwaway database
        )
        return org, user

    org, worker = shelter(SHELTER, "bench-worker")
    target, importer = shelter(IMPORTER, "bench-importer")
    n = config.cases

    # 1. Synthetic cases (bulk path of `palermo demo-data`).
    made = bench.once(
        "demo-data (bulk)",
        "",
        lambda: demo.demo_cases_create(
            organisation=org, actor=worker, count=n, seed=config.seed, bulk=True
        ),
        rows=n,
        count=False,
    )
    persons = made[1]
    movements = Movement.objects.filter(person__case__organisation=org).count()
    bench.results[-1].size = "{:,} cases, {:,} persons".format(n, persons)

    # A live database has planner statistics; right after a bulk load it has none until
    # autovacuum runs, so analyse after each bulk step (not timed).
    analyse()

    # 2. Export as de-identified HTCDS JSON and CSV.
    json_path = work / "cases.json"
    csv_path = work / "cases.csv"

    def export(path: Path, fmt: str) -> interchange.ExportReport:
        with path.open("w", encoding="utf-8", newline="") as f:
            return interchange.cases_export(actor=worker, organisation=org, stream=f, fmt=fmt)

    report = bench.once(
        "export HTCDS JSON", "", lambda: export(json_path, "htcds-json"), rows=persons, count=False
    )
    check(report.records == persons, "export wrote {} records".format(report.records))
    bench.results[-1].size = "{:,} records, {:.0f} MB".format(
        report.records, json_path.stat().st_size / 1e6
    )
    bench.once("export HTCDS CSV", "", lambda: export(csv_path, "csv"), rows=persons, count=False)
    bench.results[-1].size = "{:,} records, {:.0f} MB".format(
        report.records, csv_path.stat().st_size / 1e6
    )

    # 3. Import the JSON into another organisation (new pseudonyms: the originals exist).
    imported = bench.once(
        "import HTCDS JSON",
        "",
        lambda: interchange.cases_import(
            actor=importer, organisation=target, path=json_path, new_pseudonyms=True
        ),
        rows=persons,
        count=False,
    )
    check(imported.cases == n, "import created {} cases, not {}".format(imported.cases, n))
    check(
        Person.objects.filter(case__organisation=target).count() == persons,
        "import created another number of persons",
    )
    bench.results[-1].size = "{:,} records -> {:,} cases, {:,} movements".format(
        persons, imported.cases, imported.movements
    )
    import_ms = bench.results[-1].median
    check(imported.movements == movements, "import made {} movements".format(imported.movements))

    # 4. PostgreSQL's own COPY of the same rows, for comparison.
    ratio = ""
    if connection.vendor == "postgresql":
        copied = bench.once(
            "COPY same rows (plain table)",
            "",
            lambda: copy_into_plain_table(csv_path),
            rows=persons,
            count=False,
        )
        check(copied == persons, "COPY loaded {} rows".format(copied))
        bench.results[-1].size = "{:,} CSV rows, {} text columns".format(
            copied, len(interchange.csv_columns(identifying=False))
        )
        plain_ms = bench.results[-1].median
        same_ms, same_rows = copy_same_rows_into_same_tables(target.pk)
        bench.results.append(
            Result(
                "COPY same rows (same tables)",
                "{:,} rows in 7 tables, with indexes and keys".format(same_rows),
                [same_ms],
                None,
                persons,
            )
        )
        print("  {:<38} {:>10.0f} ms".format("COPY same rows (same tables)", same_ms), flush=True)
        ratio = (
            "import / COPY into Palermo's tables = {:.1f}x;  "
            "import / COPY into a plain text table = {:.1f}x"
        ).format(import_ms / same_ms, import_ms / plain_ms)

    # 5. The API and the page, as a logged-in case worker of the shelter.
    analyse()

    client = Client()
    client.force_login(worker)
    rng = random.Random(config.seed)  # noqa: S311 - sampling, not secrets
    ids = [str(pk) for pk in Case.objects.filter(organisation=org).values_list("pk", flat=True)]
    sample = [rng.choice(ids) for _ in range(config.repeat + 1)]

    def get(url: str, params: dict[str, str] | None = None) -> Any:
        response = client.get(url, params or {})
        check(response.status_code == 200, "GET {} answered {}".format(url, response.status_code))
        return response

    visible = "{:,} visible cases".format(n)
    first = get("/api/v1/cases/").json()
    check(first["count"] == n and len(first["items"]) > 0, "the API list is wrong")
    bench.repeat("GET /api/v1/cases/ (page 1)", visible, lambda run: get("/api/v1/cases/"))
    filters = {"status": "Active", "exploitation": "SexualExploitation"}
    hits = get("/api/v1/cases/", filters).json()["count"]
    bench.repeat(
        "GET /api/v1/cases/?status&exploitation",
        "{} -> {:,}".format(visible, hits),
        lambda run: get("/api/v1/cases/", filters),
    )
    child = get("/api/v1/cases/", {"child": "true", "country": "ITA"}).json()["count"]
    bench.repeat(
        "GET /api/v1/cases/?child&country",
        "{} -> {:,}".format(visible, child),
        lambda run: get("/api/v1/cases/", {"child": "true", "country": "ITA"}),
    )
    for label, params in (
        ("?exploitation", {"exploitation": "ForcedLabour"}),
        ("?role", {"role": "suspect"}),
        ("?child", {"child": "true"}),
    ):
        hits = get("/api/v1/cases/", params).json()["count"]
        bench.repeat(
            "GET /api/v1/cases/" + label,
            "{} -> {:,}".format(visible, hits),
            lambda run, params=params: get("/api/v1/cases/", params),  # type: ignore[misc]
        )
    pseudonym = Person.objects.filter(case__organisation=org).order_by("pk").first()
    assert pseudonym is not None
    bench.repeat(
        "GET /api/v1/cases/?q=<pseudonym>",
        visible,
        lambda run: get("/api/v1/cases/", {"q": pseudonym.pseudonym}),
    )
    bench.repeat(
        "GET /api/v1/cases/<id>",
        "random case",
        lambda run: get("/api/v1/cases/{}".format(sample[run + 1])),
    )
    bench.repeat(
        "GET /cases/<id>/ (case page)",
        "random case",
        lambda run: get("/cases/{}/".format(sample[run + 1])),
    )
    return bench.results, ratio


def main() -> int:
    config = Config.from_env()
    data_dir = Path(tempfile.mkdtemp(prefix="palermo-bench-cases-"))
    pg: Postgres | None = None
    status = 0
    try:
        pg = prepare_environment(config, data_dir)
        started = time.perf_counter()
        setup_django()
        results, ratio = run(config, data_dir)
        print()
        print(render_table(results))
        print()
        print(ratio or "no COPY comparison on SQLite (set BENCH_DATABASE_URL for PostgreSQL)")
        print()
        print("total {:.1f} s".format(time.perf_counter() - started))
    except Exception:
        traceback.print_exc()
        status = 1
    finally:
        status = finish(data_dir, pg, keep=config.keep) or status
    return status


if __name__ == "__main__":
    sys.exit(main())
