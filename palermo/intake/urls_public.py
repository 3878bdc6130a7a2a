"""The public report pages (palermo.intake.views_public), at /report/."""

from django.urls import path

from palermo.intake import views_public

app_name = "intake"

urlpatterns = [
    path("", views_public.ReportView.as_view(), name="report"),
    path("follow-up/", views_public.FollowUpView.as_view(), name="follow_up"),
    path("statistics/", views_public.StatisticsView.as_view(), name="statistics"),
]
