"""Shared by the benchmarks: a dedicated PostgreSQL database to create and drop."""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg
from psycopg import sql


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
