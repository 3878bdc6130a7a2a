"""Writing case law on a page (issue 17), for those who write it (registry editors and
investigators/prosecutors):

- `/caselaw/new/`: a decision written by hand (its court, summary, findings and sentences,
  the route's countries, keywords, a source), or a case-law file (`palermo-caselaw/1`) to
  import;
- `/caselaw/<key>/edit/`: the same form, filled with the decision; saved, it is a draft again.

Both go through `services.decisions_import`: checked whole, written in one transaction,
every problem named on the page and nothing written.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from palermo.caselaw import interchange, selectors, services
from palermo.caselaw import writing as w
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.core.views import PalermoView, page_user

MAX_FILE = 20 * 1024 * 1024


class WritePage(PalermoView):
    template_name = "caselaw/write.html"

    def allowed(self, user: User) -> bool:
        return selectors.writes_case_law(user)

    def render_form(
        self,
        request: HttpRequest,
        form: w.DecisionForm,
        findings: Any,
        *,
        key: str = "",
        upload: w.ImportForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            self.template_name,
            {"form": form, "findings": findings, "key": key, "upload": upload},
            status=status,
        )

    def save(
        self, request: HttpRequest, before: dict[str, Any] | None, key: str = ""
    ) -> HttpResponse:
        form = w.DecisionForm(request.POST)
        findings = w.FindingFormSet(request.POST, prefix="finding")
        if form.is_valid() and findings.is_valid():
            if before is not None and form.cleaned_data["key"] != before["key"]:
                form.add_error("key", _("The key of a decision does not change."))
            else:
                data = w.decision_file(
                    form.cleaned_data, [f for f in findings.cleaned_data if f], before
                )
                try:
                    report = services.decisions_import(actor=page_user(request), data=data)
                except ApplicationError as exc:
                    if exc.status in (403, 404):
                        raise
                    form.add_error(None, exc.detail)
                else:
                    written = (report.created or report.updated)[0]
                    messages.success(
                        request, _("Saved as a draft: check it, then publish it on its page.")
                    )
                    return redirect("caselaw:decision", written)
        upload = None if before is not None else w.ImportForm()
        return self.render_form(request, form, findings, key=key, upload=upload, status=400)


class NewDecisionView(WritePage):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = w.DecisionForm(initial={"language": get_language() or "en"})
        return self.render_form(
            request, form, w.FindingFormSet(prefix="finding"), upload=w.ImportForm()
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        if "file" not in request.FILES:
            return self.save(request, None)
        upload = w.ImportForm(request.POST, request.FILES)
        if upload.is_valid():
            file = upload.cleaned_data["file"]
            try:
                if file.size > MAX_FILE:
                    raise ApplicationError(
                        _("The file is over {} MB.").format(MAX_FILE // (1024 * 1024)),
                        code="invalid",
                    )
                try:
                    data = json.loads(file.read())
                except (ValueError, UnicodeDecodeError):
                    raise ApplicationError(
                        _("The file is not JSON: a case-law file is a JSON document."),
                        code="invalid",
                    ) from None
                report = services.decisions_import(actor=page_user(request), data=data)
            except ApplicationError as exc:
                if exc.status in (403, 404):
                    raise
                upload.add_error("file", exc.detail)
            else:
                messages.success(
                    request,
                    _("{} decisions added, {} replaced.").format(
                        len(report.created), len(report.updated)
                    ),
                )
                return redirect("caselaw:search")
        form = w.DecisionForm(initial={"language": get_language() or "en"})
        return self.render_form(
            request, form, w.FindingFormSet(prefix="finding"), upload=upload, status=400
        )


class EditDecisionView(WritePage):
    def before(self, request: HttpRequest, key: str) -> dict[str, Any]:
        decision = selectors.decision_get(request.user, key)
        return interchange.decision_json(decision)

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        values, findings = w.initial(self.before(request, key), get_language() or "en")
        form = w.DecisionForm(initial=values)
        return self.render_form(
            request, form, w.FindingFormSet(initial=findings, prefix="finding"), key=key
        )

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        return self.save(request, self.before(request, key), key)
