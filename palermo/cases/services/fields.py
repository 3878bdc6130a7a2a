"""The fields of a case and of a person that services accept, by kind: identity and contact
(encrypted apart), coded facts (single and multiple HTCDS choices), case details."""

from __future__ import annotations

from django.db import models

from palermo.cases import choices as c
from palermo.cases import htcds as h

IDENTITY_FIELDS = (
    "salutation",
    "first_name",
    "middle_name",
    "second_name",
    "aliases",
    "birthdate",
    "identity_number",
    "documents",
    "title",
)
CONTACT_FIELDS = (
    "email",
    "home_phone",
    "mobile_phone",
    "mailing_street",
    "mailing_city",
    "mailing_state",
    "mailing_postal_code",
    "mailing_country",
    "mailing_latitude",
    "mailing_longitude",
)
# The longest each identifying text may be (characters; of each alias, of each value of a
# document), as the web form and an import take it: checked before the identity is encrypted,
# since its ciphertext has no limit of its own (palermo.core.textlimits.NOT_FREE_TEXT).
IDENTITY_MAX: dict[str, int] = {
    "salutation": 50,
    "first_name": 100,
    "middle_name": 100,
    "second_name": 100,
    "aliases": 100,
    "identity_number": 100,
    "documents": 300,
    "title": 100,
    "email": 254,
    "home_phone": 50,
    "mobile_phone": 50,
    "mailing_street": 200,
    "mailing_city": 100,
    "mailing_state": 100,
    "mailing_postal_code": 20,
}
GUARDIAN_NAME_MAX = 200
MULTI_FIELDS: dict[str, type[models.TextChoices]] = {
    "recruitment_websites_and_apps": h.WebsiteOrApp,
    "methods_of_recruitment": h.MethodOfRecruitment,
    "methods_of_control": h.MethodOfControl,
    "types_of_exploitation": h.TypeOfExploitation,
    "types_of_sex_exploitation": h.TypeOfSexExploitation,
    "exploitation_websites_and_apps": h.WebsiteOrApp,
    "vulnerabilities": h.Vulnerability,
    "perpetrator_roles": h.PerpetratorRole,
}
SINGLE_FIELDS: dict[str, type[models.TextChoices]] = {
    "role": c.PersonRole,
    "gender": h.Gender,
    "marital_status": h.MaritalStatus,
    "education": h.EducationLevel,
    "trafficking_status": h.TraffickingStatus,
    "status_decision_org": h.StatusDecisionOrg,
    "relationship_to_trafficker": h.RelationshipToTrafficker,
    "forced_labour_industry": h.ForcedLabourIndustry,
}
PERSON_FACT_FIELDS = (
    *SINGLE_FIELDS,
    *MULTI_FIELDS,
    "age_at_registration",
    "age_uncertain",
    "deceased",
    "number_of_children",
    "primary_language",
    "secondary_language",
    "citizenship",
    "agreement_to_manage_personal_data",
    "age_when_trafficked",
    "location_of_recruitment",
    "location_of_exploitation",
    "details_of_vulnerabilities",
    "perpetrator_role_details",
)
CASE_FIELDS = (
    "title",
    "reason_for_incoming_referral",
    "incoming_referral_details",
    "incoming_referral_date",
)
# What a criminal proceeding records beyond its stage, start and suspect.
PROCEEDING_FIELDS = (
    "charges",
    "verdict",
    "verdict_on",
    "sentence_months",
    "confiscated_amount",
    "compensation_ordered",
    "compensation_paid",
    "currency",
)
