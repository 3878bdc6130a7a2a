"""Background tasks of case management (django.tasks; run by `palermo db_worker`).

Retention runs once a day. Either let cron run it directly:

    15 3 * * *  palermo cases anonymise

or let cron enqueue it for the worker (`palermo db_worker` running as a service):

    15 3 * * *  palermo cases anonymise --enqueue
"""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from palermo.cases import services


@task()
def anonymise_closed_cases(today: str | None = None) -> int:
    """Anonymise the closed cases whose retention period has passed; returns how many."""
    return services.cases_anonymise_due(today=dt.date.fromisoformat(today) if today else None)
