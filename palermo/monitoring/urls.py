"""Monitoring pages under /monitoring/."""

from django.urls import path

from palermo.monitoring import (
    views,
    views_authoring,
    views_coding,
    views_plans,
    views_reports,
    views_rounds,
)

app_name = "monitoring"

urlpatterns = [
    path("questionnaires/", views.QuestionnaireListView.as_view(), name="questionnaires"),
    path("questionnaires/new/", views.QuestionnaireNewView.as_view(), name="questionnaire_new"),
    path("questionnaires/<slug:key>/", views.QuestionnaireView.as_view(), name="questionnaire"),
    path(
        "questionnaires/<slug:key>/upload/",
        views.VersionUploadView.as_view(),
        name="version_upload",
    ),
    path(
        "questionnaires/<slug:key>/draft",
        views_authoring.VersionDraftView.as_view(),
        name="version_draft",
    ),
    path(
        "questionnaires/<slug:key>/v<int:number>/edit",
        views_authoring.VersionEditView.as_view(),
        name="version_edit",
    ),
    path(
        "questionnaires/<slug:key>/v<int:number>/",
        views.VersionView.as_view(),
        name="version",
    ),
    path(
        "questionnaires/<slug:key>/v<int:number>/xlsform",
        views.VersionXLSFormView.as_view(),
        name="version_xlsform",
    ),
    path("plans/", views_plans.PlanListView.as_view(), name="plans"),
    path("plans/load/", views_plans.PlanUploadView.as_view(), name="plan_upload"),
    path("plans/<slug:key>/", views_plans.PlanView.as_view(), name="plan"),
    path(
        "plans/<slug:key>/report.<str:fmt>",
        views_plans.PlanReportView.as_view(),
        name="plan_report",
    ),
    path(
        "plans/<slug:key>/indicators/<str:number>/",
        views_plans.ValueReportView.as_view(),
        name="plan_value",
    ),
    path("rounds/", views_rounds.RoundListView.as_view(), name="rounds"),
    path("rounds/new/", views_rounds.RoundNewView.as_view(), name="round_new"),
    path("rounds/<slug:key>/", views_rounds.RoundView.as_view(), name="round"),
    path(
        "rounds/<slug:key>/report.<str:fmt>",
        views_reports.RoundReportView.as_view(),
        name="round_report",
    ),
    path("rounds/<slug:key>/coding/", views_coding.CodingView.as_view(), name="coding"),
    path("rounds/<slug:key>/outline/", views_reports.OutlineView.as_view(), name="outline"),
    path(
        "rounds/<slug:key>/report/steps",
        views_reports.ReportStepView.as_view(),
        name="round_report_step",
    ),
    path(
        "rounds/<slug:key>/<str:iso3>/files/<str:name>",
        views_reports.AnswerFileView.as_view(),
        name="answer_file",
    ),
    path(
        "rounds/<slug:key>/<str:iso3>/",
        views_rounds.SubmissionView.as_view(),
        name="submission",
    ),
    path(
        "questionnaires/<slug:key>/v<int:number>/publish",
        views.VersionPublishView.as_view(),
        name="version_publish",
    ),
]
