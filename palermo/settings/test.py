"""Test settings: fast hashing, everything else as in production."""

import datetime as dt

from palermo.settings.base import *  # noqa: F403
from palermo.settings.env import env_bool, env_str

# PALERMO_TEST_SHIFT_DAYS=N runs the tests (and the second nodes they start, which get the same
# variable) with the clock N days from the real one, ticking: `make test` runs the SQLite suite a
# year ahead, so a test that depends on today's date without pinning its clock fails there.
if _shift := env_str("PALERMO_TEST_SHIFT_DAYS", ""):
    import time_machine

    time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=int(_shift)), tick=True).start()
    # time-machine's clock starts ticking at its first read: read it now, so that a process
    # (a second node) is not behind the others by the time it took to start.
    dt.datetime.now(dt.UTC)

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",  # speed only; production uses Argon2
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files straight from the apps' folders (the tests run no collectstatic).
WHITENOISE_USE_FINDERS = True
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
# The test runner empties tables between tests; the guard's own test installs it itself.
PALERMO_AUDIT_DB_GUARD = False
# Signed audit checkpoints of a test run never land in (or are read from) the data directory.
if not env_str("PALERMO_CHECKPOINT_DIR"):
    import atexit
    import shutil
    import tempfile
    from pathlib import Path

    PALERMO_CHECKPOINT_DIR = Path(tempfile.mkdtemp(prefix="palermo-test-checkpoints-"))
    atexit.register(shutil.rmtree, PALERMO_CHECKPOINT_DIR, ignore_errors=True)
# Nor the progress of a test's jobs (the tests empty that cache).
if not env_str("PALERMO_PROGRESS_DIR"):
    import atexit
    import shutil
    import tempfile

    _progress = tempfile.mkdtemp(prefix="palermo-test-progress-")
    CACHES["progress"]["LOCATION"] = _progress  # noqa: F405
    atexit.register(shutil.rmtree, _progress, ignore_errors=True)
# bench/bench_cooperation.py only: lets two nodes exchange unsigned messages for comparison.
# Never set in production (a system check fails any other settings module that sets it).
PALERMO_NODE_UNSIGNED_BENCH = env_bool("PALERMO_NODE_UNSIGNED_BENCH", False)
