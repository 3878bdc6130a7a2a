"""The task worker in a test: `palermo db_worker --batch` (run every queued task, then return).

The worker closes "old" database connections between tasks, and inside a test's transaction
every connection looks old (it is not in autocommit), so a test's connection would be closed
under it on PostgreSQL. Django's test client leaves connections open between requests for the
same reason; the worker is told to do the same here. Everything else is the real worker.
"""

from __future__ import annotations

from unittest import mock

from django.core.management import call_command
from django_tasks_db.management.commands import db_worker


def worker_run() -> None:
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
