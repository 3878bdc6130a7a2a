"""The two kinds of cooperation page, on palermo.core.views.

- `CooperationView`: login required; roles that never work on requests get 404 (analysts see only
  the statistics page); a request, message or file the user may not see answers 404 (the
  selectors raise NotFoundError); nothing is cached.
- `CooperationFormView`: "form -> service -> redirect, or the page again with the service's
  error" (FormServiceView). A service's NotFoundError and ForbiddenError are about what the page
  is about, not about what was typed: they answer 404 and 403 like any page. A handling code that
  forbids the operation (HandlingRestricted) answers 403 with its reason.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render

from palermo.cooperation import access, handling
from palermo.cooperation import choices as c
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import User
from palermo.core.views import FormServiceView, PalermoView, private

RS = c.RequestStatus
HANDLING_LABELS = dict(c.HandlingCode.choices)
RELIABILITY_LABELS = dict(c.SourceReliability.choices)
ASSESSMENT_LABELS = dict(c.InformationAssessment.choices)
STATUS_LABELS = dict(RS.choices)


def handling_labels(codes: list[str]) -> list[str]:
    return [str(HANDLING_LABELS.get(code, code)) for code in codes]


class CooperationView(PalermoView):
    """Base of every cooperation page: for those who work on requests.

    `error_status`: when set, an ApplicationError that is not about access answers this status
    with its message as plain text (a download whose file fails its check: 409)."""

    error_status: int | None = None

    def allowed(self, user: User) -> bool:
        return access.cooperation_user(user) is not None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        except ApplicationError as exc:
            if self.error_status is None:
                raise
            response = HttpResponse(
                exc.detail, status=self.error_status, content_type="text/plain; charset=utf-8"
            )
            return private(response)


class CooperationFormView(CooperationView, FormServiceView):
    """A cooperation page with one form whose valid input goes to one service (`act`).

    The form comes back with status 400 when it or the service finds an error (403 when a
    handling code forbids the operation: `restricted` holds why). The service errors listed in
    `not_about_input` answer 404 (NotFoundError) or 403 (ForbiddenError) instead."""

    not_about_input: tuple[type[ApplicationError], ...] = (NotFoundError, ForbiddenError)
    restricted: handling.HandlingRestricted | None = None

    def act(self, form: Any) -> Any:
        """Call the service with the form's data; return what the success answer needs."""
        raise NotImplementedError

    def perform(self, form: Any) -> Any:
        try:
            return self.act(form)
        except handling.HandlingRestricted as exc:
            self.restricted = exc
            raise
        except self.not_about_input as exc:
            if isinstance(exc, NotFoundError):
                raise Http404(exc.detail) from exc
            raise PermissionDenied(exc.detail) from exc

    def form_status(self, form: forms.Form | None) -> int:
        if self.restricted is not None:
            return 403
        return 400 if form is not None and form.is_bound else 200

    def render_form(self, form: Any) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            self.get_context_data(form),
            status=self.form_status(form),
        )
