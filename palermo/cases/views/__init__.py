"""Case worker pages: thin views over the cases selectors and services.

Every page finds its case or person through `palermo.cases.access`, so a case the user may not
see answers 404 (never 403) and lists simply leave it out; roles that never see cases get 404
too. Identifying data appears only after the user POSTs a reason (`person_identity_read` writes
the audit entry) and never in a URL. Forms only parse; services validate, write and audit, and
their `ApplicationError`s are shown as form errors.

- `base`: CasesView (a PalermoView) and the step views (FormServiceView) every page builds on;
- `lists`: the case list, the deadline board, the referral inbox and its answers;
- `pages`: the case page, the person page (and the reveal of identity), a screening;
- `case_steps`, `person_steps`, `protection_steps`: one form, one service call each.
"""

from palermo.cases.views.case_steps import (
    CaseCloseView,
    CaseEditView,
    CaseOpenView,
    CaseReopenView,
    CommentView,
    PersonAddView,
    ProceedingView,
)
from palermo.cases.views.casefile import CaseFileView
from palermo.cases.views.lists import (
    CaseListView,
    DeadlineBoardView,
    PersonNameSearchView,
    ReferralActionView,
    ReferralInboxView,
    ReferralSentView,
)
from palermo.cases.views.pages import (
    CaseDetailView,
    IdentityRevealView,
    PersonDetailView,
    ScreeningDetailView,
)
from palermo.cases.views.person_steps import (
    ConsentView,
    ConsentWithdrawView,
    IdentificationView,
    IdentityEditView,
    MovementView,
    PersonFactsView,
    ReferralView,
    ScreeningView,
)
from palermo.cases.views.protection_steps import (
    BestInterestView,
    FollowUpPlanView,
    FollowUpRecordView,
    GuardianView,
    MeasureEndView,
    MeasureGrantView,
    MeasureRenewView,
    ReturnCompleteView,
    ReturnDecideView,
    ReturnPlanView,
    SupportPlanView,
)

__all__ = [
    "CaseFileView",
    "BestInterestView",
    "CaseCloseView",
    "CaseDetailView",
    "CaseEditView",
    "CaseListView",
    "CaseOpenView",
    "CaseReopenView",
    "CommentView",
    "ConsentView",
    "ConsentWithdrawView",
    "DeadlineBoardView",
    "FollowUpPlanView",
    "FollowUpRecordView",
    "GuardianView",
    "IdentificationView",
    "IdentityEditView",
    "IdentityRevealView",
    "MeasureEndView",
    "MeasureGrantView",
    "MeasureRenewView",
    "MovementView",
    "PersonAddView",
    "PersonDetailView",
    "PersonNameSearchView",
    "PersonFactsView",
    "ProceedingView",
    "ReferralActionView",
    "ReferralInboxView",
    "ReferralSentView",
    "ReferralView",
    "ReturnCompleteView",
    "ReturnDecideView",
    "ReturnPlanView",
    "ScreeningDetailView",
    "ScreeningView",
    "SupportPlanView",
]
