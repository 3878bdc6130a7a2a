"""The node's keys: creating a key directory, and refusing to start with keys that do not fit.

Keys come from the environment (PALERMO_FIELD_KEYS, PALERMO_AUDIT_KEY, PALERMO_NODE_KEY,
PALERMO_NAME_INDEX_KEY) or from the files `field_keys`, `audit_key`, `node_key` and
`name_index_key` in PALERMO_KEY_DIR, a directory outside the
data directory (`palermo keys init` creates it). A development node without either generates
them in its data directory on first start (palermo.settings.env).

A node whose database already holds encrypted data or audit entries must not start with a key
that cannot read them: that is what happens when a copy of the database is started without its
keys, and a new key generated then would make every identity unreadable while the node reports
healthy. `keys_problems` finds it (a sample of every kind of encrypted data must decrypt, and the
last audit entry's MAC must verify); it runs as a system check (every `palermo` command that
checks, `migrate` and `runserver` among them) and when the WSGI application is loaded.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections
from django.utils.translation import gettext as _

from palermo.settings import env

KEY_DIR_MODE = 0o700

# Further checks that a key fits the data it was used on, registered by the apps (the name
# search index of palermo.cases): each returns why not, or "".
_KEY_CHECKS: list[Callable[[], str]] = []


def key_check_register(check: Callable[[], str]) -> None:
    """Called from an app's ready(): `check()` says why a key does not fit its data, or ""."""
    if check not in _KEY_CHECKS:
        _KEY_CHECKS.append(check)


def keys_init(directory: Path) -> list[str]:
    """Create the key directory (mode 700) and the key files it misses (mode 600); never
    overwrite one. Returns the names of the files created."""
    directory.mkdir(parents=True, mode=KEY_DIR_MODE, exist_ok=True)
    directory.chmod(KEY_DIR_MODE)
    created = []
    for name in env.KEY_FILES:
        path = directory / name
        if path.exists():
            continue
        env.private_file_write(path, env.new_key_text(name), exclusive=True)
        created.append(name)
    return created


SQLITE_ENGINES = frozenset({"django.db.backends.sqlite3", "palermo.core.sqlite"})


def sqlite_files_private(databases: dict[str, dict[str, Any]] | None = None) -> None:
    """Create each SQLite database file that is missing with mode 600 (SQLite gives its -wal and
    -shm files the database file's mode), and take group and others' access away from one that
    exists. Called at start-up, before any connection is opened."""
    for db in (settings.DATABASES if databases is None else databases).values():
        name = str(db.get("NAME") or "")
        if db.get("ENGINE") not in SQLITE_ENGINES or name in {"", ":memory:"}:
            continue
        if name.startswith("file:"):
            continue
        path = Path(name)
        if not path.parent.is_dir():
            continue
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        for candidate in (path, Path(name + "-wal"), Path(name + "-shm")):
            try:
                if candidate.stat().st_mode & 0o077:
                    candidate.chmod(0o600)
            except OSError:
                pass


def _audit_problem() -> str:
    """Why the last audit entry's MAC does not verify with this node's audit key, or ""."""
    from palermo.core.auditmac import GENESIS, audit_key_bytes, entry_mac  # noqa: PLC0415
    from palermo.core.models import AuditEntry  # noqa: PLC0415

    try:
        key = audit_key_bytes()
    except ImproperlyConfigured as exc:
        return str(exc)
    newest = AuditEntry.objects.order_by("-sequence")
    last = list(newest.values("sequence", "entry_hash", "mac")[:2])
    if not last or not last[0]["mac"]:
        return ""
    previous_mac = last[1]["mac"] if len(last) > 1 else GENESIS
    expected = entry_mac(
        sequence=last[0]["sequence"],
        entry_hash=last[0]["entry_hash"],
        previous_mac=previous_mac,
        key=key,
    )
    if expected != last[0]["mac"]:
        return _(
            "The database holds audit entries whose MAC does not verify with this node's audit "
            "key (PALERMO_AUDIT_KEY, or audit_key in PALERMO_KEY_DIR)."
        )
    return ""


def keys_problems() -> list[str]:
    """What stops this node from serving with its keys (nothing on a fresh database)."""
    from palermo.core.crypto import encrypted_data_check  # noqa: PLC0415

    problems: list[str] = []
    where = _("set PALERMO_FIELD_KEYS or PALERMO_KEY_DIR to this node's keys")
    if key_dir := env.key_dir():
        missing = [name for name in env.KEY_FILES if not (key_dir / name).exists()]
        from_env = {
            "field_keys": "PALERMO_FIELD_KEYS",
            "audit_key": "PALERMO_AUDIT_KEY",
            "node_key": "PALERMO_NODE_KEY",
            "name_index_key": "PALERMO_NAME_INDEX_KEY",
        }
        missing = [name for name in missing if not os.environ.get(from_env[name])]
        if missing:
            problems.append(
                _("PALERMO_KEY_DIR ({}) has no {}: run `palermo keys init` once.").format(
                    key_dir, ", ".join(missing)
                )
            )
    if not settings.FIELD_ENCRYPTION_KEYS:
        problems.append(_("No field encryption key: {}.").format(where))
    try:
        unreadable = [label for label, (_ok, bad) in encrypted_data_check(limit=1).items() if bad]
        audit = _audit_problem()
    except DatabaseError:  # tables not there yet (before `migrate`): nothing to read
        connections["default"].close()
        return problems
    if unreadable:
        problems.append(
            _(
                "The database holds encrypted data ({}) that this node's field keys cannot read: "
                "it was started without the keys the data was written with. Refusing to start "
                "rather than use a new key; {}."
            ).format(", ".join(unreadable), where)
        )
    if audit:
        problems.append(audit + " " + _("Refusing to start; {}.").format(where))
    try:
        problems.extend(problem for check in _KEY_CHECKS if (problem := check()))
    except DatabaseError:  # a table of a check not there yet (before its migration)
        connections["default"].close()
    if problems and env.GENERATED:
        for path in sorted(env.GENERATED):  # no silent new key: the next start refuses as well
            path.unlink(missing_ok=True)
        problems.append(
            _("The key files generated at this start were removed: {}.").format(
                ", ".join(sorted(p.name for p in env.GENERATED))
            )
        )
        env.GENERATED.clear()
    return problems


def keys_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """System check: the node's keys fit its database (see the module's docstring)."""
    return [
        Error(problem, id="palermo.keys.E001", hint=_("README, 'Keys, audit log and backups'."))
        for problem in keys_problems()
    ]


def keys_deploy_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """`check --deploy`: keys kept in the data directory travel with every copy of it."""
    from_env = {
        "PALERMO_FIELD_KEYS",
        "PALERMO_AUDIT_KEY",
        "PALERMO_NODE_KEY",
        "PALERMO_NAME_INDEX_KEY",
    }
    if env.key_dir() is not None or all(os.environ.get(name) for name in from_env):
        return []
    return [
        Warning(
            _(
                "The field, audit or node key is kept in the data directory, so every copy of "
                "it carries the keys with the data."
            ),
            hint=_("Set PALERMO_KEY_DIR (`palermo keys init`) or the keys' variables."),
            id="palermo.keys.W001",
        )
    ]


def keys_refuse_to_start() -> None:
    """For the WSGI application: raise (the server does not start) when keys_problems finds any."""
    if problems := keys_problems():
        raise ImproperlyConfigured(" ".join(problems))
