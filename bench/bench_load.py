"""Benchmark the node under load: concurrent API clients over real HTTP against `palermo serve`.

Run from the project root with no other setup:

    .venv/bin/python bench/bench_load.py          # or: make bench-load

It makes a temporary node (SQLite in a temporary data directory, or a new PostgreSQL database on
BENCH_DATABASE_URL's server) with the reference data, BENCH_CASES demo cases of one shelter and
an API token for its case worker, starts `palermo serve` on it (the server `make run` uses, with
production settings) and runs BENCH_CLIENTS client threads for BENCH_SECONDS, each with its own
kept-alive HTTP connection and no pause between requests, a mix of reads and writes:

    case list (a random page)        30%     case detail (a random case)    30%
    registry parties                 10%     comment on a case (POST)       20%
    create a case (POST)             10%

then the same clients for BENCH_PLAIN_SECONDS on `/healthz` (no database, no login) on the same
server: the floor the server itself sets. It prints per operation the requests, errors, p50,
p95, p99 and throughput, and the ratios to the plain endpoint; it fails on any error, and
(unless BENCH_NO_GOAL=1) when the mixed p95 is over BENCH_P95_GOAL_MS (300).
See bench/README.md.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import django
from benchlib import Postgres, check, django_environment, env_database, env_int

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from palermo.cooperation.nodeproc import PALERMO, free_port  # noqa: E402 - after the path is set

SHELTER = "Bench load shelter"
MIX = (
    ("case list", 30),
    ("case detail", 30),
    ("registry parties", 10),
    ("comment (POST)", 20),
    ("create case (POST)", 10),
)


@dataclass(frozen=True)
class Config:
    clients: int
    seconds: int
    plain_seconds: int
    cases: int
    workers: int
    threads: int
    goal_ms: int
    enforce_goal: bool
    database_url: str
    database_name: str
    keep: bool

    @classmethod
    def from_env(cls) -> Config:
        return cls(
            clients=env_int("BENCH_CLIENTS", 50, minimum=1),
            seconds=env_int("BENCH_SECONDS", 60, minimum=1),
            plain_seconds=env_int("BENCH_PLAIN_SECONDS", 10, minimum=1),
            cases=env_int("BENCH_CASES", 500, minimum=10),
            workers=env_int("BENCH_WORKERS", 0),
            threads=env_int("BENCH_THREADS", 0),
            goal_ms=env_int("BENCH_P95_GOAL_MS", 300, minimum=1),
            enforce_goal=os.environ.get("BENCH_NO_GOAL", "") not in {"1", "true", "yes"},
            **env_database("palermo_bench_load"),
        )


# --- the node ----------------------------------------------------------------------------------


@dataclass
class Node:
    token: str
    case_ids: list[str]
    port: int
    env: dict[str, str]


def prepare(config: Config) -> Node:
    from django.core.management import call_command  # noqa: PLC0415 - after django.setup()

    from palermo.cases import demo  # noqa: PLC0415
    from palermo.core.services import organisation_create, token_create, user_create  # noqa: PLC0415

    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_reference", stdout=io.StringIO())
    org = organisation_create(actor=None, system=True, name=SHELTER, kind="ngo", country="ITA")
    user, _password = user_create(
        actor=None, system=True, username="bench-worker", organisation=SHELTER, role="case_worker"
    )
    demo.demo_cases_create(organisation=org, actor=user, count=config.cases, seed=11, bulk=True)
    token = token_create(actor=None, user=user, name="bench-load")
    from palermo.cases.models import Case  # noqa: PLC0415

    case_ids = [
        str(pk) for pk in Case.objects.filter(organisation=org).values_list("pk", flat=True)
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    # The production settings (palermo serve as `make run` and the deployments run it).
    env["DJANGO_SETTINGS_MODULE"] = "palermo.settings.base"
    env["PALERMO_ALLOWED_HOSTS"] = "127.0.0.1"
    env["PALERMO_LOG_LEVEL"] = "WARNING"
    return Node(token=token, case_ids=case_ids, port=free_port(), env=env)


def serve(node: Node, config: Config, log: Path) -> subprocess.Popen[bytes]:
    args = [PALERMO, "serve", "--bind", "127.0.0.1:{}".format(node.port)]
    if config.workers:
        args += ["--workers", str(config.workers)]
    if config.threads:
        args += ["--threads", str(config.threads)]
    with log.open("ab") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own console script
            args, env=node.env, stdout=out, stderr=out, start_new_session=True
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        check(proc.poll() is None, "palermo serve exited: see {}".format(log))
        try:
            conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("palermo serve did not answer within 180 s")


def stop(proc: subprocess.Popen[bytes]) -> int:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        return proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait(timeout=10)


# --- the clients ---------------------------------------------------------------------------------


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, op: str, ms: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.latencies[op].append(ms)
            else:
                self.errors[op].append(error)


class Client:
    """One API client: its own kept-alive connection, requests one after another."""

    def __init__(self, node: Node, rng: random.Random) -> None:
        self.node = node
        self.rng = rng
        self.conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=60)
        self.headers = {"Authorization": "Bearer {}".format(node.token)}
        self.pages = max(len(node.case_ids) // 50, 1)

    def request(self, method: str, path: str, body: object = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed a kept-alive connection between requests: reconnect once.
                self.conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def one(self, op: str) -> tuple[int, int]:
        """(status, expected status) of one operation."""
        case = self.rng.choice(self.node.case_ids)
        if op == "case list":
            return self.request(
                "GET", "/api/v1/cases/?page={}".format(self.rng.randint(1, self.pages))
            )[0], 200
        if op == "case detail":
            return self.request("GET", "/api/v1/cases/{}".format(case))[0], 200
        if op == "registry parties":
            return self.request("GET", "/api/v1/registry/parties?instrument=trafficking-protocol")[
                0
            ], 200
        if op == "comment (POST)":
            text = {"text": "Bench load comment {}".format(self.rng.randint(1, 10**9))}
            return self.request("POST", "/api/v1/cases/{}/comments".format(case), text)[0], 201
        if op == "create case (POST)":
            return self.request("POST", "/api/v1/cases/", {"title": "Bench load case"})[0], 201
        if op == "plain":
            return self.request("GET", "/healthz")[0], 200
        raise ValueError(op)


def load(node: Node, config: Config, seconds: int, ops: list[str], results: Results) -> float:
    """Every client runs ops drawn from `ops` until the time is up; returns the wall time."""
    start = threading.Barrier(config.clients + 1)
    deadline = [0.0]

    def client(n: int) -> None:
        rng = random.Random(n)  # noqa: S311 - a benchmark's workload, not a secret
        c = Client(node, rng)
        start.wait()
        while time.monotonic() < deadline[0]:
            op = rng.choice(ops)
            began = time.perf_counter()
            try:
                status, expected = c.one(op)
                error = None if status == expected else "HTTP {}".format(status)
            except (OSError, http.client.HTTPException) as exc:
                error = type(exc).__name__
                c.conn.close()
            results.add(op, (time.perf_counter() - began) * 1000, error)
        c.conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(config.clients)]
    for t in threads:
        t.start()
    began = time.monotonic()
    deadline[0] = began + seconds
    start.wait()
    for t in threads:
        t.join()
    return time.monotonic() - began


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid` and its descendants (Linux's
    /proc; 0 elsewhere)."""
    children: dict[int, list[int]] = defaultdict(list)
    used: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        own = int(stat.parent.name)
        children[int(fields[1])].append(own)
        used[own] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += used.get(current, 0.0)
        todo.extend(children.get(current, []))
    return total


def self_cpu() -> float:
    """CPU seconds this process (the clients) used so far."""
    times = os.times()
    return times.user + times.system


def pct(values: list[float], p: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def render(rows: list[tuple[str, list[float], int, float]]) -> str:
    head = ("operation", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "req/s")
    table = [
        (
            name,
            "{:,}".format(len(lat)),
            str(errors),
            "{:.1f}".format(pct(lat, 50)) if lat else "-",
            "{:.1f}".format(pct(lat, 95)) if lat else "-",
            "{:.1f}".format(pct(lat, 99)) if lat else "-",
            "{:,.1f}".format(len(lat) / wall) if wall else "-",
        )
        for name, lat, errors, wall in rows
    ]
    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(head)]

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(head), "  ".join("-" * w for w in widths), *map(line, table)])


def run(config: Config, data_dir: Path, pg: Postgres | None) -> int:
    node = prepare(config)
    from django.db import connections  # noqa: PLC0415

    connections.close_all()
    log = data_dir / "serve.log"
    proc = serve(node, config, log)
    try:
        ops = [name for name, weight in MIX for _ in range(weight)]
        mixed = Results()
        server_cpu, client_cpu = tree_cpu(proc.pid), self_cpu()
        wall = load(node, config, config.seconds, ops, mixed)
        server_cpu, client_cpu = tree_cpu(proc.pid) - server_cpu, self_cpu() - client_cpu
        plain = Results()
        plain_wall = load(node, config, config.plain_seconds, ["plain"], plain)
    finally:
        status = stop(proc)
    every = [ms for op, _w in MIX for ms in mixed.latencies[op]]
    errors = sum(len(e) for e in mixed.errors.values()) + sum(len(e) for e in plain.errors.values())
    rows = [(op, mixed.latencies[op], len(mixed.errors[op]), wall) for op, _w in MIX]
    rows.append(("all API operations", every, sum(len(e) for e in mixed.errors.values()), wall))
    rows.append(
        ("plain GET /healthz", plain.latencies["plain"], len(plain.errors["plain"]), plain_wall)
    )
    print()
    print(
        "{} API clients over HTTP for {} s ({} for /healthz) against `palermo serve` "
        "({} workers x {} threads) on {}, {:,} cases".format(
            config.clients,
            config.seconds,
            config.plain_seconds,
            config.workers or "default",
            config.threads or "default",
            "PostgreSQL" if pg else "SQLite",
            len(node.case_ids),
        )
    )
    print()
    print(render(rows))
    print()
    plain_lat = plain.latencies["plain"]
    if every and plain_lat:
        print(
            "API / plain: throughput x{:.2f}, p50 x{:.1f}, p95 x{:.1f}".format(
                (len(every) / wall) / (len(plain_lat) / plain_wall),
                pct(every, 50) / pct(plain_lat, 50),
                pct(every, 95) / pct(plain_lat, 95),
            )
        )
    done = len(every) + sum(len(e) for e in mixed.errors.values())
    if done:
        print(
            "CPU per API request: server {:.1f} ms, clients {:.1f} ms; load average {:.1f} "
            "at the end".format(
                server_cpu * 1000 / done, client_cpu * 1000 / done, os.getloadavg()[0]
            )
        )
    for op, errs in {**mixed.errors, **plain.errors}.items():
        if errs:
            kinds: dict[str, int] = defaultdict(int)
            for e in errs:
                kinds[e] += 1
            print("errors in {}: {}".format(op, dict(kinds)))
    print("server stopped with status {}".format(status))
    check(errors == 0, "{} requests failed".format(errors))
    check(bool(every), "no request completed")
    p95 = pct(every, 95)
    if config.enforce_goal:
        check(
            p95 < config.goal_ms,
            "p95 {:.0f} ms is over the goal of {} ms".format(p95, config.goal_ms),
        )
    return 0


def main() -> int:
    config = Config.from_env()
    data_dir = Path(tempfile.mkdtemp(prefix="palermo-bench-load-"))
    pg: Postgres | None = None
    status = 0
    try:
        pg = django_environment(data_dir, config.database_url, config.database_name)
        os.environ["PALERMO_LOG_LEVEL"] = "WARNING"
        django.setup()
        status = run(config, data_dir, pg)
    except Exception:
        traceback.print_exc()
        status = 1
    finally:
        from benchlib import finish  # noqa: PLC0415

        status = max(status, finish(data_dir, pg, keep=config.keep))
    return status


if __name__ == "__main__":
    sys.exit(main())
