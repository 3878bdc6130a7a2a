"""Import and export of cases in the Human Trafficking Case Data Standard (HTCDS v2.0).

Files
-----
- HTCDS JSON: ``{"htcds_version": "2.0", "generator": ..., "org_Name": ..., "identifying": ...,
  "records": [...]}`` (a bare list of records is accepted on import).
- HTCDS CSV: one header row of field names, then one row per record.
- CTDC: the Counter Trafficking Data Collaborative's global synthetic dataset layout (27
  columns), imported as de-identified cases (see `ctdc_plans`).

Records
-------
One record per person in a case, carrying the case's fields as well. Field names are HTCDS
names (``prs_``, ``vic_``, ``per_``, ``cas_``, ``cco_``, ``hte_``, ``spl_``, ``con_``); what
HTCDS does not define but a case needs to be restored is a Palermo extension with the
``plm_`` prefix (case reference, country and dates, the person's pseudonym, role and age,
consent purposes). Picklist values are HTCDS value names, countries ISO 3166-1 alpha-3, dates
``YYYY-MM-DD``. Multi-select fields are JSON lists, ``;``-joined in CSV (a ``;`` or ``\\`` inside a
value is escaped with ``\\``). The repeated parts of a record are lists of objects in JSON under
`Group.key` (``HistoricTraffickingEvents`` with ``hte_`` fields, ``SupportPlans``, ``Consents``,
``OutgoingReferrals``, ``CaseComments``); in CSV each of their fields is one column holding the
items' values in order, ``;``-joined.

De-identified by default
------------------------
An export leaves out every identifying field (names, birthdate, identity number, documents,
e-mail, phones, mailing address, aliases), the free-text fields that case anonymisation removes
too (titles, details, descriptions, places, comments) and the case owner's username. The
birthdate is reduced to the age at registration (``plm_AgeAtRegistration``).
``identifying=True`` is for case workers and investigators of the organisation only, and every
person's identity included is an audited read (`services.person_identity_read`, with the
reason given).

Import
------
Every record is parsed and checked first (unknown fields and codes, impossible dates,
duplicate pseudonyms, case fields that disagree between the records of one case); any error
refuses the whole file with file, record number and reason, and nothing is written. A valid
file is then written in one transaction (COPY into the tables on PostgreSQL, one executemany
INSERT per table elsewhere; constraints and foreign keys still apply), and one audit entry per
batch of 1,000 cases names the cases created. The importing user owns the new cases;
`cas_CaseOwner` and the outgoing referrals (`OutgoingReferrals`) are exported for information
but not imported: a referral is an act of the sending organisation that shares the case with
the receiver, so the importing organisation makes its own. A case without persons has no
record, so it is not exported.

`HTCDS_HOMES` maps every field of the standard to its home in the models (or says why it is not
stored); `palermo/cases/tests/test_interchange.py` checks it against the standard's CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import secrets
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from palermo.cases import choices as c
from palermo.cases import htcds as h
from palermo.cases import services
from palermo.cases.access import CASE_ROLES
from palermo.cases.audit_kinds import CASE
from palermo.cases.facets import case_facets
from palermo.cases.models import (
    Case,
    CaseComment,
    Consent,
    Movement,
    Person,
    PersonIdentity,
    Referral,
    SupportPlan,
)
from palermo.core.audit import audit_record
from palermo.core.bulk import rows_insert
from palermo.core.choices import AuditAction, Role
from palermo.core.crypto import decrypt_json, encrypt_json
from palermo.core.errors import ApplicationError, ForbiddenError
from palermo.core.models import Country, Organisation, User

HTCDS_VERSION = "2.0"
ID_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # as in models.new_pseudonym
FORMATS = ("htcds-json", "csv", "ctdc")
BATCH = 1000  # cases per bulk insert and per audit entry
MAX_ERRORS = 25

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
    Column("cas_ReasonForCaseClosure", TEXT, "reason_for_closure", identifying=True),
    Column("cas_CaseOwner", TEXT, "owner", identifying=True, max_length=150),
    Column("cas_ReferringOrganisation", ORG, "referring_organisation"),
    Column("cas_IncomingReferralDate", DATE, "incoming_referral_date"),
    Column("cas_ReasonForIncomingReferral", CODE, "reason_for_incoming_referral", h.ReferralReason),
    Column("cas_IncomingReferralDetails", TEXT, "incoming_referral_details", identifying=True),
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
    Column("vic_DetailsOfVulnerabilities", TEXT, "details_of_vulnerabilities", identifying=True),
    Column("per_RoleInProcess", CODES, "perpetrator_roles", h.PerpetratorRole),
    Column("per_RoleDetails", TEXT, "perpetrator_role_details", identifying=True),
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
        Column("hte_Description", TEXT, "description", identifying=True),
    ),
)
SUPPORT_PLANS = Group(
    "SupportPlans",
    (
        Column("spl_Type", CODE, "plan_type", h.SupportPlanType),
        Column("spl_Objectives", TEXT, "objectives", identifying=True),
        Column("spl_ActionPlan", TEXT, "action_plan", identifying=True),
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
        Column("plm_ConsentNotes", TEXT, "notes", identifying=True),
    ),
)
REFERRALS = Group(
    "OutgoingReferrals",
    (
        Column("cas_ReferredOrganisation", ORG, "to_organisation"),
        Column("cas_ReasonForOutgoingReferral", CODE, "reason", h.ReferralReason),
        Column("cas_OutgoingReferralDate", DATE, "sent_on"),
        Column("cas_OutgoingReferralDetails", TEXT, "details", identifying=True),
        Column("plm_ReferralService", CODE, "service", c.ServiceType),
        Column("plm_ReferralStatus", CODE, "status", c.ReferralStatus),
    ),
    export_only=True,
)
COMMENTS = Group(
    "CaseComments",
    (Column("cco_CaseComment", TEXT, "text", identifying=True),),
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


# --- where each HTCDS field lives -----------------------------------------------------------


@dataclass(frozen=True)
class Home:
    """Where an HTCDS field is kept: `model` ("app.Model") and `field`, or why it is not."""

    model: str = ""
    field: str = ""
    note: str = ""

    @property
    def stored(self) -> bool:
        return bool(self.model)


_ID = "cases.PersonIdentity"
_NO_STAFF = (
    "not stored: Palermo records the other organisation, not its staff; its contact points are "
    "in the registry directory (registry.DirectoryEntry)"
)
_NO_COORDS = (
    "not stored: exact addresses and coordinates of recruitment and exploitation sites can "
    "identify a victim; Palermo keeps country, state and place (hte_State, hte_City)"
)
_DIRECTORY_ADDRESS = (
    "an organisation's address is public directory data, one text field for the whole address"
)
HTCDS_HOMES: dict[str, Home] = {
    # Organisation: the organisations of the node (core) and their public directory entries.
    "org_Name": Home("core.Organisation", "name"),
    "org_ShippingCity": Home("registry.DirectoryEntry", "address", _DIRECTORY_ADDRESS),
    "org_ShippingCountry": Home("core.Organisation", "country", "ISO 3166-1 alpha-3"),
    "org_ShippingState": Home("registry.DirectoryEntry", "address", _DIRECTORY_ADDRESS),
    "org_ShippingStreet": Home("registry.DirectoryEntry", "address", _DIRECTORY_ADDRESS),
    "org_ShippingPostalCode": Home("registry.DirectoryEntry", "address", _DIRECTORY_ADDRESS),
    "org_ShippingLongitude": Home(
        note="not stored: shelters' locations are kept confidential; the directory has an address"
    ),
    "org_ShippingLatitude": Home(
        note="not stored: shelters' locations are kept confidential; the directory has an address"
    ),
    "org_Phone": Home("registry.DirectoryEntry", "phone"),
    "org_Type": Home(
        "core.Organisation",
        "kind",
        "Palermo's coarser kinds: NGO -> ngo; LawEnforcement, ImmigrationService, Central- and "
        "LocalGovernmentOrganisation -> government; HealthServiceOrganisation, LegalService, "
        "SchoolOrCollege, CorporateBusiness -> service_provider",
    ),
    # Person: identifying data in one encrypted token per person (PersonIdentity).
    "prs_Salutation": Home(_ID, "ciphertext", "encrypted, key 'salutation'"),
    "prs_FirstName": Home(_ID, "ciphertext", "encrypted, key 'first_name'"),
    "prs_MiddleName": Home(_ID, "ciphertext", "encrypted, key 'middle_name'"),
    "prs_SecondName": Home(_ID, "ciphertext", "encrypted, key 'second_name'"),
    "prs_Birthdate": Home(
        _ID,
        "ciphertext",
        "encrypted, key 'birthdate'; the age when registered is kept in "
        "Person.age_at_registration (plm_AgeAtRegistration)",
    ),
    "prs_Gender": Home("cases.Person", "gender"),
    "prs_Deceased": Home("cases.Person", "deceased"),
    "prs_MaritalStatus": Home("cases.Person", "marital_status"),
    "prs_NumberOfChildren": Home("cases.Person", "number_of_children"),
    "prs_PrimaryLanguage": Home("cases.Person", "primary_language", "ISO 639 code"),
    "prs_SecondaryLanguage": Home("cases.Person", "secondary_language", "ISO 639 code"),
    "prs_HighestLevelOfEducation": Home("cases.Person", "education"),
    "prs_Citizenship": Home("cases.Person", "citizenship", "list of ISO 3166-1 alpha-3"),
    "prs_IdentityNumber": Home(_ID, "ciphertext", "encrypted, key 'identity_number'"),
    "prs_Title": Home(_ID, "ciphertext", "encrypted, key 'title'"),
    "prs_Email": Home(_ID, "ciphertext", "encrypted, key 'email'"),
    "prs_HomePhone": Home(_ID, "ciphertext", "encrypted, key 'home_phone'"),
    "prs_MobilePhone": Home(_ID, "ciphertext", "encrypted, key 'mobile_phone'"),
    "prs_MailingCity": Home(_ID, "ciphertext", "encrypted, key 'mailing_city'"),
    "prs_MailingCountry": Home(_ID, "ciphertext", "encrypted, key 'mailing_country' (alpha-3)"),
    "prs_MailingState": Home(_ID, "ciphertext", "encrypted, key 'mailing_state'"),
    "prs_MailingStreet": Home(_ID, "ciphertext", "encrypted, key 'mailing_street'"),
    "prs_MailingPostalCode": Home(_ID, "ciphertext", "encrypted, key 'mailing_postal_code'"),
    "prs_MailingLongitude": Home(_ID, "ciphertext", "encrypted, key 'mailing_longitude'"),
    "prs_MailingLatitude": Home(_ID, "ciphertext", "encrypted, key 'mailing_latitude'"),
    # Person - victim context.
    "vic_AgreementToManagePersonalData": Home(
        "cases.Person",
        "agreement_to_manage_personal_data",
        "deprecated in HTCDS in favour of con_Consent; kept, and set when consent to data "
        "sharing is recorded",
    ),
    "vic_TraffickingStatus": Home("cases.Person", "trafficking_status"),
    "vic_TraffickingStatusDecisionMakingOrg": Home("cases.Person", "status_decision_org"),
    "vic_RelationshipToTrafficker": Home("cases.Person", "relationship_to_trafficker"),
    "vic_AgeWhenTrafficked": Home("cases.Person", "age_when_trafficked"),
    "vic_RecruitmentWebsitesAndApps": Home("cases.Person", "recruitment_websites_and_apps"),
    "vic_MethodOfRecruitment": Home("cases.Person", "methods_of_recruitment"),
    "vic_LocationOfRecruitment": Home(
        "cases.Person",
        "location_of_recruitment",
        "a place as text (HTCDS: lookup); places with dates are movements (hte_)",
    ),
    "vic_MethodsOfControl": Home("cases.Person", "methods_of_control"),
    "vic_TypeOfExploitation": Home(
        "cases.Person",
        "types_of_exploitation",
        "plus the Palermo extensions ForcedCriminality and DomesticServitude",
    ),
    "vic_ForcedLabourIndustry": Home("cases.Person", "forced_labour_industry"),
    "vic_TypeOfSexExploitation": Home("cases.Person", "types_of_sex_exploitation"),
    "vic_LocationOfExploitation": Home(
        "cases.Person", "location_of_exploitation", "a place as text (HTCDS: lookup)"
    ),
    "vic_ExploitationWebsitesAndApps": Home("cases.Person", "exploitation_websites_and_apps"),
    "vic_Vulnerabilities": Home("cases.Person", "vulnerabilities", "deprecated in HTCDS; kept"),
    "vic_DetailsOfVulnerabilities": Home(
        "cases.Person", "details_of_vulnerabilities", "deprecated in HTCDS; kept"
    ),
    # Person - perpetrator context.
    "per_RoleInProcess": Home("cases.Person", "perpetrator_roles"),
    "per_RoleDetails": Home("cases.Person", "perpetrator_role_details"),
    # Case, with incoming and outgoing referral details.
    "cas_Status": Home("cases.Case", "status"),
    "cas_ReasonForCaseClosure": Home("cases.Case", "reason_for_closure"),
    "cas_CaseOwner": Home("cases.Case", "owner", "a user of the node; not imported"),
    "cas_ReferringOrganisation": Home("cases.Case", "referring_organisation"),
    "cas_IncomingReferralDate": Home("cases.Case", "incoming_referral_date"),
    "cas_ReferringPrimaryCaseWorker": Home(note=_NO_STAFF),
    "cas_ReasonForIncomingReferral": Home("cases.Case", "reason_for_incoming_referral"),
    "cas_IncomingReferralDetails": Home("cases.Case", "incoming_referral_details"),
    "cas_ReferredOrganisation": Home(
        "cases.Referral", "to_organisation", "one Referral per outgoing referral; not imported"
    ),
    "cas_ReferredPrimaryCaseWorker": Home(note=_NO_STAFF),
    "cas_ReasonForOutgoingReferral": Home("cases.Referral", "reason"),
    "cas_OutgoingReferralDate": Home("cases.Referral", "sent_on"),
    "cas_OutgoingReferralDetails": Home("cases.Referral", "details"),
    # Case comment.
    "cco_CaseComment": Home("cases.CaseComment", "text"),
    # Historic trafficking events: one Movement each.
    "hte_Longitude": Home(note=_NO_COORDS),
    "hte_Latitude": Home(note=_NO_COORDS),
    "hte_City": Home("cases.Movement", "city"),
    "hte_Country": Home("cases.Movement", "country", "ISO 3166-1 alpha-3"),
    "hte_State": Home("cases.Movement", "state"),
    "hte_Street": Home(note=_NO_COORDS),
    "hte_PostalCode": Home(note=_NO_COORDS),
    "hte_Date": Home("cases.Movement", "date", "with an optional end (plm_EventEndDate)"),
    "hte_Type": Home("cases.Movement", "event_type"),
    "hte_Description": Home("cases.Movement", "description"),
    # Support plan.
    "spl_Objectives": Home("cases.SupportPlan", "objectives"),
    "spl_ActionPlan": Home("cases.SupportPlan", "action_plan"),
    "spl_PlannedEndDate": Home("cases.SupportPlan", "planned_end"),
    "spl_ActualEndDate": Home("cases.SupportPlan", "actual_end"),
    "spl_Type": Home("cases.SupportPlan", "plan_type"),
    # Consent: one row per purpose, with withdrawal; the checkbox is "given, not withdrawn".
    "con_Consent": Home(
        "cases.Consent",
        "given_on",
        "a Consent per purpose (plm_ConsentPurpose); con_Consent is true while not withdrawn",
    ),
}


# --- errors ----------------------------------------------------------------------------------


class _Bad(Exception):
    """One problem with one value; becomes a line of the refusal."""


class InterchangeError(ApplicationError):
    """A file refused as a whole; `problems` are its lines "file: record N: reason"."""

    def __init__(self, problems: list[str], total: int) -> None:
        more = total - len(problems)
        lines = [*problems, "... and {} more".format(more)] if more > 0 else problems
        super().__init__(
            "import refused, nothing was written ({} problem{}):\n  {}".format(
                total, "" if total == 1 else "s", "\n  ".join(lines)
            ),
            code="invalid_file",
        )
        self.problems = problems


@functools.cache
def _codes(choices: type[models.TextChoices]) -> frozenset[str]:
    return frozenset(choices.values)


def _codes_hint(choices: type[models.TextChoices]) -> str:
    values = list(choices.values)
    shown = ", ".join(values[:8])
    return shown + (", ... ({} codes)".format(len(values)) if len(values) > 8 else "")


# --- export ----------------------------------------------------------------------------------


def _export_actor(actor: User | None, organisation: Organisation, identifying: bool) -> User:
    """Who may export an organisation's cases: its case workers and investigators; a national
    coordinator of its country the de-identified facts only. Analysts, registry editors and
    administrators never see cases (access.py), so they export nothing."""
    if actor is None or not actor.is_active:
        raise ForbiddenError("Say who exports (an active user).", code="not_authenticated")
    own = actor.organisation_id == organisation.pk and actor.role in CASE_ROLES
    if identifying:
        if not own:
            raise ForbiddenError(
                "Only case workers and investigators of {} may export identifying data; {} is "
                "{} of {}.".format(
                    organisation.name,
                    actor.username,
                    actor.role or "without a role",
                    actor.organisation.name if actor.organisation else "no organisation",
                )
            )
        return actor
    coordinator = (
        actor.role == Role.NATIONAL_COORDINATOR
        and actor.organisation is not None
        and actor.organisation.country_id is not None
        and actor.organisation.country_id == organisation.country_id
    )
    if not (own or coordinator):
        raise ForbiddenError(
            "{} may not export the cases of {}: only its case workers and investigators, or a "
            "national coordinator of its country (de-identified).".format(
                actor.username, organisation.name
            )
        )
    return actor


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


CASE_VALUES = (
    "id",
    "reference",
    "country_id",
    "opened_on",
    "closed_on",
    "status",
    "title",
    "reason_for_closure",
    "owner__username",
    "referring_organisation__name",
    "incoming_referral_date",
    "reason_for_incoming_referral",
    "incoming_referral_details",
)
PERSON_VALUES = (
    "id",
    "case_id",
    "pseudonym",
    "role",
    "age_at_registration",
    "age_uncertain",
    *(col.attr for col in FACT_COLUMNS),
)


def _values_key(group: Group, col: Column) -> str:
    """The `.values()` name of a group column."""
    if col.kind == ORG:
        return col.attr + "__name"
    if col.kind == COUNTRY:
        return col.attr + "_id"
    if col.attr == "given":
        return "withdrawn_on"
    return col.attr


def _group_values(
    group: Group, qs: models.QuerySet[Any], owner: str
) -> dict[Any, list[dict[str, Any]]]:
    """The group's rows as {owner id: [row, ...]} in insertion order, one query."""
    names = sorted({_values_key(group, col) for col in group.columns})
    out: dict[Any, list[dict[str, Any]]] = {}
    for row in qs.order_by("pk").values(owner, *names):
        out.setdefault(row[owner], []).append(row)
    return out


def _group_items(
    group: Group, rows: Iterable[dict[str, Any]], identifying: bool
) -> list[dict[str, Any]]:
    items = []
    for row in rows:
        item: dict[str, Any] = {}
        for col in group.columns:
            if col.identifying and not identifying:
                continue
            value = row[_values_key(group, col)]
            if col.attr == "given":
                value = value is None  # given and not withdrawn
            item[col.name] = value.isoformat() if isinstance(value, dt.date) else value
        items.append(_compact(item))
    return items


def _age(birthdate: str | None, opened: dt.date) -> int | None:
    if not birthdate:
        return None
    born = dt.date.fromisoformat(birthdate)
    return opened.year - born.year - ((opened.month, opened.day) < (born.month, born.day))


def export_records(
    *,
    actor: User | None,
    organisation: Organisation,
    identifying: bool = False,
    reason: str = "",
) -> Iterator[dict[str, Any]]:
    """The organisation's cases as HTCDS records, one per person (see the module docstring).

    With `identifying`, each person's identity is read through `person_identity_read`, which
    writes one audit entry per person with `reason`. Permissions are checked at the call, before
    the first record."""
    user = _export_actor(actor, organisation, identifying)
    if identifying and not reason.strip():
        raise ApplicationError(
            "Say why identifying data is exported (--reason).", code="reason_required"
        )
    return _records(user, organisation, identifying=identifying, reason=reason)


def _records(  # noqa: PLR0914 - one record assembled from several queries
    user: User, organisation: Organisation, *, identifying: bool, reason: str
) -> Iterator[dict[str, Any]]:
    """Reads a chunk of cases at a time with a few `.values()` queries (no model instances)."""
    ids = list(
        Case.objects.filter(organisation=organisation)
        .order_by("opened_on", "reference")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        cases = {row["id"]: row for row in Case.objects.filter(pk__in=chunk).values(*CASE_VALUES)}
        persons: dict[Any, list[dict[str, Any]]] = {}
        for row in (
            Person.objects.filter(case_id__in=chunk)
            .order_by("created_at", "pseudonym")
            .values(*PERSON_VALUES)
        ):
            persons.setdefault(row["case_id"], []).append(row)
        person_ids = [p["id"] for rows in persons.values() for p in rows]
        by_person = Q(person_id__in=person_ids)
        groups = {
            MOVEMENTS.key: _group_values(
                MOVEMENTS, Movement.objects.filter(by_person), "person_id"
            ),
            SUPPORT_PLANS.key: _group_values(
                SUPPORT_PLANS, SupportPlan.objects.filter(by_person), "person_id"
            ),
            CONSENTS.key: _group_values(CONSENTS, Consent.objects.filter(by_person), "person_id"),
            REFERRALS.key: _group_values(
                REFERRALS, Referral.objects.filter(by_person), "person_id"
            ),
        }
        comments = (
            _group_values(COMMENTS, CaseComment.objects.filter(case_id__in=chunk), "case_id")
            if identifying
            else {}
        )
        no_age = [
            p["id"] for rows in persons.values() for p in rows if p["age_at_registration"] is None
        ]
        # The age when the case opened, from the encrypted birthdate: nothing identifying leaves.
        born = {
            pid: decrypt_json(token).get("birthdate")
            for pid, token in PersonIdentity.objects.filter(person_id__in=no_age).values_list(
                "person_id", "ciphertext"
            )
        }
        instances = (
            Person.objects.select_related("case", "case__organisation").in_bulk(person_ids)
            if identifying
            else {}
        )
        for case_id in chunk:
            case = cases[case_id]
            case_part: dict[str, Any] = {
                "plm_CaseReference": case["reference"],
                "plm_CaseCountry": case["country_id"],
                "plm_CaseOpenedOn": _iso(case["opened_on"]),
                "plm_CaseClosedOn": _iso(case["closed_on"]),
                "cas_Status": case["status"],
                "cas_ReferringOrganisation": case["referring_organisation__name"],
                "cas_IncomingReferralDate": _iso(case["incoming_referral_date"]),
                "cas_ReasonForIncomingReferral": case["reason_for_incoming_referral"],
            }
            if identifying:
                case_part |= {
                    "plm_CaseTitle": case["title"],
                    "cas_ReasonForCaseClosure": case["reason_for_closure"],
                    "cas_CaseOwner": case["owner__username"],
                    "cas_IncomingReferralDetails": case["incoming_referral_details"],
                }
            for index, person in enumerate(persons.get(case_id, [])):
                pid = person["id"]
                record = dict(case_part)
                record |= {
                    "plm_Pseudonym": person["pseudonym"],
                    "plm_Role": person["role"],
                    "plm_AgeAtRegistration": person["age_at_registration"]
                    if person["age_at_registration"] is not None
                    else _age(born.get(pid), case["opened_on"]),
                    "plm_AgeUncertain": person["age_uncertain"],
                }
                if identifying:
                    identity = services.person_identity_read(
                        actor=user, person=instances[pid], reason=reason
                    )
                    for col in IDENTITY_COLUMNS:
                        record[col.name] = identity.get(col.attr)
                for col in FACT_COLUMNS:
                    if identifying or not col.identifying:
                        record[col.name] = person[col.attr]
                for group in (MOVEMENTS, SUPPORT_PLANS, CONSENTS, REFERRALS):
                    record[group.key] = _group_items(
                        group, groups[group.key].get(pid, []), identifying
                    )
                if identifying and index == 0:
                    record[COMMENTS.key] = _group_items(
                        COMMENTS, comments.get(case_id, []), identifying
                    )
                yield _compact(record)


def _compact(record: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty values (None, "", []); booleans stay."""
    return {k: v for k, v in record.items() if v is not None and v not in ("", [])}


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return join_values(_csv_cell(v) for v in value)
    return str(value)


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


def record_to_csv_row(record: dict[str, Any], *, identifying: bool) -> dict[str, str]:
    row: dict[str, str] = {}
    for name, value in record.items():
        group = next((g for g in GROUPS if g.key == name), None)
        if group is None:
            row[name] = _csv_cell(value)
            continue
        for col in group.columns:
            if col.identifying and not identifying:
                continue
            cells = [_csv_cell(item.get(col.name)) for item in value]
            row[col.name] = join_values(cells) if any(cells) else ""
    return row


class Writable(Protocol):
    def write(self, text: str, /) -> object: ...


@dataclass
class ExportReport:
    records: int
    cases: int
    identifying: bool
    # Of a de-identified export: the smallest number of records sharing the same
    # EXPORT_QUASI_IDENTIFIERS (pycanon), measured before the file leaves; None if identifying.
    k_anonymity: int | None = None


# What someone holding other data could link a de-identified record by: sex, age at
# registration, citizenship and the country of the case.
EXPORT_QUASI_IDENTIFIERS = (
    "prs_Gender",
    "plm_AgeAtRegistration",
    "prs_Citizenship",
    "plm_CaseCountry",
)


def _quasi_identifiers(record: dict[str, Any]) -> dict[str, object]:
    return {
        name: ",".join(value) if isinstance(value, list) else value
        for name in EXPORT_QUASI_IDENTIFIERS
        for value in [record.get(name)]
    }


def cases_export(
    *,
    actor: User | None,
    organisation: Organisation,
    stream: Writable,
    fmt: str = "htcds-json",
    identifying: bool = False,
    reason: str = "",
) -> ExportReport:
    """Write the organisation's cases to `stream` as HTCDS JSON or CSV; audited."""
    if fmt not in ("htcds-json", "csv"):
        raise ApplicationError(
            "Export formats are htcds-json and csv, not '{}'.".format(fmt), code="invalid"
        )
    records = export_records(
        actor=actor, organisation=organisation, identifying=identifying, reason=reason
    )
    count = 0
    cases: set[str] = set()
    quasi: list[dict[str, object]] = []
    complete = False
    try:
        if fmt == "csv":
            writer = csv.DictWriter(
                stream, fieldnames=csv_columns(identifying=identifying), extrasaction="raise"
            )
            writer.writeheader()
            for record in records:
                writer.writerow(record_to_csv_row(record, identifying=identifying))
                count += 1
                cases.add(record["plm_CaseReference"])
                quasi.append(_quasi_identifiers(record))
        else:
            header = {
                "htcds_version": HTCDS_VERSION,
                "generator": "Palermo",
                "exported_at": timezone.now().isoformat(timespec="seconds"),
                "org_Name": organisation.name,
                "org_ShippingCountry": organisation.country_id,
                "identifying": identifying,
            }
            stream.write(json.dumps(header, ensure_ascii=False)[:-1] + ', "records": [')
            for record in records:
                stream.write(",\n" if count else "\n")
                stream.write(json.dumps(record, ensure_ascii=False))
                count += 1
                cases.add(record["plm_CaseReference"])
                quasi.append(_quasi_identifiers(record))
            stream.write("\n]}\n")
        complete = True
    finally:  # an interrupted export is recorded too, with what it wrote
        audit_record(
            actor=actor,
            action=AuditAction.READ,
            obj=organisation,
            reason=reason.strip()[:500] or "export",
            after={
                "export": fmt,
                "identifying": identifying,
                "records": count,
                "cases": len(cases),
                "complete": complete,
            },
        )
    # Loaded here: the disclosure library brings NumPy, SciPy and pandas with it.
    from palermo.disclosure import k_anonymity  # noqa: PLC0415

    k = None if identifying else k_anonymity(quasi, EXPORT_QUASI_IDENTIFIERS)
    return ExportReport(records=count, cases=len(cases), identifying=identifying, k_anonymity=k)


# --- reading files ---------------------------------------------------------------------------


@dataclass
class RawRecord:
    """One record as read from a file: `number` counts from 1; `line` is the CSV line."""

    number: int
    data: dict[str, Any]
    line: int = 0


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise ApplicationError(
                "Unknown format '{}': use one of {}.".format(fmt, ", ".join(FORMATS)),
                code="invalid",
            )
        return fmt
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "htcds-json"
    if suffix == ".csv":
        return "csv"
    raise ApplicationError(
        "Cannot tell the format of {} from its extension: give --format {}.".format(
            path.name, "|".join(FORMATS)
        ),
        code="invalid",
    )


def read_json(path: Path) -> list[RawRecord]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InterchangeError(["{}: not valid JSON ({})".format(path.name, exc)], 1) from exc
    if isinstance(data, dict):
        version = data.get("htcds_version")
        if version is not None and str(version) != HTCDS_VERSION:
            raise InterchangeError(
                ["{}: HTCDS version {} (this reads {})".format(path.name, version, HTCDS_VERSION)],
                1,
            )
        data = data.get("records")
    if not isinstance(data, list):
        raise InterchangeError(
            ['{}: expected a list of records or {{"records": [...]}}'.format(path.name)], 1
        )
    out = []
    for i, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise InterchangeError(
                ["{}: record {}: not an object".format(path.name, i)], 1
            ) from None
        out.append(RawRecord(i, item))
    return out


def _csv_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InterchangeError(["{}: not UTF-8 text ({})".format(path.name, exc)], 1) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = list(reader.fieldnames or [])
    if not header:
        raise InterchangeError(["{}: empty file (no header row)".format(path.name)], 1)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for row in reader:
            if None in row:
                raise InterchangeError(
                    [
                        "{}: line {}: more cells than header columns".format(
                            path.name, reader.line_num
                        )
                    ],
                    1,
                )
            yield reader.line_num, {k: v for k, v in row.items() if v is not None}

    return header, rows()


def read_csv(path: Path) -> list[RawRecord]:
    header, rows = _csv_rows(path)
    if "yearOfRegistration" in header and not any(
        name.startswith(("plm_", "prs_", "vic_", "cas_")) for name in header
    ):
        raise InterchangeError(
            ["{}: this is the CTDC layout; import it with --format ctdc".format(path.name)], 1
        )
    unknown = [name for name in header if name not in COLUMN_BY_NAME]
    if unknown:
        raise InterchangeError(
            ["{}: unknown column(s): {}".format(path.name, ", ".join(unknown))], 1
        )
    return [RawRecord(i, row, line) for i, (line, row) in enumerate(rows, start=1)]


# --- checking values -------------------------------------------------------------------------


LIST_KINDS = frozenset({CODES, COUNTRIES, STRINGS})
TEXT_KINDS = frozenset({TEXT, CODE, LANGUAGE})
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,4})?$")
PSEUDONYM_RE = re.compile(r"^[A-Za-z0-9-]{3,20}$")
TRUE = {"true", "1", "yes", "y"}
FALSE = {"false", "0", "no", "n"}


class _Values:
    """Parses raw values (JSON values, or CSV strings when `csv`) into model values."""

    def __init__(self, *, csv_mode: bool) -> None:
        self.csv = csv_mode
        self.countries: dict[str, str] = {}
        for iso3, iso2 in Country.objects.values_list("iso3", "iso2"):
            self.countries[iso3] = iso3
            if iso2:
                self.countries.setdefault(iso2, iso3)
        self.organisations = dict(Organisation.objects.values_list("name", "pk"))
        self._parsers: dict[str, Callable[[Any, Column], Any]] = {
            STRINGS: self._parse_strings,
            COUNTRIES: self._parse_countries,
            CODES: self._parse_codes,
            BOOL: self._parse_bool,
            INT: self._parse_int,
            NUMBER: self._parse_number,
            TEXT: self._parse_text,
            CODE: self._parse_code,
            COUNTRY: self._parse_country,
            DATE: self._parse_date,
            ORG: self._parse_organisation,
            LANGUAGE: self._parse_language,
        }

    def country(self, raw: str, name: str) -> str:
        code = self.countries.get(raw.strip().upper())
        if code is None:
            raise _Bad("unknown country code '{}' for {} (ISO 3166-1 alpha-3)".format(raw, name))
        return code

    def date(self, raw: str, name: str) -> dt.date:
        text = raw.strip()
        try:
            if len(text) != 10:
                raise ValueError(text)
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise _Bad("impossible date '{}' for {} (YYYY-MM-DD)".format(raw, name)) from None
        if day.year < 1900:
            raise _Bad("impossible date '{}' for {} (before 1900)".format(raw, name))
        return day

    def _text(self, raw: Any, col: Column) -> str:
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise _Bad("{} must be text".format(col.name))
        return str(raw).strip()

    def _list(self, raw: Any, col: Column) -> list[str]:
        if raw is None or raw == "":
            return []
        if self.csv:
            return [p.strip() for p in split_values(str(raw)) if p.strip()]
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise _Bad("{} must be a list of text values".format(col.name))
        return [v.strip() for v in raw if v.strip()]

    def value(self, col: Column, raw: Any) -> Any:
        """The model value of `raw` for `col`; None, "" or [] when empty."""
        if col.kind in LIST_KINDS:
            return self._parsers[col.kind](self._list(raw, col), col)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return "" if col.kind in TEXT_KINDS else None
        return self._parsers[col.kind](raw, col)

    # One parser per kind, looked up once per value (imports parse millions of values).

    def _parse_strings(self, items: list[str], col: Column) -> list[str]:
        return items

    def _parse_countries(self, items: list[str], col: Column) -> list[str]:
        return sorted({self.country(v, col.name) for v in items})

    def _parse_codes(self, items: list[str], col: Column) -> list[str]:
        for v in items:
            self._code(v, col)
        return sorted(set(items))

    def _parse_bool(self, raw: Any, col: Column) -> bool:
        if isinstance(raw, bool):
            return raw
        if self.csv and str(raw).strip().lower() in TRUE | FALSE:
            return str(raw).strip().lower() in TRUE
        raise _Bad("{} must be true or false, not '{}'".format(col.name, raw))

    def _parse_int(self, raw: Any, col: Column) -> int:
        if isinstance(raw, int) and not isinstance(raw, bool):
            number = raw
        elif isinstance(raw, str) and raw.strip().isdigit():
            number = int(raw.strip())
        else:
            raise _Bad("{} must be a whole number, not '{}'".format(col.name, raw))
        if not 0 <= number <= (col.maximum or 10**6):
            raise _Bad("{} must be between 0 and {}, not {}".format(col.name, col.maximum, number))
        return number

    def _parse_number(self, raw: Any, col: Column) -> float:
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise _Bad("{} must be a number, not '{}'".format(col.name, raw)) from None

    def _parse_text(self, raw: Any, col: Column) -> str:
        text = self._text(raw, col)
        if col.max_length and len(text) > col.max_length:
            raise _Bad(
                "{} is longer than {} characters ({})".format(col.name, col.max_length, len(text))
            )
        return text

    def _parse_code(self, raw: Any, col: Column) -> str:
        return self._code(self._text(raw, col), col)

    def _parse_country(self, raw: Any, col: Column) -> str:
        return self.country(self._text(raw, col), col.name)

    def _parse_date(self, raw: Any, col: Column) -> dt.date:
        return self.date(self._text(raw, col), col.name)

    def _parse_organisation(self, raw: Any, col: Column) -> int:
        text = self._text(raw, col)
        org_id = self.organisations.get(text)
        if org_id is None:
            raise _Bad(
                "unknown organisation '{}' for {} (create it first: palermo org create)".format(
                    text, col.name
                )
            )
        return org_id

    def _parse_language(self, raw: Any, col: Column) -> str:
        text = self._text(raw, col)
        if not LANGUAGE_RE.match(text):
            raise _Bad("{} must be an ISO 639 code such as 'en', not '{}'".format(col.name, text))
        return text

    def _code(self, value: str, col: Column) -> str:
        assert col.choices is not None  # noqa: S101 - every CODE column has choices
        if value not in _codes(col.choices):
            raise _Bad(
                "unknown code '{}' for {} (use one of {})".format(
                    value, col.name, _codes_hint(col.choices)
                )
            )
        return value

    def group(self, group: Group, raw_record: dict[str, Any]) -> list[dict[str, Any]]:
        """The items of a group, each as {attr: value}."""
        raw_items: list[dict[str, Any]] = []
        if self.csv:
            cells = {col.name: raw_record.get(col.name) or "" for col in group.columns}
            split = {name: split_values(cell) for name, cell in cells.items() if cell}
            sizes = {len(parts) for parts in split.values()}
            if len(sizes) > 1:
                raise _Bad(
                    "the {} columns hold different numbers of items ({})".format(
                        group.key,
                        ", ".join("{} {}".format(n, len(p)) for n, p in split.items()),
                    )
                )
            count = sizes.pop() if sizes else 0
            for i in range(count):
                raw_items.append({name: parts[i] for name, parts in split.items()})
        else:
            value = raw_record.get(group.key)
            if value is None:
                value = []
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise _Bad("{} must be a list of objects".format(group.key))
            raw_items = value
        names = {col.name for col in group.columns}
        items = []
        for n, raw_item in enumerate(raw_items, start=1):
            unknown = sorted(set(raw_item) - names)
            if unknown:
                raise _Bad(
                    "{} item {}: unknown field(s) {}".format(group.key, n, ", ".join(unknown))
                )
            try:
                items.append(
                    {col.attr: self.value(col, raw_item.get(col.name)) for col in group.columns}
                )
            except _Bad as exc:
                raise _Bad("{} item {}: {}".format(group.key, n, exc)) from None
        return items


# --- import plans ----------------------------------------------------------------------------


@dataclass
class PersonPlan:
    """One person to create, with everything attached to them."""

    number: int
    pseudonym: str
    facts: dict[str, Any]
    line: int = 0
    identity: dict[str, Any] = field(default_factory=dict)
    movements: list[dict[str, Any]] = field(default_factory=list)
    support_plans: list[dict[str, Any]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)
    referrals: int = 0


@dataclass
class CasePlan:
    """One case to create: its fields, comments and persons."""

    key: str
    first_record: int
    fields: dict[str, Any]
    comments: list[str] = field(default_factory=list)
    persons: list[PersonPlan] = field(default_factory=list)


class _Checker:
    """Turns raw records into case plans, collecting every problem."""

    def __init__(self, *, file_name: str, organisation: Organisation, csv_mode: bool) -> None:
        self.file_name = file_name
        self.organisation = organisation
        self.values = _Values(csv_mode=csv_mode)
        self.today = timezone.localdate()
        self.problems: list[str] = []
        self.total = 0

    def fail(self, record: RawRecord, reason: str) -> None:
        self.total += 1
        if len(self.problems) < MAX_ERRORS:
            where = "record {}".format(record.number)
            if record.line:
                where += " (line {})".format(record.line)
            self.problems.append("{}: {}: {}".format(self.file_name, where, reason))

    def raise_if_failed(self) -> None:
        if self.total:
            raise InterchangeError(self.problems, self.total)

    def plans(self, records: Sequence[RawRecord]) -> list[CasePlan]:
        cases: dict[str, CasePlan] = {}
        case_values: dict[str, dict[str, Any]] = {}
        seen_pseudonyms: dict[str, int] = {}
        for record in records:
            try:
                self._check_keys(record)
                fields = self._case_fields(record)
                person = self._person(record, fields)
                comments = [
                    i["text"] for i in self.values.group(COMMENTS, record.data) if i["text"]
                ]
            except _Bad as exc:
                self.fail(record, str(exc))
                continue
            key = fields.pop("reference") or "record-{}".format(record.number)
            if key in cases:
                differing = [n for n, v in fields.items() if v != case_values[key][n]]
                if differing:
                    self.fail(
                        record,
                        "case {} has other {} than in record {}".format(
                            key,
                            ", ".join(_column_of(CASE_COLUMNS, n) for n in differing),
                            cases[key].first_record,
                        ),
                    )
                    continue
            else:
                cases[key] = CasePlan(key=key, first_record=record.number, fields=fields)
                case_values[key] = fields
            if person.pseudonym:
                if person.pseudonym in seen_pseudonyms:
                    self.fail(
                        record,
                        "duplicate pseudonym '{}' (also in record {})".format(
                            person.pseudonym, seen_pseudonyms[person.pseudonym]
                        ),
                    )
                    continue
                seen_pseudonyms[person.pseudonym] = record.number
            cases[key].comments.extend(comments)
            cases[key].persons.append(person)
        return list(cases.values())

    def _check_keys(self, record: RawRecord) -> None:
        allowed = set(COLUMN_BY_NAME) | {g.key for g in GROUPS}
        unknown = sorted(set(record.data) - allowed)
        if unknown:
            raise _Bad("unknown field(s) {}".format(", ".join(unknown)))
        if not self.values.csv:
            grouped = sorted(set(record.data) & set(GROUP_OF))
            if grouped:
                raise _Bad(
                    "{} belong inside {} (a list of objects)".format(
                        ", ".join(grouped), GROUP_OF[grouped[0]].key
                    )
                )

    def _scalars(self, record: RawRecord, columns: Iterable[Column]) -> dict[str, Any]:
        data = record.data
        out: dict[str, Any] = {}
        for col in columns:
            raw = data.get(col.name)
            if raw is None or raw == "":  # most fields of a record are empty: no parsing
                out[col.attr] = (
                    [] if col.kind in LIST_KINDS else "" if col.kind in TEXT_KINDS else None
                )
            else:
                out[col.attr] = self.values.value(col, raw)
        return out

    def _case_fields(self, record: RawRecord) -> dict[str, Any]:  # noqa: PLR0912 - one rule each
        f = self._scalars(record, CASE_COLUMNS)
        f["owner"] = None  # the importer owns the case
        opened = f["opened_on"] or self.today
        f["opened_on"] = opened
        if opened > self.today:
            raise _Bad("plm_CaseOpenedOn {} is in the future".format(opened))
        if not f["country"]:
            if self.organisation.country_id is None:
                raise _Bad("plm_CaseCountry is needed: {} has no country".format(self.organisation))
            f["country"] = self.organisation.country_id
        f["status"] = f["status"] or h.CaseStatus.ACTIVE
        closed = f["closed_on"]
        is_closed = f["status"] in (h.CaseStatus.CLOSED, h.CaseStatus.CLOSED_REFERRED)
        if is_closed and closed is None:
            raise _Bad("cas_Status {} needs plm_CaseClosedOn".format(f["status"]))
        if closed is not None:
            if not is_closed:
                raise _Bad("plm_CaseClosedOn is given but cas_Status is {}".format(f["status"]))
            if closed < opened:
                raise _Bad(
                    "impossible dates: the case is closed ({}) before it was opened ({})".format(
                        closed, opened
                    )
                )
            if closed > self.today:
                raise _Bad("plm_CaseClosedOn {} is in the future".format(closed))
        incoming = f["incoming_referral_date"]
        if incoming is not None and incoming > self.today:
            raise _Bad("cas_IncomingReferralDate {} is in the future".format(incoming))
        return f

    def _person(self, record: RawRecord, case: dict[str, Any]) -> PersonPlan:  # noqa: PLR0912
        facts = self._scalars(record, (*PERSON_COLUMNS[2:], *FACT_COLUMNS))
        for name in ("age_uncertain", "deceased", "agreement_to_manage_personal_data"):
            facts[name] = bool(facts[name])
        person_cols = self._scalars(record, PERSON_COLUMNS[:2])
        pseudonym = person_cols["pseudonym"]
        if pseudonym and not PSEUDONYM_RE.match(pseudonym):
            raise _Bad(
                "plm_Pseudonym '{}' must be 3 to 20 letters, digits or '-'".format(pseudonym)
            )
        role = person_cols["role"]
        if not role:
            if facts["perpetrator_roles"]:
                role = c.PersonRole.SUSPECT
            elif facts["trafficking_status"] == h.TraffickingStatus.ACTUAL_VICTIM_OF_TRAFFICKING:
                role = c.PersonRole.VICTIM
            else:
                role = c.PersonRole.PRESUMED_VICTIM
        facts["role"] = role
        identity = {
            k: v
            for k, v in self._scalars(record, IDENTITY_COLUMNS).items()
            if v not in (None, "", [])
        }
        opened: dt.date = case["opened_on"]
        born: dt.date | None = identity.get("birthdate")
        if born is not None:
            if born > self.today or born > opened:
                raise _Bad(
                    "impossible dates: born {} after the case was opened ({})".format(born, opened)
                )
            age = opened.year - born.year - ((opened.month, opened.day) < (born.month, born.day))
            if facts["age_at_registration"] is None:
                facts["age_at_registration"] = age
            elif abs(facts["age_at_registration"] - age) > 1:
                raise _Bad(
                    "plm_AgeAtRegistration {} does not match prs_Birthdate {} (aged {} when the "
                    "case opened)".format(facts["age_at_registration"], born, age)
                )
            identity["birthdate"] = born.isoformat()
        age = facts["age_at_registration"]
        trafficked = facts["age_when_trafficked"]
        if age is not None and trafficked is not None and trafficked > age:
            raise _Bad(
                "impossible ages: trafficked at {} (vic_AgeWhenTrafficked) but aged {} when "
                "registered".format(trafficked, age)
            )
        earliest = born or (
            dt.date(opened.year - age - 1, opened.month, 1) if age is not None else None
        )
        movements = self.values.group(MOVEMENTS, record.data)
        for n, m in enumerate(movements, start=1):
            if not m["event_type"] or not m["country"]:
                raise _Bad(
                    "{} item {}: hte_Type and hte_Country are needed".format(MOVEMENTS.key, n)
                )
            for day in (m["date"], m["end_date"]):
                if day is None:
                    continue
                if day > self.today:
                    raise _Bad("{} item {}: {} is in the future".format(MOVEMENTS.key, n, day))
                if earliest is not None and day < earliest:
                    raise _Bad(
                        "impossible dates: {} item {} ({} on {}) is before the person was "
                        "born".format(MOVEMENTS.key, n, m["event_type"], day)
                    )
            if m["date"] and m["end_date"] and m["end_date"] < m["date"]:
                raise _Bad(
                    "impossible dates: {} item {} ends ({}) before it starts ({})".format(
                        MOVEMENTS.key, n, m["end_date"], m["date"]
                    )
                )
        plans = self.values.group(SUPPORT_PLANS, record.data)
        for n, p in enumerate(plans, start=1):
            if not p["plan_type"]:
                raise _Bad("{} item {}: spl_Type is needed".format(SUPPORT_PLANS.key, n))
        consents = self._consents(record, opened)
        referrals = self.values.group(REFERRALS, record.data)
        return PersonPlan(
            number=record.number,
            line=record.line,
            pseudonym=pseudonym,
            facts=facts,
            identity=identity,
            movements=movements,
            support_plans=plans,
            consents=consents,
            referrals=len(referrals),
        )

    def _consents(self, record: RawRecord, opened: dt.date) -> list[dict[str, Any]]:
        consents = self.values.group(CONSENTS, record.data)
        by_purpose: dict[str, list[dict[str, Any]]] = {}
        for n, con in enumerate(consents, start=1):
            con["purpose"] = con["purpose"] or c.ConsentPurpose.ASSISTANCE
            con["given_on"] = con["given_on"] or opened
            given = con.pop("given")
            if con["given_on"] > self.today:
                raise _Bad("{} item {}: given in the future".format(CONSENTS.key, n))
            withdrawn = con["withdrawn_on"]
            if given is False and withdrawn is None:
                raise _Bad(
                    "{} item {}: con_Consent is false but no plm_ConsentWithdrawnOn is given (a "
                    "consent never given is left out)".format(CONSENTS.key, n)
                )
            if withdrawn is not None and withdrawn < con["given_on"]:
                raise _Bad(
                    "impossible dates: {} item {} is withdrawn ({}) before it was given "
                    "({})".format(CONSENTS.key, n, withdrawn, con["given_on"])
                )
            by_purpose.setdefault(con["purpose"], []).append(con)
        for purpose, unsorted in by_purpose.items():
            items = sorted(unsorted, key=lambda x: x["given_on"])
            for before, after in zip(items, items[1:], strict=False):
                if before["withdrawn_on"] is None or before["withdrawn_on"] > after["given_on"]:
                    raise _Bad(
                        "two consents for {} overlap ({} and {})".format(
                            purpose, before["given_on"], after["given_on"]
                        )
                    )
        return consents


def _column_of(columns: Iterable[Column], attr: str) -> str:
    return next((col.name for col in columns if col.attr == attr), attr)


# --- writing ---------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import created."""

    cases: int = 0
    persons: int = 0
    identities: int = 0
    movements: int = 0
    support_plans: int = 0
    consents: int = 0
    comments: int = 0
    referrals_not_imported: int = 0
    case_ids: list[str] = field(default_factory=list)


def _import_actor(actor: User | None, organisation: Organisation) -> User:
    if (
        actor is None
        or not actor.is_active
        or actor.role not in CASE_ROLES
        or actor.organisation_id != organisation.pk
    ):
        raise ForbiddenError(
            "Only case workers and investigators of {} may import its cases.".format(
                organisation.name
            )
        )
    return actor


def _existing_pseudonyms(names: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(names), 2000):
        found.update(
            Person.objects.filter(pseudonym__in=names[i : i + 2000]).values_list(
                "pseudonym", flat=True
            )
        )
    return found


def _random_id(prefix: str) -> str:
    """Like models.new_pseudonym/new_case_reference, from one call to the system's randomness
    (256 is a multiple of the 32 letters, so every letter is equally likely)."""
    return prefix + "".join(ID_ALPHABET[b % 32] for b in secrets.token_bytes(10))


def write_plans(
    plans: Sequence[CasePlan],
    *,
    actor: User,
    organisation: Organisation,
    source: str,
    batch_size: int = BATCH,
) -> ImportReport:
    """Create the planned cases, one audit entry per batch; call inside a transaction (every
    value has been checked)."""
    report = ImportReport()
    for start in range(0, len(plans), batch_size):
        batch = plans[start : start + batch_size]
        cases: list[dict[str, Any]] = []
        persons: list[dict[str, Any]] = []
        identities: list[dict[str, Any]] = []
        movements: list[dict[str, Any]] = []
        support: list[dict[str, Any]] = []
        consents: list[dict[str, Any]] = []
        comments: list[dict[str, Any]] = []
        for plan in batch:
            f = plan.fields
            case_id = uuid.uuid4()
            cases.append(
                {
                    "id": case_id,
                    "reference": _random_id("C-"),
                    "organisation_id": organisation.pk,
                    "owner_id": actor.pk,
                    "title": f["title"],
                    "status": f["status"],
                    "reason_for_closure": f["reason_for_closure"],
                    "country_id": f["country"],
                    "opened_on": f["opened_on"],
                    "closed_on": f["closed_on"],
                    "referring_organisation_id": f["referring_organisation"],
                    "incoming_referral_date": f["incoming_referral_date"],
                    "reason_for_incoming_referral": f["reason_for_incoming_referral"],
                    "incoming_referral_details": f["incoming_referral_details"],
                    **case_facets(p.facts for p in plan.persons),
                }
            )
            comments += [
                {"case_id": case_id, "text": t, "author_id": actor.pk} for t in plan.comments
            ]
            for p in plan.persons:
                person_id = uuid.uuid4()
                persons.append(
                    {
                        "id": person_id,
                        "case_id": case_id,
                        "pseudonym": p.pseudonym or _random_id("P-"),
                        **p.facts,
                    }
                )
                if p.identity:
                    identities.append(
                        {"person_id": person_id, "ciphertext": encrypt_json(p.identity)}
                    )
                for m in p.movements:
                    row = {k: v for k, v in m.items() if k != "country"}
                    movements.append({"person_id": person_id, "country_id": m["country"], **row})
                support += [{"person_id": person_id, **sp} for sp in p.support_plans]
                consents += [
                    {"person_id": person_id, "recorded_by_id": actor.pk, **con}
                    for con in p.consents
                ]
                report.referrals_not_imported += p.referrals
        rows_insert(Case, cases)
        rows_insert(Person, persons)
        rows_insert(PersonIdentity, identities)
        rows_insert(Movement, movements)
        rows_insert(SupportPlan, support)
        rows_insert(Consent, consents)
        rows_insert(CaseComment, comments)
        case_ids = [str(row["id"]) for row in cases]
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            kind=CASE,
            object_id="import",
            reason="import from {}".format(source)[:500],
            after={
                "organisation": organisation.pk,
                "cases": case_ids,
                "persons": len(persons),
                "identities": len(identities),
            },
        )
        report.cases += len(cases)
        report.persons += len(persons)
        report.identities += len(identities)
        report.movements += len(movements)
        report.support_plans += len(support)
        report.consents += len(consents)
        report.comments += len(comments)
        report.case_ids += case_ids
    return report


def cases_import(
    *,
    actor: User | None,
    organisation: Organisation,
    path: Path,
    fmt: str | None = None,
    new_pseudonyms: bool = False,
    batch_size: int = BATCH,
) -> ImportReport:
    """Import an HTCDS JSON or CSV file, or a CTDC file, into the organisation: everything or,
    when any record is wrong, nothing (InterchangeError lists file, record and reason)."""
    user = _import_actor(actor, organisation)
    fmt = detect_format(path, fmt)
    if fmt == "ctdc":
        plans = ctdc_plans(path, organisation=organisation)
    else:
        records = read_json(path) if fmt == "htcds-json" else read_csv(path)
        checker = _Checker(file_name=path.name, organisation=organisation, csv_mode=fmt == "csv")
        plans = checker.plans(records)
        if new_pseudonyms:
            for plan in plans:
                for p in plan.persons:
                    p.pseudonym = ""
        else:
            by_name = {p.pseudonym: p for plan in plans for p in plan.persons if p.pseudonym}
            existing = _existing_pseudonyms(list(by_name))
            for name in sorted(existing, key=lambda n: by_name[n].number):
                checker.fail(
                    RawRecord(
                        by_name[name].number,
                        {},
                        next((r.line for r in records if r.number == by_name[name].number), 0),
                    ),
                    "duplicate pseudonym '{}': a person with it exists already (import with "
                    "--new-pseudonyms to give new ones)".format(name),
                )
        checker.raise_if_failed()
    try:
        with transaction.atomic():
            return write_plans(
                plans,
                actor=user,
                organisation=organisation,
                source=path.name,
                batch_size=batch_size,
            )
    except IntegrityError as exc:
        raise InterchangeError(
            [
                "{}: the database refused the import ({}); nothing was written".format(
                    path.name, exc
                )
            ],
            1,
        ) from exc


# --- CTDC ------------------------------------------------------------------------------------

CTDC_COLUMNS = (
    "yearOfRegistration",
    "gender",
    "ageBroad",
    "citizenship",
    "CountryOfExploitation",
    "traffickMonths",
    "meansDebtBondageEarnings",
    "meansThreats",
    "meansAbusePsyPhySex",
    "meansFalsePromises",
    "meansDrugsAlcohol",
    "meansDenyBasicNeeds",
    "meansExcessiveWorkHours",
    "meansWithholdDocs",
    "isForcedLabour",
    "isSexualExploit",
    "isOtherExploit",
    "typeOfLabourAgriculture",
    "typeOfLabourConstruction",
    "typeOfLabourDomesticWork",
    "typeOfLabourHospitality",
    "typeOfSexProstitution",
    "typeOfSexPornography",
    "recruiterRelationIntimatePartner",
    "recruiterRelationFriend",
    "recruiterRelationFamily",
    "recruiterRelationOther",
)
CTDC_GENDER = {
    "woman": h.Gender.FEMININE,
    "female": h.Gender.FEMININE,
    "man": h.Gender.MASCULINE,
    "male": h.Gender.MASCULINE,
    "trans": h.Gender.NON_CONFORMING,
    "transgender": h.Gender.NON_CONFORMING,
    "trans/transgender": h.Gender.NON_CONFORMING,
    "trans/transgender/nonconforming": h.Gender.NON_CONFORMING,
    "nonconforming": h.Gender.NON_CONFORMING,
    "gender non-conforming": h.Gender.NON_CONFORMING,
    "unknown": h.Gender.NON_SPECIFIED_UNKNOWN,
}
CTDC_AGE_BANDS = ("0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+")
CTDC_MONTHS = ("0-12", "13-24", "25+")
CTDC_MEANS: dict[str, tuple[str, ...]] = {
    "meansDebtBondageEarnings": (h.MethodOfControl.DEBT_BONDAGE, h.MethodOfControl.TAKES_EARNINGS),
    "meansThreats": (h.MethodOfControl.PHYSICAL_THREATS,),
    "meansAbusePsyPhySex": (
        h.MethodOfControl.PSYCHOLOGICAL_ABUSE,
        h.MethodOfControl.PHYSICAL_ABUSE,
        h.MethodOfControl.SEXUAL_ABUSE,
    ),
    "meansFalsePromises": (h.MethodOfControl.FALSE_PROMISES,),
    "meansDrugsAlcohol": (h.MethodOfControl.PSYCHOACTIVE_SUBSTANCE,),
    "meansDenyBasicNeeds": (h.MethodOfControl.WITHHOLDS_NECESSITIES,),
    "meansExcessiveWorkHours": (h.MethodOfControl.EXCESSIVE_WORKING_HOURS,),
    "meansWithholdDocs": (h.MethodOfControl.WITHHOLDS_DOCUMENTS,),
}
CTDC_EXPLOITATION = {
    "isForcedLabour": h.TypeOfExploitation.FORCED_LABOUR,
    "isSexualExploit": h.TypeOfExploitation.SEXUAL_EXPLOITATION,
    "isOtherExploit": h.TypeOfExploitation.OTHER,
}
CTDC_INDUSTRY = {  # in this order of precedence: HTCDS has one industry per person
    "typeOfLabourAgriculture": h.ForcedLabourIndustry.A_AGRICULTURE_FORESTRY_AND_FISHING,
    "typeOfLabourConstruction": h.ForcedLabourIndustry.F_CONSTRUCTION,
    "typeOfLabourDomesticWork": h.ForcedLabourIndustry.T_ACTIVITIES_OF_HOUSEHOLDS_AS_EMPLOYERS,
    "typeOfLabourHospitality": h.ForcedLabourIndustry.I_ACCOMMODATION_AND_FOOD_SERVICE_ACTIVITIES,
}
CTDC_SEX = {
    "typeOfSexProstitution": h.TypeOfSexExploitation.PROSTITUTION,
    "typeOfSexPornography": h.TypeOfSexExploitation.PORNOGRAPHY,
}
CTDC_RELATION = {  # in this order of precedence: HTCDS has one relationship per person
    "recruiterRelationFamily": h.RelationshipToTrafficker.FAMILIAL,
    "recruiterRelationIntimatePartner": h.RelationshipToTrafficker.ACQUAINTED,
    "recruiterRelationFriend": h.RelationshipToTrafficker.ACQUAINTED,
    "recruiterRelationOther": "",
}


def _ctdc_band(value: str) -> str:
    """'0--8', '0–8' and '0-8' are the same band."""
    return re.sub(r"\s*(?:--|–|-)\s*", "-", value.strip())


def ctdc_plans(path: Path, *, organisation: Organisation) -> list[CasePlan]:  # noqa: PLR0912, PLR0915
    """Read a file in the CTDC global synthetic dataset layout as de-identified cases.

    Each row becomes a closed case with one victim and no identifying data. The mapping:

    - yearOfRegistration -> the case opened (and closed) on 1 January of that year: CTDC gives
      the year only. Status `Closed`, reason "imported from CTDC"; the record is already
      de-identified, so retention has nothing to remove. A year in the future or before 1900
      is an impossible date.
    - Person: role `victim`, vic_TraffickingStatus `ActualVictimOfTrafficking` (CTDC records
      victims identified or assisted by its contributors; who decided is not recorded).
    - gender: Woman/Female -> Feminine, Man/Male -> Masculine; Trans, Transgender,
      Trans/Transgender, NonConforming (CTDC merges them) -> NonConforming, the one HTCDS value
      that asserts neither direction, so the group stays countable apart from missing data
      (TransgenderFeminine/-Masculine cannot be told apart). Empty -> not recorded.
    - ageBroad (0-8, 9-17, 18-20, 21-23, 24-26, 27-29, 30-38, 39-47, 48+) -> age at
      registration = the band's lower bound. The lower bounds differ, so the band can be
      recovered, and child or adult status is exact (9-17 is a child, 18-20 an adult).
    - citizenship -> prs_Citizenship (ISO alpha-3 or alpha-2); CountryOfExploitation -> one
      movement (hte_Type Exploitation) in that country, undated.
    - traffickMonths (0-12, 13-24, 25+): HTCDS has no duration; kept as that movement's
      description "exploited for N months (CTDC traffickMonths)".
    - means* -> vic_MethodsOfControl: DebtBondageEarnings -> DebtBondage + TakesEarnings;
      Threats -> PhysicalThreats; AbusePsyPhySex -> PsychologicalAbuse + PhysicalAbuse +
      SexualAbuse; FalsePromises -> FalsePromises; DrugsAlcohol -> PsychoactiveSubstance;
      DenyBasicNeeds -> WithholdsNecessities; ExcessiveWorkHours -> ExcessiveWorkingHours;
      WithholdDocs -> WithholdsDocuments. A CTDC flag that merges several HTCDS values maps to
      all of them: counts of those single values over CTDC cases are upper bounds.
    - isForcedLabour -> ForcedLabour, isSexualExploit -> SexualExploitation, isOtherExploit ->
      Other (vic_TypeOfExploitation).
    - typeOfLabour* -> vic_ForcedLabourIndustry (ISIC): Agriculture -> A, Construction -> F,
      DomesticWork -> T (households as employers), Hospitality -> I. HTCDS holds one
      industry: with several flags, the first in that order is kept.
    - typeOfSex* -> vic_TypeOfSexExploitation: Prostitution, Pornography.
    - recruiterRelation* -> vic_RelationshipToTrafficker: Family -> Familial; IntimatePartner
      and Friend -> Acquainted; Other -> not recorded (it may be a stranger or not). One
      value: Family first, then IntimatePartner, Friend.
    - Flag columns hold 1 or nothing; any other value refuses the file. The header must have
      exactly the 27 columns (in any order).
    """
    header, rows = _csv_rows(path)
    missing = [name for name in CTDC_COLUMNS if name not in header]
    unknown = [name for name in header if name not in CTDC_COLUMNS]
    if missing or unknown:
        problems = []
        if missing:
            problems.append("{}: missing CTDC column(s): {}".format(path.name, ", ".join(missing)))
        if unknown:
            problems.append("{}: unknown column(s): {}".format(path.name, ", ".join(unknown)))
        raise InterchangeError(problems, len(problems))
    if organisation.country_id is None:
        raise InterchangeError(
            ["{}: {} has no country, which the cases need".format(path.name, organisation)], 1
        )
    checker = _Checker(file_name=path.name, organisation=organisation, csv_mode=True)
    values = checker.values
    today = checker.today
    flags = [name for name in CTDC_COLUMNS[6:]]
    plans: list[CasePlan] = []
    for number, (line, row) in enumerate(rows, start=1):
        record = RawRecord(number, row, line)
        try:
            for name in flags:
                if (row.get(name) or "").strip() not in ("", "1"):
                    raise _Bad("{} must be 1 or empty, not '{}'".format(name, row[name]))
            flag = {name: (row.get(name) or "").strip() == "1" for name in flags}
            year_text = (row.get("yearOfRegistration") or "").strip()
            if not year_text.isdigit() or not 1900 <= int(year_text) <= today.year:
                raise _Bad("impossible yearOfRegistration '{}'".format(year_text))
            opened = dt.date(int(year_text), 1, 1)
            gender_text = (row.get("gender") or "").strip()
            gender = CTDC_GENDER.get(gender_text.lower()) if gender_text else ""
            if gender is None:
                raise _Bad(
                    "unknown code '{}' for gender (Woman, Man, Trans/Transgender, "
                    "NonConforming)".format(gender_text)
                )
            band_text = row.get("ageBroad") or ""
            band = _ctdc_band(band_text)
            if band and band not in CTDC_AGE_BANDS:
                raise _Bad(
                    "unknown code '{}' for ageBroad ({})".format(
                        band_text, ", ".join(CTDC_AGE_BANDS)
                    )
                )
            age = int(re.split(r"[-+]", band)[0]) if band else None
            months_text = row.get("traffickMonths") or ""
            months = _ctdc_band(months_text)
            if months and months not in CTDC_MONTHS:
                raise _Bad(
                    "unknown code '{}' for traffickMonths ({})".format(
                        months_text, ", ".join(CTDC_MONTHS)
                    )
                )
            citizenship_text = (row.get("citizenship") or "").strip()
            citizenship = (
                [values.country(citizenship_text, "citizenship")] if citizenship_text else []
            )
            exploited_text = (row.get("CountryOfExploitation") or "").strip()
            movements = []
            if exploited_text:
                movements.append(
                    {
                        "event_type": h.EventType.EXPLOITATION,
                        "country": values.country(exploited_text, "CountryOfExploitation"),
                        "state": "",
                        "city": "",
                        "date": None,
                        "end_date": None,
                        "description": "exploited for {} months (CTDC traffickMonths)".format(
                            months
                        )
                        if months
                        else "",
                    }
                )
            control = sorted({v for name, codes in CTDC_MEANS.items() if flag[name] for v in codes})
            industry = next((v for name, v in CTDC_INDUSTRY.items() if flag[name]), "")
            relation = next((v for name, v in CTDC_RELATION.items() if flag[name]), "")
        except _Bad as exc:
            checker.fail(record, str(exc))
            continue
        facts: dict[str, Any] = {
            "role": c.PersonRole.VICTIM,
            "gender": gender,
            "age_at_registration": age,
            "age_uncertain": False,
            "deceased": False,
            "agreement_to_manage_personal_data": False,
            "citizenship": citizenship,
            "trafficking_status": h.TraffickingStatus.ACTUAL_VICTIM_OF_TRAFFICKING,
            "methods_of_control": control,
            "types_of_exploitation": sorted(
                {v for name, v in CTDC_EXPLOITATION.items() if flag[name]}
            ),
            "forced_labour_industry": industry,
            "types_of_sex_exploitation": sorted({v for name, v in CTDC_SEX.items() if flag[name]}),
            "relationship_to_trafficker": relation,
        }
        plans.append(
            CasePlan(
                key="ctdc-{}".format(number),
                first_record=number,
                fields={
                    "title": "",
                    "status": h.CaseStatus.CLOSED,
                    "reason_for_closure": "imported from CTDC ({})".format(path.name)[:200],
                    "country": organisation.country_id,
                    "opened_on": opened,
                    "closed_on": opened,
                    "referring_organisation": None,
                    "incoming_referral_date": None,
                    "reason_for_incoming_referral": "",
                    "incoming_referral_details": "",
                },
                persons=[PersonPlan(number=number, pseudonym="", facts=facts, movements=movements)],
            )
        )
    checker.raise_if_failed()
    return plans
