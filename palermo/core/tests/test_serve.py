"""`palermo serve`'s parts: the supervisor (restart with back-off, clean stop), the scheduler of
the periodic jobs (due jobs, one transaction each, errors logged without their message) and the
wake-up socket that replaces polling."""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_django import Settings

from palermo.core import schedule, serve, wake
from palermo.core.models import Organisation
from palermo.core.schedule import PeriodicJob

SLEEPER = "import time; time.sleep(60)"


@pytest.fixture
def data_dir(settings: Settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def python_parts(monkeypatch: pytest.MonkeyPatch, **parts: str) -> list[serve.Part]:
    """Parts that run Python snippets instead of palermo commands."""
    monkeypatch.setattr(serve, "palermo_argv", lambda args: [sys.executable, "-c", args[0]])
    return [serve.Part(name, (code,)) for name, code in parts.items()]


def test_the_node_parts_are_the_web_server_worker_scheduler_and_delivery(
    settings: Settings,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # production's
    parts = serve.node_parts(bind="127.0.0.1:8123", workers=3, threads=5)
    assert [p.name for p in parts] == ["web", "worker", "scheduler", "delivery"]
    assert parts[0].args == (
        "serve",
        "--web-only",
        "--bind",
        "127.0.0.1:8123",
        "--workers",
        "3",
        "--threads",
        "5",
    )
    assert parts[1].args == ("db_worker",)
    assert parts[3].args == ("cooperation", "deliver", "--loop")
    options = serve.gunicorn_options(bind="127.0.0.1:8123", workers=3, threads=5)
    assert options["worker_class"] == "gthread"
    assert "%(q)s" not in options["access_log_format"]  # no query strings in the access log


def test_no_task_worker_when_tasks_run_at_once(settings: Settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    parts = serve.node_parts(bind="127.0.0.1:8123", workers=1, threads=1)
    assert [p.name for p in parts] == ["web", "scheduler", "delivery"]


def test_a_part_that_exits_is_restarted_with_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    parts = python_parts(monkeypatch, crashing="raise SystemExit(3)", steady=SLEEPER)
    supervisor = serve.Supervisor(parts, stop_seconds=5)
    supervisor.children = [serve._Child(p) for p in parts]
    for child in supervisor.children:
        supervisor.start(child)
    crashing, steady = supervisor.children
    assert crashing.process is not None
    crashing.process.wait(timeout=20)
    now = time.monotonic()
    supervisor.check(now)  # noticed: restart in 1 s
    assert crashing.process is None
    assert crashing.restart_at == pytest.approx(now + 1)
    supervisor.check(now + 0.5)
    assert crashing.process is None
    supervisor.check(now + 1)
    assert crashing.process is not None
    assert crashing.runs == 2
    crashing.process.wait(timeout=20)
    supervisor.check(now + 1.5)  # the second failure in a row waits twice as long
    assert crashing.restart_at == pytest.approx(now + 3.5)
    assert steady.runs == 1
    assert steady.process is not None
    assert steady.process.poll() is None
    supervisor.stop_all()
    assert steady.process.returncode == -signal.SIGTERM


def test_stop_kills_a_part_that_ignores_sigterm(monkeypatch: pytest.MonkeyPatch) -> None:
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); " + (
        "print('ready', flush=True); time.sleep(60)"
    )
    parts = python_parts(monkeypatch, stubborn=stubborn)
    supervisor = serve.Supervisor(parts, stop_seconds=0.5)
    monkeypatch.setattr(
        subprocess,
        "Popen",
        _popen_with_stdout(subprocess.Popen),
    )
    runner = threading.Thread(target=supervisor.run)
    runner.start()
    deadline = time.monotonic() + 20
    while not supervisor.children or supervisor.children[0].process is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process = supervisor.children[0].process
    assert process.stdout is not None
    assert process.stdout.readline().strip() == b"ready"  # its SIGTERM handler is set
    supervisor.request_stop()
    runner.join(timeout=20)
    assert not runner.is_alive()
    assert process.returncode == -signal.SIGKILL


def _popen_with_stdout(popen: type[subprocess.Popen[bytes]]) -> object:
    def make(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        return popen(*args, **kwargs, stdout=subprocess.PIPE)  # type: ignore[call-overload,no-any-return]

    return make


def test_serve_refuses_a_bad_bind() -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="HOST:PORT"):
        call_command("serve", "--bind", "8000")


# --- the scheduler -----------------------------------------------------------------------------


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, PeriodicJob]]:
    registry: dict[str, PeriodicJob] = {}
    monkeypatch.setattr(schedule, "_JOBS", registry)
    yield registry


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_runs_due_jobs_each_in_its_own_transaction(
    data_dir: Path, jobs: dict[str, PeriodicJob], caplog: pytest.LogCaptureFixture
) -> None:
    runs: list[str] = []

    def writes_then_fails() -> str:
        Organisation.objects.create(name="Written by a failing job", kind="ngo")
        runs.append("failing")
        raise ValueError("Maria Gonzalez is not a valid thing")  # a message with data in it

    def writes() -> str:
        runs.append("hourly")
        Organisation.objects.create(name="Written by a good job {}".format(len(runs)), kind="ngo")
        return "1 written"

    schedule.periodic_register("a.failing", every=dt.timedelta(days=1), run=writes_then_fails)
    schedule.periodic_register("b.hourly", every=dt.timedelta(hours=1), run=writes)
    start = timezone.now()
    with caplog.at_level(logging.INFO, logger="palermo.core.schedule"):
        ran, wait = schedule.scheduler_tick(start)
    assert ran == 2
    assert runs == ["failing", "hourly"]
    # The failing job's write is rolled back, the other's kept.
    written = Organisation.objects.filter(name__startswith="Written by")
    assert list(written.values_list("name", flat=True)) == ["Written by a good job 2"]
    assert "a.failing failed: ValueError at test_serve.py:" in caplog.text
    assert "Maria" not in caplog.text
    assert "b.hourly done" in caplog.text
    assert "1 written" in caplog.text
    assert wait == pytest.approx(3600)
    # The state survives a restart: nothing runs again until its interval has passed.
    state = json.loads((data_dir / schedule.STATE_FILE).read_text())
    assert set(state) == {"a.failing", "b.hourly"}
    assert schedule.scheduler_tick(start + dt.timedelta(minutes=59))[0] == 0
    assert schedule.scheduler_tick(start + dt.timedelta(minutes=61))[0] == 1
    assert runs == ["failing", "hourly", "hourly"]


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_loop_stops_when_asked(data_dir: Path, jobs: dict[str, PeriodicJob]) -> None:
    ran = threading.Event()
    schedule.periodic_register("x.once", every=dt.timedelta(days=1), run=ran.set)
    stop = threading.Event()
    loop = threading.Thread(target=schedule.scheduler_loop, args=(stop,))
    loop.start()
    assert ran.wait(20)
    stop.set()
    loop.join(timeout=5)
    assert not loop.is_alive()


def test_every_app_registers_its_periodic_jobs() -> None:
    names = {job.name for job in schedule.periodic_jobs()}
    assert {
        "core.sessions_clear",
        "core.task_results_prune",
        "cases.retention",
        "cooperation.reminders",
    } <= names


# --- waking a loop -------------------------------------------------------------------------------


def test_a_wake_reaches_the_waiting_loop(data_dir: Path) -> None:
    with wake.Wakeup("testloop") as waiting:
        assert waiting.sock is not None
        started = time.monotonic()
        assert waiting.wait(0.1) is False
        assert time.monotonic() - started >= 0.09
        wake.wake("testloop")
        wake.wake("testloop")
        assert waiting.wait(5) is True
        assert waiting.wait(0) is False  # both wakes answered by one run
        threading.Timer(0.2, wake.wake, args=("testloop",)).start()
        started = time.monotonic()
        assert waiting.wait(10) is True
        assert time.monotonic() - started < 5
    assert not Path(str(wake.wake_address("testloop"))).exists()
    wake.wake("testloop")  # nobody listens: nothing happens


def test_a_second_loop_polls_and_a_stale_socket_is_replaced(data_dir: Path) -> None:
    with wake.Wakeup("testloop") as first:
        second = wake.Wakeup("testloop")
        assert second.open() is False  # the first one holds it: the second one polls
        assert second.wait(0.05) is False
        assert first.sock is not None
    # A socket file left by a killed loop is taken over.
    import socket

    stale = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    stale.bind(str(wake.wake_address("testloop")))
    stale.close()
    with wake.Wakeup("testloop") as third:
        assert third.sock is not None


def test_a_long_data_dir_uses_an_abstract_socket(settings: Settings, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / ("x" * 120)
    address = wake.wake_address("testloop")
    assert isinstance(address, bytes)
    assert address.startswith(b"\0palermo-")
    with wake.Wakeup("testloop") as waiting:
        wake.wake("testloop")
        assert waiting.wait(5) is True


SUPERVISED = """
import sys, time
from palermo.core import serve
serve.palermo_argv = lambda args: [sys.executable, "-c", args[0]]
supervisor = serve.Supervisor([serve.Part("sleeper", ("import time; time.sleep(120)",))])
supervisor.children = [serve._Child(p) for p in supervisor.parts]
supervisor.start(supervisor.children[0])
print(supervisor.children[0].process.pid, flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_parts_die_with_a_killed_supervisor() -> None:
    import os

    supervisor = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", SUPERVISED], stdout=subprocess.PIPE, env=os.environ.copy()
    )
    assert supervisor.stdout is not None
    part = int(supervisor.stdout.readline())
    os.kill(part, 0)  # running
    supervisor.kill()
    supervisor.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(part, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(part, signal.SIGKILL)
    raise AssertionError("the part outlived its supervisor")
