"""new_uuid: uuid4's values (version 4, RFC 4122 variant, random), unique, per thread and
per forked process; and random_bytes."""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from palermo.core.ids import new_uuid, random_bytes


def test_new_uuid_is_a_version_4_uuid_equal_to_its_parsed_text() -> None:
    for _ in range(600):  # across the 256 of one read
        made = new_uuid()
        assert type(made) is uuid.UUID
        assert made.version == 4
        assert made.variant == uuid.RFC_4122
        assert uuid.UUID(str(made)) == made
        assert hash(uuid.UUID(str(made))) == hash(made)
        assert made.hex == uuid.UUID(bytes=made.bytes).hex


def test_new_uuid_values_are_unique_and_their_bits_vary() -> None:
    made = [new_uuid() for _ in range(5000)]
    assert len(set(made)) == 5000
    bits = 0
    for u in made:
        bits |= u.int
    # Every bit but the six fixed ones (version 0100, variant 10) was 1 somewhere.
    assert bin(bits).count("1") == 128 - 6 + 1 + 1


def test_threads_draw_different_uuids() -> None:
    got: list[list[uuid.UUID]] = [[], []]

    def draw(i: int) -> None:
        got[i] = [new_uuid() for _ in range(300)]

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not set(got[0]) & set(got[1])


def test_a_forked_child_does_not_draw_its_parents_next_uuids() -> None:
    new_uuid()  # the buffer filled, most of it unused
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids through the pipe, then out
        os.close(read)
        os.write(write, b"".join(new_uuid().bytes for _ in range(10)))
        os._exit(0)
    os.close(write)
    child = os.read(read, 160)
    os.close(read)
    os.waitpid(pid, 0)
    parent = b"".join(new_uuid().bytes for _ in range(10))
    assert len(child) == 160
    assert {child[i : i + 16] for i in range(0, 160, 16)}.isdisjoint(
        {parent[i : i + 16] for i in range(0, 160, 16)}
    )


def test_random_bytes_are_fresh_and_bounded() -> None:
    drawn = [random_bytes(10) for _ in range(1000)]  # across reads of the buffer
    assert all(len(d) == 10 for d in drawn)
    assert len(set(drawn)) == 1000
    assert random_bytes(0) == b""
    assert len(random_bytes(4096)) == 4096
    with pytest.raises(ValueError, match="0 to 4096"):
        random_bytes(4097)
