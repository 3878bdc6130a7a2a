"""Writing demo cases in bulk, through the one bulk writer of case rows.

Owns `write_bulk`: the drawn cases become `writer.CasePlan`s (partners named in the story become
organisation ids, indicator lists ids, each return's receiving authority the registry's entry
for its country) and `writer.cases_bulk_create` writes them, one transaction and one audit entry
per batch of cases. The values are those the services would have stored (the generator only
draws valid codes and consistent dates; `tests/test_demo.py` compares both writers).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from palermo.cases.demo.partners import Partners, directory_entry
from palermo.cases.demo.story import DCase, DPerson
from palermo.cases.writer import (
    CasePlan,
    MeasurePlan,
    PersonPlan,
    ReferralPlan,
    ReturnPlan,
    cases_bulk_create,
)
from palermo.core.models import Organisation, User


def write_bulk(
    cases: Sequence[DCase],
    *,
    actor: User,
    organisation: Organisation,
    partners: Partners,
    batch_size: int = 1000,
) -> int:
    """Insert the cases' final state in bulk: one audit entry per batch of cases. Returns how
    many cases were written."""
    plans = _Plans(partners)
    report = cases_bulk_create(
        [plans.case(dcase) for dcase in cases],
        actor=actor,
        organisation=organisation,
        label="demo-data",
        reason="synthetic demo data",
        batch_size=batch_size,
    )
    return len(report.case_ids)


class _Plans:
    """Drawn cases as the writer's plans: names of partners become their ids."""

    def __init__(self, partners: Partners) -> None:
        self.org_ids = {name: org.pk for name, org in partners.orgs.items()}
        self.directory: dict[str, int | None] = {}

    def org(self, name: str) -> int:
        return self.org_ids[name]

    def case(self, dcase: DCase) -> CasePlan:
        return CasePlan(
            title=dcase.title,
            country=dcase.country,
            opened_on=dcase.opened_on,
            status=dcase.status,
            closed_on=dcase.closed_on,
            reason_for_closure=dcase.reason_for_closure,
            referring_organisation=self.org(dcase.referring) if dcase.referring else None,
            incoming_referral_date=dcase.incoming_referral_date,
            reason_for_incoming_referral=dcase.reason_for_incoming_referral,
            incoming_referral_details=dcase.incoming_referral_details,
            persons=[self.person(dp) for dp in dcase.persons],
            proceedings=dcase.proceedings,
            comments=dcase.comments,
        )

    def person(self, dp: DPerson) -> PersonPlan:
        return PersonPlan(
            facts={"role": dp.role, **dp.facts},
            pseudonym=dp.pseudonym,
            identity=dp.identity,
            movements=dp.movements,
            consents=dp.consents,
            screenings=[
                {"indicator_list": sc["list"].pk, **_without(sc, "list", "notes")}
                for sc in dp.screenings
            ],
            identification=self.with_org(dp.identification, "authority"),
            measures=[
                MeasurePlan(
                    kind=dm.kind,
                    starts_on=dm.starts_on,
                    ends_on=dm.ends_on,
                    status=dm.status,
                    decided_by=self.org(dm.decided_by),
                    linked_to_cooperation=dm.linked_to_cooperation,
                    reference=dm.reference,
                    notes=dm.notes,
                    renewal_of=dm.renewal_of,
                )
                for dm in dp.measures
            ],
            guardian=self.with_org(dp.guardian, "organisation"),
            bid=self.with_org(dp.bid, "decided_by"),
            referrals=[
                ReferralPlan(
                    to_organisation=self.org(dr.to),
                    service=dr.service,
                    scopes=dr.scopes,
                    sent_on=dr.sent_on,
                    status=dr.status,
                    details=dr.details,
                    responded_on=dr.responded_on,
                    delivered_on=dr.delivered_on,
                    closed_on=dr.closed_on,
                    response_note=dr.response_note,
                )
                for dr in dp.referrals
            ],
            returns=[
                ReturnPlan(
                    destination=rp.destination,
                    status=rp.status,
                    risk_level=rp.risk_level,
                    risk_assessment=rp.risk_assessment,
                    voluntary_consent=rp.voluntary_consent,
                    consent_on=rp.consent_on,
                    travel_documents=rp.travel_documents,
                    decided_on=rp.decided_on,
                    return_date=rp.return_date,
                    planned_for=rp.planned_for,
                    receiving_authority=self.receiving_authority(rp.destination),
                    with_bid=rp.with_bid,
                )
                for rp in dp.returns
            ],
            follow_ups=dp.follow_ups,
            support_plans=dp.support_plans,
        )

    def with_org(self, part: dict[str, Any] | None, key: str) -> dict[str, Any] | None:
        """A part of a person with the partner it names as an organisation id."""
        if part is None:
            return None
        return {**part, key: self.org(part[key])}

    def receiving_authority(self, country: str) -> int | None:
        if country not in self.directory:
            self.directory[country] = directory_entry(country)
        return self.directory[country]


def _without(part: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in part.items() if k not in keys}
