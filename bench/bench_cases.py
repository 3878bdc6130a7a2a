"""Benchmark case management: synthetic cases, HTCDS export and import, the API and the case page.

Run from the project root with no other setup:

    .venv/bin/python bench/bench_cases.py          # or: make bench-cases

It makes BENCH_CASES synthetic cases (`palermo.cases.demo`, bulk path) held by a shelter,
exports them as de-identified HTCDS JSON and CSV, imports the JSON into a second organisation
(new pseudonyms), and on PostgreSQL times PostgreSQL's own COPY of the same CSV rows into a plain
table, printing the ratio. Then, logged in as a case worker of the shelter, it times the cases
API (first page, unfiltered and filtered), the API case detail and the case page.

Last, the import at scale (issue 14): for each size of BENCH_IMPORT_CASES (20,000 and 200,000
cases), an HTCDS JSON file of that many cases is written from the exported records (each case
of the export again and again, under new case references and pseudonyms) and imported by
`palermo cases import`'s service in a child process, which reports its time and its peak
resident memory; then the same rows are stored again by the database's own bulk path, into the
same tables (PostgreSQL: COPY; SQLite: executemany), and the goals are checked: peak
memory < 400 MB, import <= 1.3x that reference.

Like bench_registry.py it uses a temporary data directory and SQLite database (removed at the
end), or, with BENCH_DATABASE_URL, a dedicated PostgreSQL database (BENCH_DATABASE_NAME, default
palermo_bench_cases) created on that server and dropped afterwards. See bench/README.md.
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import subprocess
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
from django.db import connection, reset_queries, transaction
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
    import_sizes: tuple[int, ...]
    import_rounds: int  # rounds of import and reference for a size under LARGE cases
    import_rounds_large: int
    database_url: str
    database_name: str
    keep: bool

    @classmethod
    def from_env(cls) -> Config:
        return cls(
            cases=env_int("BENCH_CASES", 2000, minimum=25),
            repeat=env_int("BENCH_REPEAT", 30, minimum=2),
            seed=env_int("BENCH_SEED", 20001215),
            import_sizes=env_sizes("BENCH_IMPORT_CASES", (20_000, 200_000)),
            import_rounds=env_int("BENCH_IMPORT_ROUNDS", 3, minimum=1),
            import_rounds_large=env_int("BENCH_IMPORT_ROUNDS_LARGE", 1, minimum=1),
            **env_database("palermo_bench_cases"),
        )


def env_sizes(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """Sizes from the environment: `20000,200000` (`0` or empty: none)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    sizes = []
    for part in raw.replace("_", "").split(","):
        if part.strip() and part.strip() != "0":
            if not part.strip().isdigit():
                raise SystemExit("{} must be sizes like 20000,200000, not '{}'".format(name, raw))
            sizes.append(int(part))
    return tuple(sizes)


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


def import_tables(organisation_id: int) -> list[tuple[str, str]]:
    """(table, WHERE) of every table an import of the organisation's cases wrote rows into,
    parents first: cases, persons, then each table of the cases app whose rows belong to a case
    or a person (identities, name index, movements, support plans, consents, comments, and
    whatever else the writer keeps per person). Tables kept by the database itself (counts
    moved by triggers) follow those rows and are not listed."""
    from django.apps import apps  # noqa: PLC0415 - Django is set up by then

    from palermo.cases.models import Case, Person  # noqa: PLC0415

    qn = connection.ops.quote_name
    # Names come from the models, the organisation is an int.
    cases = "SELECT {} FROM {} WHERE {} = {:d}".format(  # noqa: S608
        qn("id"), qn(Case._meta.db_table), qn("organisation_id"), organisation_id
    )
    persons = "SELECT {} FROM {} WHERE {} IN ({})".format(  # noqa: S608
        qn("id"), qn(Person._meta.db_table), qn("case_id"), cases
    )
    found = [
        (Case._meta.db_table, "{} = {:d}".format(qn("organisation_id"), organisation_id)),
        (Person._meta.db_table, "{} IN ({})".format(qn("case_id"), cases)),
    ]
    for model in apps.get_app_config("cases").get_models():
        if model in (Case, Person) or model._meta.proxy or not model._meta.managed:
            continue
        for f in model._meta.concrete_fields:
            parent = f.related_model if f.is_relation else None
            if parent in (Case, Person) and f.name in ("case", "person"):
                rows = persons if parent is Person else cases
                column = qn(str(f.column))
                found.append((model._meta.db_table, "{} IN ({})".format(column, rows)))
                break
    with connection.cursor() as cursor:
        kept = []
        for table, where in found:
            # Names come from the models, the organisation is an int.
            cursor.execute("SELECT 1 FROM {} WHERE {} LIMIT 1".format(qn(table), where))  # noqa: S608
            if cursor.fetchone() is not None:
                kept.append((table, where))
    return kept


def delete_tables(tables: list[tuple[str, str]], *, vacuum: bool) -> None:
    """The rows of `import_tables` deleted in one transaction, children first (a WHERE reads
    the parent rows, which are deleted after them); then, with `vacuum`, the database
    vacuumed."""
    qn = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table, where in reversed(tables):
            # Names come from the models, the organisation is an int.
            cursor.execute("DELETE FROM {} WHERE {}".format(qn(table), where))  # noqa: S608
    if vacuum:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM")


def server_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL server process (read from /proc
    when the server runs on this machine), else None."""
    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    try:
        with open("/proc/{}/stat".format(raw.info.backend_pid), encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def copy_same_rows_into_same_tables(
    organisation_id: int, work: Path
) -> tuple[float, int, float | None]:
    """The database's own bulk path for exactly the rows an import wrote, into the same tables
    (same indexes, constraints, triggers and deferred foreign-key checks): the rows are saved,
    deleted, and stored again in one transaction. PostgreSQL: COPY out to files, then (the
    deletion committed and the database vacuumed, not timed) COPY in;
    SQLite: into temporary tables, then one executemany INSERT per table. Only storing them
    again and the commit are timed. Returns (milliseconds, rows, CPU seconds of the PostgreSQL
    server process meanwhile, when it can be read)."""
    tables = import_tables(organisation_id)
    if connection.vendor == "postgresql":
        return _copy_postgres(tables, work)
    return _copy_sqlite(tables)


def _copy_postgres(tables: list[tuple[str, str]], work: Path) -> tuple[float, int, float | None]:
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    files: list[tuple[sql.Identifier, Path]] = []
    rows = 0
    with raw.cursor() as cur:
        for n, (table, where) in enumerate(tables):
            name = sql.Identifier(table)
            path = work / "copy-{}.bin".format(n)
            out = sql.SQL("COPY (SELECT * FROM {} WHERE {}) TO STDOUT").format(name, sql.SQL(where))
            with cur.copy(out) as copy, path.open("wb") as f:
                for chunk in copy:
                    rows += bytes(chunk).count(b"\n")
                    f.write(chunk)
            files.append((name, path))
        # The deletion committed and vacuumed first: the rows go back into tables as the
        # import found them, not beside dead copies of themselves, which every unique index
        # would visit (a deletion in the same transaction made this reference ~10% slower).
        delete_tables(tables, vacuum=True)
        cpu = server_cpu()
        with raw.transaction():
            start = time.perf_counter()
            for name, path in files:
                statement = sql.SQL("COPY {} FROM STDIN").format(name)
                with cur.copy(statement) as copy, path.open("rb") as f:
                    while chunk := f.read(1 << 20):
                        copy.write(chunk)
        elapsed = (time.perf_counter() - start) * 1000  # the commit included
    after = server_cpu()
    for _, path in files:
        path.unlink()
    return elapsed, rows, None if cpu is None or after is None else after - cpu


def _copy_sqlite(tables: list[tuple[str, str]]) -> tuple[float, int, float | None]:
    """SQLite has no COPY: its client hands rows to one prepared INSERT (executemany), as
    Palermo's own bulk writes do; the rows come from a saved copy, read as they are stored."""
    qn = connection.ops.quote_name
    rows = 0
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    with connection.cursor() as cursor:
        # Names come from the models (import_tables); values are ints.
        for n, (table, where) in enumerate(tables):
            cursor.execute(
                "CREATE TEMP TABLE bench_saved_{} AS SELECT * FROM {} WHERE {}".format(  # noqa: S608
                    n, qn(table), where
                )
            )
            cursor.execute("SELECT count(*) FROM temp.bench_saved_{}".format(n))  # noqa: S608
            rows += int(cursor.fetchone()[0])
        delete_tables(tables, vacuum=False)
        start = time.perf_counter()
        with transaction.atomic():
            for n, (table, _where) in enumerate(tables):
                saved = raw.execute("SELECT * FROM temp.bench_saved_{}".format(n))  # noqa: S608
                marks = ", ".join("?" * len(saved.description))
                raw.executemany(
                    "INSERT INTO {} VALUES ({})".format(qn(table), marks),  # noqa: S608
                    saved,
                )
        elapsed = (time.perf_counter() - start) * 1000  # the commit included
        for n in range(len(tables)):
            cursor.execute("DROP TABLE temp.bench_saved_{}".format(n))
    return elapsed, rows, None


# --- the import at scale ---------------------------------------------------------------------


def write_import_file(export: Path, out: Path, cases: int, tag: str) -> int:
    """An HTCDS JSON file of `cases` cases made from an export's records: each case of the
    export again and again, in order, under a new case reference and new pseudonyms
    (`C{tag}-n`, `P{tag}-n`: unlike any drawn by Palermo). Written a record at a time; returns
    the number of records."""
    by_case: dict[str, list[tuple[bool, str]]] = {}
    for record in json.loads(export.read_text(encoding="utf-8"))["records"]:
        key = record.pop("plm_CaseReference")
        pseudonym = record.pop("plm_Pseudonym", None)
        rest = json.dumps(record, ensure_ascii=False)[1:]  # without its opening brace
        by_case.setdefault(key, []).append((bool(pseudonym), rest))
    templates = list(by_case.values())
    records = 0
    with out.open("w", encoding="utf-8") as f:
        f.write('{"htcds_version": "2.0", "generator": "Palermo benchmark", "records": [\n')
        for n in range(cases):
            reference = '{"plm_CaseReference": "C' + tag + "-{:07d}".format(n) + '", '
            for has_pseudonym, rest in templates[n % len(templates)]:
                f.write(",\n" if records else "")
                f.write(reference)
                if has_pseudonym:
                    f.write('"plm_Pseudonym": "P' + tag + "-{:08d}".format(records) + '", ')
                f.write(rest)
                records += 1
        f.write("\n]}\n")
    return records


@dataclass
class ScaleResult:
    """One import at scale and its reference."""

    cases: int
    records: int
    file_mb: float
    seconds: float
    cpu_seconds: float
    server_cpu_seconds: float | None  # the import's PostgreSQL server process
    peak_mb: float
    loaded_mb: float
    copy_seconds: float
    copy_rows: int
    copy_server_cpu_seconds: float | None
    # (import s, reference s) of every round, in order; the fields above are the median round's
    rounds: list[tuple[float, float]] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.seconds / self.copy_seconds if self.copy_seconds else float("inf")


LARGE = 100_000  # cases: a size from which a round takes minutes (BENCH_IMPORT_ROUNDS_LARGE)


def delete_rows(organisation_id: int) -> None:
    """The rows an import of the organisation's cases wrote, deleted and the database
    vacuumed: the next round imports into the tables as the first found them."""
    delete_tables(import_tables(organisation_id), vacuum=True)


PEAK_GOAL_MB = 400
RATIO_GOAL = 1.3


def import_in_child(organisation_id: int, user_id: int, path: Path) -> dict[str, Any]:
    """`cases_import` of the file (its own pseudonyms) in a new process, as `palermo cases
    import` runs it: its time, CPU time, peak resident memory and what it wrote."""
    done = subprocess.run(  # noqa: S603 - this script, with numbers and a path it made
        [sys.executable, __file__, "--import-child", str(organisation_id), str(user_id), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError("the import failed:\n" + done.stderr[-4000:])
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM): its own, unlike ru_maxrss, which after
    fork and exec can start from the parent's."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def child_main(organisation_id: int, user_id: int, path: Path) -> int:
    """The child process of `import_in_child`: prints one JSON line."""
    django.setup()
    from palermo.cases import interchange  # noqa: PLC0415
    from palermo.core.models import Organisation, User  # noqa: PLC0415

    organisation = Organisation.objects.get(pk=organisation_id)
    user = User.objects.get(pk=user_id)
    loaded = peak_mb()
    server_before = server_cpu()
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    report = interchange.cases_import(actor=user, organisation=organisation, path=path)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    server_after = server_cpu()
    server = None if server_before is None or server_after is None else server_after - server_before
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "server_cpu_seconds": server,
                "peak_mb": peak_mb(),
                "loaded_mb": loaded,
                "cases": report.cases,
                "persons": report.persons,
                "movements": report.movements,
            }
        )
    )
    return 0


def import_at_scale(config: Config, work: Path, export: Path) -> list[ScaleResult]:
    """For each size: a file, its import in a child process, the same rows stored again;
    `import_rounds` rounds of both (`import_rounds_large` from LARGE cases), the median round
    (by its ratio) reported: on a shared machine one round's ratio can be far from the others
    (the same code's 20,000-case import took 5.4 to 8.3 s of CPU in runs in a row)."""
    from palermo.core.services import organisation_create, user_create  # noqa: PLC0415

    results = []
    for index, size in enumerate(config.import_sizes, start=1):
        tag = "B{}".format(index)
        path = work / "import-{}.json".format(size)
        started = time.perf_counter()
        records = write_import_file(export, path, size, tag)
        print(
            "  {:<38} {:>10.0f} ms".format(
                "write {:,}-case file".format(size), (time.perf_counter() - started) * 1000
            ),
            flush=True,
        )
        name = "Bench import {}".format(size)
        org = organisation_create(actor=None, system=True, name=name, kind="ngo", country="ITA")
        user, _ = user_create(
            actor=None,
            system=True,
            username="bench-import-{}".format(size),
            organisation=name,
            role="case_worker",
            password="bench-only-password-2026",  # noqa: S106 - a throwaway database
        )
        rounds = config.import_rounds if size < LARGE else config.import_rounds_large
        done: list[ScaleResult] = []
        for number in range(1, rounds + 1):
            if number > 1:
                delete_rows(org.pk)  # not timed
            done.append(import_round(org.pk, user.pk, path, work, size, records, number))
        median = sorted(done, key=lambda r: r.ratio)[(len(done) - 1) // 2]  # lower middle
        median.rounds = [(r.seconds, r.copy_seconds) for r in done]
        results.append(median)
        path.unlink()
        analyse()
    return results


def import_round(
    organisation_id: int, user_id: int, path: Path, work: Path, size: int, records: int, number: int
) -> ScaleResult:
    """One round: the file imported in a child process, then the same rows stored again by
    the database's bulk path."""
    got = import_in_child(organisation_id, user_id, path)
    check(got["cases"] == size, "the import wrote {} cases, not {}".format(got["cases"], size))
    check(got["persons"] == records, "the import wrote {} persons".format(got["persons"]))
    print(
        "  {:<38} {:>10.0f} ms  peak {:.0f} MB".format(
            "import {:,} cases (round {})".format(size, number),
            got["seconds"] * 1000,
            got["peak_mb"],
        ),
        flush=True,
    )
    copy_ms, copy_rows, copy_cpu = copy_same_rows_into_same_tables(organisation_id, work)
    print(
        "  {:<38} {:>10.0f} ms  {:,} rows".format(
            "same rows, database's bulk path", copy_ms, copy_rows
        ),
        flush=True,
    )
    return ScaleResult(
        cases=size,
        records=records,
        file_mb=path.stat().st_size / 1e6,
        seconds=got["seconds"],
        cpu_seconds=got["cpu_seconds"],
        server_cpu_seconds=got["server_cpu_seconds"],
        peak_mb=got["peak_mb"],
        loaded_mb=got["loaded_mb"],
        copy_seconds=copy_ms / 1000,
        copy_rows=copy_rows,
        copy_server_cpu_seconds=copy_cpu,
    )


def render_scale(results: list[ScaleResult]) -> str:
    """The import at scale, its reference and the goals, one block per size."""
    bulk = "COPY" if connection.vendor == "postgresql" else "executemany"
    lines = [
        "Import at scale ({}; HTCDS JSON with its own pseudonyms, `cases_import` in a child "
        "process; reference: the same rows into the same tables by {} in one "
        "transaction):".format(connection.vendor, bulk)
    ]
    for r in results:
        lines += [
            "  {:,} cases ({:,} records, {:.0f} MB): import {:.1f} s (CPU {:.1f} s), peak memory "
            "{:.0f} MB ({:.0f} MB with Django loaded, before the import); {} of the same {:,} rows "
            "{:.1f} s; import / {} = {:.2f}x".format(
                r.cases,
                r.records,
                r.file_mb,
                r.seconds,
                r.cpu_seconds,
                r.peak_mb,
                r.loaded_mb,
                bulk,
                r.copy_rows,
                r.copy_seconds,
                bulk,
                r.ratio,
            ),
            "    goal peak < {} MB: {};  goal import <= {}x {}: {}".format(
                PEAK_GOAL_MB,
                "met" if r.peak_mb < PEAK_GOAL_MB else "not met",
                RATIO_GOAL,
                bulk,
                "met" if r.ratio <= RATIO_GOAL else "not met",
            ),
        ]
        if len(r.rounds) > 1:
            lines.append(
                "    {} rounds, import / {} each (the median above): {}".format(
                    len(r.rounds),
                    bulk,
                    ", ".join(
                        "{:.1f} / {:.1f} s = {:.2f}x".format(i, c, i / c) for i, c in r.rounds
                    ),
                )
            )
        if r.server_cpu_seconds is not None and r.copy_server_cpu_seconds:
            # CPU depends less than time on what else runs on the machine.
            lines.append(
                "    CPU: import process {:.1f} s + its server process {:.1f} s = {:.1f} s; "
                "COPY's server process {:.1f} s; import / COPY in CPU = {:.2f}x".format(
                    r.cpu_seconds,
                    r.server_cpu_seconds,
                    r.cpu_seconds + r.server_cpu_seconds,
                    r.copy_server_cpu_seconds,
                    (r.cpu_seconds + r.server_cpu_seconds) / r.copy_server_cpu_seconds,
                )
            )
    return "\n".join(lines)


def run(config: Config, work: Path) -> tuple[list[Result], str, list[ScaleResult]]:  # noqa: PLR0915 - one linear script
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
        tables = len(import_tables(target.pk))
        same_ms, same_rows, _cpu = copy_same_rows_into_same_tables(target.pk, work)
        bench.results.append(
            Result(
                "COPY same rows (same tables)",
                "{:,} rows in {} tables, with indexes and keys".format(same_rows, tables),
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
    scale = import_at_scale(config, work, json_path) if config.import_sizes else []
    return bench.results, ratio, scale


def main() -> int:
    config = Config.from_env()
    data_dir = Path(tempfile.mkdtemp(prefix="palermo-bench-cases-"))
    pg: Postgres | None = None
    status = 0
    try:
        pg = prepare_environment(config, data_dir)
        started = time.perf_counter()
        setup_django()
        results, ratio, scale = run(config, data_dir)
        print()
        print(render_table(results))
        print()
        print(ratio or "no COPY comparison on SQLite (set BENCH_DATABASE_URL for PostgreSQL)")
        if scale:
            print()
            print(render_scale(scale))
        print()
        print("total {:.1f} s".format(time.perf_counter() - started))
    except Exception:
        traceback.print_exc()
        status = 1
    finally:
        status = finish(data_dir, pg, keep=config.keep) or status
    return status


if __name__ == "__main__":
    if sys.argv[1:2] == ["--import-child"]:
        sys.exit(child_main(int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])))
    sys.exit(main())
