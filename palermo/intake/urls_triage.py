"""The hotline's triage pages (palermo.intake.views_triage), at /intake/."""

from django.urls import path

from palermo.intake import views_sync, views_triage

app_name = "intake_triage"

urlpatterns = [
    path("", views_triage.QueueView.as_view(), name="queue"),
    path("new/", views_triage.CallView.as_view(), name="call"),
    path("conflicts/<uuid:case_id>/", views_sync.ConflictsView.as_view(), name="conflicts"),
    path("<str:reference>/", views_triage.ReportView.as_view(), name="report"),
    path(
        "<str:reference>/files/<int:position>/",
        views_triage.AttachmentView.as_view(),
        name="attachment",
    ),
]
