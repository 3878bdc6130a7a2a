"""Statistics pages under /statistics/."""

from django.urls import path

from palermo.statistics import views

app_name = "statistics"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("countries/<str:iso3>/", views.CountryProfileView.as_view(), name="country"),
    path(
        "countries/<str:iso3>/charts/<int:n>.<str:fmt>",
        views.CountryChartView.as_view(),
        name="country_chart",
    ),
    path(
        "countries/<str:iso3>/figures.<str:fmt>",
        views.CountryDataView.as_view(),
        name="country_data",
    ),
    path("indicators/<slug:code>/", views.IndicatorAcrossView.as_view(), name="indicator"),
    path(
        "indicators/<slug:code>/chart.<str:fmt>",
        views.IndicatorChartView.as_view(),
        name="indicator_chart",
    ),
    path(
        "indicators/<slug:code>/figures.<str:fmt>",
        views.IndicatorDataView.as_view(),
        name="indicator_data",
    ),
    path("routes/", views.RoutesView.as_view(), name="routes"),
    path("routes/<slug:chart>.<str:fmt>", views.RouteChartView.as_view(), name="route_chart"),
    path("completeness/", views.CompletenessView.as_view(), name="completeness"),
    path("entry/", views.EntryStartView.as_view(), name="entry"),
    path("entry/derive/", views.EntryDeriveView.as_view(), name="entry_derive"),
    path("figures/<int:pk>/trace/", views.FigureTraceView.as_view(), name="figure_trace"),
    path(
        "entry/<slug:dataset>/<str:iso3>/<str:period>/",
        views.EntryGridView.as_view(),
        name="entry_grid",
    ),
    path(
        "entry/<slug:dataset>/<str:iso3>/<str:period>/template.<str:fmt>",
        views.EntryTemplateView.as_view(),
        name="entry_template",
    ),
    path(
        "entry/<slug:dataset>/<str:iso3>/<str:period>/upload/",
        views.EntryUploadView.as_view(),
        name="entry_upload",
    ),
    path("publications/", views.PublicationListView.as_view(), name="publications"),
    path("publications/new/", views.PublicationNewView.as_view(), name="publication_new"),
    path(
        "publications/release/",
        views.PublicationReleaseView.as_view(),
        name="publication_release",
    ),
    path(
        "publications/release/budget/",
        views.PublicationBudgetView.as_view(),
        name="publication_budget",
    ),
    path("publications/<slug:key>/", views.PublicationDetailView.as_view(), name="publication"),
    path(
        "publications/<slug:key>/v<int:version>/",
        views.PublicationDetailView.as_view(),
        name="publication_version",
    ),
    path(
        "publications/<slug:key>/v<int:version>/table.<str:fmt>",
        views.PublicationDataView.as_view(),
        name="publication_data",
    ),
]
