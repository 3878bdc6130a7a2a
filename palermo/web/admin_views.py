"""The administration pages (administrators only; the pages do not exist for anyone else):
organisations, users (invite or create, role, deactivate, reactivate, unlock), every user's API
tokens, the audit log (search, verify). Each change calls the service the CLI calls
(palermo.core.services, palermo.core.lockout), which checks the rules and writes the audit log.

The invitation page (`InvitationView`) is public: whoever holds the link sets the password."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _

from palermo.core.audit import audit_kinds, audit_verify
from palermo.core.choices import Role
from palermo.core.collation import collated
from palermo.core.errors import ApplicationError
from palermo.core.lockout import login_unlock
from palermo.core.models import User
from palermo.core.pagination import page_get
from palermo.core.selectors import (
    audit_search,
    locked_usernames,
    organisations_overview,
    token_row,
    tokens_all,
    users_overview,
)
from palermo.core.services import (
    organisation_create,
    token_revoke,
    user_create,
    user_deactivate,
    user_invitation,
    user_reactivate,
    user_set_password,
    user_set_role,
)
from palermo.core.views import PalermoView, page_user, private
from palermo.web.admin_forms import (
    AuditSearchForm,
    InviteMethod,
    OrganisationForm,
    RoleForm,
    UserFilterForm,
    UserNewForm,
)

PER_PAGE = 50


class AdminPage(PalermoView):
    """A page for administrators; domain errors of a change are shown as a message."""

    forbidden_as_404 = True

    def allowed(self, user: User) -> bool:
        return user.has_role(Role.ADMINISTRATOR)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- organisations ---------------------------------------------------------------------------


class OrganisationListView(AdminPage):
    template = "web/admin/organisations.html"

    def context(self, form: OrganisationForm) -> dict[str, Any]:
        # By their names as the reader reads them, in the reader's language's order.
        rows = collated(organisations_overview(), lambda o: o.display_name)
        page = page_get(rows, self.request.GET.get("page"), PER_PAGE)
        return {"form": form, "page": page, "section": "organisations"}

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template, self.context(OrganisationForm()))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = OrganisationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                org = organisation_create(
                    actor=page_user(request),
                    name=data["name"],
                    kind=data["kind"],
                    country=data["country"] or None,
                    parent=data["parent"].name if data["parent"] else None,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, _("Organisation {} created.").format(org.name))
                return redirect("web:admin_organisations")
        return render(request, self.template, self.context(form), status=400)


# --- users -----------------------------------------------------------------------------------


class UserListView(AdminPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        filters = UserFilterForm(request.GET or None)
        data = filters.cleaned_data if filters.is_valid() else {}
        users = users_overview(
            q=data.get("q", ""),
            organisation=data["organisation"].name if data.get("organisation") else "",
            role=data.get("role", ""),
            state=data.get("state", ""),
        )
        page = page_get(users, request.GET.get("page"), PER_PAGE)
        locked = locked_usernames()
        rows = [{"user": u, "locked": u.username in locked} for u in page.object_list]
        context = {
            "filters": filters,
            "page": page,
            "rows": rows,
            "roles": Role.choices,
            "query": _query_without_page(request),
            "section": "users",
        }
        return render(request, "web/admin/users.html", context)


def _credentials_page(
    request: HttpRequest, user: User, *, password: str | None = None, link: str = ""
) -> HttpResponse:
    """The one page that shows a generated password or an invitation link (never stored)."""
    context = {
        "target": user,
        "password": password,
        "link": request.build_absolute_uri(link) if link else "",
        "section": "users",
    }
    return private(render(request, "web/admin/credentials.html", context))  # type: ignore[return-value]


class UserNewView(AdminPage):
    template = "web/admin/user_new.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template, {"form": UserNewForm(), "section": "users"})

    def post(self, request: HttpRequest) -> HttpResponse:
        actor = page_user(request)
        form = UserNewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user, generated = user_create(
                    actor=actor,
                    username=data["username"],
                    organisation=data["organisation"].name,
                    role=data["role"],
                    email=data["email"],
                    one_time=True,
                )
                if data["access"] == InviteMethod.LINK:
                    return _credentials_page(
                        request, user, link=user_invitation(actor=actor, user=user)
                    )
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                return _credentials_page(request, user, password=generated)
        return render(request, self.template, {"form": form, "section": "users"}, status=400)


USER_ACTIONS = ("role", "deactivate", "reactivate", "unlock", "invite")


class UserActionView(AdminPage):
    """One change to one user (POST), then back to the list with what happened."""

    def post(self, request: HttpRequest, user_id: int, action: str) -> HttpResponse:
        actor = page_user(request)
        user = get_object_or_404(User, pk=user_id)
        back = reverse("web:admin_users") + "?" + request.POST.get("query", "")
        if action not in USER_ACTIONS:
            return redirect(back)
        try:
            if action == "invite":
                return _credentials_page(
                    request, user, link=user_invitation(actor=actor, user=user)
                )
            message = self.perform(request, actor, user, action)
        except ApplicationError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, message)
        return redirect(back)

    def perform(self, request: HttpRequest, actor: User, user: User, action: str) -> str:
        if action == "role":
            form = RoleForm(request.POST)
            if not form.is_valid():
                raise ApplicationError(_("Choose one of the roles."), code="unknown_role")
            user_set_role(actor=actor, user=user, role=form.cleaned_data["role"])
            return _("{} is now {}.").format(user.username, user.get_role_display())
        if action == "deactivate":
            summary = user_deactivate(actor=actor, user=user)
            return _("{} is deactivated: {} API tokens revoked, {} sessions ended.").format(
                user.username, summary["tokens_revoked"], summary["sessions_ended"]
            )
        if action == "reactivate":
            user_reactivate(actor=actor, user=user)
            return _("{} can log in again (API tokens revoked before stay revoked).").format(
                user.username
            )
        count = login_unlock(actor=actor, username=user.username)
        return _("Logins of {} unlocked ({} failed-login records removed).").format(
            user.username, count
        )


class InvitationView(auth_views.PasswordResetConfirmView):
    """Whoever holds an invitation link sets the user's password (through the service, which
    checks and audits it); the link then no longer works."""

    template_name = "web/invitation.html"
    success_url = reverse_lazy("web:login")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.user
        try:
            user_set_password(actor=user, user=user, password=form.cleaned_data["new_password1"])
        except ApplicationError as exc:
            form.add_error("new_password1", exc.detail)
            return self.form_invalid(form)
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        messages.success(self.request, _("Your password is set: log in with it."))
        return HttpResponseRedirect(self.get_success_url())


# --- tokens ----------------------------------------------------------------------------------


class TokenAdminView(AdminPage):
    """Every user's API tokens (never their secrets); revoke any."""

    def get(self, request: HttpRequest) -> HttpResponse:
        username = request.GET.get("user", "").strip()[:150]
        tokens = tokens_all()
        if username:
            tokens = tokens.filter(user__username=username)
        page = page_get(tokens, request.GET.get("page"), PER_PAGE)
        rows = [{**token_row(t), "user": t.user.username} for t in page.object_list]
        context = {
            "page": page,
            "rows": rows,
            "username": username,
            "query": _query_without_page(request),
            "section": "tokens",
        }
        return render(request, "web/admin/tokens.html", context)

    def post(self, request: HttpRequest) -> HttpResponse:
        token_id = request.POST.get("token", "")
        if token_id.isdigit():
            try:
                token = token_revoke(actor=page_user(request), token_id=int(token_id))
            except ApplicationError as exc:
                messages.error(request, exc.detail)
            else:
                messages.success(
                    request,
                    _("Token {} of {} is revoked: it no longer works.").format(
                        token.prefix + "…", token.user.username
                    ),
                )
        return redirect(reverse("web:admin_tokens") + "?" + request.POST.get("query", ""))


# --- audit log -------------------------------------------------------------------------------


class AuditView(AdminPage):
    """Search the audit log (newest first, paginated) and verify its chain as
    `palermo audit verify` does (hashes, MACs, the node's signed checkpoints)."""

    def render_page(self, request: HttpRequest, report: Any = None) -> HttpResponse:
        form = AuditSearchForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        entries = audit_search(
            actor=data.get("actor", "").strip(),
            action=data.get("action", ""),
            object_type=data.get("object_type", ""),
            object_id=data.get("object_id", "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
        page = page_get(entries, request.GET.get("page"), PER_PAGE)
        kinds = audit_kinds()
        rows = [
            {
                "entry": e,
                "kind": kinds[e.object_type].label if e.object_type in kinds else e.object_type,
                # which fields changed, never their values (they may be personal data)
                "fields": sorted(set(e.before or {}) | set(e.after or {})),
            }
            for e in page.object_list
        ]
        context = {
            "form": form,
            "page": page,
            "rows": rows,
            "report": report,
            "verified_at": timezone.now() if report is not None else None,
            "query": _query_without_page(request),
            "section": "audit",
        }
        return render(request, "web/admin/audit.html", context)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(request, report=audit_verify())
