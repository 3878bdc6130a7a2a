"""A national coordinator's figures from case records, in the web UI (the same services as
`palermo stats derive` and `POST /api/v1/statistics/derivations`, and as
`POST /api/v1/statistics/values/{id}/trace`):

- derive: compute the country's draft figures for a data set and period from its case records
  and cooperation requests (`derivation.derivation_run`: the country's coordinator only, one
  transaction, audited), run by the task worker with its progress on the job's page
  (palermo.core.jobs; `statistics.jobs.derive`);
- trace: the persons (pseudonyms, with the case reference where the user may see the case) or
  the requests behind a derived figure (`derivation.derivation_trace`: with a reason, audited).
  The result is shown in the answer to the POST, never put in a URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from palermo.core import jobs
from palermo.core.errors import ApplicationError
from palermo.core.views import job_response
from palermo.statistics import derivation, selectors
from palermo.statistics import jobs as statistics_jobs
from palermo.statistics.access import value_get
from palermo.statistics.choices import ValueOrigin
from palermo.statistics.forms import EntryScopeForm, TraceForm
from palermo.statistics.models import DIMENSIONS, TOTAL, Value
from palermo.statistics.validation import cell_id
from palermo.statistics.views.base import CoordinatorView


class EntryDeriveView(CoordinatorView):
    """POST a data set and a period: the country's figures derived from its case records, as
    drafts; then the entry grid of that period, which says what was derived (or why not)."""

    def post(self, request: HttpRequest) -> HttpResponse:
        form = EntryScopeForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
            return redirect("statistics:entry")
        dataset, period = form.cleaned_data["dataset"], form.cleaned_data["period"]
        grid = reverse("statistics:entry_grid", args=[dataset, self.country, period])
        job = jobs.job_start(
            actor=self.user,
            kind=statistics_jobs.DERIVE,
            parameters={"dataset": dataset, "country": self.country, "period": period},
            subject="{} · {} · {}".format(dataset, self.country, period),
            back_url=grid,
        )
        return job_response(request, job)


class FigureTraceView(CoordinatorView):
    """GET: the figure and a form asking why it is traced; POST with a reason: the persons or
    requests it counts (audited by the service)."""

    template_name = "statistics/figure_trace.html"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._page(self._figure(pk), TraceForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        figure = self._figure(pk)
        form = TraceForm(request.POST)
        if not form.is_valid():
            return self._page(figure, form, status=400)
        try:
            trace = derivation.derivation_trace(
                actor=self.user, figure=figure, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form.add_error(None, exc.detail)
            return self._page(figure, form, status=400)
        return self._page(
            figure,
            TraceForm(),
            trace=trace,
            persons=derivation.traced_persons(self.user, trace.pseudonyms),
        )

    def _figure(self, pk: int) -> Value:
        figure = value_get(self.user, pk)  # 404 for a figure the user may not see
        if figure.country_id != self.country:
            raise ApplicationError(_("No such figure."))
        return figure

    def _page(
        self,
        figure: Value,
        form: TraceForm,
        status: int = 200,
        trace: derivation.Trace | None = None,
        persons: list[derivation.TracedPerson] | None = None,
    ) -> HttpResponse:
        labels = selectors.code_labels()
        context = {
            "figure": figure,
            "cell": cell_id(figure.indicator.code, figure.key),
            "labels": [
                labels.get(d, {}).get(c, c)
                for d, c in zip(DIMENSIONS, figure.key, strict=True)
                if c != TOTAL
            ],
            "derived": figure.origin == ValueOrigin.DERIVED,
            "form": form,
            "trace": trace,
            "persons": persons or [],
            "now_count": len(trace.pseudonyms) + len(trace.requests) if trace else 0,
            "grid_url": reverse(
                "statistics:entry_grid",
                args=[figure.dataset.code, figure.country_id, figure.period],
            ),
        }
        return render(self.request, self.template_name, context, status=status)
