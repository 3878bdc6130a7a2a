"""What an import keeps across the records of a file, on disk, so that its memory does not grow
with the file.

Owns `Ledger`: a scratch SQLite database in a new temporary directory (readable by its owner
only, removed when the import ends). The first reading of the file adds every record that passed
its own checks: the file's key of its case, a digest of the case's fields, its pseudonym and
whether a person of the database has that pseudonym already (asked of the database 2,000 at a
time). Keys and pseudonyms are kept as keyed BLAKE2b digests (a key drawn for each import), the
case's fields as a hash: nothing of the file can be read from the ledger. `problems` then finds,
with the rules the import always had (a record is compared with the first record of its case;
a pseudonym belongs to the first record that gives it, among those whose case agrees), the
records whose case fields disagree, the duplicate pseudonyms and the pseudonyms that exist
already. For the second reading it tells which records belong to a case whose records are not
next to each other in the file, and keeps the id given to such a case, and the ids of the cases
written (to undo them). An import that writes as it reads (one reading, in one transaction)
asks it instead, case by case, whether a case's key came earlier in the file (`case_seen`).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

LOOKUP = 2000  # pseudonyms asked of the database at once, and rows added to the ledger at once


@dataclass
class Found:
    """Problems between records: the first `limit` of each kind and how many there are.
    `mismatches` and `duplicates` are (record, its first record); `taken` are records."""

    mismatches: list[tuple[int, int]] = field(default_factory=list)
    mismatch_count: int = 0
    duplicates: list[tuple[int, int]] = field(default_factory=list)
    duplicate_count: int = 0
    taken: list[int] = field(default_factory=list)
    taken_count: int = 0

    @property
    def total(self) -> int:
        return self.mismatch_count + self.duplicate_count + self.taken_count


class Ledger:
    """The records of one import, on disk; see the module docstring. Use it as a context
    manager (the directory is removed at the end)."""

    def __init__(self, taken: Callable[[list[str]], set[str]] | None = None) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="palermo-import-")
        # Used by the thread that writes the import's batches too, never at the same time.
        self.db = sqlite3.connect(
            Path(self._dir.name) / "ledger.sqlite3", isolation_level=None, check_same_thread=False
        )
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -8000"):
            self.db.execute("PRAGMA " + pragma)
        self.db.execute(
            "CREATE TABLE record (number INTEGER PRIMARY KEY, case_key BLOB NOT NULL, "
            "case_hash INTEGER NOT NULL, pseudonym BLOB, taken INTEGER NOT NULL)"
        )
        self.db.execute("CREATE TABLE written (case_id TEXT NOT NULL)")
        self.db.execute("CREATE TABLE apart_case (case_key BLOB PRIMARY KEY, case_id TEXT)")
        self.db.execute("CREATE TABLE seen_case (case_key BLOB PRIMARY KEY, case_id TEXT)")
        # One transaction for the ledger's life, never committed (it is removed at the end): in
        # autocommit every row added, and every case looked up, would be a transaction of its
        # own, written to the file at once (15% of an import's time).
        self.db.execute("BEGIN")
        # Keyed once: each digest starts from a copy (keying a hash costs a block of its own).
        self._keyed = hashlib.blake2b(key=secrets.token_bytes(32), digest_size=16)
        self._last: tuple[str, bytes] = ("", b"")  # the last case key added, and its digest
        self._taken = taken
        self._pending: list[tuple[int, bytes, int, str]] = []

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        self._dir.cleanup()

    def digest(self, text: str) -> bytes:
        h = self._keyed.copy()
        h.update(text.encode())
        return h.digest()

    def _key_digest(self, key: str) -> bytes:
        """A case key's digest: a case's key is added and then looked up, once per record."""
        last, digest = self._last
        if key != last or not digest:
            digest = self.digest(key)
            self._last = (key, digest)
        return digest

    # --- the first reading --------------------------------------------------------------------

    def add(self, number: int, key: str, case_hash: int, pseudonym: str) -> None:
        """A record that passed its own checks: its number, case key, a hash of its case's
        fields and its pseudonym ("" for none)."""
        self._pending.append((number, self._key_digest(key), case_hash, pseudonym))
        if len(self._pending) >= LOOKUP:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        names = [p for _n, _k, _h, p in pending if p]
        taken = self._taken(names) if self._taken is not None and names else set()
        self.db.executemany(
            "INSERT INTO record VALUES (?, ?, ?, ?, ?)",
            [
                (number, key, case_hash, self.digest(p) if p else None, p in taken)
                for number, key, case_hash, p in pending
            ],
        )

    def problems(self, limit: int) -> Found:
        """After the first reading: what is wrong between records (see `Found`)."""
        self._flush()
        run = self.db.execute
        run("CREATE INDEX record_case ON record (case_key, number)")
        run(
            "CREATE TABLE kase AS SELECT case_key, min(number) AS first, max(number) AS last, "
            "count(*) AS n FROM record GROUP BY case_key"
        )
        run("CREATE UNIQUE INDEX kase_key ON kase (case_key)")
        # A record whose case fields differ from those of its case's first record.
        run(
            "CREATE TABLE mismatch AS SELECT r.number AS number, k.first AS first "
            "FROM kase k JOIN record f ON f.number = k.first "
            "JOIN record r ON r.case_key = k.case_key AND r.number > k.first "
            "WHERE k.n > 1 AND r.case_hash != f.case_hash"
        )
        run("CREATE UNIQUE INDEX mismatch_number ON mismatch (number)")
        # The first record (among those whose case agrees) of each pseudonym given twice.
        run(
            "CREATE TABLE holder AS SELECT pseudonym, min(number) AS first FROM record "
            "WHERE pseudonym IS NOT NULL AND number NOT IN (SELECT number FROM mismatch) "
            "GROUP BY pseudonym HAVING count(*) > 1"
        )
        run("CREATE UNIQUE INDEX holder_pseudonym ON holder (pseudonym)")
        run(
            "CREATE TABLE duplicate AS SELECT r.number AS number, h.first AS first "
            "FROM holder h JOIN record r ON r.pseudonym = h.pseudonym AND r.number != h.first "
            "WHERE r.number NOT IN (SELECT number FROM mismatch)"
        )
        run("CREATE UNIQUE INDEX duplicate_number ON duplicate (number)")

        def first(table: str) -> tuple[list[tuple[int, int]], int]:
            # Table names are this module's own.
            rows = run(
                "SELECT number, first FROM {} ORDER BY number LIMIT ?".format(table),  # noqa: S608
                (limit,),
            ).fetchall()
            (count,) = run("SELECT count(*) FROM {}".format(table)).fetchone()  # noqa: S608
            return [(int(a), int(b)) for a, b in rows], int(count)

        found = Found()
        found.mismatches, found.mismatch_count = first("mismatch")
        found.duplicates, found.duplicate_count = first("duplicate")
        taken = (
            "FROM record WHERE taken AND number NOT IN (SELECT number FROM mismatch) "
            "AND number NOT IN (SELECT number FROM duplicate)"
        )
        found.taken = [
            int(n)
            for (n,) in run(
                "SELECT number {} ORDER BY number LIMIT ?".format(taken),  # noqa: S608
                (limit,),
            )
        ]
        (found.taken_count,) = run("SELECT count(*) {}".format(taken)).fetchone()  # noqa: S608
        return found

    def counts(self) -> tuple[int, int]:
        """(records, cases) after `problems`."""
        (records,) = self.db.execute("SELECT count(*) FROM record").fetchone()
        (cases,) = self.db.execute("SELECT count(*) FROM kase").fetchone()
        return int(records), int(cases)

    # --- the second reading -------------------------------------------------------------------

    def apart(self) -> Iterator[int]:
        """In order, the records of the cases whose records are not next to each other."""
        self.db.execute(
            "CREATE TABLE apart AS SELECT r.number AS number FROM kase k "
            "JOIN record r ON r.case_key = k.case_key WHERE k.last - k.first + 1 != k.n "
            "ORDER BY r.number"
        )
        cursor = self.db.execute("SELECT number FROM apart ORDER BY rowid")
        for (number,) in cursor:
            yield int(number)

    def case_id(self, key: str, new: str) -> tuple[str, bool]:
        """The id of a case whose records are apart: (`new`, True) the first time it is asked
        for, then (that id, False)."""
        digest = self.digest(key)
        row = self.db.execute(
            "SELECT case_id FROM apart_case WHERE case_key = ?", (digest,)
        ).fetchone()
        if row is not None:
            return str(row[0]), False
        self.db.execute("INSERT INTO apart_case VALUES (?, ?)", (digest, new))
        return new, True

    def case_seen(self, key: str, new: str) -> tuple[str, bool]:
        """For an import that writes as it reads (one reading): the id of the case whose
        records start here, `new` when its key is new to the file ((`new`, True)), else the id
        its earlier records got ((id, False)); such a case is then one whose records are apart
        (`apart_cases`)."""
        digest = self._key_digest(key)
        added = self.db.execute("INSERT OR IGNORE INTO seen_case VALUES (?, ?)", (digest, new))
        if added.rowcount:
            return new, True
        (case_id,) = self.db.execute(
            "SELECT case_id FROM seen_case WHERE case_key = ?", (digest,)
        ).fetchone()
        self.db.execute("INSERT OR IGNORE INTO apart_case VALUES (?, ?)", (digest, case_id))
        return str(case_id), False

    def apart_cases(self) -> Iterator[list[str]]:
        """The ids of the cases whose records are apart, 1,000 at a time."""
        cursor = self.db.execute("SELECT case_id FROM apart_case")
        while rows := cursor.fetchmany(1000):
            yield [str(r[0]) for r in rows]

    def written(self, case_ids: list[str]) -> None:
        """Cases written by the import (committed, on SQLite: undone if it stops)."""
        self.db.executemany("INSERT INTO written VALUES (?)", [(i,) for i in case_ids])

    def written_cases(self) -> Iterator[list[str]]:
        """The cases written, 1,000 at a time, in the order they were written."""
        cursor = self.db.execute("SELECT case_id FROM written ORDER BY rowid")
        while rows := cursor.fetchmany(1000):
            yield [str(r[0]) for r in rows]
