"""The linkage app's long work, started from its pages and run by the task worker
(palermo.core.jobs): the search for duplicates among the persons a node holds."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.core.jobs import JobKind, Outcome, job_kind
from palermo.core.models import User
from palermo.core.progress import Progress

DUPLICATES = "linkage.duplicates"


def duplicates_run(actor: User, _parameters: dict[str, Any], progress: Progress) -> Outcome:
    """`duplicates.duplicates_find` (no parameters: every person the node holds)."""
    from palermo.linkage import duplicates  # noqa: PLC0415 - the model (Splink) when run

    exercise = duplicates.duplicates_find(actor=actor, progress=progress)
    return Outcome(
        _("{} persons compared, {} pairs to review.").format(
            exercise.persons, exercise.matches.count()
        ),
        reverse("linkage:detail", args=[exercise.pk]),
    )


def register() -> None:
    """Register the kinds of work (the app's `ready`)."""
    job_kind(
        JobKind(
            DUPLICATES,
            gettext_lazy("Searching for duplicates"),
            gettext_lazy("steps"),
            duplicates_run,
        )
    )
