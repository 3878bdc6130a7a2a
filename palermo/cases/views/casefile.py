"""The printable case file: a form (with or without identifying data, and why), answered with
the PDF (palermo.cases.casefile), never cached, its name the case reference."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.utils.translation import gettext_lazy

from palermo.cases import access as acl
from palermo.cases import casefile
from palermo.cases.forms import Form
from palermo.cases.models import Case
from palermo.cases.views.base import CasesView
from palermo.core.views import FormServiceView, page_user


class CaseFileForm(Form):
    identities = forms.BooleanField(
        label=gettext_lazy("Include the identifying data I may see"),
        required=False,
        help_text=gettext_lazy(
            "Names, documents and contacts of each person whose identity is shared with your "
            "organisation. Each person's identity read is recorded in the audit log with the "
            "reason below."
        ),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Needed with identifying data; recorded in the audit log."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("identities") and not str(data.get("reason", "")).strip():
            self.add_error("reason", gettext_lazy("Say why you need the identifying data."))
        return data


class CaseFileView(CasesView, FormServiceView):
    """GET: what the file will hold; POST: the PDF of what the user may see of the case."""

    form_class = CaseFileForm
    template_name = "cases/case_file_form.html"
    title = gettext_lazy("Print the case file")
    submit_label = gettext_lazy("Download the case file (PDF)")
    case: Case
    access: acl.CaseAccess

    def resolve(self, **kwargs: Any) -> None:
        self.case, self.access = acl.case_get(page_user(self.request), kwargs["case_id"])

    def perform(self, form: CaseFileForm) -> casefile.CaseFile:
        d = form.cleaned_data
        return casefile.case_file_make(
            actor=page_user(self.request),
            case_id=self.case.pk,
            identities=bool(d["identities"]),
            reason=d["reason"],
        )

    def success_response(self, obj: casefile.CaseFile) -> HttpResponse:
        response = HttpResponse(obj.pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="{}"'.format(obj.filename)
        response["X-Content-Type-Options"] = "nosniff"
        return response  # PalermoView adds no-store, private

    def get_context_data(self, form: forms.Form) -> dict[str, Any]:
        user = page_user(self.request)
        persons = [p for p in self.case.persons.all() if self.access.sees_person(p)]
        return super().get_context_data(form) | {
            "case": self.case,
            "access": self.access,
            "identity_offered": any(acl.identity_readable(user, p, self.access) for p in persons),
        }
