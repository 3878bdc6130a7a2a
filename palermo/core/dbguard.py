"""Database triggers that make the audit log append-only.

UPDATE, DELETE and TRUNCATE of entries are refused, and so is an INSERT that is not an append
(an id that exists, as `INSERT OR REPLACE` or `ON CONFLICT` would replace, or a sequence other
than the next one); the chain head may only move forward and is never deleted. Someone who can
drop the triggers can still rewrite the log: the MACs and the signed checkpoints
(palermo.core.audit, palermo.core.checkpoints) find that.

Installed by migrations `core.0002_audit_append_only` and `core.0003_audit_mac`. Test settings
turn the guard off (`PALERMO_AUDIT_DB_GUARD = False`) because the test runner empties tables
between tests; the guard's own tests install it inside a transaction.
"""

from __future__ import annotations

from typing import Any

SQLITE_UP = [
    """CREATE TRIGGER IF NOT EXISTS core_auditentry_append_only BEFORE INSERT ON core_auditentry
       WHEN EXISTS (SELECT 1 FROM core_auditentry WHERE id = NEW.id)
         OR NEW.sequence <> COALESCE((SELECT MAX(sequence) FROM core_auditentry), 0) + 1
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS core_auditchainhead_forward BEFORE UPDATE
       ON core_auditchainhead WHEN NEW.sequence < OLD.sequence
       BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward'); END;""",
    """CREATE TRIGGER IF NOT EXISTS core_auditchainhead_no_delete BEFORE DELETE
       ON core_auditchainhead
       BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward'); END;""",
    """CREATE TRIGGER IF NOT EXISTS core_auditentry_no_update BEFORE UPDATE ON core_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS core_auditentry_no_delete BEFORE DELETE ON core_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditentry_append_only;",
    "DROP TRIGGER IF EXISTS core_auditchainhead_forward;",
    "DROP TRIGGER IF EXISTS core_auditchainhead_no_delete;",
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
    """CREATE OR REPLACE FUNCTION core_auditentry_append() RETURNS trigger AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM core_auditentry WHERE id = NEW.id)
            OR NEW.sequence <> COALESCE((SELECT MAX(sequence) FROM core_auditentry), 0) + 1 THEN
           RAISE EXCEPTION 'audit entries are append-only';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql;""",
    "DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;",
    """CREATE TRIGGER core_auditentry_append_only BEFORE INSERT ON core_auditentry
       FOR EACH ROW EXECUTE FUNCTION core_auditentry_append();""",
    """CREATE OR REPLACE FUNCTION core_auditchainhead_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit chain head only moves forward'; END;
       $$ LANGUAGE plpgsql;""",
    "DROP TRIGGER IF EXISTS core_auditchainhead_forward ON core_auditchainhead;",
    """CREATE TRIGGER core_auditchainhead_forward BEFORE UPDATE ON core_auditchainhead
       FOR EACH ROW WHEN (NEW.sequence < OLD.sequence)
       EXECUTE FUNCTION core_auditchainhead_refuse();""",
    "DROP TRIGGER IF EXISTS core_auditchainhead_no_delete ON core_auditchainhead;",
    """CREATE TRIGGER core_auditchainhead_no_delete BEFORE DELETE OR TRUNCATE
       ON core_auditchainhead FOR EACH STATEMENT EXECUTE FUNCTION core_auditchainhead_refuse();""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;",
    "DROP TRIGGER IF EXISTS core_auditchainhead_forward ON core_auditchainhead;",
    "DROP TRIGGER IF EXISTS core_auditchainhead_no_delete ON core_auditchainhead;",
    "DROP FUNCTION IF EXISTS core_auditentry_append();",
    "DROP FUNCTION IF EXISTS core_auditchainhead_refuse();",
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
