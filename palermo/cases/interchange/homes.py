"""Where each field of the HTCDS v2.0 standard is kept in Palermo, or why it is not.

Owns `HTCDS_HOMES` (every field of the standard -> its model and field, with a note), shown by
`palermo cases fields`; `palermo/cases/tests/test_interchange_fields.py` checks it against the
standard's CSV and the models.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Home:
    """Where an HTCDS field is kept: `model` ("app.Model") and `field`, or why it is not."""

    model: str = ""
    field: str = ""
    note: str | Promise = ""

    @property
    def stored(self) -> bool:
        return bool(self.model)


_ID = "cases.PersonIdentity"
_NO_STAFF = _(
    "not stored: Palermo records the other organisation, not its staff; its contact points are "
    "in the registry directory (registry.DirectoryEntry)"
)
_NO_COORDS = _(
    "not stored: exact addresses and coordinates of recruitment and exploitation sites can "
    "identify a victim; Palermo keeps country, state and place (hte_State, hte_City)"
)
_DIRECTORY_ADDRESS = _(
    "an organisation's address is public directory data, one text field for the whole address"
)
HTCDS_HOMES: dict[str, Home] = {
    # Organisation: the organisations of the node (core) and their public directory entries.
    "org_Name": Home("core.Organisation", "name"),
    "org_ShippingCity": Home("registry.DirectoryEntry", "address", _DIRECTORY_ADDRESS),
    "org_ShippingCountry": Home("core.Organisation", "country", _("ISO 3166-1 alpha-3")),
    "org_ShippingState": Home("registry.DirectoryEntry", "address", _DIRECTORY_ADDRESS),
    "org_ShippingStreet": Home("registry.DirectoryEntry", "address", _DIRECTORY_ADDRESS),
    "org_ShippingPostalCode": Home("registry.DirectoryEntry", "address", _DIRECTORY_ADDRESS),
    "org_ShippingLongitude": Home(
        note=_(
            "not stored: shelters' locations are kept confidential; the directory has an address"
        )
    ),
    "org_ShippingLatitude": Home(
        note=_(
            "not stored: shelters' locations are kept confidential; the directory has an address"
        )
    ),
    "org_Phone": Home("registry.DirectoryEntry", "phone"),
    "org_Type": Home(
        "core.Organisation",
        "kind",
        _(
            "Palermo's coarser kinds: NGO -> ngo; LawEnforcement, ImmigrationService, Central- and "
            "LocalGovernmentOrganisation -> government; HealthServiceOrganisation, LegalService, "
            "SchoolOrCollege, CorporateBusiness -> service_provider"
        ),
    ),
    # Person: identifying data in one encrypted token per person (PersonIdentity).
    "prs_Salutation": Home(_ID, "ciphertext", _("encrypted, key 'salutation'")),
    "prs_FirstName": Home(_ID, "ciphertext", _("encrypted, key 'first_name'")),
    "prs_MiddleName": Home(_ID, "ciphertext", _("encrypted, key 'middle_name'")),
    "prs_SecondName": Home(_ID, "ciphertext", _("encrypted, key 'second_name'")),
    "prs_Birthdate": Home(
        _ID,
        "ciphertext",
        _(
            "encrypted, key 'birthdate'; the age when registered is kept in "
            "Person.age_at_registration (plm_AgeAtRegistration)"
        ),
    ),
    "prs_Gender": Home("cases.Person", "gender"),
    "prs_Deceased": Home("cases.Person", "deceased"),
    "prs_MaritalStatus": Home("cases.Person", "marital_status"),
    "prs_NumberOfChildren": Home("cases.Person", "number_of_children"),
    "prs_PrimaryLanguage": Home("cases.Person", "primary_language", _("ISO 639 code")),
    "prs_SecondaryLanguage": Home("cases.Person", "secondary_language", _("ISO 639 code")),
    "prs_HighestLevelOfEducation": Home("cases.Person", "education"),
    "prs_Citizenship": Home("cases.Person", "citizenship", _("list of ISO 3166-1 alpha-3")),
    "prs_IdentityNumber": Home(_ID, "ciphertext", _("encrypted, key 'identity_number'")),
    "prs_Title": Home(_ID, "ciphertext", _("encrypted, key 'title'")),
    "prs_Email": Home(_ID, "ciphertext", _("encrypted, key 'email'")),
    "prs_HomePhone": Home(_ID, "ciphertext", _("encrypted, key 'home_phone'")),
    "prs_MobilePhone": Home(_ID, "ciphertext", _("encrypted, key 'mobile_phone'")),
    "prs_MailingCity": Home(_ID, "ciphertext", _("encrypted, key 'mailing_city'")),
    "prs_MailingCountry": Home(_ID, "ciphertext", _("encrypted, key 'mailing_country' (alpha-3)")),
    "prs_MailingState": Home(_ID, "ciphertext", _("encrypted, key 'mailing_state'")),
    "prs_MailingStreet": Home(_ID, "ciphertext", _("encrypted, key 'mailing_street'")),
    "prs_MailingPostalCode": Home(_ID, "ciphertext", _("encrypted, key 'mailing_postal_code'")),
    "prs_MailingLongitude": Home(_ID, "ciphertext", _("encrypted, key 'mailing_longitude'")),
    "prs_MailingLatitude": Home(_ID, "ciphertext", _("encrypted, key 'mailing_latitude'")),
    # Person - victim context.
    "vic_AgreementToManagePersonalData": Home(
        "cases.Person",
        "agreement_to_manage_personal_data",
        _(
            "deprecated in HTCDS in favour of con_Consent; kept, and set when consent to data "
            "sharing is recorded"
        ),
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
        _("a place as text (HTCDS: lookup); places with dates are movements (hte_)"),
    ),
    "vic_MethodsOfControl": Home("cases.Person", "methods_of_control"),
    "vic_TypeOfExploitation": Home(
        "cases.Person",
        "types_of_exploitation",
        _("plus the Palermo extensions ForcedCriminality and DomesticServitude"),
    ),
    "vic_ForcedLabourIndustry": Home("cases.Person", "forced_labour_industry"),
    "vic_TypeOfSexExploitation": Home("cases.Person", "types_of_sex_exploitation"),
    "vic_LocationOfExploitation": Home(
        "cases.Person", "location_of_exploitation", _("a place as text (HTCDS: lookup)")
    ),
    "vic_ExploitationWebsitesAndApps": Home("cases.Person", "exploitation_websites_and_apps"),
    "vic_Vulnerabilities": Home("cases.Person", "vulnerabilities", _("deprecated in HTCDS; kept")),
    "vic_DetailsOfVulnerabilities": Home(
        "cases.Person", "details_of_vulnerabilities", _("deprecated in HTCDS; kept")
    ),
    # Person - perpetrator context.
    "per_RoleInProcess": Home("cases.Person", "perpetrator_roles"),
    "per_RoleDetails": Home("cases.Person", "perpetrator_role_details"),
    # Case, with incoming and outgoing referral details.
    "cas_Status": Home("cases.Case", "status"),
    "cas_ReasonForCaseClosure": Home("cases.Case", "reason_for_closure"),
    "cas_CaseOwner": Home("cases.Case", "owner", _("a user of the node; not imported")),
    "cas_ReferringOrganisation": Home("cases.Case", "referring_organisation"),
    "cas_IncomingReferralDate": Home("cases.Case", "incoming_referral_date"),
    "cas_ReferringPrimaryCaseWorker": Home(note=_NO_STAFF),
    "cas_ReasonForIncomingReferral": Home("cases.Case", "reason_for_incoming_referral"),
    "cas_IncomingReferralDetails": Home("cases.Case", "incoming_referral_details"),
    "cas_ReferredOrganisation": Home(
        "cases.Referral", "to_organisation", _("one Referral per outgoing referral; not imported")
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
    "hte_Country": Home("cases.Movement", "country", _("ISO 3166-1 alpha-3")),
    "hte_State": Home("cases.Movement", "state"),
    "hte_Street": Home(note=_NO_COORDS),
    "hte_PostalCode": Home(note=_NO_COORDS),
    "hte_Date": Home("cases.Movement", "date", _("with an optional end (plm_EventEndDate)")),
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
        _("a Consent per purpose (plm_ConsentPurpose); con_Consent is true while not withdrawn"),
    ),
}
