"""What a demo case is made of: its intended final state, and what the first cases must show.

Owns `DCase` and the parts of it (`DPerson`, `DMeasure`, `DReferral`, `DReturn`): the state a
generated case ends in, deterministic for a seed. Other organisations are named (the demo
partners, see `partners`), indicator lists are rows. Both writers (`via_services`, `bulk`) create
this state. Also the code lists demo cases draw from, `COVERAGE`, and small questions about a
drawn case (`person_is_child`, `consent_on`, `open_measures`, `all_dates`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.models import is_child
from palermo.core.choices import OrganisationKind

VULNERABILITIES = (
    h.Vulnerability.POVERTY,
    h.Vulnerability.MIGRATION,
    h.Vulnerability.EDUCATION,
    h.Vulnerability.DISCRIMINATION,
    h.Vulnerability.HOMELESSNESS,
    h.Vulnerability.ABUSE_PHYSICAL,
    h.Vulnerability.MENTAL_HEALTH,
)
SERVICE_PARTNERS: dict[str, str] = {
    c.ServiceType.SHELTER: "Demo safe house",
    c.ServiceType.MEDICAL: "Demo health centre",
    c.ServiceType.PSYCHOLOGICAL: "Demo psychosocial service",
    c.ServiceType.LEGAL_AID: "Demo legal aid clinic",
    c.ServiceType.INTERPRETATION: "Demo interpreters' cooperative",
    c.ServiceType.VOCATIONAL_TRAINING: "Demo training centre",
}
POLICE = "Demo anti-trafficking police unit"
CHILD_PROTECTION = "Demo child protection service"
IMMIGRATION = "Demo immigration office"
AUTHORITIES = {
    POLICE: OrganisationKind.GOVERNMENT,
    CHILD_PROTECTION: OrganisationKind.GOVERNMENT,
    IMMIGRATION: OrganisationKind.GOVERNMENT,
}

# What the first cases of every set are made to show (one case each, in this order).
COVERAGE = (
    "screened_out",
    "screening_only",
    "reflection_this_week",
    "reflection_overdue",
    "permit_overdue",
    "permit_renewed",
    "permit_revoked",
    "child_return_completed",
    "return_cancelled",
    "return_decided",
    "return_planned",
    "retrafficked",
    "referrals_every_status",
    "proceeding_compensation",
    "age_uncertain",
    "witness_protection",
    "consent_withdrawn",
    "closed",
    "closed_referred",
    "follow_up",
    "not_identified",
)

# --- the intended state of a case ------------------------------------------------------------


@dataclass
class DMeasure:
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None
    status: str
    decided_by: str
    linked_to_cooperation: bool = False
    reference: str = ""
    notes: str = ""
    renewal_of: int | None = None  # index in the person's measures


@dataclass
class DReferral:
    service: str
    to: str
    scopes: list[str]
    sent_on: dt.date
    status: str
    responded_on: dt.date | None = None
    delivered_on: dt.date | None = None
    closed_on: dt.date | None = None
    details: str = ""
    response_note: str = ""


@dataclass
class DReturn:
    destination: str
    risk_level: str
    risk_assessment: str
    voluntary_consent: bool
    consent_on: dt.date | None
    status: str
    travel_documents: str = ""
    decided_on: dt.date | None = None
    return_date: dt.date | None = None
    planned_for: dt.date | None = None
    with_bid: bool = False


@dataclass
class DPerson:
    role: str  # as added; screening and identification may change it (see `facts`)
    facts: dict[str, Any]  # the final HTCDS facts, role and trafficking status included
    identity: dict[str, Any] = field(default_factory=dict)
    pseudonym: str = ""
    movements: list[dict[str, Any]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)
    screenings: list[dict[str, Any]] = field(default_factory=list)
    identification: dict[str, Any] | None = None
    measures: list[DMeasure] = field(default_factory=list)
    guardian: dict[str, Any] | None = None
    bid: dict[str, Any] | None = None
    referrals: list[DReferral] = field(default_factory=list)
    returns: list[DReturn] = field(default_factory=list)
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    support_plans: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DCase:
    title: str
    country: str
    opened_on: dt.date
    persons: list[DPerson]
    status: str = h.CaseStatus.ACTIVE
    closed_on: dt.date | None = None
    reason_for_closure: str = ""
    referring: str = ""
    incoming_referral_date: dt.date | None = None
    reason_for_incoming_referral: str = ""
    incoming_referral_details: str = ""
    proceedings: list[dict[str, Any]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    features: set[str] = field(default_factory=set)


def person_is_child(facts: dict[str, Any]) -> bool:
    return is_child(facts.get("role"), facts.get("age_uncertain"), facts.get("age_at_registration"))


def consent_on(person: DPerson, purpose: str, day: dt.date) -> bool:
    return any(
        x["purpose"] == purpose
        and x["given_on"] <= day
        and (x["withdrawn_on"] is None or x["withdrawn_on"] > day)
        for x in person.consents
    )


def open_measures(case: DCase) -> bool:
    return any(m.status == c.MeasureStatus.ACTIVE for p in case.persons for m in p.measures)


def all_dates(case: DCase) -> list[dt.date]:
    """Every past event date of a case (so that a closure comes after them)."""
    out: list[dt.date] = []
    for p in case.persons:
        out += [x["screened_on"] for x in p.screenings]
        out += [x["given_on"] for x in p.consents] + [
            x["withdrawn_on"] for x in p.consents if x["withdrawn_on"]
        ]
        if p.identification:
            out.append(p.identification["decided_on"])
        out += [m.starts_on for m in p.measures]
        out += [
            d
            for r in p.referrals
            for d in (r.sent_on, r.responded_on, r.delivered_on, r.closed_on)
            if d
        ]
        out += [d for r in p.returns for d in (r.consent_on, r.decided_on, r.return_date) if d]
        out += [v["done_on"] for v in p.follow_ups if v["done_on"]]
        if p.guardian:
            out.append(p.guardian["appointed_on"])
        if p.bid:
            out.append(p.bid["decided_on"])
    for proc in case.proceedings:
        out += [d for d in (proc["started_on"], proc.get("verdict_on")) if d]
    return out
