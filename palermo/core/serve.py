"""`palermo serve`: the whole node in one command, supervised.

Owns the node's parts and their supervisor. A part is a long-running `palermo` command run as a
child process: the web server (`palermo serve --web-only`: gunicorn, see `web_serve`), the task
worker (`palermo db_worker`), the scheduler of the periodic jobs (`palermo scheduler`) and what
apps register from `AppConfig.ready` with `part_register` (the cooperation app: outbox
delivery). The supervisor restarts a part that exits, after a back-off (1 s, 2 s, 4 s ... up to
a minute; back to 1 s once it ran a minute), and on SIGTERM or Ctrl-C stops every part with
SIGTERM (SIGKILL after `STOP_SECONDS`) and exits 0. Children write their logs to the same
stdout/stderr.

Why gunicorn: Palermo is a WSGI application (Django views, django-ninja, no async code), and
gunicorn is the mature pure-Python WSGI server (no compiled parts, Linux and macOS). Its
`gthread` workers serve each process's requests from a thread pool, so slow clients and waits on
the database (SQLite's write lock, PostgreSQL) do not hold a whole process, and threads share
each process's persistent database connections. granian or uvicorn would add an event loop or a
Rust runtime for no gain to a synchronous application.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import connections

logger = logging.getLogger("palermo.serve")

STOP_SECONDS = 25.0  # under systemd's TimeoutStopSec (30 s) and compose's stop_grace_period
MAX_BACKOFF = 60.0
HEALTHY_AFTER = 60.0  # a part that ran this long restarts after 1 s again
PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass(frozen=True)
class Part:
    """A long-running part of the node: a name and the `palermo` arguments that run it."""

    name: str
    args: tuple[str, ...]


_PARTS: dict[str, Part] = {}


def part_register(name: str, args: Sequence[str]) -> Part:
    """Register (or replace, for a reloaded app) a part that `palermo serve` runs."""
    part = Part(name, tuple(args))
    _PARTS[name] = part
    return part


def node_parts(*, bind: str, workers: int, threads: int) -> list[Part]:
    """Every part of the node: the web server first, then the worker, the scheduler and the
    parts apps registered."""
    web = Part(
        "web",
        (
            "serve",
            "--web-only",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ),
    )
    worker = [Part("worker", ("db_worker",))] if tasks_queued() else []
    return [
        web,
        *worker,
        Part("scheduler", ("scheduler",)),
        *(_PARTS[name] for name in sorted(_PARTS)),
    ]


def tasks_queued() -> bool:
    """Whether tasks wait in the database for the task worker (the production settings). Under
    the test settings they run at once (the immediate backend): `db_worker` would only fail to
    start, again and again, each time paying a Django start-up."""
    backend = str(getattr(settings, "TASKS", {}).get("default", {}).get("BACKEND", ""))
    return backend.startswith("django_tasks_db.")


def palermo_argv(args: Sequence[str]) -> list[str]:
    """The command line of `palermo ARGS` with this Python (no PATH lookup)."""
    return [sys.executable, "-m", "palermo.cli", *args]


@dataclass
class _Child:
    part: Part
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    failures: int = 0
    restart_at: float = 0.0
    runs: int = 0


@dataclass
class Supervisor:
    """Runs the parts, restarts the ones that exit, stops them all on request."""

    parts: list[Part]
    env: dict[str, str] | None = None
    stop_seconds: float = STOP_SECONDS
    children: list[_Child] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def start(self, child: _Child) -> None:
        child.process = subprocess.Popen(  # noqa: S603 - this Python running palermo
            palermo_argv(child.part.args),
            env=self.env,
            # Its own process group: Ctrl-C in a terminal reaches the supervisor alone, which
            # then stops each part once (a second signal would make the task worker drop its
            # running task).
            process_group=0,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - no threads run in the supervisor
        )
        child.started = time.monotonic()
        child.runs += 1
        logger.info("started %s (pid %s)", child.part.name, child.process.pid)

    def request_stop(self, signum: int = signal.SIGTERM, _frame: FrameType | None = None) -> None:
        if not self.stopping.is_set():
            logger.info("%s: stopping the node", signal.Signals(signum).name)
        self.stopping.set()

    def run(self) -> int:
        """Start every part and supervise until asked to stop; 0 once all have stopped."""
        self.children = [_Child(part) for part in self.parts]
        for child in self.children:
            self.start(child)
        while not self.stopping.wait(0.2):
            self.check()
        self.stop_all()
        return 0

    def check(self, now: float | None = None) -> None:
        """Restart every part that exited, once its back-off has passed."""
        now = time.monotonic() if now is None else now
        for child in self.children:
            process = child.process
            if process is not None and process.poll() is None:
                continue
            if process is not None:  # it has just exited: schedule its restart
                ran = now - child.started
                child.failures = 1 if ran >= HEALTHY_AFTER else child.failures + 1
                delay = min(2.0 ** (child.failures - 1), MAX_BACKOFF)
                child.restart_at = now + delay
                child.process = None
                logger.error(
                    "%s exited with status %s after %.0f s; restarting in %.0f s",
                    child.part.name,
                    process.returncode,
                    ran,
                    delay,
                )
            elif now >= child.restart_at and not self.stopping.is_set():
                self.start(child)

    def stop_all(self) -> None:
        """SIGTERM to every part (the web server last, so it finishes its requests while the
        others stop), then SIGKILL to what is left after `stop_seconds`."""
        running = [c for c in reversed(self.children) if c.process and c.process.poll() is None]
        for child in running:
            assert child.process is not None  # noqa: S101 - filtered above
            _signal(child.process, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_seconds
        for child in running:
            assert child.process is not None  # noqa: S101
            try:
                child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in time: killed", child.part.name)
                _signal(child.process, signal.SIGKILL)
                child.process.wait(timeout=10)
            logger.info("stopped %s", child.part.name)


def _signal(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signum)


def _die_with_parent() -> None:
    """In a part, before it starts: killed when the supervisor dies without stopping it (itself
    killed by SIGKILL, a crash; Linux), so that no part outlives the node."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def supervise(parts: list[Part]) -> int:
    """Run the parts until SIGTERM or Ctrl-C (SIGINT); the exit status."""
    supervisor = Supervisor(parts)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGHUP, supervisor.request_stop)
    return supervisor.run()


# --- the web server --------------------------------------------------------------------------


def default_workers() -> int:
    """PALERMO_WEB_WORKERS, else one process per CPU (at least 2, at most 8)."""
    return int(settings.PALERMO_WEB_WORKERS or min(max(os.cpu_count() or 1, 2), 8))


# The access log: no query string (it could carry search terms), no referrer or user agent.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


def gunicorn_options(*, bind: str, workers: int, threads: int) -> dict[str, Any]:
    return {
        "bind": [bind],
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # Requests on a kept-alive connection (the API clients, peer nodes) skip the handshake.
        "keepalive": 5,
        "graceful_timeout": int(STOP_SECONDS) - 5,
        "timeout": 120,  # a worker is replaced when its main loop is stuck this long
        # gunicorn's largest request line: the API answers an address over API_MAX_ADDRESS with
        # its own JSON 414 (palermo.core.api_errors), not gunicorn's HTML one.
        "limit_request_line": 8190,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "loglevel": logging.getLevelName(logging.getLogger().getEffectiveLevel()).lower(),
        "proc_name": "palermo-web",
        "preload_app": True,  # Django is set up once, before the workers fork
        "control_socket_disable": True,
        # Each worker listens on its own socket (SO_REUSEPORT) and the kernel spreads new
        # connections over them: a kept-alive client stays with the worker that took it, and
        # without this one worker could take most of them (its clients then wait longest).
        "reuse_port": True,
    }


def web_serve(*, bind: str, workers: int, threads: int) -> None:
    """Serve palermo.wsgi with gunicorn (gthread workers) until SIGTERM/SIGINT."""
    from django.core.wsgi import get_wsgi_application  # noqa: PLC0415
    from gunicorn.app.base import BaseApplication  # noqa: PLC0415 - only the web part needs it

    application = get_wsgi_application()  # palermo.wsgi's

    options = gunicorn_options(bind=bind, workers=workers, threads=threads)

    class PalermoWeb(BaseApplication):  # type: ignore[misc] # gunicorn has no type hints
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    connections.close_all()  # nothing open is shared with the forked workers
    PalermoWeb().run()
