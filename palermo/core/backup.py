"""Encrypted backups of a node, and restoring one with its checks.

`backup_create` writes ONE archive: a consistent online snapshot of the database (SQLite: the
backup API; PostgreSQL: `pg_dump` custom format), the node's files under the data directory
(attachments and other uploads; not the key files, the static files or the logs) and the signed
audit checkpoints, in a tar that is encrypted with age (pyrage) to an operator's recipient
(`age1...`, PALERMO_BACKUP_RECIPIENT) or, failing that, to a passphrase
(PALERMO_BACKUP_PASSPHRASE; age's scrypt). The field, audit and node keys are only in it when
asked (`include_keys`): a backup and its keys are meant to be kept apart.

`backup_restore` brings an archive back into an empty node (or, with `force`, over one), then
checks it: the audit chain (hashes, MACs, signed checkpoints) and that every item of encrypted
data decrypts with the node's keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyrage
from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.core.audit import ChainReport, audit_verify
from palermo.core.crypto import encrypted_data_check
from palermo.core.errors import ApplicationError
from palermo.settings import env

FORMAT = 1
DB_SQLITE = "database.sqlite3"
DB_POSTGRES = "database.pgdump"
# Never in the files part: the database (snapshotted), keys, static files, logs, temporary files.
SKIP_NAMES = {*env.KEY_FILES, "secret_key"}
# run/: the running node's sockets (the delivery loop's wake-up), nothing to restore.
SKIP_DIRS = {"static", "checkpoints", "run"}
SKIP_SUFFIXES = (".log", ".tmp", ".new", "-wal", "-shm", "-journal")


def _db() -> dict[str, Any]:
    return dict(settings.DATABASES["default"])


def _vendor() -> str:
    return "postgresql" if "postgresql" in str(_db()["ENGINE"]) else "sqlite"


def _pg_args(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["--no-owner", "--no-privileges", "--dbname", str(db["NAME"])]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    environment = dict(os.environ)
    if db.get("PASSWORD"):
        environment["PGPASSWORD"] = str(db["PASSWORD"])
    return args, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(  # noqa: S603 - pg_dump/pg_restore with our own arguments
        command, env=environment, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise ApplicationError(
            _("{} failed: {}").format(command[0], result.stderr.strip()[-500:]),
            code="database_tool_failed",
        )


def _snapshot(target_dir: Path) -> str:
    """A consistent copy of the database, taken while the node runs; its file name."""
    db = _db()
    if _vendor() == "postgresql":
        args, environment = _pg_args(db)
        _run(
            ["pg_dump", "--format=custom", "--file", str(target_dir / DB_POSTGRES), *args],
            environment,
        )
        return DB_POSTGRES
    connection = connections["default"]  # the backup API: one consistent copy, online
    connection.ensure_connection()
    target = sqlite3.connect(str(target_dir / DB_SQLITE))
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    return DB_SQLITE


def _data_files() -> Iterator[tuple[Path, str]]:
    """(path, name in the archive) of the node's files under the data directory."""
    data = Path(settings.DATA_DIR)
    db_name = Path(str(_db()["NAME"])).name if _vendor() == "sqlite" else ""
    checkpoints = Path(settings.PALERMO_CHECKPOINT_DIR).resolve()
    keys = env.key_dir() or checkpoints  # key files are never in the files part
    for root, dirs, files in os.walk(data):
        here = Path(root)
        if here == data:
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
        for name in files:
            path = here / name
            if here == data and (name in SKIP_NAMES or name.startswith(db_name or "\0")):
                continue
            if name.endswith(SKIP_SUFFIXES) or {checkpoints, keys} & set(path.parents):
                continue
            if not path.is_file():  # a socket or a pipe of the running node, not data
                continue
            yield path, "files/" + path.relative_to(data).as_posix()


def _key_texts() -> dict[str, str]:
    """The node's keys as key files (whether they come from the environment or from files)."""
    return {
        "field_keys": "\n".join(settings.FIELD_ENCRYPTION_KEYS) + "\n",
        "audit_key": settings.PALERMO_AUDIT_KEY.strip() + "\n",
        "node_key": settings.PALERMO_NODE_KEY.strip() + "\n",
        "name_index_key": settings.PALERMO_NAME_INDEX_KEY.strip() + "\n",
    }


@dataclass
class BackupReport:
    path: Path
    database: str
    files: int
    checkpoints: int
    includes_keys: bool
    bytes: int = 0


def _recipient(recipient: str, passphrase: str) -> pyrage.x25519.Recipient | None:
    """The age recipient to encrypt to (None: the passphrase); a clear error when neither."""
    if recipient:
        try:
            return pyrage.x25519.Recipient.from_str(recipient.strip())
        except pyrage.RecipientError:
            raise ApplicationError(
                _("The backup recipient is not an age public key (age1...)."),
                code="bad_recipient",
            ) from None
    if passphrase:
        return None
    raise ApplicationError(
        _(
            "Say whom the backup is encrypted to: --recipient age1... (or "
            "PALERMO_BACKUP_RECIPIENT), or a passphrase in PALERMO_BACKUP_PASSPHRASE."
        ),
        code="no_backup_key",
    )


def _seal(
    plain: Path, out: Path, recipient: pyrage.x25519.Recipient | None, passphrase: str
) -> None:
    """Encrypt the file `plain` into the new file `out`, mode 600 before its first byte."""
    env.private_file_write_bytes(out, b"")
    try:
        if recipient is not None:
            pyrage.encrypt_file(str(plain), str(out), [recipient])
        else:
            out.write_bytes(pyrage.passphrase.encrypt(plain.read_bytes(), passphrase))
    except BaseException:
        out.unlink(missing_ok=True)
        raise


def _add_bytes(tar: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mode = 0o600
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(content))


def backup_create(
    out: Path, *, recipient: str = "", passphrase: str = "", include_keys: bool = False
) -> BackupReport:
    """Write the encrypted archive `out` (mode 600); see the module's docstring."""
    if out.exists():
        raise ApplicationError(
            _("{} exists already: name a new file.").format(out.name), code="exists"
        )
    to = _recipient(recipient, passphrase)  # a wrong or missing key fails before the work
    with tempfile.TemporaryDirectory(prefix="palermo-backup-") as tmp:
        work = Path(tmp)
        database = _snapshot(work)
        bundle = work / "backup.tar.gz"
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "node": settings.PALERMO_NODE_NAME,
            "created": timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds"),
            "database": database,
            "vendor": _vendor(),
            "includes_keys": include_keys,
            "files": {},
        }
        with tarfile.open(bundle, mode="w:gz") as tar:
            tar.add(work / database, arcname=database)
            for path, name in _data_files():
                tar.add(path, arcname=name)
                manifest["files"][name] = hashlib.sha256(path.read_bytes()).hexdigest()
            checkpoints = Path(settings.PALERMO_CHECKPOINT_DIR)
            count = 0
            for path in sorted(checkpoints.glob("*.jsonl")) if checkpoints.is_dir() else []:
                tar.add(path, arcname="checkpoints/" + path.name)
                count += 1
            if include_keys:
                for name, text in _key_texts().items():
                    _add_bytes(tar, "keys/" + name, text.encode())
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
        _seal(bundle, out, to, passphrase)
    return BackupReport(
        out, database, len(manifest["files"]), count, include_keys, bytes=out.stat().st_size
    )


# --- restore -----------------------------------------------------------------------------------


def _unseal(archive: Path, plain: Path, identity_file: Path | None, passphrase: str) -> None:
    """Decrypt `archive` into the file `plain` (in a private temporary directory)."""
    try:
        if identity_file is not None:
            lines = [
                line.strip()
                for line in identity_file.read_text().splitlines()
                if line.strip().startswith("AGE-SECRET-KEY-")
            ]
            identities = [pyrage.x25519.Identity.from_str(line) for line in lines]
            pyrage.decrypt_file(str(archive), str(plain), identities)
            return
        if passphrase:
            plain.write_bytes(pyrage.passphrase.decrypt(archive.read_bytes(), passphrase))
            return
    except (pyrage.DecryptError, pyrage.IdentityError, ValueError):
        raise ApplicationError(
            _("The archive cannot be decrypted with this identity or passphrase."),
            code="undecryptable_backup",
        ) from None
    raise ApplicationError(
        _(
            "Name the age identity the archive was encrypted to (--identity FILE) or set "
            "PALERMO_BACKUP_PASSPHRASE."
        ),
        code="no_backup_key",
    )


def database_empty() -> bool:
    """Whether the node's database has no tables (a fresh file or an empty PostgreSQL schema)."""
    with connections["default"].cursor() as cursor:
        return not connections["default"].introspection.table_names(cursor)


def _restore_database(work: Path, manifest: dict[str, Any], force: bool) -> None:
    if manifest.get("vendor") != _vendor():
        raise ApplicationError(
            _("The archive holds a {} database; this node uses {}.").format(
                manifest.get("vendor"), _vendor()
            ),
            code="wrong_database",
        )
    if _vendor() == "postgresql":
        connections.close_all()
        args, environment = _pg_args(_db())
        clean = ["--clean", "--if-exists"] if force else []
        _run(["pg_restore", *clean, *args, str(work / DB_POSTGRES)], environment)
        return
    # SQLite: the backup API again, into the node's own connection (WAL files and all).
    connection = connections["default"]
    connection.ensure_connection()
    source = sqlite3.connect(str(work / DB_SQLITE))
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _restore_keys(work: Path, force: bool) -> list[str]:
    """Put the archive's key files where this node reads its keys; reload them."""
    keys = work / "keys"
    if not keys.is_dir():
        return []
    directory = env.key_dir() or Path(settings.DATA_DIR)
    directory.mkdir(parents=True, mode=0o700, exist_ok=True)
    written = []
    for name in env.KEY_FILES:
        source = keys / name
        target = directory / name
        if not source.exists():
            continue
        if (
            target.exists()
            and target not in env.GENERATED
            and not force
            and target.read_text().strip() != source.read_text().strip()
        ):
            raise ApplicationError(
                _("{} exists with another key: move it away or use --force.").format(target),
                code="exists",
            )
        env.private_file_write(target, source.read_text())
        env.GENERATED.discard(target)
        written.append(name)
    settings.FIELD_ENCRYPTION_KEYS = env.field_keys()
    settings.PALERMO_AUDIT_KEY = env.audit_key()
    settings.PALERMO_NODE_KEY = env.node_key()
    settings.PALERMO_NAME_INDEX_KEY = env.name_index_key()
    return written


def _restore_files(work: Path) -> int:
    count = 0
    data = Path(settings.DATA_DIR)
    for source in sorted((work / "files").rglob("*")) if (work / "files").is_dir() else []:
        if source.is_file():
            target = data / source.relative_to(work / "files")
            target.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
            shutil.copyfile(source, target)
            target.chmod(0o600)
            count += 1
    checkpoints = Path(settings.PALERMO_CHECKPOINT_DIR)
    for source in sorted((work / "checkpoints").glob("*.jsonl")):
        checkpoints.mkdir(parents=True, mode=0o700, exist_ok=True)
        shutil.copyfile(source, checkpoints / source.name)
        (checkpoints / source.name).chmod(0o600)
    return count


@dataclass
class RestoreReport:
    chain: ChainReport
    encrypted: dict[str, tuple[int, int]] = field(default_factory=dict)
    files: int = 0
    keys: list[str] = field(default_factory=list)
    node: str = ""
    created: str = ""

    @property
    def ok(self) -> bool:
        return self.chain.ok and not any(bad for _ok, bad in self.encrypted.values())


def restore_verify() -> tuple[ChainReport, dict[str, tuple[int, int]]]:
    """The restored node's checks: the audit chain, and every item of encrypted data."""
    return audit_verify(), encrypted_data_check()


@contextmanager
def _opened(archive: Path, identity_file: Path | None, passphrase: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="palermo-restore-") as tmp:
        work = Path(tmp)
        bundle = work / "backup.tar.gz"
        _unseal(archive, bundle, identity_file, passphrase)
        with tarfile.open(bundle, mode="r:gz") as tar:
            tar.extractall(work / "archive", filter="data")
        yield work / "archive"


def _forget_generated_keys() -> None:
    """A restore that fails leaves no key generated at its start (no silent new key)."""
    for path in sorted(env.GENERATED):
        path.unlink(missing_ok=True)
    env.GENERATED.clear()


def backup_restore(
    archive: Path, *, identity_file: Path | None = None, passphrase: str = "", force: bool = False
) -> RestoreReport:
    """Restore `archive` into this node and check it (see the module's docstring)."""
    try:
        report = _restore(archive, identity_file, passphrase, force)
    except ApplicationError:
        _forget_generated_keys()
        raise
    if not report.ok:
        _forget_generated_keys()
    return report


def _restore(
    archive: Path, identity_file: Path | None, passphrase: str, force: bool
) -> RestoreReport:
    if not force and not database_empty():
        raise ApplicationError(
            _("This node's database is not empty: restore into an empty one, or use --force."),
            code="not_empty",
        )
    with _opened(archive, identity_file, passphrase) as work:
        manifest = json.loads((work / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise ApplicationError(_("Unknown archive format."), code="bad_archive")
        for name, digest in manifest.get("files", {}).items():
            if hashlib.sha256((work / name).read_bytes()).hexdigest() != digest:
                raise ApplicationError(
                    _("A file of the archive does not match its checksum."), code="bad_archive"
                )
        keys = _restore_keys(work, force)
        _restore_database(work, manifest, force)
        files = _restore_files(work)
    chain, encrypted = restore_verify()
    return RestoreReport(
        chain, encrypted, files, keys, str(manifest.get("node", "")), str(manifest.get("created"))
    )
