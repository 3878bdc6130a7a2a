"""What every statistics page shares.

- `StatisticsView`: a `PalermoView` where domain errors answer 404 (what you may not see does
  not exist for you, and neither does a period in the URL that is not one), a login only where
  a page asks for one, and no caching of what a logged-in user sees (it may hold a country's
  unpublished figures);
- `CoordinatorView`: the pages of a national coordinator about their own country (404 for
  anyone else);
- `StatisticsFormView`: "form -> service -> redirect, or the form again with the error" for the
  statistics pages, which answer 400 when they show a form with errors;
- chart and table downloads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from palermo.core.models import User
from palermo.core.views import FormServiceView, PalermoView, page_user
from palermo.statistics import charts
from palermo.statistics.access import coordinator_country

CHART_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
TABLE_TYPES = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "sdmx-csv": ("text/csv; charset=utf-8", "csv"),
}


class StatisticsView(PalermoView):
    """Base of the statistics pages: public unless `login_required`; domain errors become 404
    (never 403); responses to logged-in users are never cached."""

    login_required = False
    forbidden_as_404 = True
    errors_as_404 = True
    private_if_user = True


class CoordinatorView(StatisticsView):
    """Pages of a national coordinator about their own country; anyone else gets 404."""

    login_required = True

    def allowed(self, user: User) -> bool:
        return coordinator_country(user) is not None

    @property
    def user(self) -> User:
        return page_user(self.request)

    @property
    def country(self) -> str:
        """The ISO3 code of the coordinator's country."""
        country = coordinator_country(self.user)
        if country is None:  # allowed() let only coordinators in
            raise Http404(_("No such page."))
        return country


class StatisticsFormView(StatisticsView, FormServiceView):
    """A statistics page with one form whose valid input goes to one service; a form shown again
    with errors answers 400."""

    invalid_status = 400


def download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = 'attachment; filename="{}"'.format(filename)
    return response


def chart_response(spec: charts.Spec, fmt: str, filename: str) -> HttpResponse:
    """A chart rendered as an SVG or PNG download."""
    if fmt not in CHART_TYPES:
        raise Http404(_("Charts are exported as SVG or PNG."))
    try:
        content = charts.render(spec, fmt)
    except charts.ChartError as exc:
        raise Http404(str(exc)) from exc
    return download(content, CHART_TYPES[fmt], "{}.{}".format(filename, fmt))


def table_response(content: Callable[[], bytes], fmt: str, filename: str) -> HttpResponse:
    """A table as a CSV, XLSX or SDMX-CSV download (`content` is only called for those)."""
    if fmt not in TABLE_TYPES:
        raise Http404(_("Tables are exported as CSV, XLSX or SDMX-CSV."))
    content_type, suffix = TABLE_TYPES[fmt]
    name = "{}{}.{}".format(filename, "-sdmx" if fmt == "sdmx-csv" else "", suffix)
    return download(content(), content_type, name)


def downloads(name: str, query: str = "", **kwargs: Any) -> list[tuple[str, str]]:
    """(label, URL) of a table's CSV, XLSX and SDMX-CSV downloads."""
    suffix = "?" + query if query else ""
    labels = {"csv": "CSV", "xlsx": "XLSX", "sdmx-csv": "SDMX-CSV"}
    return [
        (label, reverse(name, kwargs={**kwargs, "fmt": fmt}) + suffix)
        for fmt, label in labels.items()
    ]
