"""URLs of the registry pages (the names are used by templates and other apps: keep them)."""

from django.urls import path

from palermo.registry import views

app_name = "registry"
urlpatterns = [
    path("instruments/", views.instrument_list, name="instrument_list"),
    path("instruments/<slug:slug>/", views.instrument_detail, name="instrument_detail"),
    path("parties/", views.parties, name="parties"),
    path("countries/", views.country_list, name="country_list"),
    path("countries/<str:iso3>/", views.country_detail, name="country_detail"),
    path("mechanisms/", views.mechanism_list, name="mechanism_list"),
    path("mechanisms/<str:acronym>/", views.mechanism_detail, name="mechanism_detail"),
    path("directory/", views.directory, name="directory"),
    path("conflicts/", views.conflict_list, name="conflict_list"),
    path("edit/treaty-actions/new/", views.treaty_action_new, name="treaty_action_new"),
    path(
        "edit/treaty-actions/<int:pk>/correct/",
        views.treaty_action_correct,
        name="treaty_action_correct",
    ),
    path("edit/legislation/new/", views.legislation_new, name="legislation_new"),
    path("edit/directory/new/", views.directory_new, name="directory_new"),
    path("edit/memberships/new/", views.membership_new, name="membership_new"),
]
