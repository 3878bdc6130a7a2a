"""The case law out as the documented JSON (issue 17): what `palermo caselaw export` and
`GET /api/v1/caselaw/export` write, and `palermo caselaw import` reads back (`schemas`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from palermo.caselaw.models import Decision
from palermo.caselaw.schemas import FORMAT


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


def decision_json(d: Decision) -> dict[str, Any]:
    """One decision as the file holds it (the input of `schemas.CourtDecisionIn`)."""
    court = d.court
    return {
        "key": d.key,
        "title": d.title,
        "court": {
            "name": court.name,
            "country": court.country_id,
            "mechanism": court.mechanism.acronym if court.mechanism else None,
            "level": court.level,
        },
        "decided_on": d.decided_on.isoformat(),
        "case_number": d.case_number,
        "neutral_citation": d.neutral_citation,
        "instance": d.instance,
        "appeal_of": d.appeal_of.key if d.appeal_of else None,
        "language": d.language,
        "status": d.status,
        "forms": list(d.forms),
        "elements": {"acts": list(d.acts), "means": list(d.means), "purposes": list(d.purposes)},
        "keywords": sorted(k.code for k in d.keywords.all()),
        "countries": [{"country": r.country_id, "role": r.role} for r in d.countries.all()],
        "parties": [{"label": p.label, "role": p.role} for p in d.parties.all()],
        "findings": [
            {
                "party": f.party.label,
                "provision": f.provision,
                "legislation": f.legislation_id,
                "outcome": f.outcome,
                "custody_months": f.custody_months,
                "suspended_months": f.suspended_months,
                "fine": _money(f.fine),
                "confiscation": _money(f.confiscation),
                "compensation_ordered": _money(f.compensation_ordered),
                "compensation_paid": _money(f.compensation_paid),
                "currency": f.currency,
                "notes": f.notes,
            }
            for f in d.findings.all()
        ],
        "summaries": [
            {"language": s.language, "title": s.title, "facts": s.facts, "reasoning": s.reasoning}
            for s in d.summaries.all()
        ],
        "sources": [
            {
                "document": s.document.key,
                "locator": s.locator,
                "title": s.document.title,
                "url": s.url or s.document.url,
                "publisher": s.document.publisher,
                "date": s.document.date.isoformat() if s.document.date else None,
            }
            for s in d.sources.all()
        ],
    }


def export_file(decisions: QuerySet[Decision]) -> dict[str, Any]:
    rows = decisions.select_related("court__mechanism", "appeal_of").prefetch_related(
        "keywords", "countries", "parties", "findings__party", "summaries", "sources__document"
    )
    return {"format": FORMAT, "decisions": [decision_json(d) for d in rows.order_by("key")]}
