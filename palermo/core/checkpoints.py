"""Signed checkpoints of the audit chain head, kept outside the database.

A checkpoint says "on this node, at this time, the audit log had N entries and entry N had this
hash and MAC", signed with the node's Ed25519 key (settings.PALERMO_NODE_KEY). Checkpoints are
appended to a JSON-lines file in PALERMO_CHECKPOINT_DIR (mode 600) by the scheduler
(`core.audit_checkpoint`, every PALERMO_AUDIT_CHECKPOINT_MINUTES) and by
`palermo audit checkpoint`, and handed to the listeners registered here: the cooperation app
sends each one to the registered peer nodes, which keep them as witnesses (as Certificate
Transparency does). `audit_verify` compares the chain with them: a checkpoint beyond the log's
last entry means entries were removed; one whose hash differs from the entry at its sequence
means the log was rewritten.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.core.auditmac import GENESIS, entry_mac
from palermo.core.errors import ApplicationError
from palermo.core.models import AuditChainHead, AuditEntry

VERSION = 1
FILE_NAME = "checkpoints.jsonl"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the chain head of `node` at `time`."""

    node: str
    sequence: int
    entry_hash: str
    mac: str
    time: str
    public_key: str
    signature: str = ""
    v: int = VERSION

    def signed_part(self) -> bytes:
        data = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def signature_valid(self, public_key: str | None = None) -> bool:
        """Whether the signature verifies with `public_key` (default: the one it names)."""
        try:
            key = Ed25519PublicKey.from_public_bytes(
                base64.b64decode(public_key or self.public_key, validate=True)
            )
            key.verify(base64.b64decode(self.signature, validate=True), self.signed_part())
        except (InvalidSignature, ValueError):
            return False
        return True


def checkpoint_from_dict(data: Any) -> Checkpoint:
    """A checkpoint read from JSON; ValueError when it is not one."""
    if not isinstance(data, dict):
        raise ValueError("not an object")
    try:
        checkpoint = Checkpoint(
            node=str(data["node"]),
            sequence=int(data["sequence"]),
            entry_hash=str(data["entry_hash"]),
            mac=str(data["mac"]),
            time=str(data["time"]),
            public_key=str(data["public_key"]),
            signature=str(data["signature"]),
            v=int(data.get("v", VERSION)),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError("missing or wrong field: {}".format(exc)) from None
    if checkpoint.v != VERSION or checkpoint.sequence < 1:
        raise ValueError("unsupported version or sequence")
    return checkpoint


def _private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(settings.PALERMO_NODE_KEY))


def node_public_key() -> str:
    raw = (
        _private_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode("ascii")


def checkpoint_dir() -> Path:
    return Path(settings.PALERMO_CHECKPOINT_DIR)


def checkpoint_file() -> Path:
    return checkpoint_dir() / FILE_NAME


@dataclass
class LoadedCheckpoints:
    """This node's checkpoints whose signature verifies, and what was wrong with the others."""

    valid: list[Checkpoint] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def checkpoints_load(
    extra_files: list[Path] | None = None, extra: dict[str, list[Any]] | None = None
) -> LoadedCheckpoints:
    """This node's checkpoints from its checkpoint file, `extra_files` (JSON lines, e.g.
    exported by a witness with `palermo witness list --node NAME`) and `extra` (checkpoints as
    dicts by where they come from, e.g. fetched from the witnesses). Checkpoints of other nodes
    are skipped; one of this node that is malformed or not signed by its key is invalid."""
    loaded = LoadedCheckpoints()
    try:
        own = (node_public_key(), settings.PALERMO_NODE_NAME)
    except ValueError:  # binascii.Error included
        loaded.invalid.append(_("the node key (PALERMO_NODE_KEY) is not usable"))
        return loaded
    for origin, items in (extra or {}).items():
        for number, item in enumerate(items, start=1):
            _load_one(loaded, item, "{} #{}".format(origin, number), own)
    for path in [checkpoint_file(), *(extra_files or [])]:
        if not path.exists():
            if path != checkpoint_file():
                loaded.invalid.append(_("checkpoint file {} does not exist").format(path))
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                item = None
            _load_one(loaded, item, _("{} line {}").format(path.name, number), own)
    return loaded


def _load_one(loaded: LoadedCheckpoints, item: Any, where: str, own: tuple[str, str]) -> None:
    """Add one checkpoint (a dict) to `loaded`: valid, skipped (another node's) or invalid.
    `own`: this node's public key and name."""
    try:
        checkpoint = checkpoint_from_dict(item)
    except ValueError:
        loaded.invalid.append(_("{}: not a checkpoint").format(where))
        return
    own_key, own_name = own
    if checkpoint.node != own_name and checkpoint.public_key != own_key:
        return  # another node's
    if not checkpoint.signature_valid(own_key):
        loaded.invalid.append(_("{}: not signed by this node's key").format(where))
        return
    loaded.valid.append(checkpoint)


# Where copies of this node's checkpoints kept by others come from (the cooperation app asks its
# peer nodes): each source returns {origin: [checkpoint dicts]} and {origin: why it has none}.
WitnessCopies = tuple[dict[str, list[Any]], dict[str, str]]
_WITNESS_SOURCES: dict[str, Callable[[], WitnessCopies]] = {}


def witness_source_register(name: str, source: Callable[[], WitnessCopies]) -> None:
    """Called from an app's ready(): `palermo audit verify --witnesses` asks `source`."""
    _WITNESS_SOURCES[name] = source


def witness_copies() -> WitnessCopies:
    """Every registered source's copies of this node's checkpoints, and the failures."""
    copies: dict[str, list[Any]] = {}
    failures: dict[str, str] = {}
    for source in _WITNESS_SOURCES.values():
        got, failed = source()
        copies.update(got)
        failures.update(failed)
    return copies, failures


# Called with each new checkpoint (the cooperation app sends it to the peer nodes).
_LISTENERS: dict[str, Callable[[Checkpoint], object]] = {}


def checkpoint_listener_register(name: str, listener: Callable[[Checkpoint], object]) -> None:
    """Called from an app's ready(): `listener` gets each new checkpoint after it is written."""
    _LISTENERS[name] = listener


def _append(checkpoint: Checkpoint) -> None:
    directory = checkpoint_dir()
    directory.mkdir(parents=True, mode=0o700, exist_ok=True)
    fd = os.open(checkpoint_file(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as fh:
        os.fchmod(fh.fileno(), 0o600)
        fh.write(json.dumps(checkpoint.as_dict(), sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _last_local() -> Checkpoint | None:
    path = checkpoint_file()
    if not path.exists():
        return None
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    try:
        return checkpoint_from_dict(json.loads(lines[-1])) if lines else None
    except ValueError:
        return None


def _head_holds(head: AuditChainHead) -> bool:
    """Whether the head's entry is there, with the head's hash and a MAC that verifies."""
    entries = {
        e.sequence: e
        for e in AuditEntry.objects.filter(sequence__in=[head.sequence - 1, head.sequence])
    }
    entry = entries.get(head.sequence)
    previous = entries.get(head.sequence - 1)
    previous_mac = previous.mac if previous is not None else GENESIS
    if entry is None or entry.entry_hash != head.entry_hash or entry.mac != head.mac:
        return False
    if head.sequence > 1 and previous is None:
        return False
    expected = entry_mac(
        sequence=entry.sequence, entry_hash=entry.entry_hash, previous_mac=previous_mac
    )
    return hmac.compare_digest(expected, entry.mac)


def checkpoint_create(*, force: bool = False, now: dt.datetime | None = None) -> Checkpoint | None:
    """Sign the chain head, append it to the checkpoint file and hand it to the listeners.
    Nothing when the log is empty, or (unless `force`) when the head has not moved since the
    last checkpoint. A head whose entry does not verify is not signed (ApplicationError)."""
    head = AuditChainHead.objects.filter(id=1).first()
    if head is None or head.sequence == 0:
        return None
    last = _last_local()
    if (
        not force
        and last is not None
        and (last.sequence, last.entry_hash)
        == (
            head.sequence,
            head.entry_hash,
        )
    ):
        return None
    if not _head_holds(head):
        raise ApplicationError(
            _("The audit chain head does not verify: run `palermo audit verify`."),
            code="audit_chain_broken",
        )
    unsigned = Checkpoint(
        node=settings.PALERMO_NODE_NAME,
        sequence=head.sequence,
        entry_hash=head.entry_hash,
        mac=head.mac,
        time=(now or timezone.now()).astimezone(dt.UTC).isoformat(timespec="seconds"),
        public_key=node_public_key(),
    )
    signature = base64.b64encode(_private_key().sign(unsigned.signed_part())).decode("ascii")
    checkpoint = Checkpoint(**{**unsigned.as_dict(), "signature": signature})
    _append(checkpoint)
    for name, listener in _LISTENERS.items():
        try:
            listener(checkpoint)
        except Exception:  # a peer's trouble never stops the node's own checkpoint
            logger.exception("checkpoint listener %s failed", name)
    return checkpoint


def checkpoint_job() -> str:
    """The scheduler's job: a summary for the log (sequence only)."""
    checkpoint = checkpoint_create()
    if checkpoint is None:
        return "no new audit entries"
    return "checkpoint at entry #{}".format(checkpoint.sequence)
