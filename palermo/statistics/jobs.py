"""The statistics app's long work, started from its pages and run by the task worker
(palermo.core.jobs): deriving a country's figures from its case records, and publishing a table
with secondary suppression. Each runner calls the same service as the CLI and the API, with a
progress the job's page shows.

The services are imported when a job runs, not when the app is ready: publishing brings the
solvers (SciPy, HiGHS), about 100 MB that no web server process and no command without
suppression should carry."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.core.errors import ApplicationError
from palermo.core.jobs import JobKind, Outcome, job_kind
from palermo.core.models import User
from palermo.core.progress import Progress

DERIVE = "statistics.derive"
PUBLISH = "statistics.publish"


def derive(actor: User, p: dict[str, Any], progress: Progress) -> Outcome:
    """`derivation.derivation_run` for the coordinator's country: {dataset, country, period}."""
    from palermo.statistics import derivation  # noqa: PLC0415 - when run (module docstring)

    try:
        d = derivation.derivation_run(
            actor=actor,
            dataset=str(p["dataset"]),
            country=str(p["country"]),
            period=str(p["period"]),
            progress=progress,
        )
    except ApplicationError as exc:
        raise ApplicationError(_("Nothing was derived: {}").format(exc.detail), exc.code) from exc
    return Outcome(
        _(
            "Derived {figures} draft figures from {persons} person records and the "
            "cooperation requests of {country}, {period}. Check them, then submit."
        ).format(figures=d.values, persons=d.persons, country=d.country_id, period=d.period),
        reverse("statistics:entry_grid", args=[p["dataset"], p["country"], p["period"]]),
    )


def publish(actor: User, p: dict[str, Any], progress: Progress) -> Outcome:
    """`publishing.publication_create`: {dataset, indicator, period, dimensions, countries,
    threshold}."""
    from palermo.statistics import publishing  # noqa: PLC0415 - when run (module docstring)

    try:
        publication = publishing.publication_create(
            actor=actor,
            dataset=str(p["dataset"]),
            indicator=str(p["indicator"]),
            period=str(p["period"]),
            dimensions=[str(d) for d in p["dimensions"]],
            countries=[str(c) for c in p["countries"]],
            threshold=int(p["threshold"]) if p.get("threshold") is not None else None,
            progress=progress,
        )
    except ApplicationError as exc:
        raise ApplicationError(_("Nothing was published: {}").format(exc.detail), exc.code) from exc
    return Outcome(
        _("Published: {}.").format(publication.title),
        reverse("statistics:publication_version", args=[publication.key, publication.version]),
    )


def register() -> None:
    """Register the kinds of work (the app's `ready`)."""
    job_kind(
        JobKind(
            DERIVE,
            gettext_lazy("Deriving figures from case records"),
            gettext_lazy("indicators"),
            derive,
        )
    )
    job_kind(JobKind(PUBLISH, gettext_lazy("Publishing a table"), gettext_lazy("cells"), publish))
