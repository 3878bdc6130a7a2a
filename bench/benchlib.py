"""Shared by the benchmarks: sizes from the environment, sanity checks, a PostgreSQL database."""

from __future__ import annotations

import os
import shutil
import sys
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg import sql


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """A whole number from the environment (`200_000` and `200,000` accepted)."""
    raw = os.environ.get(name, "").strip().replace("_", "").replace(",", "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit("{} must be an integer, not '{}'".format(name, raw)) from None
    if value < minimum:
        raise SystemExit("{} must be at least {}".format(name, minimum))
    return value


def env_database(default_name: str) -> dict[str, Any]:
    """The database settings every benchmark takes: BENCH_DATABASE_URL (unset: SQLite),
    BENCH_DATABASE_NAME (the database created on that server) and BENCH_KEEP."""
    return {
        "database_url": os.environ.get("BENCH_DATABASE_URL", "").strip(),
        "database_name": os.environ.get("BENCH_DATABASE_NAME", "").strip() or default_name,
        "keep": os.environ.get("BENCH_KEEP", "").strip().lower() in {"1", "true", "yes", "on"},
    }


def check(condition: bool, message: str) -> None:
    """A sanity check on a benchmark's results: failing it fails the run."""
    if not condition:
        raise RuntimeError(message)


class Postgres:
    """A dedicated benchmark database on the server BENCH_DATABASE_URL points at."""

    def __init__(self, admin_url: str, name: str) -> None:
        if not name.replace("_", "").isalnum():
            raise SystemExit(
                "BENCH_DATABASE_NAME must be letters, digits and '_', not '{}'".format(name)
            )
        parts = urlsplit(admin_url)
        if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
            raise SystemExit("BENCH_DATABASE_URL must be a postgres:// URL")
        if parts.path.strip("/") == name:
            raise SystemExit("BENCH_DATABASE_URL must name another database than {}".format(name))
        self.admin_url = admin_url
        self.name = name
        self.url = parts._replace(path="/" + name).geturl()

    def _execute(self, statement: str) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(self.name)))

    def create(self) -> None:
        self.drop()
        self._execute("CREATE DATABASE {}")

    def drop(self) -> None:
        self._execute("DROP DATABASE IF EXISTS {} WITH (FORCE)")


def django_environment(data_dir: Path, database_url: str, database_name: str) -> Postgres | None:
    """Point Palermo's test settings at a temporary data directory and a fresh database (a new
    PostgreSQL database on `database_url`'s server, or SQLite in the data directory), before
    django.setup(). Returns the PostgreSQL database to drop afterwards, if any."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "palermo.settings.test"
    os.environ["PALERMO_DATA_DIR"] = str(data_dir)
    os.environ.pop("PALERMO_FIELD_KEYS", None)  # a key generated in the temporary data dir
    (data_dir / "static").mkdir()
    if database_url:
        pg = Postgres(database_url, database_name)
        pg.create()
        os.environ["DATABASE_URL"] = pg.url
        return pg
    os.environ["DATABASE_URL"] = "sqlite:///{}".format(data_dir / "bench.sqlite3")
    return None


def finish(data_dir: Path, pg: Postgres | None, *, keep: bool) -> int:
    """After a run: close Django's connections, then drop the database and remove the data
    directory, or say where they were kept. Returns 1 if dropping the database failed."""
    from django.db import connections  # noqa: PLC0415 - Django is set up by the benchmark

    status = 0
    connections.close_all()
    if pg is not None and not keep:
        try:
            pg.drop()
        except Exception:
            traceback.print_exc()
            status = 1
    if keep:
        print(
            "kept {}{}".format(data_dir, " and database " + pg.name if pg else ""), file=sys.stderr
        )
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
    return status
