"""Every write of case management: validated, atomic, audited, permission-checked.

One module per concern; every public name is importable from `palermo.cases.services`:
- `fields`: the case and person fields services accept (identity, contact, coded facts);
- `common`: what every service shares (who may act, code checks, today, ages);
- `cases`: open, update, close, reopen, comment;
- `persons`: persons, their identifying data (encrypted, every read audited) and photos;
- `consent`: consent for a purpose and its withdrawal;
- `identification`: screening against indicators, formal identification;
- `movements`: recruitment, transit and exploitation events;
- `referrals`: referrals to service providers and shares of a case;
- `measures`: reflection periods, residence permits, witness protection;
- `returns`: children (guardians, best-interest determinations), return and reintegration;
- `proceedings`: criminal proceedings and support plans;
- `retention`: anonymising closed cases after the retention period;
- `duplicates`: records confirmed to be one person, counted once.
Saving a row is `palermo.cases.writer` (row_save, person_save).
"""

from palermo.cases.choices import REFERRAL_TRANSITIONS
from palermo.cases.services.cases import (
    case_close,
    case_open,
    case_reopen,
    case_update,
    comment_add,
)
from palermo.cases.services.consent import consent_record, consent_withdraw, has_consent
from palermo.cases.services.duplicates import persons_counted_once
from palermo.cases.services.fields import (
    CASE_FIELDS,
    CONTACT_FIELDS,
    IDENTITY_FIELDS,
    MULTI_FIELDS,
    PERSON_FACT_FIELDS,
    PROCEEDING_FIELDS,
    SINGLE_FIELDS,
)
from palermo.cases.services.identification import identification_record, screening_record
from palermo.cases.services.measures import (
    measure_end,
    measure_grant,
    measure_renew,
    reflection_days_min,
)
from palermo.cases.services.movements import movement_add
from palermo.cases.services.name_search import NameHit, person_name_search
from palermo.cases.services.persons import (
    person_add,
    person_identity_read,
    person_identity_set,
    person_update,
    photo_add,
    photo_read,
)
from palermo.cases.services.proceedings import proceeding_record, support_plan_add
from palermo.cases.services.referrals import (
    case_share,
    case_share_revoke,
    referral_send,
    referral_transition,
)
from palermo.cases.services.retention import case_anonymise, cases_anonymise_due
from palermo.cases.services.returns import (
    best_interest_record,
    follow_up_plan,
    follow_up_record,
    guardian_appoint,
    return_cancel,
    return_complete,
    return_decide,
    return_plan,
)

__all__ = [
    "CASE_FIELDS",
    "CONTACT_FIELDS",
    "IDENTITY_FIELDS",
    "MULTI_FIELDS",
    "PERSON_FACT_FIELDS",
    "PROCEEDING_FIELDS",
    "REFERRAL_TRANSITIONS",
    "SINGLE_FIELDS",
    "best_interest_record",
    "case_anonymise",
    "case_close",
    "case_open",
    "case_reopen",
    "case_share",
    "case_share_revoke",
    "case_update",
    "cases_anonymise_due",
    "comment_add",
    "consent_record",
    "consent_withdraw",
    "follow_up_plan",
    "follow_up_record",
    "guardian_appoint",
    "has_consent",
    "identification_record",
    "measure_end",
    "measure_grant",
    "measure_renew",
    "movement_add",
    "person_add",
    "person_identity_read",
    "person_name_search",
    "NameHit",
    "persons_counted_once",
    "person_identity_set",
    "person_update",
    "photo_add",
    "photo_read",
    "proceeding_record",
    "reflection_days_min",
    "referral_send",
    "referral_transition",
    "return_cancel",
    "return_complete",
    "return_decide",
    "return_plan",
    "screening_record",
    "support_plan_add",
]
