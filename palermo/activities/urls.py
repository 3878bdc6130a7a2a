"""The clearing house's pages (palermo.activities.views)."""

from django.urls import path

from palermo.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.ActivityListView.as_view(), name="list"),
    path("supply/", views.SupplyView.as_view(), name="supply"),
    path("<path:identifier>/training/", views.TrainingView.as_view(), name="training"),
    path("<path:identifier>/", views.ActivityDetailView.as_view(), name="detail"),
]
