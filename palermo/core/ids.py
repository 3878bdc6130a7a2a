"""Random UUIDs in bulk: `new_uuid()` is `uuid.uuid4()` (the same kind of value, version 4
from the system's randomness) for code that makes hundreds of thousands of them (an import).

`uuid.uuid4()` makes a system call for 16 bytes and builds the UUID through its checking
constructor: 5.6 us each here. `new_uuid()` reads the system's randomness 4 KiB at a time and
sets the version and variant bits itself: about 1 us. `random_bytes(n)` draws from the same
reads (random references and pseudonyms). Each thread has its own buffer, and a forked child
drops the buffer it inherited (else parent and child would draw the same ids).
"""

from __future__ import annotations

import os
import threading
import uuid

_BYTES = 4096  # 256 UUIDs per read of the system's randomness
# The version (4) and variant (RFC 4122) bits, as uuid.UUID(bytes=..., version=4) sets them.
_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_SET = (4 << 76) | (0x8000 << 48)


class _Buffer(threading.local):
    data: bytes = b""
    at: int = 0


_buffer = _Buffer()


def _forget_in_child() -> None:
    _buffer.data = b""
    _buffer.at = 0


os.register_at_fork(after_in_child=_forget_in_child)


def _draw(n: int) -> bytes:
    """The next `n` (<= _BYTES) bytes of this thread's buffer, read anew when it runs out."""
    buf = _buffer
    at = buf.at
    if at + n > len(buf.data):
        buf.data = os.urandom(_BYTES)
        at = 0
    buf.at = at + n
    return buf.data[at : at + n]


def new_uuid() -> uuid.UUID:
    """A new random UUID (version 4), as uuid.uuid4() gives."""
    value = (int.from_bytes(_draw(16)) & _CLEAR) | _SET
    made = object.__new__(uuid.UUID)
    # How uuid.UUID.__init__ itself sets its (read-only) slots.
    object.__setattr__(made, "int", value)
    object.__setattr__(made, "is_safe", uuid.SafeUUID.unknown)
    return made


def random_bytes(n: int) -> bytes:
    """`n` bytes of the system's randomness (at most 4,096), as os.urandom(n) gives, without a
    system call each time."""
    if not 0 <= n <= _BYTES:
        raise ValueError("random_bytes draws 0 to {} bytes, not {}".format(_BYTES, n))
    return _draw(n)
