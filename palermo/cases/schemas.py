"""Input and output schemas of the cases API.

Inputs name organisations by id, persons by pseudonym and countries by ISO alpha-3. Outputs list
their fields one by one: no model is exposed whole, and identifying data appears only in
`IdentityOut` (the audited identity endpoint). Codes are checked by the services, which answer
an unknown one with the list of known ones.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import StringConstraints, field_validator

from palermo.cases.documents import documents_list
from palermo.cases.models import (
    BestInterestDetermination,
    Case,
    CaseComment,
    CaseShare,
    FollowUpVisit,
    Guardian,
    Identification,
    Indicator,
    IndicatorList,
    Movement,
    Proceeding,
    ProtectionMeasure,
    Referral,
    Return,
    Screening,
)
from palermo.cases.same_person import COUNTED_UNDER, SamePerson
from palermo.cases.selectors import referral_answer_due
from palermo.cases.services.fields import IDENTITY_MAX
from palermo.core.models import Organisation
from palermo.core.textlimits import Note, Text

# --- shared pieces ---------------------------------------------------------------------------


class OrganisationRef(Schema):
    id: int
    name: str


def _org(org: Organisation | None) -> dict[str, Any] | None:
    return {"id": org.pk, "name": org.name} if org is not None else None


class AccessOut(Schema):
    """What the caller may do with the case."""

    owner: bool
    can_edit: bool
    scopes: list[str]
    persons: list[str] = Field(description="pseudonyms the caller sees; empty = all")


# --- cases -----------------------------------------------------------------------------------


class CaseFilters(Schema):
    q: str = Field(
        "", description="reference, title or exact pseudonym (names: POST /persons/search)"
    )
    status: str = Field("", description="HTCDS cas_Status, e.g. Active")
    exploitation: str = Field("", description="HTCDS vic_TypeOfExploitation, e.g. ForcedLabour")
    role: str = Field("", description="role of a person in the case, e.g. victim")
    country: str = Field("", description="ISO alpha-3")
    opened_from: dt.date | None = None
    opened_to: dt.date | None = None
    child: bool | None = Field(None, description="has (true) or has no (false) child person")


class CaseIn(Schema):
    opened_on: dt.date | None = None
    title: str = Field("", description="a working title: never a name")
    country: str | None = Field(None, description="ISO alpha-3; default: your organisation's")
    referring_organisation_id: int | None = None
    incoming_referral_date: dt.date | None = None
    reason_for_incoming_referral: str = ""
    incoming_referral_details: Text = ""


class CasePatch(Schema):
    title: str | None = None
    incoming_referral_date: dt.date | None = None
    reason_for_incoming_referral: str | None = None
    incoming_referral_details: Text | None = None


class CaseCloseIn(Schema):
    reason: Note
    closed_on: dt.date | None = None
    referred: bool = Field(False, description="closed because referred elsewhere")


class CaseBase(Schema):
    id: uuid.UUID
    reference: str
    title: str
    status: str
    country: str
    organisation: OrganisationRef
    opened_on: dt.date
    closed_on: dt.date | None
    anonymised: bool


class CaseOut(CaseBase):
    @staticmethod
    def resolve_country(obj: Case) -> str:
        return obj.country_id

    @staticmethod
    def resolve_organisation(obj: Case) -> dict[str, Any] | None:
        return _org(obj.organisation)

    @staticmethod
    def resolve_anonymised(obj: Case) -> bool:
        return obj.anonymised_at is not None


class CaseCommentIn(Schema):
    text: Note


class CommentOut(Schema):
    id: int
    text: str
    author: str
    created_at: dt.datetime

    @staticmethod
    def resolve_author(obj: CaseComment) -> str:
        return obj.author.username


class CaseShareIn(Schema):
    organisation_id: int
    scopes: list[str] = Field(description="case_facts, identity, contact, protection")
    reason: str = Field(max_length=300, description="the reason or legal basis")
    persons: list[str] = Field(default_factory=list, description="pseudonyms; empty = all")


class ShareOut(Schema):
    id: int
    organisation: OrganisationRef
    scopes: list[str]
    persons: list[str]
    reason: str
    granted_at: dt.datetime
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_organisation(obj: CaseShare) -> dict[str, Any] | None:
        return _org(obj.organisation)


class ProceedingIn(Schema):
    stage: str
    started_on: dt.date
    suspect: str | None = Field(None, description="the suspect's pseudonym")
    charges: Text = ""
    verdict: str = ""
    verdict_on: dt.date | None = None
    sentence_months: int | None = Field(None, ge=0)
    confiscated_amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    compensation_ordered: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    compensation_paid: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str = Field("", max_length=3)


class ProceedingOut(Schema):
    id: int
    suspect: str | None
    stage: str
    started_on: dt.date
    charges: str
    verdict: str
    verdict_on: dt.date | None
    sentence_months: int | None
    confiscated_amount: Decimal | None
    compensation_ordered: Decimal | None
    compensation_paid: Decimal | None
    currency: str

    @staticmethod
    def resolve_suspect(obj: Proceeding) -> str | None:
        return obj.suspect.pseudonym if obj.suspect else None


class TimelineOut(Schema):
    day: dt.date
    kind: str
    text: str
    person: str


# --- persons ---------------------------------------------------------------------------------


# One alias of a person, as long as the web form and an import take it.
Alias = Annotated[str, StringConstraints(max_length=IDENTITY_MAX["aliases"])]


class IdentityIn(Schema):
    """Identifying data; encrypted at rest, read only through the audited identity endpoint.

    On PUT, the fields given replace the stored ones; a field given as null or "" is removed."""

    salutation: str | None = Field(None, max_length=IDENTITY_MAX["salutation"])
    first_name: str | None = Field(None, max_length=IDENTITY_MAX["first_name"])
    middle_name: str | None = Field(None, max_length=IDENTITY_MAX["middle_name"])
    second_name: str | None = Field(None, max_length=IDENTITY_MAX["second_name"])
    aliases: list[Alias] | None = None
    birthdate: dt.date | None = None
    identity_number: str | None = Field(None, max_length=IDENTITY_MAX["identity_number"])
    documents: list[dict[str, str]] | None = Field(
        None, description='e.g. [{"type": "passport", "number": "...", "country": "ZWE"}]'
    )
    title: str | None = Field(None, max_length=IDENTITY_MAX["title"])
    email: str | None = Field(None, max_length=IDENTITY_MAX["email"])
    home_phone: str | None = Field(None, max_length=IDENTITY_MAX["home_phone"])
    mobile_phone: str | None = Field(None, max_length=IDENTITY_MAX["mobile_phone"])
    mailing_street: str | None = Field(None, max_length=IDENTITY_MAX["mailing_street"])
    mailing_city: str | None = Field(None, max_length=IDENTITY_MAX["mailing_city"])
    mailing_state: str | None = Field(None, max_length=IDENTITY_MAX["mailing_state"])
    mailing_postal_code: str | None = Field(None, max_length=IDENTITY_MAX["mailing_postal_code"])
    mailing_country: str | None = None
    mailing_latitude: float | None = None
    mailing_longitude: float | None = None


class IdentityOut(Schema):
    """What the caller's share reveals of a person's identity (fields not shared are null)."""

    pseudonym: str
    salutation: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    second_name: str | None = None
    aliases: list[str] | None = None
    birthdate: dt.date | None = None
    identity_number: str | None = None
    documents: list[dict[str, str]] | None = Field(
        None, description='e.g. [{"type": "passport", "number": "...", "country": "ZWE"}]'
    )
    title: str | None = None
    email: str | None = None
    home_phone: str | None = None
    mobile_phone: str | None = None
    mailing_street: str | None = None
    mailing_city: str | None = None
    mailing_state: str | None = None
    mailing_postal_code: str | None = None
    mailing_country: str | None = None
    mailing_latitude: float | None = None
    mailing_longitude: float | None = None

    @field_validator("documents", mode="before")
    @classmethod
    def _documents(cls, value: object) -> list[dict[str, str]] | None:
        """Documents stored as text (before they were always a list) are answered as a list."""
        try:
            return documents_list(value) or None
        except ValueError:
            return None


class IdentityWriteOut(Schema):
    pseudonym: str
    fields: list[str] = Field(description="the identity fields written (values are not echoed)")


class NameSearchIn(Schema):
    """A name to find (in the body: a name never goes into a URL)."""

    name: str = Field(min_length=1, max_length=100, description="one or more names, any script")


class NameHitOut(Schema):
    """A person whose names match: `exact` when every word matched exactly (after folding and
    transliteration), else some only by sound. Names are not echoed: read the identity
    (`GET /persons/{pseudonym}/identity`, audited) to see them."""

    pseudonym: str
    role: str
    case_id: uuid.UUID
    case_reference: str
    exact: bool


class PersonFacts(Schema):
    """A person's non-identifying facts (HTCDS `prs_`, `vic_`, `per_` codes)."""

    gender: str | None = None
    age_at_registration: int | None = Field(None, ge=0, le=120)
    age_uncertain: bool | None = None
    deceased: bool | None = None
    marital_status: str | None = None
    number_of_children: int | None = Field(None, ge=0)
    primary_language: str | None = None
    secondary_language: str | None = None
    education: str | None = None
    citizenship: list[str] | None = None
    agreement_to_manage_personal_data: bool | None = None
    trafficking_status: str | None = None
    status_decision_org: str | None = None
    relationship_to_trafficker: str | None = None
    age_when_trafficked: int | None = Field(None, ge=0, le=120)
    recruitment_websites_and_apps: list[str] | None = None
    methods_of_recruitment: list[str] | None = None
    location_of_recruitment: str | None = None
    methods_of_control: list[str] | None = None
    types_of_exploitation: list[str] | None = None
    forced_labour_industry: str | None = None
    types_of_sex_exploitation: list[str] | None = None
    location_of_exploitation: str | None = None
    exploitation_websites_and_apps: list[str] | None = None
    vulnerabilities: list[str] | None = None
    details_of_vulnerabilities: Text | None = None
    perpetrator_roles: list[str] | None = None
    perpetrator_role_details: Text | None = None


class PersonIn(PersonFacts):
    role: str = Field(description="victim, presumed_victim, suspect or witness")
    pseudonym: str | None = Field(None, description="default: a new random pseudonym")
    identity: IdentityIn | None = None


class PersonPatch(PersonFacts):
    role: str | None = None


class PersonOut(PersonFacts):
    """Facts are null where the caller's share does not include the case facts."""

    pseudonym: str
    role: str
    is_child: bool = Field(
        description="a child or presumed a child: the safeguards for children apply"
    )
    presumed_child: bool = Field(
        False,
        description="presumed a child because the age is unknown (a victim) or uncertain",
    )
    facts_shared: bool


class ScreeningIn(Schema):
    indicator_list: str = Field(description="the list's key, e.g. ilo-ec-2009-adult-labour")
    version: str
    indicators: list[str] = Field(description="codes of the indicators observed")
    screened_on: dt.date | None = None
    notes: Note = ""


class ScreeningOut(Schema):
    id: int
    indicator_list: str
    version: str
    indicators: list[str]
    dimensions_met: list[str]
    outcome: str
    reasoning: str
    screened_on: dt.date

    @staticmethod
    def resolve_indicator_list(obj: Screening) -> str:
        return obj.indicator_list.key

    @staticmethod
    def resolve_version(obj: Screening) -> str:
        return obj.indicator_list.version


class IdentificationIn(Schema):
    authority_id: int
    decision: str = Field(description="identified or not_identified")
    decision_org_type: str = Field(description="HTCDS vic_StatusDecisionOrg, e.g. Police")
    reasoning: Text
    decided_on: dt.date | None = None


class IdentificationOut(Schema):
    id: int
    authority: OrganisationRef
    decision: str
    decision_org_type: str
    decided_on: dt.date
    reasoning: str

    @staticmethod
    def resolve_authority(obj: Identification) -> dict[str, Any] | None:
        return _org(obj.authority)


class MovementIn(Schema):
    event_type: str = Field(description="HTCDS hte_Type: Recruitment, Transit, Exploitation")
    country: str = Field(description="ISO alpha-3")
    date: dt.date | None = None
    end_date: dt.date | None = None
    city: str = ""
    state: str = ""
    description: Text = ""


class MovementOut(Schema):
    id: int
    event_type: str
    country: str
    state: str
    city: str
    date: dt.date | None
    end_date: dt.date | None
    description: str

    @staticmethod
    def resolve_country(obj: Movement) -> str:
        return obj.country_id


class ConsentIn(Schema):
    purpose: str = Field(description="assistance, data_sharing or research")
    given_on: dt.date | None = None
    notes: Note = ""


class ConsentWithdrawIn(Schema):
    withdrawn_on: dt.date | None = None


class PersonConsentOut(Schema):
    id: int
    purpose: str
    given_on: dt.date
    withdrawn_on: dt.date | None
    notes: str


class ReferralIn(Schema):
    to_organisation_id: int
    service: str
    scopes: list[str] = Field(description="what the receiver sees: case_facts, identity, ...")
    details: Text = ""
    reason: str = "AdditionalServicesRequired"
    sent_on: dt.date | None = None


class ReferralActionIn(Schema):
    note: Note = ""
    on: dt.date | None = None


def _stub(obj: Referral) -> bool:
    """Whether the caller sees only a stub of the referral (`stub`, set by the selector)."""
    return bool(getattr(obj, "stub", False))


class ReferralOut(Schema):
    """A referral. Once declined or closed, the receiving organisation sees only a stub: its
    status, dates and organisations (person, case, service, reason, details, scopes and note
    null or empty): its share has been revoked."""

    id: int
    person: str | None
    case_id: uuid.UUID | None
    case_reference: str | None
    from_organisation: OrganisationRef
    to_organisation: OrganisationRef
    service: str | None
    reason: str | None
    details: str
    scopes: list[str]
    status: str
    sent_on: dt.date
    responded_on: dt.date | None
    delivered_on: dt.date | None
    closed_on: dt.date | None
    response_note: str
    answer_due: dt.date | None = Field(
        None, description="while the referral waits for an answer: the day it is due by"
    )

    @staticmethod
    def resolve_answer_due(obj: Referral) -> dt.date | None:
        return referral_answer_due(obj)

    @staticmethod
    def resolve_person(obj: Referral) -> str | None:
        return None if _stub(obj) else obj.person.pseudonym

    @staticmethod
    def resolve_case_id(obj: Referral) -> uuid.UUID | None:
        return None if _stub(obj) else obj.person.case_id

    @staticmethod
    def resolve_case_reference(obj: Referral) -> str | None:
        return None if _stub(obj) else obj.person.case.reference

    @staticmethod
    def resolve_service(obj: Referral) -> str | None:
        return None if _stub(obj) else obj.service

    @staticmethod
    def resolve_reason(obj: Referral) -> str | None:
        return None if _stub(obj) else obj.reason

    @staticmethod
    def resolve_details(obj: Referral) -> str:
        return "" if _stub(obj) else obj.details

    @staticmethod
    def resolve_scopes(obj: Referral) -> list[str]:
        return [] if _stub(obj) else list(obj.scopes)

    @staticmethod
    def resolve_response_note(obj: Referral) -> str:
        return "" if _stub(obj) else obj.response_note

    @staticmethod
    def resolve_from_organisation(obj: Referral) -> dict[str, Any] | None:
        return _org(obj.from_organisation)

    @staticmethod
    def resolve_to_organisation(obj: Referral) -> dict[str, Any] | None:
        return _org(obj.to_organisation)


class MeasureIn(Schema):
    kind: str = Field(description="reflection_period, residence_permit or witness_protection")
    starts_on: dt.date
    ends_on: dt.date | None = None
    linked_to_cooperation: bool = False
    decided_by_id: int | None = None
    reference: str = ""
    notes: Note = ""


class MeasureRenewIn(Schema):
    ends_on: dt.date
    reference: str = ""


class MeasureEndIn(Schema):
    revoke: bool = False
    notes: Note = ""


class MeasureOut(Schema):
    id: int
    person: str
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None
    status: str
    linked_to_cooperation: bool
    renewal_of: int | None
    decided_by: OrganisationRef | None
    reference: str
    notes: str
    organisation: OrganisationRef

    @staticmethod
    def resolve_person(obj: ProtectionMeasure) -> str:
        return obj.person.pseudonym

    @staticmethod
    def resolve_renewal_of(obj: ProtectionMeasure) -> int | None:
        return obj.renewal_of_id

    @staticmethod
    def resolve_decided_by(obj: ProtectionMeasure) -> dict[str, Any] | None:
        return _org(obj.decided_by)

    @staticmethod
    def resolve_organisation(obj: ProtectionMeasure) -> dict[str, Any] | None:
        return _org(obj.organisation)


class CaseDeadlineOut(Schema):
    day: dt.date
    kind: str
    what: str
    case_id: str
    case_reference: str
    person: str
    overdue: bool


class GuardianIn(Schema):
    appointed_on: dt.date
    name: str = Field("", max_length=200, description="stored encrypted; never returned")
    organisation_id: int | None = None


class GuardianOut(Schema):
    id: int
    organisation: OrganisationRef | None
    named: bool = Field(description="a name is recorded (it is not returned)")
    appointed_on: dt.date
    ended_on: dt.date | None

    @staticmethod
    def resolve_organisation(obj: Guardian) -> dict[str, Any] | None:
        return _org(obj.organisation)

    @staticmethod
    def resolve_named(obj: Guardian) -> bool:
        return bool(obj.name_ciphertext)


class BestInterestIn(Schema):
    decided_on: dt.date
    return_in_best_interest: bool
    reasoning: Text
    decided_by_id: int


class BestInterestOut(Schema):
    id: int
    decided_on: dt.date
    return_in_best_interest: bool
    reasoning: str
    decided_by: OrganisationRef

    @staticmethod
    def resolve_decided_by(obj: BestInterestDetermination) -> dict[str, Any] | None:
        return _org(obj.decided_by)


class ReturnIn(Schema):
    destination: str = Field(description="ISO alpha-3")
    risk_level: str = Field(description="low, medium or high")
    risk_assessment: Text
    voluntary_consent: bool = False
    consent_on: dt.date | None = None
    travel_documents: str = ""
    receiving_authority_id: int | None = Field(None, description="a registry directory entry")
    planned_for: dt.date | None = Field(None, description="the day the return is planned for")


class ReturnDecideIn(Schema):
    decided_on: dt.date | None = None


class ReturnCompleteIn(Schema):
    return_date: dt.date


class ReturnOut(Schema):
    id: int
    person: str
    destination: str
    receiving_authority_id: int | None
    risk_level: str
    risk_assessment: str
    voluntary_consent: bool
    consent_on: dt.date | None
    travel_documents: str
    status: str
    decided_on: dt.date | None
    planned_for: dt.date | None
    return_date: dt.date | None
    best_interest_determination_id: int | None

    @staticmethod
    def resolve_person(obj: Return) -> str:
        return obj.person.pseudonym

    @staticmethod
    def resolve_destination(obj: Return) -> str:
        return obj.destination_id


class FollowUpIn(Schema):
    planned_on: dt.date


class FollowUpRecordIn(Schema):
    done_on: dt.date
    outcome: Text
    retrafficked: bool = False


class FollowUpOut(Schema):
    id: int
    person: str
    planned_on: dt.date
    done_on: dt.date | None
    outcome: str
    retrafficked: bool
    organisation: OrganisationRef

    @staticmethod
    def resolve_person(obj: FollowUpVisit) -> str:
        return obj.person.pseudonym

    @staticmethod
    def resolve_organisation(obj: FollowUpVisit) -> dict[str, Any] | None:
        return _org(obj.organisation)


class SupportPlanIn(Schema):
    plan_type: str = Field(description="HTCDS spl_Type, e.g. Health")
    objectives: Text = ""
    action_plan: Text = ""
    planned_end: dt.date | None = None


class SupportPlanOut(Schema):
    id: int
    plan_type: str
    objectives: str
    action_plan: str
    planned_end: dt.date | None
    actual_end: dt.date | None


class PhotoOut(Schema):
    id: int
    content_type: str
    created_at: dt.datetime


class PersonDetailOut(PersonOut):
    """A person with the records the caller's share covers (identity excepted)."""

    same_person_as: list[SamePerson] = Field(
        description="Other records confirmed to be the same person, those the caller may see"
    )
    counted_under: str | None = Field(description=COUNTED_UNDER)

    case_id: uuid.UUID
    case_reference: str
    screenings: list[ScreeningOut]
    identifications: list[IdentificationOut]
    movements: list[MovementOut]
    consents: list[PersonConsentOut]
    referrals: list[ReferralOut]
    measures: list[MeasureOut]
    guardians: list[GuardianOut]
    best_interest_determinations: list[BestInterestOut]
    returns: list[ReturnOut]
    follow_ups: list[FollowUpOut]
    support_plans: list[SupportPlanOut]
    photos: list[PhotoOut]


class CaseDetailOut(CaseBase):
    """A case with what the caller's access covers: persons' facts, measures, timeline."""

    access: AccessOut
    referring_organisation: OrganisationRef | None
    incoming_referral_date: dt.date | None
    reason_for_incoming_referral: str
    incoming_referral_details: str
    reason_for_closure: str
    persons: list[PersonOut]
    measures: list[MeasureOut]
    proceedings: list[ProceedingOut]
    comments: list[CommentOut]
    shares: list[ShareOut]
    timeline: list[TimelineOut]


# --- indicator lists -------------------------------------------------------------------------


class ScreeningIndicatorOut(Schema):
    code: str
    dimension: str
    strength: str
    text: str


class IndicatorListOut(Schema):
    key: str
    version: str
    title: str
    target: str
    source: str
    indicators: list[ScreeningIndicatorOut]

    @staticmethod
    def resolve_indicators(obj: IndicatorList) -> list[Indicator]:
        return list(obj.indicators.all())
