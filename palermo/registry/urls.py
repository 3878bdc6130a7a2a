"""URLs of the registry pages (the names are used by templates and other apps: keep them)."""

from django.urls import path

from palermo.registry import views

app_name = "registry"
urlpatterns = [
    path("instruments/", views.InstrumentListView.as_view(), name="instrument_list"),
    path(
        "instruments/<slug:slug>/", views.InstrumentDetailView.as_view(), name="instrument_detail"
    ),
    path("parties/", views.PartiesView.as_view(), name="parties"),
    path("countries/", views.CountryListView.as_view(), name="country_list"),
    path("countries/<str:iso3>/", views.CountryDetailView.as_view(), name="country_detail"),
    path("mechanisms/", views.MechanismListView.as_view(), name="mechanism_list"),
    path("mechanisms/<str:acronym>/", views.MechanismDetailView.as_view(), name="mechanism_detail"),
    path("directory/", views.DirectoryView.as_view(), name="directory"),
    path("conflicts/", views.ConflictListView.as_view(), name="conflict_list"),
    path("edit/treaty-actions/new/", views.TreatyActionNewView.as_view(), name="treaty_action_new"),
    path(
        "edit/treaty-actions/<int:pk>/correct/",
        views.TreatyActionCorrectView.as_view(),
        name="treaty_action_correct",
    ),
    path("edit/legislation/new/", views.LegislationNewView.as_view(), name="legislation_new"),
    path("edit/directory/new/", views.DirectoryNewView.as_view(), name="directory_new"),
    path("edit/memberships/new/", views.MembershipNewView.as_view(), name="membership_new"),
]
