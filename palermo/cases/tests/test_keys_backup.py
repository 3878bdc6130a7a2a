"""Issue 11, D5: keys outside the data, a node that refuses to start without its keys, private
files, and encrypted backups that restore with every identity readable and the chain intact.

Nodes run as processes (keynodes.py), on SQLite, or on PostgreSQL when the tests run there (the
source node in `h_keys_node`, the restored one in `h_keys_restore`, beside the tests' database).
"""

from __future__ import annotations

import io
import shutil
import stat
import tarfile
from pathlib import Path

import pyrage
import pytest

from palermo.settings import env

from .keynodes import keys_env, migrated_template, ok, pg_reset, pg_url, run, seed

# Its nodes run on DATABASE_URL's engine: the PostgreSQL suite runs these too (palermo/conftest.py).
pytestmark = pytest.mark.postgres

NO_KEYS_NAMES = ("PALERMO_FIELD_KEYS", "PALERMO_KEY_DIR")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_template(tmp_path_factory.mktemp("keys-template"))


def databases(tmp_path: Path) -> tuple[str | None, str | None]:
    """The source and target database URLs (None: SQLite in the node's data dir)."""
    source, target = pg_url("h_keys_node"), pg_url("h_keys_restore")
    for url in (source, target):
        if url:
            pg_reset(url)
    return source, target


def test_keys_init_creates_private_files_and_keeps_existing_ones(tmp_path: Path) -> None:
    env = keys_env(tmp_path / "data")
    keys = tmp_path / "keys"
    created = ok(env, "keys", "init", "--dir", str(keys))
    assert "field_keys, audit_key, node_key, name_index_key" in created
    assert mode(keys) == 0o700
    before = {}
    for name in ("field_keys", "audit_key", "node_key", "name_index_key"):
        assert mode(keys / name) == 0o600
        before[name] = (keys / name).read_text()
    (keys / "audit_key").unlink()
    out = ok(env | {"PALERMO_KEY_DIR": str(keys)}, "keys", "init")
    assert "audit_key" in out and "field_keys" not in out
    assert (keys / "field_keys").read_text() == before["field_keys"]
    # Without the directory the command says what it needs.
    assert "PALERMO_KEY_DIR" in run(env, "keys", "init").stderr


def test_a_copied_database_without_its_keys_refuses_to_start(
    tmp_path: Path, template: Path
) -> None:
    source_url, _target = databases(tmp_path)
    alpha = keys_env(tmp_path / "alpha", source_url)  # a development node: keys in its data dir
    seed(alpha, template)
    data = Path(alpha["PALERMO_DATA_DIR"])
    for name in ("field_keys", "audit_key", "node_key", "name_index_key", "secret_key"):
        assert mode(data / name) == 0o600
    if source_url is None:
        assert mode(data / "palermo.sqlite3") == 0o600
        assert mode(data) == 0o700
    # The database copied to another data directory, without the key files.
    copy = tmp_path / "copy"
    copy.mkdir()
    if source_url is None:
        shutil.copyfile(data / "palermo.sqlite3", copy / "palermo.sqlite3")
    stranger = keys_env(copy, source_url)
    for command in (["migrate", "--noinput"], ["runserver", "--noreload", "127.0.0.1:8601"]):
        result = run(stranger, *command)
        assert result.returncode != 0
        message = result.stdout + result.stderr
        assert "palermo.keys.E001" in message and "identities" in message
        assert all(name in message for name in NO_KEYS_NAMES)
    # No silent new key stays behind: the next start refuses the same way.
    assert not (copy / "field_keys").exists()
    wsgi = run(stranger, "shell", "-c", "import palermo.wsgi")
    assert wsgi.returncode != 0 and "ImproperlyConfigured" in wsgi.stderr
    # With the node's keys (here: its key files as a key directory) it starts.
    keys = tmp_path / "alpha-keys"
    keys.mkdir(mode=0o700)
    for name in ("field_keys", "audit_key", "node_key"):
        shutil.copyfile(data / name, keys / name)
    # ... all of them: the name index key too (a key file missing is named).
    missing = run(stranger | {"PALERMO_KEY_DIR": str(keys)}, "keys", "check")
    assert missing.returncode != 0 and "has no name_index_key" in missing.stderr
    # Another name index key than the index was built with: refused, the remedy named.
    env.private_file_write(keys / "name_index_key", env.new_key_text("name_index_key"))
    other = run(stranger | {"PALERMO_KEY_DIR": str(keys)}, "keys", "check")
    assert other.returncode != 0 and "reindex-names" in other.stderr
    shutil.copyfile(data / "name_index_key", keys / "name_index_key")
    assert "read its data" in ok(stranger | {"PALERMO_KEY_DIR": str(keys)}, "keys", "check")
    ok(stranger | {"PALERMO_KEY_DIR": str(keys)}, "migrate", "--noinput")


def _archive_names(archive: Path, identity: Path) -> list[str]:
    key = pyrage.x25519.Identity.from_str(identity.read_text().strip())
    plain = pyrage.decrypt(archive.read_bytes(), [key])
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:gz") as tar:
        return tar.getnames()


def test_backup_and_restore_round_trip(tmp_path: Path, template: Path) -> None:
    source_url, target_url = databases(tmp_path)
    keys = tmp_path / "keys"
    alpha = keys_env(tmp_path / "alpha", source_url, PALERMO_KEY_DIR=str(keys))
    ok(alpha, "keys", "init")
    seed(alpha, template)
    assert not (Path(alpha["PALERMO_DATA_DIR"]) / "field_keys").exists()  # keys outside the data
    identity = tmp_path / "operator.age"
    recipient = ok(alpha, "backup", "--new-identity", str(identity)).splitlines()[-1]
    assert recipient.startswith("age1") and mode(identity) == 0o600
    archive = tmp_path / "alpha.age"
    assert "without keys" in ok(alpha, "backup", str(archive), "--recipient", recipient)
    assert mode(archive) == 0o600
    names = _archive_names(archive, identity)
    assert "manifest.json" in names and "files/cooperation/attachments/zz/file.bin" in names
    assert any(n.startswith("checkpoints/") for n in names)
    assert not [n for n in names if "key" in n.rsplit("/", 1)[-1]]  # no key of any kind

    # A new node without the keys: the restore fails clearly, and keeps no new key.
    bare = keys_env(tmp_path / "bare", target_url)
    result = run(bare, "restore", str(archive), "--identity", str(identity))
    assert result.returncode != 0
    assert "identities: 0 readable, 2 unreadable" in result.stdout
    assert "PALERMO_KEY_DIR" in result.stderr
    assert not (tmp_path / "bare" / "field_keys").exists()

    # A wrong operator identity cannot open it.
    other = tmp_path / "other.age"
    ok(alpha, "backup", "--new-identity", str(other))
    fresh = keys_env(tmp_path / "fresh", target_url, PALERMO_KEY_DIR=str(keys))
    if target_url:
        pg_reset(target_url)
    wrong = run(fresh, "restore", str(archive), "--identity", str(other))
    assert wrong.returncode != 0 and "cannot be decrypted" in wrong.stderr

    # With the node's keys: every identity readable, the chain intact, the files back.
    out = ok(fresh, "restore", str(archive), "--identity", str(identity))
    assert "identities: 2 readable, 0 unreadable" in out
    assert "audit chain intact" in out and "1 signed checkpoints" in out
    restored = tmp_path / "fresh" / "cooperation" / "attachments" / "zz" / "file.bin"
    assert restored.read_bytes() == b"attachment bytes"
    assert "audit chain intact" in ok(fresh, "audit", "verify")
    # It is not empty any more: a second restore needs --force.
    again = run(fresh, "restore", str(archive), "--identity", str(identity))
    assert again.returncode != 0 and "not empty" in again.stderr
    assert "restore verified" in ok(
        fresh, "restore", str(archive), "--identity", str(identity), "--force"
    )


def test_backup_with_keys_restores_on_a_bare_node_with_a_passphrase(
    tmp_path: Path, template: Path
) -> None:
    source_url, target_url = databases(tmp_path)
    alpha = keys_env(tmp_path / "alpha", source_url, PALERMO_BACKUP_PASSPHRASE="correct horse")
    seed(alpha, template)
    archive = tmp_path / "alpha-with-keys.age"
    assert "WITH the keys" in ok(alpha, "backup", str(archive), "--include-keys")
    bare = keys_env(tmp_path / "bare", target_url)
    wrong = run(bare | {"PALERMO_BACKUP_PASSPHRASE": "wrong"}, "restore", str(archive))
    assert wrong.returncode != 0 and "cannot be decrypted" in wrong.stderr
    if target_url:
        pg_reset(target_url)
    out = ok(bare | {"PALERMO_BACKUP_PASSPHRASE": "correct horse"}, "restore", str(archive))
    assert "keys: field_keys, audit_key, node_key, name_index_key" in out
    assert "identities: 2 readable" in out and "restore verified" in out
    for name in ("field_keys", "audit_key", "node_key", "name_index_key"):
        assert mode(tmp_path / "bare" / name) == 0o600
    ok(bare, "keys", "check")


@pytest.mark.parametrize("flag", [[], ["--recipient", "not-a-key"]])
def test_backup_needs_an_operator_key(tmp_path: Path, flag: list[str]) -> None:
    alpha = keys_env(tmp_path / "alpha")
    result = run(alpha, "backup", str(tmp_path / "x.age"), *flag)
    assert result.returncode != 0
    assert "age" in result.stderr and not (tmp_path / "x.age").exists()


MIGRATE_BACK_AND_FORTH = """
from django.core.management import call_command
from django.db import connection
from palermo.core.audit import audit_verify
call_command("migrate", "core", "0002", interactive=False, verbosity=0)
with connection.cursor() as cur:
    table = connection.introspection.get_table_description(cur, "core_auditentry")
columns = [c.name for c in table]
assert "mac" not in columns, columns
call_command("migrate", interactive=False, verbosity=0)
print("after:", audit_verify())
"""


def test_mac_migration_signs_existing_entries_with_the_guard_on(
    tmp_path: Path, template: Path
) -> None:
    """core.0003_audit_mac on a node whose log exists and whose triggers are installed (the
    production settings): the entries get their MACs, the chain verifies, the triggers are back."""
    source_url, _target = databases(tmp_path)
    alpha = keys_env(tmp_path / "alpha", source_url, DJANGO_SETTINGS_MODULE="palermo.settings.base")
    seed(alpha, template)
    out = ok(alpha, "shell", "-c", MIGRATE_BACK_AND_FORTH)
    assert "after: ChainReport(ok=True" in out
    refused = run(
        alpha,
        "shell",
        "-c",
        "from django.db import connection\n"
        "connection.cursor().execute('DELETE FROM core_auditentry')",
    )
    assert refused.returncode != 0 and "append-only" in refused.stderr
