"""Background tasks of the cooperation app (django.tasks; run by `palermo db_worker`).

Reminders for overdue requests run once a day. Either let cron run them directly:

    30 6 * * *  palermo cooperation remind

or let cron enqueue them for the worker (`palermo db_worker` running as a service):

    30 6 * * *  palermo cooperation remind --enqueue
"""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from palermo.cooperation import services


@task()
def send_reminders(now: str | None = None) -> int:
    """Remind the other nodes of outgoing requests past their due date; returns how many."""
    return services.reminders_send(now=dt.datetime.fromisoformat(now) if now else None)
