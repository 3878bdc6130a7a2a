"""Database triggers that make the audit log append-only (UPDATE, DELETE, TRUNCATE refused).

Installed by migration `core.0002_audit_append_only`. Test settings turn the guard off
(`PALERMO_AUDIT_DB_GUARD = False`) because the test runner empties tables between tests;
the guard's own test installs it inside a transaction.
"""

from __future__ import annotations

from typing import Any

SQLITE_UP = [
    """CREATE TRIGGER IF NOT EXISTS core_auditentry_no_update BEFORE UPDATE ON core_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS core_auditentry_no_delete BEFORE DELETE ON core_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete;",
]
POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION core_auditentry_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit entries are append-only'; END; $$ LANGUAGE plpgsql;""",
    "DROP TRIGGER IF EXISTS core_auditentry_no_change ON core_auditentry;",
    """CREATE TRIGGER core_auditentry_no_change BEFORE UPDATE OR DELETE ON core_auditentry
       FOR EACH ROW EXECUTE FUNCTION core_auditentry_refuse();""",
    "DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;",
    """CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON core_auditentry
       FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_refuse();""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_change ON core_auditentry;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;",
    "DROP FUNCTION IF EXISTS core_auditentry_refuse();",
]


def install_guard(connection: Any) -> None:
    statements = POSTGRES_UP if connection.vendor == "postgresql" else SQLITE_UP
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def remove_guard(connection: Any) -> None:
    statements = POSTGRES_DOWN if connection.vendor == "postgresql" else SQLITE_DOWN
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
