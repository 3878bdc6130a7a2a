"""Waking a loop of this node when there is work for it, instead of polling the database.

A long-running loop (outbox delivery) opens `Wakeup("delivery")` and waits on it between runs,
with a timeout as a fallback poll; a writer calls `wake("delivery")` once its transaction has
committed (`transaction.on_commit`). The signal is one datagram on a Unix socket: in the data
directory (mode 700, so only the node's own user reaches it), or, where that path is too long
for a socket address, a Linux abstract socket named after it. A wake carries no data: it only
says "look at the database now". A wake that nobody waits for is dropped; a loop that cannot
bind its socket (a second loop, another OS) still works by its fallback poll.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import select
import socket
import sys
from pathlib import Path
from types import TracebackType

from django.conf import settings

logger = logging.getLogger(__name__)

# sockaddr_un holds 108 bytes with the terminating NUL.
_MAX_PATH = 100


def wake_address(name: str) -> str | bytes:
    """Where the loop `name` of this node listens: a path, or an abstract name (bytes)."""
    path = Path(settings.DATA_DIR) / "run" / "{}.sock".format(name)
    if len(str(path).encode()) <= _MAX_PATH:
        return str(path)
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:24]
    return "\0palermo-{}-{}".format(digest, name).encode()


def wake(name: str) -> None:
    """Tell the loop `name` that there is work (never blocks, never fails)."""
    if not hasattr(socket, "AF_UNIX"):  # pragma: no cover - not on Linux/macOS
        return
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            sock.sendto(b"!", wake_address(name))
    except OSError:
        pass  # nobody listens, or its queue is full (it is awake then)


class Wakeup:
    """The listening side: `with Wakeup("delivery") as w: ... w.wait(5.0)`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.address = wake_address(name)
        self.sock: socket.socket | None = None

    def __enter__(self) -> Wakeup:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> bool:
        """Bind the socket; False (the loop then polls) when another loop holds it."""
        if not hasattr(socket, "AF_UNIX") or (
            isinstance(self.address, bytes) and not sys.platform.startswith("linux")
        ):  # pragma: no cover - no abstract sockets outside Linux
            return False
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.setblocking(False)
        try:
            if isinstance(self.address, str):
                path = Path(self.address)
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                if path.exists() and not _stale(path):
                    raise OSError("another loop listens on {}".format(path.name))
                path.unlink(missing_ok=True)
            sock.bind(self.address)
        except OSError as exc:
            sock.close()
            logger.warning("wake-up socket for %s not bound (%s): polling only", self.name, exc)
            return False
        self.sock = sock
        return True

    def close(self) -> None:
        if self.sock is None:
            return
        self.sock.close()
        self.sock = None
        if isinstance(self.address, str):
            Path(self.address).unlink(missing_ok=True)

    def wait(self, timeout: float) -> bool:
        """Sleep until woken or `timeout` seconds pass; True when woken. Every wake already
        queued is consumed: one run of the loop answers them all."""
        if self.sock is None:
            select.select([], [], [], max(timeout, 0))
            return False
        ready, _w, _x = select.select([self.sock], [], [], max(timeout, 0))
        if not ready:
            return False
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while self.sock.recv(16):
                pass
        return True


def _stale(path: Path) -> bool:
    """Whether a socket file is left over from a loop that is gone (nobody reads it)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(str(path))
        except ConnectionRefusedError:
            return True
        except OSError:
            return True
    return False
