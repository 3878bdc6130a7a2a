"""`make bench-intake`: public reports accepted by a node under its production server (issue 18).

A node (`palermo serve`: gunicorn, the task worker, the scheduler) on SQLite in a temporary
data directory, with a hotline. BENCH_REPORTS public reports (default 1,000) are sent to
`/report/` as browsers send them, at BENCH_RATE a minute (default 1,000), from BENCH_CLIENTS
threads: each a real form (its CSRF token and its signed challenge fetched first, the proof of
work solved by the client, the form posted three seconds or more after it was served), with an
account, a place and an employer (so that every report is indexed and compared for its
situation). Measured: the latency of each POST until the code comes back, p50 / p95 / max,
and the reports accepted. The reference, in the same run: a plain insert of the same rows (one
INSERT of a report's columns per transaction, as the form's request writes one report) into
the same table of the same database file, p95 of one insert; the ratio is p95 / p95.

The clients solve the proof of work at BENCH_POW_BITS (default 8) rather than the node's 16:
the client's work is not what is measured, and the server's check is one SHA-256 whatever the
difficulty. The rate limit per network is lifted for the run (every report comes from
127.0.0.1). Goal: 1,000 reports a minute accepted with p95 < 200 ms.

Then the offline sync on the same server: BENCH_DEVICES devices (default 20) of the demo case
worker, each with BENCH_EDITS offline edits (default 25: 500 in all) of the case fields of the
demo's 40 cases, all based on the versions pulled before (so that devices race on the same
fields), each device's edits in one `POST /api/v1/intake/sync`, all devices at once. Measured:
the wall time until every device has its answers; checked: every edit answered, and the open
conflicts the node then reports on the cases are exactly the edits answered "conflict" (every
conflict surfaced). Reference: a plain insert of the same number of rows, one per transaction.
Goal: 500 edits from 20 devices in < 10 s.
"""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from benchlib import env_int

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from palermo.cooperation.nodeproc import (  # noqa: E402 - after the path is set
    free_port,
    node_env,
    node_run,
    node_serve,
    node_stop,
)

GOAL_MS = 200.0
TOKEN = re.compile(r'name="challenge" value="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
BITS = re.compile(r'data-difficulty="(\d+)"')
PLACES = ("Via Roma", "Corso Vittorio", "Piazza Verdi", "Via Maqueda", "Viale Strasburgo")
EMPLOYERS = ("Lavanderia", "Pizzeria", "Azienda agricola", "Cantiere", "Albergo")


@dataclass(frozen=True)
class Form:
    csrf: str
    challenge: str
    proof: str


def _solve(token: str, bits: int) -> str:
    n = 0
    while True:
        digest = hashlib.sha256("{}:{}".format(token, n).encode()).digest()
        value = int.from_bytes(digest[:4], "big")
        if value >> (32 - bits) == 0:
            return str(n)
        n += 1


def _forms(session: requests.Session, url: str, count: int) -> list[Form]:
    out = []
    for _i in range(count):
        page = session.get(url, timeout=30).text
        token, csrf, bits = TOKEN.search(page), CSRF.search(page), BITS.search(page)
        if token is None or csrf is None or bits is None:
            raise RuntimeError("the form has no challenge: is a hotline set up?")
        out.append(Form(csrf.group(1), token.group(1), _solve(token.group(1), int(bits.group(1)))))
    return out


def _body(n: int, form: Form) -> dict[str, str]:
    return {
        "csrfmiddlewaretoken": form.csrf,
        "challenge": form.challenge,
        "proof": form.proof,
        "reporter_role": "witness",
        "what": "Report {}: workers locked in at night, their documents taken.".format(n),
        "country": "ITA",
        "where": "{} {}, Palermo".format(PLACES[n % len(PLACES)], n % 97),
        "employer": "{} {}".format(EMPLOYERS[n % len(EMPLOYERS)], n % 89),
        "child": "no",
        "consent_law_enforcement": "unknown",
        "stay_anonymous": "on",
    }


def _post(session: requests.Session, url: str, n: int, form: Form) -> tuple[float, bool]:
    start = time.perf_counter()
    response = session.post(url, data=_body(n, form), headers={"Referer": url}, timeout=60)
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, response.status_code == 200 and 'id="report-code"' in response.text  # noqa: PLR2004


def _sessions(count: int, url: str) -> Iterator[requests.Session]:
    for _i in range(count):
        s = requests.Session()
        s.get(url, timeout=30)  # the CSRF cookie
        yield s


def _plain_inserts(database: Path, rows: int) -> list[float]:
    """One INSERT of a report's columns per transaction into the node's own table."""
    con = sqlite3.connect(database, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    hotline = con.execute("SELECT id FROM intake_hotline").fetchone()[0]
    times = []
    for n in range(rows):
        now = "2026-12-07 10:00:00"
        start = time.perf_counter()
        con.execute("BEGIN")
        con.execute(
            "INSERT INTO intake_report (id, hotline_id, reference, channel, received_at, "
            "language, anonymous, reporter_role, country_id, child, danger, forms, ciphertext, "
            "attachments, code_hash, consent_law_enforcement, status, priority, due_at, "
            "screening, outcome, outcome_note) VALUES "
            "(?, ?, ?, 'web', ?, 'en', 1, 'witness', 'ITA', 'no', 0, '[]', ?, 0, ?, 'unknown', "
            "'new', 'normal', ?, '{}', '', '')",
            (
                uuid.uuid4().hex,
                hotline,
                "P-{:08d}".format(n),
                now,
                "x" * 400,
                hashlib.sha256(str(n).encode()).hexdigest(),
                now,
            ),
        )
        con.execute("COMMIT")
        times.append((time.perf_counter() - start) * 1000)
    con.close()
    return times


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _node(root: Path, bits: int) -> dict[str, str]:
    """A migrated node with the reference data, the demo users and a hotline."""
    env = node_env(
        root,
        "intake",
        PALERMO_INTAKE_REPORTS_PER_HOUR="100000000",
        PALERMO_INTAKE_REPORTS_PER_HOUR_WITHOUT_PROOF="100000000",
        PALERMO_INTAKE_POW_BITS=str(bits),
        PALERMO_LOG_LEVEL="WARNING",
    )
    print("setting up a node in {} ...".format(root), flush=True)
    node_run(env, "migrate", "--no-input", "-v0", timeout=900)
    node_run(env, "load-reference", timeout=900)
    node_run(env, "setup-demo")
    node_run(env, "intake", "hotline", "Palermo demo shelter", "--name", "Bench hotline",
             "--as", "admin")  # fmt: skip
    node_run(env, "demo-data", "--cases", "40", "--org", "Palermo demo shelter",
             "--as", "caseworker", timeout=900)  # fmt: skip
    return env


SYNC_GOAL_S = 10.0
TITLES = ("Farm workers", "Greenhouse", "Laundry", "Construction site", "Hotel kitchen")


def _token(env: dict[str, str]) -> str:
    out = node_run(env, "token", "create", "caseworker", "--name", "bench sync")
    return next(w for line in out.splitlines() for w in line.split() if len(w) >= 32)  # noqa: PLR2004


def _sync_run(base: str, secret: str, devices: int, per: int) -> tuple[float, list[float], bool]:
    """(wall seconds, each device's POST in ms, every conflict surfaced)."""
    headers = {"Authorization": "Bearer " + secret}
    cases = []
    page = 1
    while True:
        got = requests.get(
            base + "/api/v1/cases/", params={"page": page, "page_size": 100}, headers=headers,
            timeout=60,
        ).json()  # fmt: skip
        cases += [c["id"] for c in got["items"]]
        if len(cases) >= got["count"]:
            break
        page += 1
    pulled = requests.post(
        base + "/api/v1/intake/sync",
        json={"device": "pull", "holds": cases, "edits": []},
        headers=headers,
        timeout=60,
    ).json()["records"]
    rng = random.Random(18)  # noqa: S311 - a benchmark's data
    batches = []
    for d in range(devices):
        edits = {}
        for _i in range(per):
            case = rng.choice(cases)
            name = rng.choice(("title", "incoming_referral_details"))
            edits[(case, name)] = {
                "id": str(uuid.uuid4()),
                "kind": "case",
                "record": case,
                "field": name,
                "value": rng.choice(TITLES),
                "base": pulled[case]["case"][name]["version"],
            }
        while len(edits) < per:  # a device coalesces its edits of one field: top up
            case = rng.choice(cases)
            key = (case, "title")
            if key not in edits:
                edits[key] = {**next(iter(edits.values())), "id": str(uuid.uuid4()),
                              "record": case, "field": "title",
                              "base": pulled[case]["case"]["title"]["version"]}  # fmt: skip
        batches.append(
            {"device": "tablet-{}".format(d), "holds": [], "edits": list(edits.values())}
        )
    times: list[float] = []
    statuses: list[str] = []
    lock = threading.Lock()

    def push(batch: dict[str, Any]) -> None:
        start = time.perf_counter()
        answer = requests.post(
            base + "/api/v1/intake/sync", json=batch, headers=headers, timeout=120
        ).json()
        with lock:
            times.append((time.perf_counter() - start) * 1000)
            statuses.extend(r["status"] for r in answer["results"])

    start = time.perf_counter()
    with ThreadPoolExecutor(devices) as pool:
        list(pool.map(push, batches))
    wall = time.perf_counter() - start
    after = requests.post(
        base + "/api/v1/intake/sync",
        json={"device": "check", "holds": cases, "edits": []},
        headers=headers,
        timeout=60,
    ).json()["records"]
    open_conflicts = sum(r["conflicts"] for r in after.values())
    answered = len(statuses) == devices * per and "refused" not in statuses
    print(
        "sync: {} edits answered ({} applied, {} same, {} conflict), {} open conflicts on the "
        "cases".format(len(statuses), statuses.count("applied"), statuses.count("same"),
                       statuses.count("conflict"), open_conflicts)
    )  # fmt: skip
    return wall, times, answered and open_conflicts == statuses.count("conflict")


def _send_all(
    url: str, reports: int, rate: int, clients: int
) -> tuple[list[tuple[float, bool]], float]:
    """Fetch and solve the forms, then post them at `rate` a minute: (latency, accepted) of
    each, and the wall time of the posting."""
    sessions = list(_sessions(clients, url))
    print("fetching and solving {} forms ...".format(reports), flush=True)
    forms: list[tuple[requests.Session, Form]] = []
    per = -(-reports // clients)
    with ThreadPoolExecutor(clients) as pool:
        for session, chunk in zip(
            sessions, pool.map(lambda s: _forms(s, url, per), sessions), strict=True
        ):
            forms.extend((session, form) for form in chunk)  # a form goes with its session
    time.sleep(3.2)  # a form is refused when sent within 3 s of being served
    results: list[tuple[float, bool]] = []
    lock = threading.Lock()
    interval = 60.0 / rate
    start = time.perf_counter()

    def send(n: int) -> None:
        delay = start + n * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        session, form = forms[n]
        outcome = _post(session, url, n, form)
        with lock:
            results.append(outcome)

    with ThreadPoolExecutor(clients * 2) as pool:
        list(pool.map(send, range(reports)))
    return results, time.perf_counter() - start


def _table(results: list[tuple[float, bool]], plain: list[float], wall: float, rate: int) -> bool:
    latencies = [ms for ms, _ok in results]
    accepted = sum(1 for _ms, ok in results if ok)
    per_minute = accepted / wall * 60
    p50, plain50 = _p(latencies, 0.5), _p(plain, 0.5)
    p95, plain95 = _p(latencies, 0.95), _p(plain, 0.95)
    print()
    print("Public reports on SQLite under palermo serve (gunicorn, 2 workers), 2 cores")
    print("| measure | value | reference (plain insert) | ratio |")
    print("| --- | ---: | ---: | ---: |")
    print("| reports sent / accepted | {:,} / {:,} | | |".format(len(results), accepted))
    print("| accepted a minute | {:,.0f} | | |".format(per_minute))
    print(
        "| p50 | {:.1f} ms | {:.2f} ms | x{:.0f} |".format(p50, plain50, p50 / max(plain50, 1e-6))
    )
    print(
        "| p95 | {:.1f} ms | {:.2f} ms | x{:.0f} |".format(p95, plain95, p95 / max(plain95, 1e-6))
    )
    print("| max | {:.1f} ms | {:.2f} ms | |".format(max(latencies), max(plain)))
    print(
        "| mean | {:.1f} ms | {:.2f} ms | |".format(
            statistics.mean(latencies), statistics.mean(plain)
        )
    )
    return accepted == len(results) and p95 < GOAL_MS and per_minute >= rate * 0.95


def _sync_table(
    devices: int, per: int, sync_wall: float, sync_times: list[float], surfaced: bool,
    plain: list[float],
) -> None:  # fmt: skip
    plain_total = sum(plain[: devices * per]) / 1000
    print()
    print("Offline sync on the same server: {} devices x {} edits".format(devices, per))
    print("| measure | value | reference (plain insert of as many rows) | ratio |")
    print("| --- | ---: | ---: | ---: |")
    print(
        "| all devices answered (wall) | {:.2f} s | {:.3f} s | x{:.0f} |".format(
            sync_wall, plain_total, sync_wall / max(plain_total, 1e-6)
        )
    )
    print("| one device's sync, p95 | {:.0f} ms | | |".format(_p(sync_times, 0.95)))
    print("| every conflict surfaced | {} | | |".format("yes" if surfaced else "NO"))
    met = surfaced and sync_wall < SYNC_GOAL_S
    print()
    print(
        "goal (500 edits from 20 devices < {:.0f} s, every conflict surfaced): {}".format(
            SYNC_GOAL_S, "met" if met else "NOT met"
        )
    )


def main() -> int:
    reports = env_int("BENCH_REPORTS", 1000, 10)
    rate = env_int("BENCH_RATE", 1000, 1)
    clients = env_int("BENCH_CLIENTS", 8, 1)
    devices, per = env_int("BENCH_DEVICES", 20, 1), env_int("BENCH_EDITS", 25, 1)
    root = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    env = _node(root, env_int("BENCH_POW_BITS", 8, 1))
    secret = _token(env)
    port = free_port()
    proc = node_serve(env, port, wait=180, workers=2)
    base = "http://127.0.0.1:{}".format(port)
    try:
        results, wall = _send_all(base + "/report/", reports, rate, clients)
        sync_wall, sync_times, surfaced = _sync_run(base, secret, devices, per)
    finally:
        node_stop(proc, graceful=True)
    plain = _plain_inserts(Path(env["DATABASE_URL"].removeprefix("sqlite:///")), reports)
    shutil.rmtree(root, ignore_errors=True)
    met = _table(results, plain, wall, rate)
    print()
    print(
        "goal (1,000 a minute accepted, p95 < {:.0f} ms): {}".format(
            GOAL_MS, "met" if met else "NOT met"
        )
    )
    _sync_table(devices, per, sync_wall, sync_times, surfaced, plain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
