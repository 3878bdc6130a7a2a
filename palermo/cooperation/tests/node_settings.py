"""Settings of a second node that a cooperation test runs (tests/nodes.py): the test settings,
on the test process's clock, with cookies that a browser's real clock never finds expired.

PALERMO_TEST_CLOCK_OFFSET (seconds) moves this node's clock by exactly as much as the test
process's clock is moved (by the `clock` fixture or PALERMO_TEST_SHIFT_DAYS), so the two nodes'
signed messages are never stale for each other (transport.MAX_CLOCK_SKEW), on any calendar day.
"""

import datetime as dt
import os
import time

import time_machine

from palermo.settings.test import *  # noqa: F403

if _offset := os.environ.get("PALERMO_TEST_CLOCK_OFFSET", ""):
    _hatch = time_machine.escape_hatch
    _real = _hatch.time.time() if _hatch.is_travelling() else time.time()
    _now = dt.datetime.fromtimestamp(_real + float(_offset), dt.UTC)
    time_machine.travel(_now, tick=True).start()
    time.time()  # a moved clock ticks from its first reading: start it now, not at a request

# The session and CSRF cookies last as long as the browser, not until a date on this clock.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_AGE = None
