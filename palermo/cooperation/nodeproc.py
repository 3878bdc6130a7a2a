"""A second Palermo node run as processes on this machine (no Django needed here).

Used by the two-node tests and by bench/bench_cooperation.py: the node's environment (its own
data directory and SQLite database, test settings), one-off commands, `runserver`, the whole
node (`palermo serve`) and long-running commands, and stopping them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

PALERMO = str(Path(sys.executable).with_name("palermo"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def node_env(data: Path, name: str = "bravo", **extra: str) -> dict[str, str]:
    """The node's environment: this one's without PALERMO_/DATABASE_ settings, plus its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PALERMO_", "DATABASE_"))}
    if "PALERMO_TEST_SHIFT_DAYS" in os.environ:  # the tests' moved clock (palermo.settings.test)
        env["PALERMO_TEST_SHIFT_DAYS"] = os.environ["PALERMO_TEST_SHIFT_DAYS"]
    env.update(
        DJANGO_SETTINGS_MODULE="palermo.settings.test",
        PALERMO_DATA_DIR=str(data),
        DATABASE_URL="sqlite:///{}".format(data / "node.sqlite3"),
        PALERMO_NODE_NAME=name,
        PALERMO_ALLOWED_HOSTS="127.0.0.1,localhost",
        **extra,
    )
    return env


def node_run(env: dict[str, str], *args: str, stdin: str = "", timeout: int = 300) -> str:
    """`palermo *args` as the node; its output, or AssertionError with what it printed."""
    result = subprocess.run(  # noqa: S603 - our own console script
        [PALERMO, *args],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )
    if result.returncode != 0:
        raise AssertionError(
            "palermo {} failed ({}): {}{}".format(
                " ".join(args), result.returncode, result.stdout, result.stderr
            )
        )
    return result.stdout


def node_start(env: dict[str, str], port: int, wait: float = 60) -> subprocess.Popen[bytes]:
    """runserver for the node, once it accepts connections; its log goes to server.log in its
    data dir."""
    return _start(env, ["runserver", "--noreload", "127.0.0.1:{}".format(port)], port, wait)


def _start(env: dict[str, str], args: list[str], port: int, wait: float) -> subprocess.Popen[bytes]:
    with open(Path(env["PALERMO_DATA_DIR"]) / "server.log", "ab") as log:
        proc = subprocess.Popen(  # noqa: S603
            [PALERMO, *args], env=env, stdout=log, stderr=log, start_new_session=True
        )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.2)
    node_stop(proc)
    raise AssertionError("the node {} did not start".format(env.get("PALERMO_NODE_NAME", "")))


def node_serve(
    env: dict[str, str], port: int, wait: float = 120, workers: int = 1
) -> subprocess.Popen[bytes]:
    """The whole node (`palermo serve`: web server, worker, scheduler, delivery), once its web
    server accepts connections; its log goes to server.log in its data dir."""
    return _start(
        env,
        ["serve", "--bind", "127.0.0.1:{}".format(port), "--workers", str(workers)],
        port,
        wait,
    )


def node_spawn(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    """A long-running palermo command of the node (e.g. `cooperation deliver --loop`)."""
    with open(Path(env["PALERMO_DATA_DIR"]) / "worker.log", "ab") as log:
        return subprocess.Popen(  # noqa: S603
            [PALERMO, *args], env=env, stdout=log, stderr=log, start_new_session=True
        )


def node_stop(proc: subprocess.Popen[bytes], *, graceful: bool = False) -> None:
    """Kill the process group (as a crash would), or with `graceful` ask it to stop first."""
    if proc.poll() is not None:
        return
    if graceful:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            pass
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
