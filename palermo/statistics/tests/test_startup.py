"""A process that starts Palermo (a web server's worker, any command) does not load the
statistical solvers: the statistics app's long work imports them when it runs, not when the app
is ready (about 100 MB in each process otherwise)."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import django, sys
django.setup()
heavy = sorted(m for m in ("scipy", "highspy", "numpy", "palermo.statistics.publishing")
               if m in sys.modules)
print(",".join(heavy))
"""


def test_starting_palermo_loads_no_solver() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "palermo.settings.test"}
    out = subprocess.run(  # noqa: S603 - this Python, our own probe
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
