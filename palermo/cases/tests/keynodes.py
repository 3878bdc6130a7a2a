"""Nodes as processes for the tests of keys, backups and restores (issue 11, D5): a node with a
victim's encrypted identity, on SQLite or on a PostgreSQL database of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg

PALERMO = str(Path(sys.executable).with_name("palermo"))

SEED = """
from django.core.management import call_command
from palermo.cases import services as s
from palermo.core.services import countries_load, organisation_create, user_create
call_command("migrate", interactive=False, verbosity=0)
countries_load()
organisation_create(actor=None, name="Shelter", kind="ngo", country="ITA", system=True)
worker, _ = user_create(
    actor=None, username="cw", organisation="Shelter", role="case_worker", system=True,
    password="Keys-Test-Password-1",
)
case = s.case_open(actor=worker, title="Case")
s.person_add(actor=worker, case=case, role="presumed_victim",
             identity={"first_name": "Amina", "second_name": "Okafor"})
s.person_add(actor=worker, case=case, role="presumed_victim",
             identity={"first_name": "Joy", "second_name": "Eze"})
from django.conf import settings
from pathlib import Path
upload = Path(settings.DATA_DIR) / "cooperation" / "attachments" / "zz"
upload.mkdir(parents=True, exist_ok=True)
(upload / "file.bin").write_bytes(b"attachment bytes")
call_command("audit", "checkpoint")
print("seeded")
"""


def pg_reset(url: str) -> None:
    """An empty public schema in the PostgreSQL database `url` (created when missing)."""
    base, _slash, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute('CREATE DATABASE "{}"'.format(name))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def keys_env(data: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """A node's environment (test settings): its data dir, and SQLite there or `database_url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PALERMO_", "DATABASE_"))}
    env["DJANGO_SETTINGS_MODULE"] = "palermo.settings.test"
    env.update(
        PALERMO_DATA_DIR=str(data),
        DATABASE_URL=database_url or "sqlite:///{}".format(data / "palermo.sqlite3"),
        PALERMO_NODE_NAME="alpha",
        PALERMO_CHECKPOINT_DIR=str(data.parent / (data.name + "-checkpoints")),
    )
    env.update(extra)
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`palermo *args` as the node, whatever its exit status."""
    return subprocess.run(  # noqa: S603 - our own console script
        [PALERMO, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def ok(env: dict[str, str], *args: str) -> str:
    result = run(env, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def seed(env: dict[str, str], template: Path | None = None) -> None:
    """The node's victims, user and files; its database first copied from `template` when given
    (see migrated_template: the seed's migration has nothing left to do)."""
    if template is not None:
        database_from_template(env, template)
    assert "seeded" in ok(env, "shell", "-c", SEED)


# An empty database migrated once per run, copied for the tests that seed a node (migrating
# each node's database took 8 of a test's 20 seconds). `migrate` writes no row that depends on
# a node's keys (no audit entry, no identity), so one copy serves nodes with any keys.
TEMPLATE_DB = "h_keys_template"


def migrated_template(root: Path) -> Path:
    """Make the template: a SQLite file (returned), or the PostgreSQL database TEMPLATE_DB when
    the tests run there."""
    url = pg_url(TEMPLATE_DB)
    if url:
        pg_reset(url)
    ok(keys_env(root, url), "migrate", "--noinput")
    return root / "palermo.sqlite3"


def database_from_template(env: dict[str, str], template: Path) -> None:
    """The node's database as a copy of the template (SQLite: the file, into a data dir that
    made private when new; PostgreSQL: CREATE DATABASE ... TEMPLATE)."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        target = Path(url.removeprefix("sqlite:///"))
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(template, target)
        return
    base, _slash, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "{}" WITH (FORCE)'.format(name))
        conn.execute('CREATE DATABASE "{}" TEMPLATE "{}"'.format(name, TEMPLATE_DB))


def pg_url(name: str) -> str | None:
    """The URL of database `name` beside the tests' PostgreSQL database, if the tests run there."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    return url.rpartition("/")[0] + "/" + name
