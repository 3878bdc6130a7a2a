"""Progress of long work for the person who started it.

`Progress` is what long services accept: a callable told how much of how much is done. The CLI
turns it into a progress bar on the terminal (`progress_bar`, tqdm), shown only when standard
error is a terminal, so logs and scripts get no bar. The bar shows counts and rates only, never
a record's content.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from tqdm import tqdm

Progress = Callable[[int, int], None]


@contextmanager
def progress_bar(description: str, unit: str, stream: TextIO | None = None) -> Iterator[Progress]:
    """A `Progress` drawing a bar on `stream` (standard error) while the block runs; nothing
    when the stream is not a terminal. The total is learnt from the first report."""
    out = stream if stream is not None else sys.stderr
    bar: tqdm | None = None

    def report(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            enabled = hasattr(out, "isatty") and out.isatty()
            # A terminal that reports no size (some pseudo-terminals say 0 x 0, and tqdm then
            # draws nothing) is taken as 80 x 24.
            size = shutil.get_terminal_size()
            bar = tqdm(
                total=total,
                desc=description,
                unit=unit,
                file=out,
                disable=not enabled,
                ncols=size.columns or 80,
                nrows=size.lines or 24,
            )
        bar.update(done - bar.n)

    try:
        yield report
    finally:
        if bar is not None:
            bar.close()
