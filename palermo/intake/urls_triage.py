"""The hotline's triage pages (palermo.intake.views_triage), at /intake/."""

from django.urls import path

from palermo.intake import views_offline, views_sync, views_triage

app_name = "intake_triage"

urlpatterns = [
    path("", views_triage.QueueView.as_view(), name="queue"),
    path("new/", views_triage.CallView.as_view(), name="call"),
    path("conflicts/<uuid:case_id>/", views_sync.ConflictsView.as_view(), name="conflicts"),
    path("offline/", views_offline.OfflineAppView.as_view(), name="offline"),
    path("offline/key/", views_offline.OfflineKeyView.as_view(), name="offline_key"),
    path(
        "offline/manifest.webmanifest",
        views_offline.ManifestView.as_view(),
        name="offline_manifest",
    ),
    path("offline/sw.js", views_offline.ServiceWorkerView.as_view(), name="offline_worker"),
    path("<str:reference>/", views_triage.ReportView.as_view(), name="report"),
    path(
        "<str:reference>/files/<int:position>/",
        views_triage.AttachmentView.as_view(),
        name="attachment",
    ),
]
