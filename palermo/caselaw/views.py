"""The case-law pages (issue 17), public as the registry's are:

- `/caselaw/`: search in any of the six UN languages, with facets (country, year, form of
  exploitation, outcome, provision applied, sentence range, keyword) that narrow the results;
- `/caselaw/<key>/`: one decision: the court and the chain of appeals, the summary in the
  page's language where there is one, the parties as roles, the findings with the provisions
  applied and the sentences, the elements of the Protocol's definition, the countries of the
  route, the keywords and the sources.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from palermo.caselaw import choices as c
from palermo.caselaw import drafting, judgments, selectors, services, statistics
from palermo.caselaw import forms as f
from palermo.cases.htcds import TypeOfExploitation
from palermo.core.choices import Role
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.core.views import PalermoView, page_user, render_htmx

FORMS = dict(TypeOfExploitation.choices)
FACET_SHOWN = 12  # values of a facet listed (the most frequent)


class CaselawPage(PalermoView):
    login_required = False
    errors_as_404 = True
    private_if_user = True  # drafts are shown to those who write case law


class SearchView(CaselawPage):
    template_name = "caselaw/search.html"
    partial_name = "caselaw/_results.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = f.SearchForm(request.GET or None)
        filters = form.filters() if form.is_valid() else selectors.Filters()
        outcomes = dict(c.Outcome.choices)
        page = form.cleaned_data.get("page") or 1 if form.is_valid() else 1
        results = selectors.decisions_search(request.user, filters, page=page)
        pages = max(1, -(-results.count // selectors.PAGE))
        applied = filters.applied()
        context: dict[str, Any] = {
            "writer": selectors.writes_case_law(request.user),
            "form": form,
            "results": results,
            "rows": [
                (d, [outcomes[o] for o in selectors.row(d)["outcomes"]]) for d in results.decisions
            ],
            # Facets chosen: kept by the form, shown with a link that drops each.
            "hidden": [(k, v) for k, v in applied.items() if k in f.FACET_NAMES],
            "chips": [
                (f.FACET_NAMES[k], _label(results, k, v), _without(request, k))
                for k, v in applied.items()
                if k in f.FACET_NAMES
            ],
            "facets": [
                (
                    name,
                    f.FACET_NAMES[name],
                    [
                        (v.label, v.count, _with(request, name, v.value))
                        for v in values[:FACET_SHOWN]
                    ],
                )
                for name, values in results.facets.items()
                if values and name not in applied
            ],
            "page": min(page, pages),
            "pages": pages,
        }
        return render_htmx(request, self.template_name, self.partial_name, context)


def _with(request: HttpRequest, name: str, value: str) -> str:
    """The search's URL with one more filter (and back to the first page)."""
    query = request.GET.copy()
    query[name] = value
    query.pop("page", None)
    return "?" + query.urlencode()


def _without(request: HttpRequest, name: str) -> str:
    """The search's URL without one filter (and back to the first page)."""
    query = request.GET.copy()
    query.pop(name, None)
    query.pop("page", None)
    return "?" + query.urlencode() if query else "?"


def _label(results: selectors.Results, name: str, value: Any) -> str:
    for facet in results.facets.get(name, []):
        if facet.value == str(value):
            return facet.label
    return str(value)


class DecisionView(CaselawPage):
    template_name = "caselaw/decision.html"

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        return self.page(request, selectors.decision_get(request.user, key), f.PublishForm())

    def page(
        self, request: HttpRequest, decision: Any, form: f.PublishForm, status: int = 200
    ) -> HttpResponse:
        language = get_language() or "en"
        writer = selectors.writes_case_law(request.user)
        return render(
            request,
            self.template_name,
            {
                "decision": decision,
                "summary": selectors.summary_for(decision, language),
                "chain": selectors.chain(decision),
                "elements": selectors.elements(decision),
                "keywords": [(k, k.label_in(language)) for k in decision.keywords.all()],
                "forms": [str(FORMS.get(code, code)) for code in decision.forms],
                "writer": writer,
                "publish_form": form,
                "judgment_form": f.JudgmentForm(initial={"language": decision.language}),
            },
            status=status,
        )

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        """Publish a draft (those who write case law)."""
        user = page_user(request)
        decision = selectors.decision_get(user, key)
        form = f.PublishForm(request.POST)
        if form.is_valid():
            try:
                services.decision_publish(
                    actor=user, decision=decision, reason=form.cleaned_data["reason"]
                )
            except ApplicationError as exc:
                if exc.status in (403, 404):
                    raise
                form.add_error("reason", exc.detail)
            else:
                messages.success(request, _("Published."))
                return redirect("caselaw:decision", decision.key)
        return self.page(request, decision, form, 400)


class JudgmentView(CaselawPage):
    """A judgment's file; one that fails its check answers 409 with the reason."""

    def get(self, request: HttpRequest, key: str, pk: str) -> HttpResponse:
        decision = selectors.decision_get(request.user, key)
        judgment = judgments.judgment_get(decision, pk)
        try:
            return judgments.download(judgment)
        except ApplicationError as exc:
            return HttpResponse(exc.detail, status=409, content_type="text/plain; charset=utf-8")


class JudgmentUploadView(CaselawPage):
    """Attach a judgment's file (those who write case law), then back to the decision."""

    http_method_names = ["post"]  # noqa: RUF012 - as View declares it

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        user = page_user(request)
        decision = selectors.decision_get(user, key)
        form = f.JudgmentForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                judgments.judgment_attach(
                    actor=user,
                    decision=decision,
                    filename=upload.name,
                    language=form.cleaned_data["language"],
                    content=upload.read(),
                )
            except ApplicationError as exc:
                if exc.status in (403, 404):
                    raise
                messages.error(request, exc.detail)
            else:
                messages.success(request, _("File attached."))
        else:
            messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("caselaw:decision", decision.key)


class StatisticsView(CaselawPage):
    """Defendants per country and year by outcome and custody, small counts withheld."""

    template_name = "caselaw/statistics.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = f.StatisticsForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        rows = statistics.outcomes_table(
            country=data.get("country") or "",
            year_from=data.get("year_from"),
            year_to=data.get("year_to"),
        )
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "rows": [(r, [r.cells[col] for col in statistics.COLUMNS]) for r in rows],
                "columns": f.STATISTICS_COLUMNS,
                "threshold": statistics.THRESHOLD,
            },
        )


class DraftView(PalermoView):
    """A case-law entry drafted from a case's proceedings (investigators/prosecutors)."""

    template_name = "caselaw/draft.html"

    def allowed(self, user: User) -> bool:
        return user.role == Role.INVESTIGATOR

    def get(self, request: HttpRequest) -> HttpResponse:
        initial = {"case": request.GET.get("case", ""), "language": get_language() or "en"}
        return render(request, self.template_name, {"form": f.DraftForm(initial=initial)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = f.DraftForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            court = drafting.Court(
                name=data["court"],
                country=data["court_country"],
                level=data["level"],
                decided_on=data["decided_on"],
                case_number=data["case_number"],
                language=data["language"],
            )
            try:
                made = drafting.draft_from_case(
                    actor=page_user(request), case=data["case"], court=court
                )
            except ApplicationError as exc:
                if exc.status == 403:
                    raise
                form.add_error("case", exc.detail)
            else:
                messages.success(request, _("Draft created: rewrite its facts, then publish it."))
                return redirect("caselaw:decision", made.key)
        return render(request, self.template_name, {"form": form}, status=400)
