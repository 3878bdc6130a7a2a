"""The HTCDS record layout: the fields of a record, their kinds and groups, and CSV cells.

Owns what a record of an HTCDS file is made of (see the package docstring): `Column` (one field,
its HTCDS or `plm_` name, kind and home attribute), `Group` (a repeated part of a record), the
columns of the case, the person, the identity and the person's facts, the groups, the CSV header
and how several values share one CSV cell (`join_values`, `split_values`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.core.textlimits import NOTE_MAX, TEXT_MAX

HTCDS_VERSION = "2.0"
FORMATS = ("htcds-json", "csv", "ctdc")
BATCH = 1000  # cases per bulk insert and per audit entry; cases per export chunk

# Value kinds of a field.
TEXT = "text"
CODE = "code"
CODES = "codes"
COUNTRY = "country"
COUNTRIES = "countries"
DATE = "date"
INT = "int"
BOOL = "bool"
ORG = "organisation"
STRINGS = "strings"
NUMBER = "number"
LANGUAGE = "language"


@dataclass(frozen=True)
class Column:
    """One field of a record: its HTCDS (or `plm_`) name, kind and home attribute."""

    name: str
    kind: str
    attr: str
    choices: type[models.TextChoices] | None = None
    identifying: bool = False
    max_length: int = 0
    maximum: int = 0


@dataclass(frozen=True)
class Group:
    """A repeated part of a record (movements, support plans, consents ...)."""

    key: str
    columns: tuple[Column, ...]
    export_only: bool = False
    case_level: bool = False


CASE_COLUMNS: tuple[Column, ...] = (
    Column("plm_CaseReference", TEXT, "reference", max_length=40),
    Column("plm_CaseCountry", COUNTRY, "country"),
    Column("plm_CaseOpenedOn", DATE, "opened_on"),
    Column("plm_CaseClosedOn", DATE, "closed_on"),
    Column("plm_CaseTitle", TEXT, "title", identifying=True, max_length=200),
    Column("cas_Status", CODE, "status", h.CaseStatus),
    Column(
        "cas_ReasonForCaseClosure",
        TEXT,
        "reason_for_closure",
        identifying=True,
        max_length=NOTE_MAX,
    ),
    Column("cas_CaseOwner", TEXT, "owner", identifying=True, max_length=150),
    Column("cas_ReferringOrganisation", ORG, "referring_organisation"),
    Column("cas_IncomingReferralDate", DATE, "incoming_referral_date"),
    Column("cas_ReasonForIncomingReferral", CODE, "reason_for_incoming_referral", h.ReferralReason),
    Column(
        "cas_IncomingReferralDetails",
        TEXT,
        "incoming_referral_details",
        identifying=True,
        max_length=TEXT_MAX,
    ),
)
PERSON_COLUMNS: tuple[Column, ...] = (
    Column("plm_Pseudonym", TEXT, "pseudonym", max_length=20),
    Column("plm_Role", CODE, "role", c.PersonRole),
    Column("plm_AgeAtRegistration", INT, "age_at_registration", maximum=120),
    Column("plm_AgeUncertain", BOOL, "age_uncertain"),
)
# Keys of the encrypted identity (services.IDENTITY_FIELDS and CONTACT_FIELDS).
IDENTITY_COLUMNS: tuple[Column, ...] = (
    Column("prs_Salutation", TEXT, "salutation", identifying=True, max_length=50),
    Column("prs_FirstName", TEXT, "first_name", identifying=True, max_length=100),
    Column("prs_MiddleName", TEXT, "middle_name", identifying=True, max_length=100),
    Column("prs_SecondName", TEXT, "second_name", identifying=True, max_length=100),
    Column("plm_Aliases", STRINGS, "aliases", identifying=True),
    Column("prs_Birthdate", DATE, "birthdate", identifying=True),
    Column("prs_IdentityNumber", TEXT, "identity_number", identifying=True, max_length=100),
    Column("plm_Documents", TEXT, "documents", identifying=True, max_length=300),
    Column("prs_Title", TEXT, "title", identifying=True, max_length=100),
    Column("prs_Email", TEXT, "email", identifying=True, max_length=254),
    Column("prs_HomePhone", TEXT, "home_phone", identifying=True, max_length=50),
    Column("prs_MobilePhone", TEXT, "mobile_phone", identifying=True, max_length=50),
    Column("prs_MailingStreet", TEXT, "mailing_street", identifying=True, max_length=200),
    Column("prs_MailingCity", TEXT, "mailing_city", identifying=True, max_length=100),
    Column("prs_MailingState", TEXT, "mailing_state", identifying=True, max_length=100),
    Column("prs_MailingPostalCode", TEXT, "mailing_postal_code", identifying=True, max_length=20),
    Column("prs_MailingCountry", COUNTRY, "mailing_country", identifying=True),
    Column("prs_MailingLatitude", NUMBER, "mailing_latitude", identifying=True),
    Column("prs_MailingLongitude", NUMBER, "mailing_longitude", identifying=True),
)
FACT_COLUMNS: tuple[Column, ...] = (
    Column("prs_Gender", CODE, "gender", h.Gender),
    Column("prs_Deceased", BOOL, "deceased"),
    Column("prs_MaritalStatus", CODE, "marital_status", h.MaritalStatus),
    Column("prs_NumberOfChildren", INT, "number_of_children", maximum=50),
    Column("prs_PrimaryLanguage", LANGUAGE, "primary_language"),
    Column("prs_SecondaryLanguage", LANGUAGE, "secondary_language"),
    Column("prs_HighestLevelOfEducation", CODE, "education", h.EducationLevel),
    Column("prs_Citizenship", COUNTRIES, "citizenship"),
    Column("vic_AgreementToManagePersonalData", BOOL, "agreement_to_manage_personal_data"),
    Column("vic_TraffickingStatus", CODE, "trafficking_status", h.TraffickingStatus),
    Column(
        "vic_TraffickingStatusDecisionMakingOrg", CODE, "status_decision_org", h.StatusDecisionOrg
    ),
    Column(
        "vic_RelationshipToTrafficker",
        CODE,
        "relationship_to_trafficker",
        h.RelationshipToTrafficker,
    ),
    Column("vic_AgeWhenTrafficked", INT, "age_when_trafficked", maximum=120),
    Column(
        "vic_RecruitmentWebsitesAndApps", CODES, "recruitment_websites_and_apps", h.WebsiteOrApp
    ),
    Column("vic_MethodOfRecruitment", CODES, "methods_of_recruitment", h.MethodOfRecruitment),
    Column(
        "vic_LocationOfRecruitment",
        TEXT,
        "location_of_recruitment",
        identifying=True,
        max_length=200,
    ),
    Column("vic_MethodsOfControl", CODES, "methods_of_control", h.MethodOfControl),
    Column("vic_TypeOfExploitation", CODES, "types_of_exploitation", h.TypeOfExploitation),
    Column("vic_ForcedLabourIndustry", CODE, "forced_labour_industry", h.ForcedLabourIndustry),
    Column(
        "vic_TypeOfSexExploitation", CODES, "types_of_sex_exploitation", h.TypeOfSexExploitation
    ),
    Column(
        "vic_LocationOfExploitation",
        TEXT,
        "location_of_exploitation",
        identifying=True,
        max_length=200,
    ),
    Column(
        "vic_ExploitationWebsitesAndApps", CODES, "exploitation_websites_and_apps", h.WebsiteOrApp
    ),
    Column("vic_Vulnerabilities", CODES, "vulnerabilities", h.Vulnerability),
    Column(
        "vic_DetailsOfVulnerabilities",
        TEXT,
        "details_of_vulnerabilities",
        identifying=True,
        max_length=TEXT_MAX,
    ),
    Column("per_RoleInProcess", CODES, "perpetrator_roles", h.PerpetratorRole),
    Column(
        "per_RoleDetails",
        TEXT,
        "perpetrator_role_details",
        identifying=True,
        max_length=TEXT_MAX,
    ),
)
MOVEMENTS = Group(
    "HistoricTraffickingEvents",
    (
        Column("hte_Type", CODE, "event_type", h.EventType),
        Column("hte_Country", COUNTRY, "country"),
        Column("hte_State", TEXT, "state", identifying=True, max_length=100),
        Column("hte_City", TEXT, "city", identifying=True, max_length=100),
        Column("hte_Date", DATE, "date"),
        Column("plm_EventEndDate", DATE, "end_date"),
        Column("hte_Description", TEXT, "description", identifying=True, max_length=TEXT_MAX),
    ),
)
SUPPORT_PLANS = Group(
    "SupportPlans",
    (
        Column("spl_Type", CODE, "plan_type", h.SupportPlanType),
        Column("spl_Objectives", TEXT, "objectives", identifying=True, max_length=TEXT_MAX),
        Column("spl_ActionPlan", TEXT, "action_plan", identifying=True, max_length=TEXT_MAX),
        Column("spl_PlannedEndDate", DATE, "planned_end"),
        Column("spl_ActualEndDate", DATE, "actual_end"),
    ),
)
CONSENTS = Group(
    "Consents",
    (
        Column("con_Consent", BOOL, "given"),
        Column("plm_ConsentPurpose", CODE, "purpose", c.ConsentPurpose),
        Column("plm_ConsentGivenOn", DATE, "given_on"),
        Column("plm_ConsentWithdrawnOn", DATE, "withdrawn_on"),
        Column("plm_ConsentNotes", TEXT, "notes", identifying=True, max_length=NOTE_MAX),
    ),
)
REFERRALS = Group(
    "OutgoingReferrals",
    (
        Column("cas_ReferredOrganisation", ORG, "to_organisation"),
        Column("cas_ReasonForOutgoingReferral", CODE, "reason", h.ReferralReason),
        Column("cas_OutgoingReferralDate", DATE, "sent_on"),
        Column(
            "cas_OutgoingReferralDetails",
            TEXT,
            "details",
            identifying=True,
            max_length=TEXT_MAX,
        ),
        Column("plm_ReferralService", CODE, "service", c.ServiceType),
        Column("plm_ReferralStatus", CODE, "status", c.ReferralStatus),
    ),
    export_only=True,
)
COMMENTS = Group(
    "CaseComments",
    (Column("cco_CaseComment", TEXT, "text", identifying=True, max_length=NOTE_MAX),),
    case_level=True,
)
GROUPS: tuple[Group, ...] = (MOVEMENTS, SUPPORT_PLANS, CONSENTS, REFERRALS, COMMENTS)
SCALAR_COLUMNS: tuple[Column, ...] = (
    *CASE_COLUMNS,
    *PERSON_COLUMNS,
    *IDENTITY_COLUMNS,
    *FACT_COLUMNS,
)
ALL_COLUMNS: tuple[Column, ...] = (
    *SCALAR_COLUMNS,
    *(col for g in GROUPS for col in g.columns),
)
COLUMN_BY_NAME = {col.name: col for col in ALL_COLUMNS}
GROUP_OF = {col.name: g for g in GROUPS for col in g.columns}


def csv_columns(*, identifying: bool) -> list[str]:
    """The CSV header: every field, without the identifying ones unless asked for."""
    return [col.name for col in ALL_COLUMNS if identifying or not col.identifying]


def join_values(values: Iterable[str]) -> str:
    """`;`-join for a CSV cell, escaping `\\` and `;` inside values."""
    return ";".join(v.replace("\\", "\\\\").replace(";", "\\;") for v in values)


def split_values(cell: str) -> list[str]:
    """The inverse of `join_values`."""
    if "\\" not in cell:
        return cell.split(";")
    parts: list[str] = []
    current: list[str] = []
    chars = iter(cell)
    for ch in chars:
        if ch == "\\":
            current.append(next(chars, "\\"))
        elif ch == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts
