"""Publications: the list, a publication with its method and its table download, an analyst's
regional table (suppression, run by the task worker with its progress on the job's page:
palermo.core.jobs), and a national coordinator's differentially private release
with the country's privacy budget beside the form.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.core import jobs
from palermo.core.choices import JobState
from palermo.core.collation import collated
from palermo.core.errors import ApplicationError, NotFoundError
from palermo.core.models import Country, Job, User
from palermo.core.pickers import country_names
from palermo.core.views import job_response, page_user
from palermo.statistics import interchange, publishing, selectors
from palermo.statistics import jobs as statistics_jobs
from palermo.statistics.access import is_analyst, sees_budget_ledger
from palermo.statistics.choices import PublicationMethod
from palermo.statistics.forms import DPReleaseForm, RegionalPublishForm
from palermo.statistics.models import Dimension, Publication
from palermo.statistics.views.base import (
    CoordinatorView,
    StatisticsFormView,
    StatisticsView,
    downloads,
    table_response,
)


class PublicationListView(StatisticsView):
    def get(self, request: HttpRequest) -> HttpResponse:
        publications = selectors.publication_list(
            user=request.user,
            dataset=request.GET.get("dataset", ""),
            country=request.GET.get("country", ""),
        )
        return render(request, "statistics/publication_list.html", {"publications": publications})


class PublicationNewView(StatisticsFormView):
    """Analysts publish tables of several countries' validated figures (with suppression)."""

    login_required = True
    form_class = RegionalPublishForm
    template_name = "statistics/publication_new.html"

    def allowed(self, user: User) -> bool:
        return is_analyst(user)

    def get_initial(self) -> dict[str, Any]:
        # A table asked for again (a refusal of the task worker sends the user back here).
        asked = {k: self.request.GET[k] for k in PUBLISH_FIELDS if self.request.GET.get(k)}
        return {"dataset": "tip-annual", **asked}

    def perform(self, form: RegionalPublishForm) -> Job:
        """Hand the publication to the task worker (the suppression of a large table takes
        time); a refusal already known (the task backend ran it at once) is shown on the form."""
        threshold = form.cleaned_data["threshold"]
        asked = {
            "dataset": form.cleaned_data["dataset"],
            "period": form.cleaned_data["period"],
            "table": form.cleaned_data["table"],
            "countries": ", ".join(form.cleaned_data["countries"]),
            "threshold": "" if threshold is None else str(threshold),
        }
        job = jobs.job_start(
            actor=page_user(self.request),
            kind=statistics_jobs.PUBLISH,
            parameters={
                "dataset": form.cleaned_data["dataset"],
                "indicator": form.indicator,
                "period": form.cleaned_data["period"],
                "dimensions": form.dimensions,
                "countries": form.cleaned_data["countries"],
                "threshold": threshold,
            },
            subject=" · ".join(
                [form.cleaned_data["dataset"], form.indicator, form.cleaned_data["period"]]
            ),
            back_url="{}?{}".format(
                reverse("statistics:publication_new"),
                urlencode({k: v for k, v in asked.items() if v}),
            ),
        )
        if job.state == JobState.FAILED:
            raise ApplicationError(job.message)
        return job

    def success_response(self, obj: Job) -> HttpResponse:
        return job_response(self.request, obj)


# The fields of the regional publication form that a refused publication is asked again with.
PUBLISH_FIELDS = ("dataset", "period", "table", "countries", "threshold")


class PublicationReleaseView(StatisticsFormView, CoordinatorView):
    """A national coordinator releases a differentially private table of the country's case
    records; the data set's privacy budget for the country is shown beside the form, and a
    release that would exceed it is refused with nothing written (by the service)."""

    form_class = DPReleaseForm
    template_name = "statistics/publication_release.html"

    def get_initial(self) -> dict[str, Any]:
        return {"dataset": "tip-annual", "max_contributions": 1}

    def perform(self, form: DPReleaseForm) -> Publication:
        return publishing.publication_release_dp(
            actor=self.user, country=self.country, **form.cleaned_data
        )

    def get_success_url(self, obj: Publication) -> str:
        return reverse("statistics:publication_version", args=[obj.key, obj.version])

    def get_success_message(self, obj: Publication) -> str:
        return _("Released: {}. Epsilon {} spent; {:.4g} left.").format(
            obj.title, obj.parameters["epsilon"], obj.parameters["budget_left"]
        )

    def get_context_data(self, form: forms.Form) -> dict[str, Any]:
        dataset = str(form["dataset"].value() or "")  # as typed, or the initial one
        try:
            ledger = publishing.privacy_budget_ledger(
                actor=self.user, dataset=dataset, country=self.country
            )
        except NotFoundError:  # no data set chosen (or not one): no budget to show
            ledger = None
        return {
            **super().get_context_data(form),
            "ledger": ledger,
            "country": Country.objects.get(iso3=self.country),
        }


class PublicationBudgetView(CoordinatorView):
    """htmx: the privacy budget of the coordinator's country for the data set chosen."""

    def get(self, request: HttpRequest) -> HttpResponse:
        ledger = publishing.privacy_budget_ledger(
            actor=self.user, dataset=request.GET.get("dataset", ""), country=self.country
        )
        return render(
            request,
            "statistics/_budget.html",
            {"ledger": ledger, "country": Country.objects.get(iso3=self.country)},
        )


class PublicationDetailView(StatisticsView):
    def get(self, request: HttpRequest, key: str, version: int | None = None) -> HttpResponse:
        publication = selectors.publication_get(key=key, version=version)
        cells = selectors.publication_table(publication)
        ledger = None
        if sees_budget_ledger(request.user, publication):
            ledger = publishing.privacy_budget_ledger(
                actor=request.user,
                dataset=publication.dataset.code,
                country=str(publication.country_id),
            )
        return render(
            request,
            "statistics/publication_detail.html",
            {
                "publication": publication,
                "cells": cells,
                "dimensions": dimension_headers(publication.dimensions),
                "versions": selectors.publication_list(user=request.user).filter(key=key),
                "suppressed": sum(1 for c in cells if c.value is None),
                "dp": publication.method == PublicationMethod.DIFFERENTIAL_PRIVACY,
                "ledger": ledger,
                "country": publication.country,
                **publication_facts(publication),
                "downloads": downloads(
                    "statistics:publication_data",
                    key=publication.key,
                    version=publication.version,
                ),
            },
        )


SECONDARY_METHODS = {
    "milp": gettext_lazy("an optimal pattern (mixed-integer programme, HiGHS)"),
    "slices": gettext_lazy("slice moves (large tables with many small cells)"),
    "boxes": gettext_lazy("box moves (large tables)"),
    "hypercube": gettext_lazy("hypercubes (very large tables)"),
    "tauargus": gettext_lazy("Tau-Argus OPT"),
}


def dimension_headers(dimensions: list[str]) -> list[str]:
    """The column headers of a table: the names of its dimensions ("Form of exploitation")."""
    names = dict(Dimension.objects.values_list("code", "name"))
    return [_("Country") if d == "country" else _(str(names.get(d, d))) for d in dimensions]


def publication_facts(publication: Publication) -> dict[str, Any]:
    """What a reader needs to read a publication, in words: the breakdown, which countries
    contributed and which released no data, how the cells were suppressed."""
    params = publication.parameters
    names = country_names()
    dims = {code: _(name) for code, name in Dimension.objects.values_list("code", "name")}
    countries = [str(c) for c in params.get("countries", [])]
    contributed = [str(c) for c in params.get("contributed", countries)]
    breakdown = [str(dims.get(d, d)) for d in publication.dimensions if d != "country"]
    flags = [str(c.get("flag", "")) for c in publication.cells]
    return {
        "primary": flags.count("primary"),
        "secondary": flags.count("secondary") + flags.count("linked"),
        "breakdown": ", ".join(breakdown),
        "contributed": collated((names.get(c, c) for c in contributed), str),
        "no_data": collated((names.get(str(c), str(c)) for c in params.get("no_data", [])), str),
        "secondary_method": str(SECONDARY_METHODS.get(str(params.get("method", "")), "")),
        "basis": _("case records") if publication.basis == "cases" else _("national figures"),
    }


class PublicationDataView(StatisticsView):
    def get(self, request: HttpRequest, key: str, version: int, fmt: str) -> HttpResponse:
        publication = selectors.publication_get(key=key, version=version)
        name = "{}-v{}".format(publication.key, publication.version)
        return table_response(lambda: interchange.publication_export(publication, fmt), fmt, name)
