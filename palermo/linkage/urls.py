"""The linkage pages (palermo.linkage.views)."""

from django.urls import path

from palermo.linkage import views

app_name = "linkage"

urlpatterns = [
    path("", views.ExerciseListView.as_view(), name="list"),
    path("<uuid:pk>/", views.ExerciseDetailView.as_view(), name="detail"),
    path("matches/<int:pk>/", views.MatchView.as_view(), name="match"),
]
