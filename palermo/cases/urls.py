"""URLs of the case worker pages under /cases/: lists, the case and person pages, and one URL per
step (on a case, on a person, on one record of a person)."""

from django.urls import path

from palermo.cases import views as v

app_name = "cases"

PERSON_STEPS = [
    ("facts/", v.PersonFactsView, "person_facts"),
    ("identity/edit/", v.IdentityEditView, "identity_edit"),
    ("consent/", v.ConsentView, "consent"),
    ("screen/", v.ScreeningView, "screen"),
    ("identify/", v.IdentificationView, "identify"),
    ("movements/new/", v.MovementView, "movement"),
    ("refer/", v.ReferralView, "refer"),
    ("measures/new/", v.MeasureGrantView, "measure"),
    ("guardian/", v.GuardianView, "guardian"),
    ("best-interest/", v.BestInterestView, "best_interest"),
    ("returns/new/", v.ReturnPlanView, "return_plan"),
    ("follow-ups/new/", v.FollowUpPlanView, "follow_up_plan"),
    ("support-plans/new/", v.SupportPlanView, "support_plan"),
]
RECORD_STEPS = [
    ("consents/<int:pk>/withdraw/", v.ConsentWithdrawView, "consent_withdraw"),
    ("measures/<int:pk>/renew/", v.MeasureRenewView, "measure_renew"),
    ("measures/<int:pk>/end/", v.MeasureEndView, "measure_end"),
    ("returns/<int:pk>/decide/", v.ReturnDecideView, "return_decide"),
    ("returns/<int:pk>/complete/", v.ReturnCompleteView, "return_complete"),
    ("follow-ups/<int:pk>/record/", v.FollowUpRecordView, "follow_up_record"),
]
CASE_STEPS = [
    ("edit/", v.CaseEditView, "edit"),
    ("persons/new/", v.PersonAddView, "person_add"),
    ("proceedings/new/", v.ProceedingView, "proceeding"),
    ("comments/new/", v.CommentView, "comment"),
    ("close/", v.CaseCloseView, "close"),
    ("reopen/", v.CaseReopenView, "reopen"),
    ("case-file/", v.CaseFileView, "case_file"),
]

urlpatterns = [
    path("", v.CaseListView.as_view(), name="list"),
    path("new/", v.CaseOpenView.as_view(), name="open"),
    path("deadlines/", v.DeadlineBoardView.as_view(), name="deadlines"),
    path("referrals/", v.ReferralInboxView.as_view(), name="inbox"),
    path("referrals/sent/", v.ReferralSentView.as_view(), name="referrals_sent"),
    path(
        "referrals/<int:pk>/<slug:action>/",
        v.ReferralActionView.as_view(),
        name="referral_action",
    ),
    path("persons/search/", v.PersonNameSearchView.as_view(), name="person_search"),
    path("persons/<str:pseudonym>/", v.PersonDetailView.as_view(), name="person"),
    path("persons/<str:pseudonym>/identity/", v.IdentityRevealView.as_view(), name="identity"),
    path(
        "persons/<str:pseudonym>/screenings/<int:pk>/",
        v.ScreeningDetailView.as_view(),
        name="screening",
    ),
    *[
        path("persons/<str:pseudonym>/" + route, view.as_view(), name=name)
        for route, view, name in PERSON_STEPS + RECORD_STEPS
    ],
    path("<str:case_id>/", v.CaseDetailView.as_view(), name="detail"),
    *[
        path("<str:case_id>/" + route, view.as_view(), name=name)
        for route, view, name in CASE_STEPS
    ],
]
