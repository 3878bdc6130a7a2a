"""How the bulk writer's batches reach the database over time (`writer.cases_bulk_create`).

Owns the writing thread (a second thread on the caller's connection that writes one batch while
the caller builds the next, with Python's switch interval shortened meanwhile), the batches
(`chunks`: smaller ones first, `AHEAD` built ahead of the one being written, none written after
one that failed: `NotWritten`), the foreign keys checked as the batches are written, and the
counted facts held for several batches and written together (`HeldFacts`).
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from django.db import DEFAULT_DB_ALIAS, connections

from palermo.core.bulk import PreparedRows, rows_write

# Batches whose counted facts are written in one statement, when all of them are in one
# transaction on PostgreSQL (see HeldFacts).
FACTS_EVERY = 10


@contextlib.contextmanager
def foreign_keys_checked_as_written(one_transaction: bool) -> Iterator[None]:
    """In one transaction on PostgreSQL, the foreign keys (deferred to the commit by Django)
    checked at the end of each statement while the batches are written: the server checks a
    batch while the next is read and built, instead of checking every row at the commit while
    the caller waits (a fifth of an import's time). Each batch's tables are written parents
    first, so no check fails that would pass at the commit. Deferred again afterwards, for the
    rest of the caller's transaction; after a failure the caller's atomic block rolls back,
    and PostgreSQL restores the mode with its savepoint."""
    if not one_transaction:
        yield
        return
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    with db.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class HeldFacts:
    """The counted facts (`PersonFacts` rows) of several batches, written together. On
    PostgreSQL the count tables are moved by a trigger once per statement, which adds up the
    statement's persons per count and updates each count once: at 200,000 cases one statement
    per batch updated the same counts two hundred times over (the server's work 40% more than
    a COPY of the same rows). Only where the batches are one transaction: a batch committed on
    its own commits its facts with it."""

    def __init__(self) -> None:
        self.rows: PreparedRows | None = None
        self.batches = 0

    def add(self, rows: PreparedRows) -> None:
        if self.rows is None:
            self.rows = rows
        else:
            self.rows.extend(rows)
        self.batches += 1
        if self.batches >= FACTS_EVERY:
            self.flush()

    def flush(self) -> None:
        rows, self.rows, self.batches = self.rows, None, 0
        if rows is not None:
            rows_write(rows)


SWITCH_INTERVAL = 0.0005  # seconds: see writing_thread


class SwitchInterval:
    """Python's switch interval (process-wide) at SWITCH_INTERVAL while any writing thread
    writes, and back to what it was when the last one is done (two writes at once in two
    threads restore it once, not each its own)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.writers = 0
        self.before = 0.0

    def enter(self) -> None:
        with self.lock:
            if not self.writers:
                self.before = sys.getswitchinterval()
                sys.setswitchinterval(min(self.before, SWITCH_INTERVAL))
            self.writers += 1

    def leave(self) -> None:
        with self.lock:
            self.writers -= 1
            if not self.writers:
                sys.setswitchinterval(self.before)


switching = SwitchInterval()


@contextlib.contextmanager
def writing_thread() -> Iterator[ThreadPoolExecutor]:
    """A thread that writes on this thread's database connection (in its transaction), while
    this one builds the next batch: the database stores a batch (PostgreSQL in its own process;
    SQLite with the GIL released) while Python reads and builds the next. The caller never uses
    the connection while writes are under way or waiting (it only builds and submits batches,
    and waits for them all before it uses the connection again)."""
    connection = connections[DEFAULT_DB_ALIAS]
    connection.inc_thread_sharing()

    def share() -> None:
        connections[DEFAULT_DB_ALIAS] = connection

    # The writing thread needs the GIL for a moment between the tables of a batch (each COPY
    # waits for the server to store the table before the next begins): by default it waits up
    # to 5 ms for the building thread to let it go, seven times a batch, while the server has
    # nothing to do. A shorter interval for as long as the thread writes.
    switching.enter()
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="palermo-bulk", initializer=share) as pool:
            yield pool
    finally:
        switching.leave()
        connection.dec_thread_sharing()


# Batches built ahead of the one being written: the builder goes on while the writing thread
# takes longer over a batch (one that also writes the held counted facts, see HeldFacts).
AHEAD = 2
RAMP = (8, 4, 2)  # the first batches of a large write: 1/8, 1/4, 1/2 of a batch


class NotWritten(Exception):  # noqa: N818 - not an error: a batch after one that failed
    """A batch not written because a batch before it failed."""


def chunks[T](plans: Iterable[T], size: int) -> Iterator[tuple[T, ...]]:
    """The plans in batches of `size`; a large write (batches of 64 or more) starts with
    smaller ones (`RAMP`), so that the database has its first rows to store sooner instead of
    waiting while a whole first batch is read and built."""
    it = iter(plans)
    if size >= 64:
        for part in RAMP:
            chunk = tuple(itertools.islice(it, size // part))
            if not chunk:
                return
            yield chunk
    yield from itertools.batched(it, size)
