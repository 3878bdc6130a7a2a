"""The OpenRosa API (palermo.intake.views_openrosa), at /openrosa/."""

from django.urls import path

from palermo.intake import views_openrosa

app_name = "openrosa"

urlpatterns = [
    path("formList", views_openrosa.FormListView.as_view(), name="form_list"),
    path("forms/<str:form_id>.xml", views_openrosa.FormView.as_view(), name="form"),
    path("submission", views_openrosa.SubmissionView.as_view(), name="submission"),
]
