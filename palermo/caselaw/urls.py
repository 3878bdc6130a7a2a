"""The case-law pages (palermo.caselaw.views)."""

from django.urls import path

from palermo.caselaw import views, views_writing

app_name = "caselaw"

urlpatterns = [
    path("", views.SearchView.as_view(), name="search"),
    path("draft/", views.DraftView.as_view(), name="draft"),
    path("new/", views_writing.NewDecisionView.as_view(), name="new"),
    path("statistics/", views.StatisticsView.as_view(), name="statistics"),
    path("<slug:key>/", views.DecisionView.as_view(), name="decision"),
    path("<slug:key>/edit/", views_writing.EditDecisionView.as_view(), name="edit"),
    path("<slug:key>/files/", views.JudgmentUploadView.as_view(), name="judgment_upload"),
    path("<slug:key>/files/<uuid:pk>/", views.JudgmentView.as_view(), name="judgment"),
]
