"""Case management for a national referral mechanism, aligned with HTCDS v2.0.

A person's identifying data lives only in `PersonIdentity` (encrypted at rest, field-level, one
authenticated ciphertext per person); every other record refers to the person by a random
pseudonym. Multi-select HTCDS picklists are JSON lists of HTCDS value names.

One module per concern, every model importable from `palermo.cases.models` (migrations name
`palermo.cases.models.new_pseudonym` and `new_case_reference`):
- `cases`: Case, CaseShare, CaseComment, CountryPolicy;
- `persons`: Person, PersonIdentity, PersonPhoto, Consent, Movement;
- `identification`: IndicatorList, Indicator, Screening, Identification;
- `protection`: Referral, ProtectionMeasure, SupportPlan;
- `returns`: Guardian, BestInterestDetermination, Return, FollowUpVisit;
- `proceedings`: Proceeding;
- `counts`: PersonFacts, VictimCount, VictimYearCount, RouteCount, RouteTotal, NodeRouteCount
  (what the statistics count).
"""

from palermo.cases.models.cases import (
    Case,
    CaseComment,
    CaseShare,
    CountryPolicy,
    new_case_reference,
)
from palermo.cases.models.counts import (
    NodeRouteCount,
    PersonFacts,
    RouteCount,
    RouteTotal,
    VictimCount,
    VictimYearCount,
)
from palermo.cases.models.identification import (
    Identification,
    Indicator,
    IndicatorList,
    Screening,
)
from palermo.cases.models.persons import (
    Consent,
    Movement,
    Person,
    PersonIdentity,
    PersonNameToken,
    PersonPhoto,
    child_status,
    is_child,
    new_pseudonym,
)
from palermo.cases.models.proceedings import Proceeding
from palermo.cases.models.protection import ProtectionMeasure, Referral, SupportPlan
from palermo.cases.models.returns import (
    BestInterestDetermination,
    FollowUpVisit,
    Guardian,
    Return,
)

__all__ = [
    "BestInterestDetermination",
    "Case",
    "CaseComment",
    "CaseShare",
    "Consent",
    "CountryPolicy",
    "FollowUpVisit",
    "Guardian",
    "Identification",
    "Indicator",
    "IndicatorList",
    "Movement",
    "NodeRouteCount",
    "Person",
    "PersonFacts",
    "PersonIdentity",
    "PersonNameToken",
    "PersonPhoto",
    "Proceeding",
    "ProtectionMeasure",
    "Referral",
    "Return",
    "RouteCount",
    "RouteTotal",
    "Screening",
    "SupportPlan",
    "VictimCount",
    "VictimYearCount",
    "child_status",
    "is_child",
    "new_case_reference",
    "new_pseudonym",
]
