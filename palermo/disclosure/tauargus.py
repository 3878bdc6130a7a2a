"""Tau-Argus (``pytauargus``) behind :func:`~palermo.disclosure.suppress`.

Tau-Argus is the reference tool of statistics offices for cell suppression. Since version
0.6.0 the PyPI wheels of ``pytauargus`` (EUPL-1.2) bundle the native Tau-Argus engine and the
HiGHS solver for Linux x86_64/aarch64 (glibc 2.28+), macOS arm64 and Windows, so no
Windows-only ``TauArgus.exe`` or licensed solver is needed: it runs on this platform once
installed. It is a dependency of Palermo (pyproject.toml); being young, it stays behind our
interface: this adapter imports it lazily and raises :class:`TauArgusUnavailableError` when it
is missing or fails, and ``suppress`` falls back to its own methods. The engine runs in a child
process (same interpreter) inside a temporary directory, because it writes log files into its
working directory and concurrent engine calls within one process are not supported by
pytauargus.

The table goes to Tau-Argus as tabular input (``<OPENTABLEDATA>``) with every published cell,
our own primary cells as status ``U`` (empty safety rule: "use the given status"), our
protection levels (``<LOWERPL>``/``<UPPERPL>``) and our cost (count + 1), so OPT solves the
same problem as :func:`suppress`'s MILP. Codes are replaced by neutral ones (``k0``, ``k1``,
...) in the files, which live in a temporary directory removed afterwards.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .tables import Layout

BoolArray = npt.NDArray[np.bool_]


MAX_MINUTES = 10
"""Time Tau-Argus's OPT may take (its own limit, in whole minutes)."""


class TauArgusUnavailableError(Exception):
    """pytauargus is not installed or its engine failed."""


def available() -> bool:
    """Whether pytauargus can be imported by this Python."""
    return importlib.util.find_spec("pytauargus") is not None


def _run_batch(work: Path, timeout: float) -> None:
    """Run the batch in a child process in ``work``: the engine writes its log files into the
    current directory and is not meant for concurrent calls within one process."""
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
            [sys.executable, "-c", _SCRIPT, str(work / "batch.arb")],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise TauArgusUnavailableError("Tau-Argus took more than {:.0f} s".format(timeout)) from exc
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise TauArgusUnavailableError(
            "Tau-Argus failed: {}".format(lines[-1] if lines else done.returncode)
        )


_SCRIPT = "import sys\nfrom pytauargus.engine import run_batch\nrun_batch(sys.argv[1])\n"


def opt_suppress(
    layout: Layout, primary: BoolArray, threshold: int, *, max_minutes: int | None = None
) -> BoolArray:
    """Tau-Argus OPT's suppression pattern (primary and secondary cells) as a mask."""
    if not available():
        raise TauArgusUnavailableError("pytauargus is not installed (pip install pytauargus)")
    if max_minutes is None:
        max_minutes = MAX_MINUTES
    values = layout.values
    lower = np.where(primary, values, 0)
    upper = np.where(primary, np.maximum(threshold - values, 0), 0)
    names = ["d{}".format(i) for i in range(layout.ndim)]
    with tempfile.TemporaryDirectory(prefix="palermo-tauargus-") as tmp:
        work = Path(tmp)
        lines = []
        for cell in range(layout.size):
            position = np.unravel_index(cell, layout.shape)
            codes = [
                "_T" if int(i) == n - 1 else "k{}".format(int(i))
                for i, n in zip(position, layout.shape, strict=True)
            ]
            lines.append(
                ";".join(
                    [
                        *codes,
                        str(int(values[cell])),
                        str(int(values[cell]) + 1),
                        "U" if primary[cell] else "S",
                        str(int(lower[cell])),
                        str(int(upper[cell])),
                    ]
                )
            )
        (work / "table.tab").write_text("\n".join(lines) + "\n", encoding="utf-8")
        meta = ['<SEPARATOR> ";"', '<SAFE> "S"', '<UNSAFE> "U"', '<PROTECT> "P"']
        for name in names:
            meta += ['{} "" ""'.format(name), "<RECODEABLE>", '<TOTCODE> "_T"']
        meta += [
            'n "" ""',
            "<NUMERIC>",
            'cost "" ""',
            "<NUMERIC> <COSTVAR>",
            'status "" ""',
            "<STATUS>",
            'lpl "" ""',
            "<NUMERIC> <LOWERPL>",
            'upl "" ""',
            "<NUMERIC> <UPPERPL>",
        ]
        (work / "table.rda").write_text("\n".join(meta) + "\n", encoding="utf-8")
        out = work / "out.tab"
        batch = [
            '<OPENTABLEDATA> "{}"'.format(work / "table.tab"),
            '<OPENMETADATA> "{}"'.format(work / "table.rda"),
            '<SPECIFYTABLE> {}|"n"||"cost"'.format("".join('"{}"'.format(n) for n in names)),
            "<SAFETYRULE>",
            "<READTABLE> 0",
            "<SUPPRESS> OPT(1,{})".format(int(max_minutes)),
            '<WRITETABLE> (1,5,"SO+","{}")'.format(out),
        ]
        (work / "batch.arb").write_text("\n".join(batch) + "\n", encoding="utf-8")
        _run_batch(work, timeout=max_minutes * 60 + 60)
        try:
            text = out.read_text(encoding="utf-8")
        except OSError as exc:
            raise TauArgusUnavailableError("Tau-Argus wrote no table") from exc
    mask = np.zeros(layout.size, dtype=bool)
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = [f.strip().strip('"').strip() for f in line.split(";")]
        where: list[int] = [
            n - 1 if code == "_T" else int(code[1:])
            for code, n in zip(fields[: layout.ndim], layout.shape, strict=True)
        ]
        if fields[-3] in {"U", "M"}:
            mask[int(np.ravel_multi_index(tuple(where), layout.shape))] = True
    if not (mask | ~primary).all():
        raise TauArgusUnavailableError("Tau-Argus left a primary cell unsuppressed")
    return mask
