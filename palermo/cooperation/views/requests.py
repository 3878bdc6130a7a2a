"""A request's pages: the new-request form (with its live htmx parts), editing a draft, the request
page with its thread, and the steps posted from it (send, status changes, replies, assignment,
export). Each step is a form whose valid input goes to one service; on an error the request page
comes back with the error shown in its place."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.cooperation import access, selectors, services
from palermo.cooperation import choices as c
from palermo.cooperation import forms as f
from palermo.cooperation.models import Message, Request, StatusChange
from palermo.cooperation.views.base import (
    ASSESSMENT_LABELS,
    HANDLING_LABELS,
    RELIABILITY_LABELS,
    RS,
    STATUS_LABELS,
    CooperationFormView,
    CooperationView,
    handling_labels,
)
from palermo.cooperation.workflow import legal_basis_label
from palermo.core.views import page_user

# --- the new request and its drafts ------------------------------------------------------------


class RequestFormView(CooperationFormView):
    """The request form: its authorities and legal-basis suggestion follow what is chosen.

    Every service error (an unknown instrument or authority too) is about what was typed, so it
    is shown on the form."""

    form_class = f.RequestForm
    template_name = "cooperation/request_form.html"
    not_about_input = ()
    title: str | Promise = gettext_lazy("New request")
    draft: Request | None = None

    def get_form_kwargs(self) -> dict[str, Any]:
        organisation = page_user(self.request).organisation
        return {"requesting_country": organisation.country_id if organisation else None}

    def get_context_data(self, form: Any) -> dict[str, Any]:
        return {
            "form": form,
            "organisation": page_user(self.request).organisation,
            "suggestion": form.suggestion,
            "authorities": form.authorities,
            "parts_url": reverse("cooperation:request_form_parts"),
            "title": self.title,
            "draft": self.draft,
        }

    def get_success_url(self, obj: Request) -> str:
        return reverse("cooperation:detail", kwargs={"key": obj.pk})


class RequestCreateView(RequestFormView):
    def get_initial(self) -> dict[str, Any]:
        return {k: v for k, v in self.request.GET.items() if k in ("type", "requested_country")}

    def act(self, form: f.RequestForm) -> Request:
        return services.request_create(
            actor=page_user(self.request),
            legal_basis=form.legal_basis_choice(),
            **form.service_fields(),
        )

    def get_success_message(self, obj: Request) -> str:
        return _("Draft {} saved. Check it and send it.").format(obj.requester_reference)


class RequestFormPartsView(RequestFormView):
    """htmx: the authorities and the legal-basis suggestion for what is chosen so far."""

    http_method_names = ["get"]  # noqa: RUF012 - as View declares it
    template_name = "cooperation/_request_form_parts.html"

    def get_initial(self) -> dict[str, Any]:
        # Unbound, with what is chosen so far as initial values: no errors before a submit.
        return self.request.GET.dict()


class RequestEditView(RequestFormView):
    """Change a draft (only drafts change: 403 once it is sent)."""

    def resolve(self, **kwargs: Any) -> None:
        self.draft = selectors.draft_get(user=page_user(self.request), key=kwargs["key"])
        self.title = _("Edit draft {}").format(self.draft.requester_reference)

    def get_initial(self) -> dict[str, Any]:
        assert self.draft is not None  # noqa: S101 - resolve() found it
        return f.RequestForm.initial_for(self.draft)

    def act(self, form: f.RequestForm) -> Request:
        assert self.draft is not None  # noqa: S101 - resolve() found it
        return services.request_update(
            actor=page_user(self.request),
            request=self.draft,
            legal_basis=form.legal_basis_choice(),
            **form.service_fields(),
        )

    def get_success_message(self, obj: Request) -> str:
        return _("Draft saved.")


# --- the request page ----------------------------------------------------------------------------


@dataclass
class MessageRow:
    message: Message
    incoming: bool
    automatic: bool
    reliability: str
    assessment: str
    restrictions: list[tuple[str, str]]
    may_forward: bool
    may_share: bool


@dataclass
class Row:
    at: dt.datetime
    kind: str
    message: MessageRow | None = None
    change: StatusChange | None = None


@dataclass
class Actions:
    transitions: list[tuple[str, str]] = field(default_factory=list)
    refuse: bool = False
    may_export: bool = True
    may_export_court: bool = True
    export_blocked_by: list[str] = field(default_factory=list)


def message_row(m: Message, offered: selectors.MessageActions) -> MessageRow:
    """A message as the thread shows it: its handling code in words, what is offered."""
    return MessageRow(
        message=m,
        incoming=m.direction == c.Direction.INCOMING,
        automatic=offered.automatic,
        reliability=str(RELIABILITY_LABELS.get(m.source_reliability, m.source_reliability)),
        assessment=str(ASSESSMENT_LABELS.get(m.information_assessment, m.information_assessment)),
        restrictions=[(code, str(HANDLING_LABELS.get(code, code))) for code in m.handling_codes],
        may_forward=offered.may_forward,
        may_share=offered.may_share,
    )


def _actions(detail: selectors.RequestDetail) -> Actions:
    order = list(f.TRANSITION_LABELS)
    transitions = [
        (status, str(f.TRANSITION_LABELS.get(status, status)))
        for status in detail.allowed_actions
        if status != RS.REFUSED
    ]
    transitions.sort(key=lambda t: order.index(t[0]) if t[0] in order else len(order))
    return Actions(
        transitions=transitions,
        refuse=RS.REFUSED in detail.allowed_actions,
        may_export=detail.may_export,
        may_export_court=detail.may_export_court,
        export_blocked_by=handling_labels(detail.export_blocked_by),
    )


def detail_context(
    http: HttpRequest,
    key: object,
    *,
    transition_form: f.TransitionForm | None = None,
    refuse_form: f.TransitionForm | None = None,
    message_form: f.MessageForm | None = None,
    assign_form: f.AssignForm | None = None,
    export_error: str = "",
) -> dict[str, Any]:
    detail = selectors.request_detail(user=page_user(http), key=key)
    obj = detail.request
    rows: list[Row] = []
    for item in detail.thread:
        if item.message is not None:
            offered = detail.message_actions[str(item.message.pk)]
            rows.append(Row(item.at, "message", message=message_row(item.message, offered)))
        else:
            rows.append(Row(item.at, "status", change=item.change))
    return {
        "obj": obj,
        "detail": detail,
        "rows": rows,
        "actions": _actions(detail),
        "legal_basis": legal_basis_label(obj),
        "overdue": detail.overdue,
        "is_draft": obj.status == RS.DRAFT,
        "may_write": detail.may_write,
        "transition_form": transition_form or f.TransitionForm(),
        "refuse_form": refuse_form or f.TransitionForm(initial={"to_status": RS.REFUSED}),
        "message_form": message_form or f.MessageForm(),
        "assign_form": (assign_form or f.AssignForm(country=obj.requested_country_id))
        if detail.may_assign
        else None,
        "export_form": f.ExportForm(),
        "export_error": export_error,
        "reveal_form": f.RevealForm(),
        "suggestion": obj.legal_basis_suggestion,
    }


class RequestDetailView(CooperationView):
    template_name = "cooperation/request_detail.html"

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        return render(request, self.template_name, detail_context(request, key))


class RequestActionView(CooperationFormView):
    """A step posted from the request page; on an error the page comes back with the error in
    the step's form (`form_slot`)."""

    http_method_names = ["post"]  # noqa: RUF012 - as View declares it
    template_name = "cooperation/request_detail.html"
    form_slot = ""
    obj: Request

    def resolve(self, **kwargs: Any) -> None:
        self.obj = access.request_get(page_user(self.request), kwargs["key"])

    def get_success_url(self, obj: Any) -> str:
        return reverse("cooperation:detail", kwargs={"key": self.obj.pk})

    def page_with(self, status: int, **context: Any) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            detail_context(self.request, self.obj.pk, **context),
            status=status,
        )

    def render_form(self, form: Any) -> HttpResponse:
        return self.page_with(self.form_status(form), **{self.form_slot: form})


class RequestSendView(RequestActionView):
    """Send a draft; what keeps it from going is shown on the request page as a message."""

    form_class = forms.Form  # nothing to fill in

    def act(self, form: forms.Form) -> Request:
        return services.request_send(actor=page_user(self.request), request=self.obj)

    def get_success_message(self, obj: Request) -> str:
        return _("Request {} sent to {}; it is delivered by the outbox.").format(
            self.obj.requester_reference, self.obj.node.name if self.obj.node else "?"
        )

    def render_form(self, form: Any) -> HttpResponse:
        for error in form.non_field_errors():
            messages.error(self.request, error)
        return redirect("cooperation:detail", key=self.obj.pk)


class RequestTransitionView(RequestActionView):
    form_class = f.TransitionForm

    def act(self, form: f.TransitionForm) -> Request:
        d = form.cleaned_data
        return services.request_transition(
            actor=page_user(self.request),
            request=self.obj,
            to_status=d["to_status"],
            note=d["note"],
            refusal_ground=d["refusal_ground"],
        )

    def get_success_message(self, obj: Request) -> str:
        return _("Request {}: {}.").format(
            self.obj.local_reference, STATUS_LABELS.get(obj.status, obj.status)
        )

    def render_form(self, form: Any) -> HttpResponse:
        refusing = self.request.POST.get("to_status") == RS.REFUSED
        slot = "refuse_form" if refusing else "transition_form"
        return self.page_with(self.form_status(form), **{slot: form})


class MessagePostView(RequestActionView):
    """A reply (text, files) with the originator's handling codes."""

    form_class = f.MessageForm
    form_slot = "message_form"

    def act(self, form: f.MessageForm) -> Message:
        return services.message_post(
            actor=page_user(self.request),
            request=self.obj,
            body=form.cleaned_data["body"],
            attachments=form.new_attachments(),
            **form.handling(),
        )

    def get_success_url(self, obj: Any) -> str:
        return super().get_success_url(obj) + "#thread"

    def get_success_message(self, obj: Message) -> str:
        return _("Message added to the thread.")


class AssignView(RequestActionView):
    """A national coordinator gives an incoming request to an authority here."""

    form_class = f.AssignForm
    form_slot = "assign_form"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"country": self.obj.requested_country_id}

    def act(self, form: f.AssignForm) -> Request:
        return services.request_assign(
            actor=page_user(self.request),
            request=self.obj,
            organisation=form.cleaned_data["organisation"],
        )

    def get_success_message(self, obj: Request) -> str:
        assert obj.requested_organisation is not None  # noqa: S101 - just assigned
        return _("Request assigned to {}.").format(obj.requested_organisation.name)


class ExportView(RequestActionView):
    """The request and its thread as JSON, if the handling codes of what was received allow."""

    form_class = f.ExportForm
    purpose = "record"

    def act(self, form: f.ExportForm) -> dict[str, Any]:
        self.purpose = form.cleaned_data["purpose"]
        return services.request_export(
            actor=page_user(self.request), request=self.obj, purpose=self.purpose
        )

    def success_response(self, obj: dict[str, Any]) -> HttpResponse:
        response = HttpResponse(
            json.dumps(obj, ensure_ascii=False, indent=2), content_type="application/json"
        )
        name = "{}-{}.json".format(self.obj.local_reference or self.obj.pk, self.purpose)
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response

    def render_form(self, form: Any) -> HttpResponse:
        errors = form.non_field_errors()
        error = errors[0] if errors else _("Choose the purpose of the export.")
        return self.page_with(self.form_status(form), export_error=error)
