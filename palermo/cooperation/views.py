"""Cooperation pages: thin views over the cooperation selectors and services.

Every page finds its request through `palermo.cooperation.access` (via the selectors), so a request
the user may not see answers 404 and lists leave it out; roles that never work on requests get
404 too (analysts see only the statistics page). Forms parse; services validate, write and audit,
and their `ApplicationError`s are shown on the form. Received content is shown with its handling
codes, and what they forbid (forwarding, sharing, export) is not offered; the services refuse it
anyway. No personal data goes into a URL: requests, messages and files are addressed by uuid.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from palermo.cases import sharing
from palermo.cooperation import access, handling, selectors, services
from palermo.cooperation import choices as c
from palermo.cooperation import forms as f
from palermo.cooperation.models import Message, Request, StatusChange
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import User

RS = c.RequestStatus
HANDLING_LABELS = dict(c.HandlingCode.choices)
RELIABILITY_LABELS = dict(c.SourceReliability.choices)
ASSESSMENT_LABELS = dict(c.InformationAssessment.choices)
STATUS_LABELS = dict(RS.choices)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _private(response: HttpResponse) -> HttpResponse:
    """Pages about requests are never cached by browsers or proxies."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _render_htmx(
    request: HttpRequest, page: str, partial: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The partial for an htmx request, else the whole page (also for a history restore)."""
    htmx = request.htmx  # type: ignore[attr-defined]
    wants_partial = bool(htmx) and not htmx.history_restore_request
    response = render(request, partial if wants_partial else page, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


class CooperationView(View):
    """Base of every cooperation page: login required; other roles get 404."""

    def allowed(self, user: Any) -> bool:
        return access.cooperation_user(user) is not None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not self.allowed(request.user):
            raise Http404(_("No such page."))
        try:
            response = super().dispatch(request, *args, **kwargs)
        except NotFoundError as exc:
            raise Http404(exc.detail) from exc
        except ForbiddenError as exc:
            raise PermissionDenied(exc.detail) from exc
        except ApplicationError as exc:
            if exc.status == 403:  # e.g. a handling code a view did not expect to meet
                raise PermissionDenied(exc.detail) from exc
            raise
        if isinstance(response, HttpResponse):
            _private(response)
        return response


# --- lists ---------------------------------------------------------------------------------------


class RequestListView(CooperationView):
    """Received (inbox) or sent (outbox) requests, filtered; htmx swaps only the results."""

    direction = c.Direction.INCOMING
    template_name = "cooperation/request_list.html"
    partial_name = "cooperation/_request_results.html"
    paginate_by = 25

    def get(self, request: HttpRequest) -> HttpResponse:
        form = f.RequestFilterForm(request.GET or None)
        filters = form.filters()
        today = timezone.localdate()
        qs = selectors.request_list(
            user=_user(request), direction=self.direction, today=today, **filters
        )
        page = Paginator(qs, self.paginate_by).get_page(request.GET.get("page"))
        inbox = self.direction == c.Direction.INCOMING
        context = {
            "form": form,
            "page": page,
            "today": today,
            "inbox": inbox,
            "title": _("Inbox: requests received") if inbox else _("Outbox: requests sent"),
            "list_url": reverse("cooperation:inbox" if inbox else "cooperation:outbox"),
            "filtered": any(filters.values()),
        }
        return _render_htmx(request, self.template_name, self.partial_name, context)


class InboxView(RequestListView):
    direction = c.Direction.INCOMING


class OutboxView(RequestListView):
    direction = c.Direction.OUTGOING


class DeadlineBoardView(CooperationView):
    """Open requests overdue or due soon, on both sides: what we owe and what we wait for."""

    template_name = "cooperation/deadlines.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = f.DeadlineForm(request.GET or None)
        days = 7
        if form.is_valid() and form.cleaned_data.get("days"):
            days = form.cleaned_data["days"]
        today = timezone.localdate()
        rows = selectors.request_deadlines(user=_user(request), days=days, today=today)
        groups = [
            ("overdue-ours", _("Overdue: the answer is ours"), True, "us"),
            ("overdue-theirs", _("Overdue: waiting for the other side"), True, "them"),
            ("soon-ours", _("Due soon: ours to answer"), False, "us"),
            ("soon-theirs", _("Due soon: waiting for the other side"), False, "them"),
        ]
        context = {
            "form": form,
            "days": days,
            "today": today,
            "groups": [
                (
                    key,
                    label,
                    late,
                    [
                        (d, abs(d.days))
                        for d in rows
                        if d.overdue == late and d.waiting_for == whose
                    ],
                )
                for key, label, late, whose in groups
            ],
        }
        return render(request, self.template_name, context)


class StatisticsView(CooperationView):
    """Aggregates only (never a single request): analysts may see this page too."""

    template_name = "cooperation/statistics.html"

    def allowed(self, user: Any) -> bool:
        return access.can_see_statistics(user)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = f.StatisticsForm(request.GET or None)
        filters: dict[str, Any] = {}
        if form.is_bound and form.is_valid():
            filters = {k: v for k, v in form.cleaned_data.items() if v}
        stats = selectors.cooperation_statistics(user=request.user, **filters)
        types = dict(c.RequestType.choices)
        for row in stats["pairs"]:
            row["type_label"] = types.get(row["type"], row["type"])
        by_type = [
            (types.get(t, t), v["first_response"], v["completion"])
            for t, v in stats["response_times"]["by_type"].items()
        ]
        context = {
            "form": form,
            "stats": stats,
            "by_type": by_type,
            "works_on_requests": access.cooperation_user(request.user) is not None,
        }
        return render(request, self.template_name, context)


# --- the new request -----------------------------------------------------------------------------


class RequestFormMixin(CooperationView):
    template_name = "cooperation/request_form.html"

    def make_form(self, data: Any = None, initial: dict[str, Any] | None = None) -> f.RequestForm:
        user = _user(self.request)
        country = user.organisation.country_id if user.organisation else None
        return f.RequestForm(data, initial=initial, requesting_country=country)

    def context(self, form: f.RequestForm, **extra: Any) -> dict[str, Any]:
        user = _user(self.request)
        return {
            "form": form,
            "organisation": user.organisation,
            "suggestion": form.suggestion,
            "authorities": form.authorities,
            "parts_url": reverse("cooperation:request_form_parts"),
            **extra,
        }


class RequestCreateView(RequestFormMixin):
    def get(self, request: HttpRequest) -> HttpResponse:
        initial = {k: v for k, v in request.GET.items() if k in ("type", "requested_country")}
        form = self.make_form(initial=initial)
        return render(request, self.template_name, self.context(form, title=_("New request")))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                created = services.request_create(
                    actor=_user(request),
                    legal_basis=form.legal_basis_choice(),
                    **form.service_fields(),
                )
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(
                    request,
                    _("Draft {} saved. Check it and send it.").format(created.requester_reference),
                )
                return redirect("cooperation:detail", key=created.pk)
        context = self.context(form, title=_("New request"))
        return render(request, self.template_name, context, status=400)


class RequestFormPartsView(RequestFormMixin):
    """htmx: the authorities and the legal-basis suggestion for what is chosen so far."""

    def get(self, request: HttpRequest) -> HttpResponse:
        # Unbound, with what is chosen so far as initial values: no errors before a submit.
        form = self.make_form(initial=request.GET.dict())
        return render(request, "cooperation/_request_form_parts.html", self.context(form))


class RequestEditView(RequestFormMixin):
    """Change a draft (only drafts change)."""

    def _draft(self, key: str) -> Request:
        obj = access.request_get(_user(self.request), key)
        if obj.status != RS.DRAFT or obj.direction != c.Direction.OUTGOING:
            raise PermissionDenied(_("Only a draft can be changed."))
        return obj

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        obj = self._draft(key)
        form = self.make_form(initial=f.RequestForm.initial_for(obj))
        title = _("Edit draft {}").format(obj.requester_reference)
        return render(request, self.template_name, self.context(form, title=title, draft=obj))

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        obj = self._draft(key)
        form = self.make_form(request.POST)
        if form.is_valid():
            fields = form.service_fields()
            try:
                services.request_update(
                    actor=_user(request),
                    request=obj,
                    legal_basis=form.legal_basis_choice(),
                    **fields,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Draft saved."))
                return redirect("cooperation:detail", key=obj.pk)
        title = _("Edit draft {}").format(obj.requester_reference)
        return render(
            request, self.template_name, self.context(form, title=title, draft=obj), status=400
        )


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


def _message_row(m: Message, ops: dict[str, bool] | None) -> MessageRow:
    incoming = m.direction == c.Direction.INCOMING
    automatic = m.kind in (c.MessageKind.ACKNOWLEDGEMENT, c.MessageKind.REMINDER)
    allowed = ops or {op: True for op in handling.OPERATIONS}
    return MessageRow(
        message=m,
        incoming=incoming,
        automatic=automatic,
        reliability=str(RELIABILITY_LABELS.get(m.source_reliability, m.source_reliability)),
        assessment=str(ASSESSMENT_LABELS.get(m.information_assessment, m.information_assessment)),
        restrictions=[(code, str(HANDLING_LABELS.get(code, code))) for code in m.handling_codes],
        may_forward=not automatic and allowed.get(handling.FORWARD, True),
        may_share=not automatic and incoming and not _share_blocked(m),
    )


def _share_blocked(message: Message) -> list[str]:
    """Codes that forbid sharing with anyone here (law_enforcement_only limits who, see form)."""
    return [
        code
        for code in handling.restrictions(message, handling.SHARE)
        if code != c.HandlingCode.LAW_ENFORCEMENT_ONLY
    ]


def _actions(detail: selectors.RequestDetail) -> Actions:
    acts = Actions()
    for status in detail.allowed_actions:
        if status == RS.REFUSED:
            acts.refuse = True
        else:
            acts.transitions.append((status, str(f.TRANSITION_LABELS.get(status, status))))
    order = list(f.TRANSITION_LABELS)
    acts.transitions.sort(key=lambda t: order.index(t[0]) if t[0] in order else len(order))
    for ops in detail.message_operations.values():
        acts.may_export &= ops[handling.EXPORT]
        acts.may_export_court &= ops[handling.COURT]
    blocked = {
        code
        for item in detail.thread
        if item.message is not None
        for code in handling.restrictions(item.message, handling.COURT)
    }
    acts.export_blocked_by = [str(HANDLING_LABELS.get(code, code)) for code in sorted(blocked)]
    return acts


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
    user = _user(http)
    detail = selectors.request_detail(user=user, key=key)
    obj = detail.request
    rows: list[Row] = []
    for item in detail.thread:
        if item.message is not None:
            ops = detail.message_operations.get(str(item.message.pk))
            rows.append(Row(item.at, "message", message=_message_row(item.message, ops)))
        else:
            rows.append(Row(item.at, "status", change=item.change))
    today = timezone.localdate()
    may_assign = (
        obj.direction == c.Direction.INCOMING
        and obj.requested_organisation_id is None
        and user.role == "national_coordinator"
    )
    return {
        "obj": obj,
        "detail": detail,
        "rows": rows,
        "actions": _actions(detail),
        "legal_basis": services.legal_basis_label(obj),
        "overdue": obj.is_open and obj.due_date is not None and obj.due_date < today,
        "today": today,
        "is_draft": obj.status == RS.DRAFT,
        "may_write": obj.status != RS.CLOSED,
        "transition_form": transition_form or f.TransitionForm(),
        "refuse_form": refuse_form or f.TransitionForm(initial={"to_status": RS.REFUSED}),
        "message_form": message_form or f.MessageForm(),
        "assign_form": (assign_form or f.AssignForm(country=obj.requested_country_id))
        if may_assign
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


class RequestActionView(CooperationView):
    """A POST on a request; on an error the request page comes back with the error shown."""

    http_method_names = ["post"]  # noqa: RUF012 - as View declares it
    template_name = "cooperation/request_detail.html"

    def page_with(self, key: str, status: int = 400, **forms: Any) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            detail_context(self.request, key, **forms),
            status=status,
        )


class RequestSendView(RequestActionView):
    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        obj = access.request_get(_user(request), key)
        try:
            services.request_send(actor=_user(request), request=obj)
        except (NotFoundError, ForbiddenError):
            raise
        except ApplicationError as exc:
            messages.error(request, exc.detail)
            return redirect("cooperation:detail", key=obj.pk)
        messages.success(
            request,
            _("Request {} sent to {}; it is delivered by the outbox.").format(
                obj.requester_reference, obj.node.name if obj.node else "?"
            ),
        )
        return redirect("cooperation:detail", key=obj.pk)


class RequestTransitionView(RequestActionView):
    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        obj = access.request_get(_user(request), key)
        form = f.TransitionForm(request.POST)
        refusing = request.POST.get("to_status") == RS.REFUSED
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.request_transition(
                    actor=_user(request),
                    request=obj,
                    to_status=d["to_status"],
                    note=d["note"],
                    refusal_ground=d["refusal_ground"],
                )
            except (NotFoundError, ForbiddenError):
                raise
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(
                    request,
                    _("Request {}: {}.").format(
                        obj.local_reference, STATUS_LABELS.get(d["to_status"], d["to_status"])
                    ),
                )
                return redirect("cooperation:detail", key=obj.pk)
        if refusing:
            return self.page_with(key, refuse_form=form)
        return self.page_with(key, transition_form=form)


class MessagePostView(RequestActionView):
    """A reply (text, files) with the originator's handling codes."""

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        obj = access.request_get(_user(request), key)
        form = f.MessageForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.message_post(
                    actor=_user(request),
                    request=obj,
                    body=form.cleaned_data["body"],
                    attachments=form.new_attachments(),
                    **form.handling(),
                )
            except (NotFoundError, ForbiddenError):
                raise
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, _("Message added to the thread."))
                return redirect(reverse("cooperation:detail", args=[obj.pk]) + "#thread")
        return self.page_with(key, message_form=form)


class AssignView(RequestActionView):
    """A national coordinator gives an incoming request to an authority here."""

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        obj = access.request_get(_user(request), key)
        form = f.AssignForm(request.POST, country=obj.requested_country_id)
        if form.is_valid():
            try:
                services.request_assign(
                    actor=_user(request),
                    request=obj,
                    organisation=form.cleaned_data["organisation"],
                )
            except (NotFoundError, ForbiddenError):
                raise
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(
                    request,
                    _("Request assigned to {}.").format(form.cleaned_data["organisation"].name),
                )
                return redirect("cooperation:detail", key=obj.pk)
        return self.page_with(key, assign_form=form)


class ExportView(RequestActionView):
    """The request and its thread as JSON, if the handling codes of what was received allow."""

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        obj = access.request_get(_user(request), key)
        form = f.ExportForm(request.POST)
        if not form.is_valid():
            return self.page_with(key, export_error=_("Choose the purpose of the export."))
        purpose = form.cleaned_data["purpose"]
        try:
            data = services.request_export(actor=_user(request), request=obj, purpose=purpose)
        except handling.HandlingRestricted as exc:
            return self.page_with(key, status=403, export_error=exc.detail)
        except (NotFoundError, ForbiddenError):
            raise
        except ApplicationError as exc:
            return self.page_with(key, export_error=exc.detail)
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
        )
        name = "{}-{}.json".format(obj.local_reference or obj.pk, purpose)
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response


class AttachmentView(CooperationView):
    """A file of a message, as a download (reads of received files are audited)."""

    def get(self, request: HttpRequest, pk: str) -> HttpResponse:
        attachment = access.attachment_get(_user(request), pk)
        try:
            content = services.attachment_read(actor=_user(request), attachment=attachment)
        except (NotFoundError, ForbiddenError):
            raise
        except ApplicationError as exc:
            return HttpResponse(exc.detail, status=409, content_type="text/plain; charset=utf-8")
        response = HttpResponse(content, content_type="application/octet-stream")
        response["Content-Disposition"] = content_disposition_header(True, attachment.filename)
        return response


class ExtractRevealView(CooperationView):
    """POST a reason, see a case extract's content (every read is audited by the service)."""

    http_method_names = ["post"]  # noqa: RUF012 - as View declares it

    def post(self, request: HttpRequest, pk: str) -> HttpResponse:
        extract = access.extract_get(_user(request), pk)
        form = f.RevealForm(request.POST)
        data: dict[str, Any] | None = None
        if form.is_valid():
            try:
                data = services.extract_read(
                    actor=_user(request), extract=extract, reason=form.cleaned_data["reason"]
                )
            except (NotFoundError, ForbiddenError):
                raise
            except ApplicationError as exc:
                form.add_error("reason", exc.detail)
        context = {
            "extract": extract,
            "reveal_form": form,
            "case_rows": _rows((data or {}).get("case", {})),
            "person_rows": [
                (pseudonym, _rows(values))
                for pseudonym, values in sorted((data or {}).get("persons", {}).items())
            ],
            "revealed": data is not None,
        }
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "cooperation/_extract.html", context)
        return render(request, "cooperation/extract.html", context)


def _rows(values: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for name, value in values.items():
        if value in (None, "", []):
            continue
        text = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        out.append((sharing.person_field_label(name), text))
    return out


# --- received content: forward and share (only where the handling codes allow) --------------


class MessageStepView(CooperationView):
    template_name = "cooperation/message_step.html"
    operation = handling.FORWARD
    title: Any = ""

    def message(self, pk: str) -> Message:
        message = access.message_get(_user(self.request), pk)
        if not access.request_queryset(_user(self.request)).filter(pk=message.request_id).exists():
            raise Http404(_("No such message."))
        return message

    def refused(self, message: Message) -> list[str]:
        if self.operation == handling.SHARE:
            codes = _share_blocked(message)
        else:
            codes = handling.restrictions(message, self.operation)
        return [str(HANDLING_LABELS.get(x, x)) for x in codes]

    def page(self, message: Message, form: Any, status: int = 200, error: str = "") -> HttpResponse:
        context = {
            "title": self.title,
            "message_row": _message_row(message, None),
            "obj": message.request,
            "form": form,
            "refused": self.refused(message),
            "error": error,
        }
        return render(self.request, self.template_name, context, status=status)


class ForwardView(MessageStepView):
    operation = handling.FORWARD
    title = gettext_lazy("Forward a message")

    def make_form(self, message: Message, data: Any = None) -> f.ForwardForm:
        requests = (
            access.request_queryset(_user(self.request))
            .exclude(pk=message.request_id)
            .exclude(status__in=[RS.CLOSED])
            .order_by("-created_at")
        )
        return f.ForwardForm(data, requests=requests)

    def get(self, request: HttpRequest, pk: str) -> HttpResponse:
        message = self.message(pk)
        status = 403 if self.refused(message) else 200
        return self.page(message, None if status == 403 else self.make_form(message), status)

    def post(self, request: HttpRequest, pk: str) -> HttpResponse:
        message = self.message(pk)
        form = self.make_form(message, request.POST)
        if form.is_valid():
            try:
                services.message_forward(
                    actor=_user(request),
                    message=message,
                    to_request=form.target(),
                    note=form.cleaned_data["note"],
                )
            except handling.HandlingRestricted as exc:
                return self.page(message, None, status=403, error=exc.detail)
            except (NotFoundError, ForbiddenError):
                raise
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, _("Message forwarded."))
                return redirect("cooperation:detail", key=form.target().pk)
        return self.page(message, form, status=400)


class ShareMessageView(MessageStepView):
    operation = handling.SHARE
    title = gettext_lazy("Share a received message with an organisation here")

    def make_form(self, message: Message, data: Any = None) -> f.ShareMessageForm:
        return f.ShareMessageForm(
            data,
            user=_user(self.request),
            law_enforcement_only=c.HandlingCode.LAW_ENFORCEMENT_ONLY in message.handling_codes
            and message.direction == c.Direction.INCOMING,
        )

    def get(self, request: HttpRequest, pk: str) -> HttpResponse:
        message = self.message(pk)
        if self.refused(message):
            return self.page(message, None, status=403)
        return self.page(message, self.make_form(message))

    def post(self, request: HttpRequest, pk: str) -> HttpResponse:
        message = self.message(pk)
        form = self.make_form(message, request.POST)
        if form.is_valid():
            try:
                services.message_share(
                    actor=_user(request),
                    message=message,
                    organisation=form.cleaned_data["organisation"],
                    reason=form.cleaned_data["reason"],
                )
            except handling.HandlingRestricted as exc:
                form.add_error(None, exc.detail)
                return self.page(message, form, status=403)
            except (NotFoundError, ForbiddenError):
                raise
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(
                    request,
                    _("Message shared with {}.").format(form.cleaned_data["organisation"].name),
                )
                return redirect("cooperation:detail", key=message.request_id)
        return self.page(message, form, status=400)


# --- sharing part of a case ----------------------------------------------------------------------


class CaseShareView(CooperationView):
    """Pick a case, then exactly which of its fields go with a message on the request."""

    template_name = "cooperation/case_share.html"

    def _context(self, obj: Request, choice: f.CaseChoiceForm, form: Any) -> dict[str, Any]:
        return {"obj": obj, "choice": choice, "form": form}

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        user = _user(request)
        obj = access.request_get(user, key)
        choice = f.CaseChoiceForm(request.GET if "case" in request.GET else None, user=user)
        form = None
        if choice.is_bound and choice.is_valid():
            form = f.CaseShareForm(case=choice.cleaned_data["case"])
        return render(request, self.template_name, self._context(obj, choice, form))

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        user = _user(request)
        obj = access.request_get(user, key)
        choice = f.CaseChoiceForm(request.POST, user=user)
        if not choice.is_valid():
            return render(request, self.template_name, self._context(obj, choice, None), status=400)
        form = f.CaseShareForm(request.POST, case=choice.cleaned_data["case"])
        if form.is_valid():
            try:
                services.message_post(
                    actor=user,
                    request=obj,
                    body=form.cleaned_data["body"],
                    extract=form.spec(),
                    **form.handling(),
                )
            except NotFoundError:
                raise
            except ApplicationError as exc:  # ForbiddenError too: about the chosen case
                form.add_error(None, exc.detail)
            else:
                messages.success(request, _("Case extract added to the thread."))
                return redirect(reverse("cooperation:detail", args=[obj.pk]) + "#thread")
        return render(request, self.template_name, self._context(obj, choice, form), status=400)
