"""Reads of the clearing house (issue 17): activities with their parts, for lists, the API and
the IATI export."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from palermo.activities.models import Activity
from palermo.core.errors import NotFoundError


def activities(*, country: str = "", kind: str = "", year: int | None = None) -> QuerySet[Activity]:
    """Every activity (IATI data is public), with its parts, filtered."""
    rows = Activity.objects.prefetch_related("orgs", "countries", "transactions", "budgets")
    if country:
        rows = rows.filter(countries__country_id=country)
    if kind:
        rows = rows.filter(kind=kind)
    if year is not None:
        rows = rows.filter(start_planned__year__lte=year).exclude(end_planned__year__lt=year)
    return rows.distinct()


def activity_get(identifier: str) -> Activity:
    found = activities().filter(iati_identifier=identifier).first()
    if found is None:
        raise NotFoundError(_("No such activity."), code="not_found")
    return found


def row(a: Activity) -> dict[str, Any]:
    language = get_language() or "en"
    return {
        "iati_identifier": a.iati_identifier,
        "title": a.title_in(language),
        "reporting_org": a.reporting_org_name or a.reporting_org_ref,
        "kind": a.kind,
        "status": a.status,
        "start": a.start,
        "end": a.end,
        "countries": sorted(c.country_id for c in a.countries.all()),
        "organisations": [{"role": o.role, "ref": o.ref, "name": o.name} for o in a.orgs.all()],
        "themes": list(a.themes),
    }


def grouped(rows: QuerySet[Activity]) -> list[list[Activity]]:
    """The activities as one list per activity (its reports, the reporting organisation's own
    first when the implementer reports it, then by identifier): what is counted once."""
    found: dict[Any, list[Activity]] = {}
    for a in rows.order_by("iati_identifier"):
        found.setdefault(a.group or a.pk, []).append(a)
    return list(found.values())


def group_row(reports: list[Activity]) -> dict[str, Any]:
    """One activity from its reports: the first report's facts, every report's identifier and
    reporting organisation, the countries and organisations of all of them."""
    first = row(reports[0])
    countries = sorted({c.country_id for a in reports for c in a.countries.all()})
    orgs = {(o.role, o.ref, o.name) for a in reports for o in a.orgs.all()}
    themes = sorted({t for a in reports for t in a.themes})
    return first | {
        # What one report leaves out another may say (the donor's kind, a host's themes).
        "kind": next((a.kind for a in reports if a.kind), ""),
        "themes": themes,
        "countries": countries,
        "organisations": [
            {"role": role, "ref": ref, "name": name} for role, ref, name in sorted(orgs)
        ],
        "reports": [
            {"iati_identifier": a.iati_identifier, "reporting_org": a.reporting_org_name}
            for a in reports
        ],
    }


def exported(*, country: str = "", kind: str = "", year: int | None = None) -> QuerySet[Activity]:
    """The activities an IATI file is made of (NotFoundError when none: an IATI file holds one
    activity at least)."""
    rows = activities(country=country, kind=kind, year=year)
    if not rows.exists():
        raise NotFoundError(_("No activity matches."), code="not_found")
    return rows
