"""The database settings read from the environment: PostgreSQL's server-side prepared statements
(PALERMO_DB_PREPARE_THRESHOLD), checked in a fresh interpreter as `palermo serve` reads them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

SHOW = (
    "import json, palermo.settings.base as s; "
    "print(json.dumps({k: v for k, v in s.DATABASES['default'].get('OPTIONS', {}).items() "
    "if k in ('server_side_binding', 'prepare_threshold')}))"
)


def _options(value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PALERMO_DB_PREPARE_THRESHOLD"}
    env["DATABASE_URL"] = "postgres://palermo@db.invalid:5432/palermo"
    if value is not None:
        env["PALERMO_DB_PREPARE_THRESHOLD"] = value
    return subprocess.run(  # noqa: S603 - this interpreter
        [sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, check=False
    )


def test_postgresql_prepares_statements_on_the_server_from_their_first_use() -> None:
    result = _options(None)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"server_side_binding": True, "prepare_threshold": 1}
    assert json.loads(_options("5").stdout) == {"server_side_binding": True, "prepare_threshold": 5}


def test_off_keeps_client_side_binding_for_poolers() -> None:
    result = _options("off")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {}


def test_a_wrong_threshold_is_refused_with_its_name() -> None:
    result = _options("sometimes")
    assert result.returncode != 0
    assert "PALERMO_DB_PREPARE_THRESHOLD must be a whole number or 'off', not 'sometimes'" in (
        result.stderr
    )


@pytest.mark.django_db
def test_the_running_postgresql_connection_prepares() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 1
    with connection.cursor() as cursor:
        for _ in range(3):
            cursor.execute("SELECT 41 + %s::int AS palermo_prepared", [1])
            assert cursor.fetchone() == (42,)
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%AS palermo_prepared%"],
        )
        assert cursor.fetchone()[0] >= 1
