"""Writing demo cases through the services, one step at a time, as a case worker would.

Owns `write_with_services`: every step of a drawn case (opening, persons, movements, consents,
screening, identification, protection, guardian, best interest, referrals answered by the
partners' case workers, returns, follow-up visits, support plans, proceedings, comments,
closure) is a service call, so every rule is checked and every step audited. Used for small sets
(`make run` loads 40 cases); `bulk` writes the same final state in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases import services as s
from palermo.cases.demo.partners import Partners, directory_entry
from palermo.cases.demo.story import DCase, DMeasure, DPerson, DReferral, all_dates
from palermo.cases.models import Case, Consent, Person, ProtectionMeasure
from palermo.core.models import User

# Facts that screening and identification set; a person is added without them.
_LATER_FACTS = frozenset(
    {"role", "trafficking_status", "status_decision_org", "agreement_to_manage_personal_data"}
)


@transaction.atomic
def write_with_services(cases: Sequence[DCase], *, actor: User, partners: Partners) -> list[Case]:
    """Create the cases step by step through the services (each step validated and audited)."""
    writer = _ServiceWriter(actor=actor, partners=partners)
    return [writer.case(dcase) for dcase in cases]


class _ServiceWriter:
    """Writes drawn cases through the services as `actor`; partners answer referrals."""

    def __init__(self, *, actor: User, partners: Partners) -> None:
        self.actor = actor
        self.partners = partners
        self.orgs = partners.orgs

    def case(self, dcase: DCase) -> Case:
        actor = self.actor
        case = s.case_open(
            actor=actor,
            opened_on=dcase.opened_on,
            title=dcase.title,
            country=dcase.country,
            referring_organisation=self.orgs[dcase.referring] if dcase.referring else None,
            incoming_referral_date=dcase.incoming_referral_date,
            reason_for_incoming_referral=dcase.reason_for_incoming_referral,
            incoming_referral_details=dcase.incoming_referral_details,
        )
        persons = [self.person(case, dp) for dp in dcase.persons]
        for proc in dcase.proceedings:
            fields = {k: v for k, v in proc.items() if k not in ("suspect", "stage", "started_on")}
            s.proceeding_record(
                actor=actor,
                case=case,
                stage=proc["stage"],
                started_on=proc["started_on"],
                suspect=persons[proc["suspect"]],
                **fields,
            )
        for text in dcase.comments:
            s.comment_add(actor=actor, case=case, text=text)
        if dcase.status != h.CaseStatus.ACTIVE:
            last_day = max([dcase.opened_on, *all_dates(dcase)])
            case = s.case_close(
                actor=actor,
                case=case,
                reason=dcase.reason_for_closure,
                closed_on=dcase.closed_on or min(last_day, timezone.localdate()),
                referred=dcase.status == h.CaseStatus.CLOSED_REFERRED,
            )
            if dcase.status == h.CaseStatus.FOLLOW_UP:
                case = s.case_reopen(actor=actor, case=case)
        return case

    def person(self, case: Case, dp: DPerson) -> Person:
        """A person and everything about them, in the order a case worker records it; consents
        are withdrawn last (referrals before needed them)."""
        actor = self.actor
        initial = {k: v for k, v in dp.facts.items() if k not in _LATER_FACTS}
        person = s.person_add(
            actor=actor,
            case=case,
            role=dp.role,
            identity=dp.identity,
            pseudonym=dp.pseudonym,
            **initial,
        )
        for m in dp.movements:
            s.movement_add(actor=actor, person=person, **m)
        consents = [
            (
                s.consent_record(
                    actor=actor,
                    person=person,
                    purpose=x["purpose"],
                    given_on=x["given_on"],
                    notes=x["notes"],
                ),
                x,
            )
            for x in dp.consents
        ]
        for sc in dp.screenings:
            s.screening_record(
                actor=actor,
                person=person,
                indicator_list=sc["list"],
                indicators=sc["indicators"],
                screened_on=sc["screened_on"],
                notes=sc["notes"],
            )
        if dp.identification:
            ident = dict(dp.identification)
            s.identification_record(
                actor=actor, person=person, authority=self.orgs[ident.pop("authority")], **ident
            )
        self.measures(person, dp.measures)
        self.child_care(person, dp)
        for dr in dp.referrals:
            self.referral(person, dr)
        self.returns(person, dp)
        for sp in dp.support_plans:
            s.support_plan_add(actor=actor, person=person, **sp)
        for consent, x in consents:
            if x["withdrawn_on"]:
                self.withdraw(consent, x["withdrawn_on"])
        return person

    def withdraw(self, consent: Consent, day: dt.date) -> None:
        s.consent_withdraw(actor=self.actor, consent=consent, withdrawn_on=day)

    def measures(self, person: Person, planned: Sequence[DMeasure]) -> None:
        """Grant (or renew) each measure, then end or revoke those that are no longer active."""
        granted: list[ProtectionMeasure] = []
        for dm in planned:
            if dm.renewal_of is not None:
                measure = s.measure_renew(
                    actor=self.actor,
                    measure=granted[dm.renewal_of],
                    ends_on=dm.ends_on or dm.starts_on,
                    reference=dm.reference,
                )
                granted[dm.renewal_of].refresh_from_db()
            else:
                measure = s.measure_grant(
                    actor=self.actor,
                    person=person,
                    kind=dm.kind,
                    starts_on=dm.starts_on,
                    ends_on=dm.ends_on,
                    linked_to_cooperation=dm.linked_to_cooperation,
                    decided_by=self.orgs[dm.decided_by],
                    reference=dm.reference,
                    notes=dm.notes,
                )
            granted.append(measure)
        for dm, measure in zip(planned, granted, strict=True):
            measure.refresh_from_db()
            if dm.status != measure.status:
                s.measure_end(
                    actor=self.actor,
                    measure=measure,
                    revoke=dm.status == c.MeasureStatus.REVOKED,
                )

    def child_care(self, person: Person, dp: DPerson) -> None:
        """A child's guardian and best-interest determination."""
        if dp.guardian:
            g = dp.guardian
            s.guardian_appoint(
                actor=self.actor,
                person=person,
                appointed_on=g["appointed_on"],
                name=g["name"],
                organisation=self.orgs[g["organisation"]],
            )
        if dp.bid:
            b: dict[str, Any] = dict(dp.bid)
            s.best_interest_record(
                actor=self.actor, person=person, decided_by=self.orgs[b.pop("decided_by")], **b
            )

    def referral(self, person: Person, dr: DReferral) -> None:
        """Send a referral; the receiver's case worker answers and delivers, the sender closes."""
        referral = s.referral_send(
            actor=self.actor,
            person=person,
            to_organisation=self.orgs[dr.to],
            service=dr.service,
            scopes=dr.scopes,
            details=dr.details,
            sent_on=dr.sent_on,
        )
        if dr.status == c.ReferralStatus.SENT:
            return
        receiver = self.partners.workers[dr.to]
        first = "decline" if dr.status == c.ReferralStatus.DECLINED else "accept"
        referral = s.referral_transition(
            actor=receiver,
            referral=referral,
            action=first,
            note=dr.response_note,
            on=dr.responded_on,
        )
        if dr.delivered_on:
            referral = s.referral_transition(
                actor=receiver, referral=referral, action="deliver", on=dr.delivered_on
            )
        if dr.status == c.ReferralStatus.CLOSED:
            s.referral_transition(
                actor=self.actor, referral=referral, action="close", on=dr.closed_on
            )

    def returns(self, person: Person, dp: DPerson) -> None:
        """Plan, decide, complete or cancel each return; then the follow-up visits."""
        actor = self.actor
        for plan in dp.returns:
            ret = s.return_plan(
                actor=actor,
                person=person,
                destination=plan.destination,
                risk_level=plan.risk_level,
                risk_assessment=plan.risk_assessment,
                voluntary_consent=plan.voluntary_consent,
                consent_on=plan.consent_on,
                travel_documents=plan.travel_documents,
                receiving_authority_id=directory_entry(plan.destination),
                planned_for=plan.planned_for,
            )
            if plan.decided_on:
                ret = s.return_decide(actor=actor, ret=ret, decided_on=plan.decided_on)
            if plan.return_date:
                s.return_complete(actor=actor, ret=ret, return_date=plan.return_date)
            if plan.status == c.ReturnStatus.CANCELLED:
                s.return_cancel(actor=actor, ret=ret, reason="The person chose to stay.")
        for v in dp.follow_ups:
            visit = s.follow_up_plan(actor=actor, person=person, planned_on=v["planned_on"])
            if v["done_on"]:
                s.follow_up_record(
                    actor=actor,
                    visit=visit,
                    done_on=v["done_on"],
                    outcome=v["outcome"],
                    retrafficked=v["retrafficked"],
                )
