"""Statistics pages, one module per concern (thin views over the selectors, services and
exporters; what a user may not see answers 404):

- `base`: `StatisticsView`, `CoordinatorView`, `StatisticsFormView`, downloads;
- `figures`: overview, country profile, indicator across countries, routes, completeness;
- `entry`: a national coordinator's data entry, template download and upload;
- `derive`: a national coordinator's figures derived from case records, and their trace;
- `publications`: publications, regional tables and differentially private releases.

The views are re-exported here for `urls.py`.
"""

from __future__ import annotations

from palermo.statistics.views.base import CoordinatorView, StatisticsFormView, StatisticsView
from palermo.statistics.views.derive import EntryDeriveView, FigureTraceView
from palermo.statistics.views.entry import (
    EntryGridView,
    EntryStartView,
    EntryTemplateView,
    EntryUploadView,
)
from palermo.statistics.views.figures import (
    CompletenessView,
    CountryChartView,
    CountryDataView,
    CountryProfileView,
    IndexView,
    IndicatorAcrossView,
    IndicatorChartView,
    IndicatorDataView,
    RouteChartView,
    RoutesView,
)
from palermo.statistics.views.publications import (
    PublicationBudgetView,
    PublicationDataView,
    PublicationDetailView,
    PublicationListView,
    PublicationNewView,
    PublicationReleaseView,
)

__all__ = [
    "CompletenessView",
    "CoordinatorView",
    "CountryChartView",
    "CountryDataView",
    "CountryProfileView",
    "FigureTraceView",
    "EntryDeriveView",
    "EntryGridView",
    "EntryStartView",
    "EntryTemplateView",
    "EntryUploadView",
    "IndexView",
    "IndicatorAcrossView",
    "IndicatorChartView",
    "IndicatorDataView",
    "PublicationBudgetView",
    "PublicationDataView",
    "PublicationDetailView",
    "PublicationListView",
    "PublicationNewView",
    "PublicationReleaseView",
    "RouteChartView",
    "RoutesView",
    "StatisticsFormView",
    "StatisticsView",
]
