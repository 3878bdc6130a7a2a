"""The one way to write a page, and the node's operational endpoints.

Owns what every app's pages share:
- `PalermoView`: login, who may use the pages (others get 404), how domain errors become
  responses (NotFoundError -> 404, ForbiddenError -> 403 or 404), and no-store caching;
- `FormServiceView`: "form -> service -> redirect, or re-render with the service's error";
- `page_user`, `private`, `render_htmx`, `safe_next`: one helper each;
- `job_response`: where a page that started long work (palermo.core.jobs) sends the user;
- `healthz`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_GET

from palermo.core.choices import JobState
from palermo.core.errors import ApplicationError, ForbiddenError, NotFoundError
from palermo.core.models import Job, User
from palermo.core.permissions import is_authenticated


def page_user(request: HttpRequest) -> User:
    """The logged-in user of a page that requires a login (PalermoView ensures one)."""
    user = request.user
    if not isinstance(user, User) or not is_authenticated(user):
        raise PermissionDenied(_("Log in to see this page."))
    return user


def private(response: HttpResponseBase) -> HttpResponseBase:
    """A response never kept by browsers or proxies (personal or unpublished data)."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


def render_htmx(
    request: HttpRequest, page: str, partial: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The partial for an htmx request, else the whole page (also for an htmx history restore)."""
    htmx = getattr(request, "htmx", None)
    wants_partial = bool(htmx) and not getattr(htmx, "history_restore_request", False)
    response = render(request, partial if wants_partial else page, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` URL of the request when it stays on this site, else `fallback`."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return fallback


def job_response(request: HttpRequest, job: Job) -> HttpResponse:
    """Where a page that started long work sends the user: once it is done (at once, when the
    task backend runs tasks immediately), its message and its result; once refused, the refusal
    on the page that started it; else the job's page, which shows its progress."""
    hosts = {request.get_host()}
    if job.state == JobState.DONE:
        messages.success(request, job.message)
        if url_has_allowed_host_and_scheme(job.result_url, hosts):
            return redirect(job.result_url)
        return redirect("web:home")  # results are pages of this site; anything else is not
    if job.state == JobState.FAILED and url_has_allowed_host_and_scheme(job.back_url, hosts):
        messages.error(request, job.message)
        return redirect(job.back_url)
    return redirect("web:job", job_id=job.pk)


class PalermoView(View):
    """Base of every page.

    - `login_required`: the anonymous are sent to the login page.
    - `allowed(user)`: who may use these pages at all; anyone else gets 404 (the pages do not
      exist for them).
    - Domain errors from selectors and services: NotFoundError -> 404; ForbiddenError -> 403,
      or 404 where `forbidden_as_404` (what you may not see does not exist for you); any
      other ApplicationError -> 404 where `errors_as_404` (e.g. a period in the URL that is
      not one), else it propagates.
    - `private`: responses are never cached (for logged-in users only with `private_if_user`).
    """

    login_required = True
    forbidden_as_404 = False
    errors_as_404 = False
    private = True
    private_if_user = False

    def allowed(self, user: User) -> bool:
        return True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if self.login_required:
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not isinstance(user, User) or not self.allowed(user):
                raise Http404(_("No such page."))
        try:
            response = super().dispatch(request, *args, **kwargs)
        except NotFoundError as exc:
            raise Http404(exc.detail) from exc
        except ForbiddenError as exc:
            if self.forbidden_as_404:
                raise Http404(exc.detail) from exc
            raise PermissionDenied(exc.detail) from exc
        except ApplicationError as exc:
            if self.errors_as_404:
                raise Http404(exc.detail) from exc
            if exc.status == 403:
                raise PermissionDenied(exc.detail) from exc
            raise
        if self.private and (not self.private_if_user or user.is_authenticated):
            private(response)
        return response


class FormServiceView(PalermoView):
    """A page with one form whose valid input goes to one service.

    GET shows the form; a valid POST calls `perform(form)` (the service call), then answers
    `success_response(obj)`: a redirect to `get_success_url(obj)` with `get_success_message(obj)`.
    An ApplicationError or a ValidationError from the service is shown on the form, which is
    rendered again with what was typed. `resolve(**kwargs)` finds the objects the page is about
    and checks that the user may change them (before the form is shown or processed).
    """

    form_class: type[forms.Form]
    template_name: str
    title: str | Promise = ""
    intro: str | Promise = ""
    submit_label: str | Promise = gettext_lazy("Save")
    invalid_status = 200  # of a form shown again with errors (400 where the app says so)

    def resolve(self, **kwargs: Any) -> None:
        """Find what the page is about from the URL; raise to refuse."""

    def get_form_kwargs(self) -> dict[str, Any]:
        return {}

    def get_initial(self) -> dict[str, Any]:
        return {}

    def perform(self, form: Any) -> Any:
        raise NotImplementedError

    def get_success_url(self, obj: Any) -> str:
        raise NotImplementedError

    def get_success_message(self, obj: Any) -> str:
        return _("Saved.")

    def success_response(self, obj: Any) -> HttpResponse:
        """The answer once the service succeeded: by default its message and a redirect to
        `get_success_url(obj)`. Override for a page that answers with what the service returned
        (a download, a revealed record)."""
        messages.success(self.request, self.get_success_message(obj))
        return redirect(self.get_success_url(obj))

    def get_context_data(self, form: forms.Form) -> dict[str, Any]:
        return {
            "form": form,
            "title": self.title,
            "intro": self.intro,
            "submit_label": self.submit_label,
        }

    def make_form(self, data: Any = None, files: Any = None) -> forms.Form:
        return self.form_class(data, files, initial=self.get_initial(), **self.get_form_kwargs())

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self.resolve(**kwargs)
        return self.render_form(self.make_form())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        self.resolve(**kwargs)
        form = self.make_form(request.POST, request.FILES or None)
        if form.is_valid():
            try:
                obj = self.perform(form)
            except ApplicationError as exc:
                # resolve() checked access, so this is about the input (an unknown code too).
                form.add_error(None, exc.detail)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                return self.success_response(obj)
        return self.render_form(form)

    def form_status(self, form: forms.Form) -> int:
        """The status of the form page: `invalid_status` when it is shown again with errors."""
        return self.invalid_status if form.is_bound else 200

    def render_form(self, form: forms.Form) -> HttpResponse:
        return render(
            self.request,
            self.template_name,
            self.get_context_data(form),
            status=self.form_status(form),
        )


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})
