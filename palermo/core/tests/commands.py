"""Running `palermo` commands in tests."""

from __future__ import annotations

import io
import sys

from django.core.management import call_command


def run(*args: str, stdin: str | None = None) -> str:
    """What the command `args` writes to stdout, with `stdin` as its standard input."""
    out = io.StringIO()
    old = sys.stdin
    try:
        if stdin is not None:
            sys.stdin = io.StringIO(stdin)
        call_command(*args, stdout=out)
    finally:
        sys.stdin = old
    return out.getvalue()
