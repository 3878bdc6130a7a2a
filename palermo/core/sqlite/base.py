"""Django's SQLite backend with one writer at a time per database file, queued at a gate.

SQLite lets one transaction write at a time. A writer that finds the write lock taken waits in
SQLite's busy handler, which sleeps in growing steps (1, 2, 5, 10, ... up to 100 ms) and looks
again: under concurrent writes a transaction that needs 2 ms of the lock waits 50 to 100 ms
after it was released, and the requests behind it pile up (seconds at the 99th percentile under
the load benchmark). Here a transaction (`BEGIN IMMEDIATE`, Django's `atomic`) first passes a
gate: the threads of a process queue on a lock, and the process's one waiter takes an exclusive
`flock` on `<database>.write-lock`, tried every half millisecond, so the next writer starts
within a millisecond of the last commit. The gate is released at commit, rollback or close. A
writer still waits at most the database's timeout in all (then "database is locked", as
SQLite says). In-memory databases (the tests' default) have no gate.

Writes outside a transaction (autocommit statements) do not pass the gate; SQLite still
orders them with its lock.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from typing import Any, Literal

from django.db import OperationalError
from django.db.backends.sqlite3 import base

POLL_SECONDS = 0.0005


class WriteGate:
    """The write gate of one database file, shared by the threads of a process."""

    def __init__(self, path: str) -> None:
        self.path = path + ".write-lock"
        self._threads = threading.Lock()
        self._fd = -1
        self._pid = -1

    def _file(self) -> int:
        # One open file per process: a file opened before a fork would be shared with the
        # parent and its other children, and flock would not keep them apart.
        if self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    def enter(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=max(timeout, 0.001)):
            raise OperationalError("database is locked")
        try:
            fd = self._file()
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise OperationalError("database is locked") from None
                    time.sleep(POLL_SECONDS)
        except BaseException:
            self._threads.release()
            raise

    def leave(self) -> None:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()


_gates: dict[str, WriteGate] = {}
_gates_lock = threading.Lock()


def gate_for(path: str) -> WriteGate:
    key = os.path.realpath(path)
    with _gates_lock:
        gate = _gates.get(key)
        if gate is None:
            gate = _gates[key] = WriteGate(key)
        return gate


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gate_held: WriteGate | None = None
        self._write_gate: WriteGate | None | Literal[False] = False  # False: not looked up

    def _gate(self) -> WriteGate | None:
        """This database's gate (looked up once per connection object), None in memory."""
        if self._write_gate is False:
            self._write_gate = (
                None if self.is_in_memory_db() else gate_for(str(self.settings_dict["NAME"]))
            )
        return self._write_gate

    def _start_transaction_under_autocommit(self) -> None:
        gate = self._gate()
        if gate is not None and self._gate_held is None:
            timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
            gate.enter(timeout)
            self._gate_held = gate
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._gate_leave()
            raise

    def _gate_leave(self) -> None:
        gate, self._gate_held = self._gate_held, None
        if gate is not None:
            gate.leave()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._gate_leave()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._gate_leave()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._gate_leave()
