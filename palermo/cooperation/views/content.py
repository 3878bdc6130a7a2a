"""Pages about a request's content: downloading a file, revealing a received case extract (with a
reason, audited), forwarding and sharing a received message (only where its handling codes
allow), and sharing part of a case (exactly the fields chosen)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.cases import sharing
from palermo.cases.models import Case
from palermo.cooperation import access, handling, selectors, services
from palermo.cooperation import forms as f
from palermo.cooperation.models import Message, MessageShare, Request, SharedCaseExtract
from palermo.cooperation.views.base import CooperationFormView, CooperationView, handling_labels
from palermo.cooperation.views.requests import message_row
from palermo.core.errors import NotFoundError
from palermo.core.views import page_user


class AttachmentView(CooperationView):
    """A file of a message, as a download (reads of received files are audited); a file that
    fails its check answers 409."""

    error_status = 409

    def get(self, request: HttpRequest, pk: str) -> HttpResponse:
        user = page_user(request)
        attachment = access.attachment_get(user, pk)
        content = services.attachment_read(actor=user, attachment=attachment)
        response = HttpResponse(content, content_type="application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(True, attachment.filename)
        return response


def _rows(values: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for name, value in values.items():
        if value in (None, "", []):
            continue
        text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        out.append((sharing.person_field_label(name), text))
    return out


class ExtractRevealView(CooperationFormView):
    """POST a reason, see a case extract's content (every read is audited by the service)."""

    http_method_names = ["post"]  # noqa: RUF012 - as View declares it
    form_class = f.RevealForm
    template_name = "cooperation/extract.html"
    extract: SharedCaseExtract

    def resolve(self, **kwargs: Any) -> None:
        self.extract = access.extract_get(page_user(self.request), kwargs["pk"])

    def act(self, form: f.RevealForm) -> dict[str, Any]:
        return services.extract_read(
            actor=page_user(self.request), extract=self.extract, reason=form.cleaned_data["reason"]
        )

    def form_status(self, form: Any) -> int:
        return 200  # the reason asked for again

    def page(self, form: f.RevealForm, data: dict[str, Any] | None) -> HttpResponse:
        context = {
            "extract": self.extract,
            "reveal_form": form,
            "case_rows": _rows((data or {}).get("case", {})),
            "person_rows": [
                (pseudonym, _rows(values))
                for pseudonym, values in sorted((data or {}).get("persons", {}).items())
            ],
            "revealed": data is not None,
        }
        htmx = getattr(self.request, "htmx", None)
        name = "cooperation/_extract.html" if htmx else self.template_name
        return render(self.request, name, context, status=self.form_status(form))

    def success_response(self, obj: dict[str, Any]) -> HttpResponse:
        return self.page(f.RevealForm(self.request.POST), obj)

    def render_form(self, form: Any) -> HttpResponse:
        return self.page(form, None)


# --- received content: forward and share (only where the handling codes allow) --------------


class MessageStepView(CooperationFormView):
    """Forward or share a message of a request the user works on. A message whose handling codes
    forbid the operation shows why (403) instead of the form."""

    template_name = "cooperation/message_step.html"
    operation = handling.FORWARD
    message: Message

    def resolve(self, **kwargs: Any) -> None:
        self.message = selectors.message_to_handle(user=page_user(self.request), key=kwargs["pk"])

    def refused(self) -> list[str]:
        return handling_labels(selectors.refusals(self.message, self.operation))

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self.resolve(**kwargs)
        return self.render_form(None if self.refused() else self.make_form())

    def form_status(self, form: Any) -> int:
        return 403 if form is None else super().form_status(form)

    def get_context_data(self, form: Any) -> dict[str, Any]:
        return {
            "title": self.title,
            "message_row": message_row(self.message, selectors.message_actions(self.message)),
            "obj": self.message.request,
            "form": form,
            "refused": self.refused(),
            "error": self.restricted.detail if self.restricted else "",
        }


class ForwardView(MessageStepView):
    operation = handling.FORWARD
    form_class = f.ForwardForm
    title = gettext_lazy("Forward a message")

    def get_form_kwargs(self) -> dict[str, Any]:
        user = page_user(self.request)
        return {"requests": selectors.forward_targets(user=user, message=self.message)}

    def act(self, form: f.ForwardForm) -> Message:
        return services.message_forward(
            actor=page_user(self.request),
            message=self.message,
            to_request=form.target(),
            note=form.cleaned_data["note"],
        )

    def get_success_url(self, obj: Message) -> str:
        return reverse("cooperation:detail", kwargs={"key": obj.request_id})

    def get_success_message(self, obj: Message) -> str:
        return _("Message forwarded.")


class ShareMessageView(MessageStepView):
    operation = handling.SHARE
    form_class = f.ShareMessageForm
    title = gettext_lazy("Share a received message with an organisation here")

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            "user": page_user(self.request),
            "law_enforcement_only": selectors.shared_with_law_enforcement_only(self.message),
        }

    def act(self, form: f.ShareMessageForm) -> MessageShare:
        return services.message_share(
            actor=page_user(self.request),
            message=self.message,
            organisation=form.cleaned_data["organisation"],
            reason=form.cleaned_data["reason"],
        )

    def get_success_url(self, obj: MessageShare) -> str:
        return reverse("cooperation:detail", kwargs={"key": self.message.request_id})

    def get_success_message(self, obj: MessageShare) -> str:
        return _("Message shared with {}.").format(obj.organisation.name)


# --- sharing part of a case ----------------------------------------------------------------------


class CaseShareView(CooperationFormView):
    """Pick a case, then exactly which of its fields go with a message on the request.

    Whether the user may share the chosen case is about the input: it is shown on the form."""

    template_name = "cooperation/case_share.html"
    form_class = f.CaseShareForm
    not_about_input = (NotFoundError,)
    obj: Request
    choice: f.CaseChoiceForm
    case: Case | None = None

    def resolve(self, **kwargs: Any) -> None:
        user = page_user(self.request)
        self.obj = access.request_get(user, kwargs["key"])
        data: QueryDict | None = None
        if self.request.method == "POST":
            data = self.request.POST
        elif "case" in self.request.GET:
            data = self.request.GET
        self.choice = f.CaseChoiceForm(data, user=user)
        chosen = self.choice.is_bound and self.choice.is_valid()
        self.case = self.choice.cleaned_data["case"] if chosen else None

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self.resolve(**kwargs)
        return self.render_form(self.make_form() if self.case is not None else None)

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self.resolve(**kwargs)
        if self.case is None:
            return self.render_form(None)
        return super().post(request, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"case": self.case}

    def form_status(self, form: Any) -> int:
        return 400 if self.request.method == "POST" else 200

    def get_context_data(self, form: Any) -> dict[str, Any]:
        return {"obj": self.obj, "choice": self.choice, "form": form}

    def act(self, form: f.CaseShareForm) -> Message:
        return services.message_post(
            actor=page_user(self.request),
            request=self.obj,
            body=form.cleaned_data["body"],
            extract=form.spec(),
            **form.handling(),
        )

    def get_success_url(self, obj: Message) -> str:
        return reverse("cooperation:detail", kwargs={"key": self.obj.pk}) + "#thread"

    def get_success_message(self, obj: Message) -> str:
        return _("Case extract added to the thread.")
