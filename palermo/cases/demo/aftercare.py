"""What follows for a demo victim once presumed or identified: protection, referrals, return.

Owns `aftercare`: the reflection period and residence permits (renewed, revoked, overdue), a
guardian for a child, referrals to the demo service providers in every status, a return home
with its best-interest determination and follow-up visits, and a support plan. Random choices
come from the set's `Draw`, in a fixed order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases.demo.data import Route
from palermo.cases.demo.draw import Draw
from palermo.cases.demo.story import (
    CHILD_PROTECTION,
    IMMIGRATION,
    SERVICE_PARTNERS,
    DCase,
    DMeasure,
    DPerson,
    DReferral,
    DReturn,
    consent_on,
    person_is_child,
)

RETURN_WANTS = {  # the status a return is made to have for a COVERAGE case
    "child_return_completed": c.ReturnStatus.COMPLETED,
    "return_cancelled": c.ReturnStatus.CANCELLED,
    "return_decided": c.ReturnStatus.DECIDED,
    "return_planned": c.ReturnStatus.PLANNED,
    "retrafficked": c.ReturnStatus.COMPLETED,
    "follow_up": c.ReturnStatus.COMPLETED,
}


@dataclass(frozen=True)
class Stage:
    """Where a victim's story stands when aftercare begins."""

    route: Route
    case: DCase
    want: str
    screened: dt.date
    identified: bool
    identified_on: dt.date
    target_end: dt.date | None = None


def aftercare(d: Draw, person: DPerson, st: Stage) -> None:
    """Protection, a guardian for a child, referrals, maybe a return, maybe a support plan."""
    _protection(d, person, st)
    if person_is_child(person.facts):  # a guardian, and a best-interest determination later
        person.guardian = {
            "appointed_on": d.past(st.case.opened_on + d.days(0, 7)),
            "name": d.pick(["Avv. Giulia Rossi", "Sr. Maria Bianchi", ""]),
            "organisation": CHILD_PROTECTION,
        }
    _referrals(d, person, st)
    if st.identified and (st.want in RETURN_WANTS or (not st.want and d.chance(0.25))):
        _return_home(d, person, st)
    if st.identified and d.chance(0.5):
        facts = person.facts
        plan_type = (
            h.SupportPlanType.SEXUAL_EXPLOITATION_REHABILITATION
            if h.TypeOfExploitation.SEXUAL_EXPLOITATION in facts["types_of_exploitation"]
            else h.SupportPlanType.EDUCATION
            if person_is_child(facts)
            else h.SupportPlanType.LABOUR_EXPLOITATION_REHABILITATION
        )
        person.support_plans.append(
            {
                "plan_type": plan_type,
                "objectives": "Recovery, safety and a plan for the future.",
                "action_plan": "Weekly sessions; language course; job placement.",
                "planned_end": st.identified_on + d.days(90, 365),
            }
        )


def _protection(d: Draw, person: DPerson, st: Stage) -> None:
    """A reflection period, then a residence permit for an identified victim."""
    minimum = d.ref.reflection_days(st.case.country)
    start = st.screened + d.days(0, 3)
    length = max(minimum, d.pick([30, 45, 60, 90]))
    if st.target_end is not None:  # made to end this week, or overdue
        start = min(start, st.target_end - dt.timedelta(days=minimum))
        length = (st.target_end - start).days
    reflection_end = start + dt.timedelta(days=length)
    if d.chance(0.85) or st.want:
        status = c.MeasureStatus.ACTIVE
        if reflection_end < d.today - dt.timedelta(days=10) or (
            reflection_end < d.today and st.want != "reflection_overdue" and d.chance(0.6)
        ):
            status = c.MeasureStatus.ENDED
        person.measures.append(
            DMeasure(
                c.MeasureKind.REFLECTION_PERIOD,
                start,
                reflection_end,
                status,
                IMMIGRATION,
                notes="",
            )
        )
    wants_permit = st.want in ("permit_overdue", "permit_renewed", "permit_revoked")
    if st.identified and (wants_permit or d.chance(0.55)):
        p_start = max(reflection_end + dt.timedelta(days=1), st.identified_on)
        if p_start <= d.today:
            _permit(d, person, st.want, p_start, reflection_end, st.identified_on)


def _permit(
    d: Draw,
    person: DPerson,
    want: str,
    p_start: dt.date,
    reflection_end: dt.date,
    identified_on: dt.date,
) -> None:
    """A residence permit from `p_start`; made overdue, revoked or renewed when wanted."""
    months = d.pick([6, 12])
    p_end = p_start + dt.timedelta(days=30 * months)
    linked = d.chance(0.5)
    permit_ref = "PS-{}-{:05d}".format(p_start.year, d.rng.randint(1, 99999))
    mstatus = (
        c.MeasureStatus.ACTIVE
        if p_end >= d.today - dt.timedelta(days=20)
        else c.MeasureStatus.ENDED
    )
    if want == "permit_overdue":
        p_start = d.today - dt.timedelta(days=30 * 6 + d.rng.randint(2, 12))
        p_start = max(p_start, reflection_end + dt.timedelta(days=1), identified_on)
        p_end = min(p_start + dt.timedelta(days=180), d.today - dt.timedelta(days=2))
        p_end = max(p_end, p_start)
        mstatus = c.MeasureStatus.ACTIVE
    if want == "permit_revoked":
        mstatus = c.MeasureStatus.REVOKED
    person.measures.append(
        DMeasure(
            c.MeasureKind.RESIDENCE_PERMIT, p_start, p_end, mstatus, IMMIGRATION, linked, permit_ref
        )
    )
    renew = want == "permit_renewed" or (mstatus == c.MeasureStatus.ENDED and d.chance(0.3))
    if renew and want not in ("permit_overdue", "permit_revoked"):
        person.measures[-1].status = c.MeasureStatus.ENDED
        r_start = p_end + dt.timedelta(days=1)
        r_end = r_start + dt.timedelta(days=365)
        if r_end < d.today:
            r_end = d.today + d.days(30, 300)
        person.measures.append(
            DMeasure(
                c.MeasureKind.RESIDENCE_PERMIT,
                r_start,
                r_end,
                c.MeasureStatus.ACTIVE,
                IMMIGRATION,
                linked,
                permit_ref,
                renewal_of=len(person.measures) - 1,
            )
        )


_EVERY_STATUS = [
    c.ReferralStatus.SENT,
    c.ReferralStatus.ACCEPTED,
    c.ReferralStatus.DECLINED,
    c.ReferralStatus.DELIVERED,
    c.ReferralStatus.CLOSED,
]


def _referrals(d: Draw, person: DPerson, st: Stage) -> None:
    """One to three referrals to the demo service providers (every status once when wanted)."""
    services = list(SERVICE_PARTNERS)
    count = d.rng.randint(1, 3)
    every = st.want == "referrals_every_status"
    statuses = _EVERY_STATUS if every else []
    if every:
        count = len(statuses)
    for n in range(count):
        service = services[n % len(services)] if every else d.pick(services)
        sent = d.past(st.screened + d.days(0, 20))
        if statuses:
            rstatus = statuses[n]
            if rstatus == c.ReferralStatus.SENT:
                sent = d.today - d.days(2, 6)  # waiting: on the receiver's board
        else:
            age_days = (d.today - sent).days
            rstatus = d.pick(
                [c.ReferralStatus.SENT]
                if age_days < 3
                else [
                    c.ReferralStatus.ACCEPTED,
                    c.ReferralStatus.DELIVERED,
                    c.ReferralStatus.CLOSED,
                    c.ReferralStatus.DECLINED,
                    c.ReferralStatus.DELIVERED,
                ]
            )
        person.referrals.append(_referral(d, person, service, sent, rstatus))


def _referral(d: Draw, person: DPerson, service: str, sent: dt.date, rstatus: str) -> DReferral:
    """A referral in `rstatus`, sharing what the service needs (identity and contact only with
    consent to data sharing), with the dates its status implies."""
    scopes = [c.ShareScope.CASE_FACTS]
    if service in (c.ServiceType.LEGAL_AID, c.ServiceType.SHELTER) and d.chance(0.6):
        scopes.append(c.ShareScope.PROTECTION)
    if service in (
        c.ServiceType.MEDICAL,
        c.ServiceType.SHELTER,
        c.ServiceType.LEGAL_AID,
    ) and consent_on(person, c.ConsentPurpose.DATA_SHARING, sent):
        scopes += [c.ShareScope.IDENTITY, c.ShareScope.CONTACT]
    dref = DReferral(
        service,
        SERVICE_PARTNERS[service],
        sorted(scopes),
        sent,
        rstatus,
        details="Needs {}.".format(service.replace("_", " ")),
    )
    if rstatus != c.ReferralStatus.SENT:
        dref.responded_on = d.past(sent + d.days(0, 3))
    if rstatus in (c.ReferralStatus.DELIVERED, c.ReferralStatus.CLOSED) and (
        rstatus == c.ReferralStatus.DELIVERED or d.chance(0.5)
    ):
        dref.delivered_on = d.past(dref.responded_on + d.days(1, 30)) if dref.responded_on else None
    if rstatus == c.ReferralStatus.CLOSED:
        dref.closed_on = d.past((dref.delivered_on or dref.responded_on or sent) + d.days(1, 60))
    if rstatus == c.ReferralStatus.DECLINED:
        dref.response_note = "No place available this month."
    return dref


def _return_home(d: Draw, person: DPerson, st: Stage) -> None:
    """A return to the country of origin; a child's needs a best-interest determination."""
    child = person_is_child(person.facts)
    status = RETURN_WANTS.get(st.want) or d.pick(
        [
            c.ReturnStatus.PLANNED,
            c.ReturnStatus.DECIDED,
            c.ReturnStatus.COMPLETED,
            c.ReturnStatus.COMPLETED,
            c.ReturnStatus.CANCELLED,
        ]
    )
    planned_on = d.past(st.identified_on + d.days(5, 40))
    consent = status != c.ReturnStatus.PLANNED or d.chance(0.5)
    ret = DReturn(
        destination=st.route.legs[0][0],
        risk_level=d.pick([c.RiskLevel.LOW, c.RiskLevel.MEDIUM, c.RiskLevel.HIGH]),
        risk_assessment="Family contacted through IOM; recruiter still active in the home town."
        if d.chance(0.5)
        else "Family supportive; no known threat at home.",
        voluntary_consent=consent,
        consent_on=planned_on if consent else None,
        status=status,
        travel_documents="Emergency travel document requested from the consulate",
        # Planned a month ahead (no draw: the demo's random sequence stays as it was).
        planned_for=planned_on + dt.timedelta(days=30)
        if status != c.ReturnStatus.CANCELLED
        else None,
    )
    if status in (c.ReturnStatus.DECIDED, c.ReturnStatus.COMPLETED):
        decided = d.past(planned_on + d.days(5, 30))
        if child:
            guardian = person.guardian
            if guardian is None:  # every child has one (aftercare appoints it first)
                raise ValueError(person.pseudonym)
            bid_on = max(guardian["appointed_on"], d.past(planned_on + d.days(0, 4)))
            decided = max(decided, bid_on)
            person.bid = {
                "decided_on": bid_on,
                "return_in_best_interest": True,
                "reasoning": "Parents traced and assessed; a school place at home; the child "
                "wishes to go home.",
                "decided_by": CHILD_PROTECTION,
            }
            ret.with_bid = True
        ret.decided_on = decided
        if status == c.ReturnStatus.COMPLETED:
            ret.return_date = d.past(decided + d.days(3, 30))
            _follow_ups(d, person, ret.return_date, retrafficked=st.want == "retrafficked")
    elif child and d.chance(0.5):
        person.bid = {
            "decided_on": d.past(planned_on + d.days(0, 10)),
            "return_in_best_interest": d.chance(0.6),
            "reasoning": "Family assessment pending; interim care in the host country.",
            "decided_by": CHILD_PROTECTION,
        }
    person.returns.append(ret)


def _follow_ups(d: Draw, person: DPerson, returned: dt.date, *, retrafficked: bool) -> None:
    """One to three visits after the return (the last may be ahead); re-trafficking when
    wanted, rarely otherwise."""
    visits = d.rng.randint(1, 3)
    day = returned
    for n in range(visits):
        day = day + d.days(30, 120)
        if day <= d.today and (n < visits - 1 or d.chance(0.7)):
            again = retrafficked and n == visits - 1 or (not retrafficked and d.chance(0.04))
            person.follow_ups.append(
                {
                    "planned_on": day,
                    "done_on": day,
                    "outcome": "Recruited again by the same network."
                    if again
                    else "Back at school or work; family support good.",
                    "retrafficked": again,
                }
            )
        else:
            person.follow_ups.append(
                {"planned_on": day, "done_on": None, "outcome": "", "retrafficked": False}
            )
    if retrafficked and not any(v["retrafficked"] for v in person.follow_ups):
        day = min(returned + d.days(20, 60), d.today)
        person.follow_ups.append(
            {
                "planned_on": day,
                "done_on": day,
                "outcome": "Recruited again by the same network.",
                "retrafficked": True,
            }
        )
