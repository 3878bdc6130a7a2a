"""Progress bars of long CLI work: on a terminal only, counts and rates only."""

from __future__ import annotations

import io

from palermo.core.progress import progress_bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal_counts_up_to_the_total() -> None:
    out = Terminal()
    with progress_bar("Importing cases", "cases", stream=out) as progress:
        progress(500, 1200)
        progress(1000, 1200)
        progress(1200, 1200)
    text = out.getvalue()
    assert "Importing cases" in text
    assert "1200/1200" in text
    assert "100%" in text


def test_no_bar_when_the_output_is_not_a_terminal() -> None:
    out = io.StringIO()  # a log file, a pipe to a script
    with progress_bar("Importing cases", "cases", stream=out) as progress:
        progress(1, 2)
        progress(2, 2)
    assert out.getvalue() == ""


def test_nothing_is_drawn_when_nothing_is_reported() -> None:
    out = Terminal()
    with progress_bar("Importing cases", "cases", stream=out):
        pass
    assert out.getvalue() == ""
