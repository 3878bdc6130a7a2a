"""Benchmark node-to-node cooperation: request messages between two real nodes on loopback.

Run from the project root with no other setup:

    .venv/bin/python bench/bench_cooperation.py          # or: make bench-cooperation

This process is node "alpha" (a Nigerian authority); node "bravo" is `palermo serve` in a
subprocess with its own data dir and SQLite database. Alpha sends BENCH_REQUESTS requests to
bravo, then measures, with Ed25519 signing and verification on (as always in production) and
with the same two nodes exchanging unsigned messages (the benchmark-only switch
PALERMO_NODE_UNSIGNED_BENCH, honoured only under the test settings):

- throughput: BENCH_MESSAGES request messages are written, then the outbox delivers them
  (sign, POST, verify, store and apply to the request on bravo, signed receipt back, verify);
  messages per second over the delivery's wall time;
- end-to-end latency: BENCH_LATENCY messages one at a time, from writing the message
  (`services.message_post`) until its receipt is verified; median and p95.

It prints one table and the signed/unsigned ratios, and checks that bravo applied every message
exactly once. Like the other benchmarks it uses a temporary data directory (removed at the end)
and, with BENCH_DATABASE_URL, a dedicated PostgreSQL database for alpha. See bench/README.md.
"""

from __future__ import annotations

import contextlib
import cProfile
import datetime as dt
import http.client
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import django
from benchlib import Postgres, check, django_environment, env_database, env_int
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from palermo.cooperation.nodeproc import (  # noqa: E402 - after the path is set
    PALERMO,
    free_port,
    node_env,
    node_run,
    node_serve,
    node_stop,
)

AUTHORITY = "Bench Nigeria Police Force"
REQUESTED = "Bench South African Police Service"


@dataclass(frozen=True)
class Config:
    messages: int
    latency: int
    requests: int
    body_bytes: int
    rounds: int
    database_url: str
    database_name: str
    keep: bool

    @classmethod
    def from_env(cls) -> Config:
        return cls(
            messages=env_int("BENCH_MESSAGES", 200, minimum=10),
            latency=env_int("BENCH_LATENCY", 60, minimum=5),
            requests=env_int("BENCH_REQUESTS", 4, minimum=1),
            body_bytes=env_int("BENCH_BODY_BYTES", 1024, minimum=1),
            rounds=env_int("BENCH_ROUNDS", 2, minimum=1),
            **env_database("palermo_bench_cooperation"),
        )


# --- the two nodes ---------------------------------------------------------------------------


def prepare_alpha(config: Config, data_dir: Path) -> Postgres | None:
    pg = django_environment(data_dir, config.database_url, config.database_name)
    os.environ["PALERMO_NODE_NAME"] = "alpha"
    os.environ["PALERMO_NODE_UNSIGNED_BENCH"] = "1"
    os.environ["PALERMO_LOG_LEVEL"] = "WARNING"
    os.environ.pop("PALERMO_NODE_KEY", None)
    os.environ.setdefault("PALERMO_DB_CONN_MAX_AGE", "600")
    return pg


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Mode:
    name: str
    unsigned: bool
    rates: list[float]
    latencies_ms: list[float]
    alpha_cpu_us: list[float] = field(default_factory=list)  # per message, throughput runs
    bravo_cpu_us: list[float] = field(default_factory=list)

    def p95(self) -> float:
        return statistics.quantiles(self.latencies_ms, n=20, method="inclusive")[18]


@dataclass(frozen=True)
class Reference:
    crypto_us: float  # one Ed25519 sign + verify of an envelope
    verify_rate: float  # Ed25519 verifications per second, one core
    plain_rate: float  # GET /healthz per second on bravo, one kept-alive connection, serially


def plain_requests(port: int, seconds: float = 3.0) -> float:
    """Plain requests per second on bravo's server: GET /healthz one after another on one
    kept-alive connection (as the outbox's connection is)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        try:
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            resp.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed the kept-alive connection (a worker just started after the
            # kill test replaced it): open another, as the outbox's connection does.
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        check(resp.status == 200, "healthz answered {}".format(resp.status))
        done += 1
    conn.close()
    return done / (time.perf_counter() - started)


def tree_cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by a process and its live descendants: bravo's
    node (`palermo serve` and the parts it starts). Linux only; 0 elsewhere."""
    parents: dict[int, int] = {}
    times: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        # After the name: state, ppid, ...; utime and stime are the 12th and 13th.
        parents[pid] = int(fields[1])
        times[pid] = int(fields[11]) + int(fields[12])
    tree = {root}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(times.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


PROFILE_DIR = os.environ.get("BENCH_PROFILE", "")
PY_SPY = os.environ.get("BENCH_PY_SPY", "py-spy")


@contextlib.contextmanager
def profiled(mode: Mode, round_no: int, phase: str = "throughput") -> Iterator[None]:
    """With BENCH_PROFILE=<dir>: cProfile alpha into <dir>/alpha-<phase>-<mode>-<round>.prof."""
    if not PROFILE_DIR:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        profile.dump_stats(
            Path(PROFILE_DIR) / "alpha-{}-{}-{}.prof".format(phase, mode.unsigned, round_no)
        )


def profile_start(
    proc: subprocess.Popen[bytes], mode: Mode, round_no: int
) -> subprocess.Popen[bytes] | None:
    """With BENCH_PROFILE=<dir>: py-spy records bravo's processes (raw, for flame graphs)."""
    if not PROFILE_DIR:
        return None
    out = Path(PROFILE_DIR) / "bravo-{}-{}.txt".format(mode.unsigned, round_no)
    spy = subprocess.Popen(  # noqa: S603
        [
            PY_SPY,
            "record",
            "--subprocesses",
            "--format",
            "raw",
            "--rate",
            "250",
            "--pid",
            str(proc.pid),
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # py-spy attaches
    return spy


def profile_stop(spy: subprocess.Popen[bytes] | None) -> None:
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=30)


def run(config: Config, root: Path) -> tuple[list[Mode], Reference, int, int]:  # noqa: PLR0915
    from palermo.cooperation import services, signing  # noqa: PLC0415 - after django.setup()
    from palermo.cooperation.models import OutboundMessage  # noqa: PLC0415
    from palermo.core.choices import OrganisationKind, Role  # noqa: PLC0415
    from palermo.core.models import Organisation, User  # noqa: PLC0415
    from palermo.core.services import countries_load  # noqa: PLC0415

    # Bravo: migrated in the background while alpha migrates.
    bravo_dir = root / "bravo"
    bravo_dir.mkdir()
    env = node_env(bravo_dir, PALERMO_NODE_UNSIGNED_BENCH="1", PALERMO_LOG_LEVEL="WARNING")
    migrating = subprocess.Popen(  # noqa: S603
        [PALERMO, "migrate", "--no-input", "-v0"], env=env, start_new_session=True
    )
    call_command("migrate", verbosity=0, interactive=False)
    countries_load()
    if migrating.wait(timeout=600) != 0:
        raise RuntimeError("bravo: migrate failed")
    bravo_key = node_run(env, "node", "key").strip().splitlines()[-1]
    node_run(env, "nodes", "add", "alpha", "http://127.0.0.1:1", "--key", signing.node_public_key())
    port = free_port()
    bravo = services.node_add(
        name="bravo", url="http://127.0.0.1:{}".format(port), public_key=bravo_key
    )
    org = Organisation.objects.create(
        name=AUTHORITY, kind=OrganisationKind.GOVERNMENT, country_id="NGA"
    )
    user = User.objects.create(
        username="bench-investigator", organisation=org, role=Role.INVESTIGATOR
    )
    proc = node_serve(env, port, wait=180)
    body = ("x" * config.body_bytes)[: config.body_bytes]
    written = 0
    modes = [Mode("signed (Ed25519)", False, [], []), Mode("unsigned (bench only)", True, [], [])]
    try:
        requests = []
        for n in range(config.requests):
            r = services.request_create(
                actor=user,
                type="information",
                subject="Bench request {}".format(n),
                node=bravo,
                requested_authority=REQUESTED,
                requested_country="ZAF",
                legal_basis="reciprocity",
            )
            requests.append(services.request_send(actor=user, request=r))
        check(services.outbox_deliver().acknowledged == config.requests, "requests not delivered")

        def write(count: int) -> None:
            nonlocal written
            for i in range(count):
                services.message_post(actor=user, request=requests[i % len(requests)], body=body)
            written += count

        for mode in modes:  # warm-up: connections, caches, bravo's first requests
            write(5)
            check(services.outbox_deliver(unsigned=mode.unsigned).acknowledged == 5, "warm-up")
        for round_no in range(config.rounds):
            # Alternate which mode goes first, so that run order does not favour one.
            for mode in modes if round_no % 2 == 0 else modes[::-1]:
                write(config.messages)
                spy = profile_start(proc, mode, round_no)
                bravo_cpu = tree_cpu_seconds(proc.pid)
                alpha_cpu = time.process_time()
                started = time.perf_counter()
                with profiled(mode, round_no):
                    report = services.outbox_deliver(
                        limit=config.messages + 10, unsigned=mode.unsigned
                    )
                elapsed = time.perf_counter() - started
                mode.alpha_cpu_us.append((time.process_time() - alpha_cpu) / config.messages * 1e6)
                mode.bravo_cpu_us.append(
                    (tree_cpu_seconds(proc.pid) - bravo_cpu) / config.messages * 1e6
                )
                profile_stop(spy)
                check(report.acknowledged == config.messages, "{}: {}".format(mode.name, report))
                mode.rates.append(config.messages / elapsed)
                with profiled(mode, round_no, "latency"):
                    for i in range(config.latency // config.rounds or 1):
                        started = time.perf_counter()
                        services.message_post(
                            actor=user, request=requests[i % len(requests)], body=body
                        )
                        report = services.outbox_deliver(unsigned=mode.unsigned)
                        mode.latencies_ms.append((time.perf_counter() - started) * 1000)
                        written += 1
                        check(report.acknowledged == 1, "{}: {}".format(mode.name, report))
        plain_rate = plain_requests(port)  # the reference, before the kill test
        # The kill test: bravo is killed (SIGKILL, as a crash) in the middle of a burst and
        # started again; delivery goes on until the outbox is empty.
        write(config.messages)
        stop_at = written - config.messages // 2
        killed = threading.Event()

        def kill_when_half_sent() -> None:
            while not killed.is_set():
                if OutboundMessage.objects.filter(acknowledged_at__isnull=True).count() <= (
                    written - stop_at
                ):
                    node_stop(proc)
                    killed.set()
                time.sleep(0.01)

        killer = threading.Thread(target=kill_when_half_sent)
        killer.start()
        deadline = time.monotonic() + 120
        while not killed.is_set() and time.monotonic() < deadline:
            services.outbox_deliver(limit=20)
        killed.set()
        killer.join()
        proc = node_serve(env, port, wait=180)
        later = timezone.now() + dt.timedelta(hours=1)  # past every back-off
        while OutboundMessage.objects.filter(acknowledged_at__isnull=True).exists():
            check(time.monotonic() < deadline + 240, "the outbox did not drain after the kill")
            services.outbox_deliver(now=later)
        check(
            not OutboundMessage.objects.filter(acknowledged_at__isnull=True).exists(),
            "undelivered messages left",
        )
        # The cost of the cryptography alone, on a body of the same size.
        envelope = signing.canonical({"payload": body, "kind": "request.message"})
        key = signing.node_private_key()
        started = time.perf_counter()
        loops = 2000
        for _ in range(loops):
            sig = signing.sign(envelope, key)
            check(signing.verify(envelope, sig, signing.node_public_key()), "verify")
        crypto_us = (time.perf_counter() - started) / loops * 1e6
        public = signing.node_public_key()
        sig = signing.sign(envelope, key)
        started = time.perf_counter()
        for _ in range(loops):
            signing.verify(envelope, sig, public)
        verify_rate = loops / (time.perf_counter() - started)
    finally:
        node_stop(proc, graceful=True)
    with sqlite3.connect(bravo_dir / "node.sqlite3") as db:
        applied = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT id) FROM cooperation_message WHERE kind = 'message'"
        ).fetchone()
        received = db.execute(
            "SELECT COUNT(*) FROM cooperation_request WHERE status = 'received'"
        ).fetchone()
    check(received == (config.requests,), "bravo holds {} received requests".format(received))
    check(applied == (written, written), "bravo applied {} of {} messages".format(applied, written))
    return modes, Reference(crypto_us, verify_rate, plain_rate), config.body_bytes, written


def render(modes: list[Mode], config: Config) -> str:
    rows = [
        (
            m.name,
            "{:,}".format(config.messages * len(m.rates)),
            "{:,.0f}".format(statistics.median(m.rates)),
            "{:.1f}".format(statistics.median(m.latencies_ms)),
            "{:.1f}".format(m.p95()),
        )
        for m in modes
    ]
    head = ("mode", "messages", "msg/s", "median ms", "p95 ms")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    lines = [
        "  ".join(
            h.ljust(w) if i == 0 else h.rjust(w)
            for i, (h, w) in enumerate(zip(head, widths, strict=True))
        )
    ]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append(
            "  ".join(
                v.ljust(w) if i == 0 else v.rjust(w)
                for i, (v, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    return "\n".join(lines)


def main() -> int:
    config = Config.from_env()
    root = Path(tempfile.mkdtemp(prefix="palermo-bench-cooperation-"))
    alpha_dir = root / "alpha"
    alpha_dir.mkdir()
    pg: Postgres | None = None
    status = 0
    try:
        pg = prepare_alpha(config, alpha_dir)
        started = time.perf_counter()
        django.setup()
        modes, ref, body_bytes, written = run(config, root)
        signed, unsigned = modes
        print()
        print(
            "Request messages alpha -> bravo on loopback ({} requests, {} B bodies, "
            "alpha on {}, bravo on SQLite under palermo serve)".format(
                config.requests, body_bytes, "PostgreSQL" if pg else "SQLite"
            )
        )
        print()
        print(render(modes, config))
        print()
        rate = statistics.median(signed.rates) / statistics.median(unsigned.rates)
        p95 = signed.p95() / unsigned.p95()
        print(
            "signed/unsigned: throughput x{:.2f}, p95 latency x{:.2f}; Ed25519 sign + verify "
            "of one envelope: {:.0f} us".format(rate, p95, ref.crypto_us)
        )
        print(
            "CPU per message in the throughput runs (median; the 2 cores are shared, so these "
            "vary less than msg/s): signed alpha {:.0f} us + bravo {:.0f} us, unsigned alpha "
            "{:.0f} us + bravo {:.0f} us".format(
                statistics.median(signed.alpha_cpu_us),
                statistics.median(signed.bravo_cpu_us),
                statistics.median(unsigned.alpha_cpu_us),
                statistics.median(unsigned.bravo_cpu_us),
            )
        )
        signed_rate = statistics.median(signed.rates)
        print(
            "reference: {:,.0f} plain requests/s on bravo's server (GET /healthz, one kept-alive "
            "connection, one at a time): signed msg/s x{:.2f}; {:,.0f} Ed25519 verifications/s: "
            "x{:.3f}".format(
                ref.plain_rate,
                signed_rate / ref.plain_rate,
                ref.verify_rate,
                signed_rate / ref.verify_rate,
            )
        )
        print(
            "bravo was killed mid-burst and restarted; it applied all {} messages exactly "
            "once".format(written)
        )
        print()
        print("total {:.1f} s".format(time.perf_counter() - started))
    except Exception:
        traceback.print_exc()
        status = 1
    finally:
        connections.close_all()
        if pg is not None and not config.keep:
            try:
                pg.drop()
            except Exception:
                traceback.print_exc()
                status = 1
        if config.keep:
            print("kept {}".format(root), file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
