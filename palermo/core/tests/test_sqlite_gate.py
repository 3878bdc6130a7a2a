"""SQLite's write gate (palermo/core/sqlite): one transaction at a time per database file,
across threads and processes; the next starts when the last commits, rolls back or closes."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

from palermo.core.sqlite.base import DatabaseWrapper, WriteGate, gate_for

HOLD = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker: Any) -> Iterator[None]:
    """These tests open their own database files, not the test database."""
    with django_db_blocker.unblock():
        yield


def _wrapper(path: Path) -> Any:
    db = {"ENGINE": "palermo.core.sqlite", "NAME": str(path), "OPTIONS": {"timeout": 5}}
    return ConnectionHandler({"default": db})["default"]


def test_another_process_holding_the_gate_keeps_a_writer_out(tmp_path: Path) -> None:
    gate = WriteGate(str(tmp_path / "db.sqlite3"))
    holder = subprocess.Popen(  # noqa: S603 - this interpreter and a fixed script
        [sys.executable, "-c", HOLD, gate.path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(OperationalError, match="database is locked"):
            gate.enter(0.05)
        assert holder.stdin is not None
        holder.stdin.close()  # the other process lets go
        holder.wait(timeout=10)
        gate.enter(5)
        gate.leave()
    finally:
        holder.kill()
    assert stat.S_IMODE(os.stat(gate.path).st_mode) == 0o600


def test_transactions_of_two_connections_take_turns(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    first = _wrapper(path)
    assert isinstance(first, DatabaseWrapper)
    first.ensure_connection()
    first._start_transaction_under_autocommit()
    assert first._gate_held is gate_for(str(path))
    order: list[str] = []
    started = threading.Event()

    def second_writer() -> None:
        second = _wrapper(path)
        second.ensure_connection()
        started.set()
        second._start_transaction_under_autocommit()  # waits for the first to commit
        order.append("second began")
        second.cursor().execute("CREATE TABLE t2 (x)")
        second.commit()
        assert second._gate_held is None
        second.close()

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert started.wait(10)
    thread.join(0.3)
    assert thread.is_alive() and order == []  # still at the gate
    first.cursor().execute("CREATE TABLE t1 (x)")
    order.append("first committed")
    first.commit()
    thread.join(10)
    assert order == ["first committed", "second began"]
    assert first._gate_held is None
    first.close()


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_a_rollback_or_close_opens_the_gate(tmp_path: Path, end: str) -> None:
    path = tmp_path / "db.sqlite3"
    conn = _wrapper(path)
    conn.ensure_connection()
    conn._start_transaction_under_autocommit()
    getattr(conn, end)()
    gate = gate_for(str(path))
    gate.enter(0.05)  # free again
    gate.leave()


def test_in_memory_databases_have_no_gate() -> None:
    conn = _wrapper(Path(":memory:"))
    conn.ensure_connection()
    conn._start_transaction_under_autocommit()
    assert conn._gate_held is None
    conn.rollback()
