"""The home page (public): what the node knows, in numbers; a user's own API tokens and
password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.core.validators import MaxValueValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.core.errors import ApplicationError
from palermo.core.models import ApiToken, User
from palermo.core.selectors import token_row, tokens_of
from palermo.core.services import NAME_MAX, token_issue, token_revoke, user_set_password
from palermo.core.views import PalermoView, page_user, render_htmx
from palermo.registry.selectors import registry_counts


class HomeView(PalermoView):
    login_required = False
    private_if_user = True  # the header names the logged-in user

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "web/home.html", {"counts": registry_counts()})


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=NAME_MAX,
        required=False,
        help_text=gettext_lazy("What the token is for, e.g. the script that uses it."),
    )
    expires_days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"),
        min_value=1,
        help_text=gettext_lazy("The token stops working after this many days."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        most = settings.PALERMO_TOKEN_MAX_DAYS
        field = self.fields["expires_days"]
        field.validators.append(MaxValueValidator(most))
        field.widget.attrs["max"] = most


def token_form(data: Any = None) -> TokenForm:
    return TokenForm(data, initial={"expires_days": settings.PALERMO_TOKEN_DAYS})


def tokens_context(user: Any, form: TokenForm, **extra: Any) -> dict[str, Any]:
    return {"form": form, "tokens": [token_row(t) for t in tokens_of(user)], **extra}


class TokenListView(PalermoView):
    """The logged-in user's API tokens: issue one (its secret shown this once), revoke one.
    Tokens are issued from a session only, never by a request that came with a token."""

    page = "web/tokens.html"
    partial = "web/_tokens.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        context = tokens_context(page_user(request), token_form())
        return render_htmx(request, self.page, self.partial, context)

    def post(self, request: HttpRequest) -> HttpResponse:
        user = page_user(request)
        form = token_form(request.POST)
        if form.is_valid():
            try:
                token, secret = token_issue(
                    actor=user,
                    user=user,
                    name=form.cleaned_data["name"],
                    expires_days=form.cleaned_data["expires_days"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                context = tokens_context(user, token_form(), new_token=token, secret=secret)
                return render_htmx(request, self.page, self.partial, context)
        return render_htmx(request, self.page, self.partial, tokens_context(user, form))


class TokenRevokeView(PalermoView):
    """Revoke one of the user's tokens (POST); another user's token does not exist here."""

    forbidden_as_404 = True

    def post(self, request: HttpRequest, token_id: int) -> HttpResponse:
        user = page_user(request)
        token: ApiToken = token_revoke(actor=user, token_id=token_id)
        message = _("Token {} is revoked: it no longer works.").format(token.prefix + "…")
        if getattr(request, "htmx", None):
            context = tokens_context(user, token_form(), revoked=message)
            return render(request, "web/_tokens.html", context)
        messages.success(request, message)
        return redirect("web:tokens")


class PasswordChangeView(PalermoView):
    """The logged-in user chooses a new password (the current one first), through the service
    that checks and audits it; the session stays logged in. A one-time password must be
    replaced here before any other page (palermo.core.middleware.PasswordChangeMiddleware)."""

    template = "web/password_change.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template, {"form": PasswordChangeForm(page_user(request))})

    def post(self, request: HttpRequest) -> HttpResponse:
        user = User.objects.get(pk=page_user(request).pk)  # the model, not the lazy request.user
        form = PasswordChangeForm(user, request.POST)
        if form.is_valid():
            try:
                user_set_password(
                    actor=user, user=user, password=form.cleaned_data["new_password1"]
                )
            except ApplicationError as exc:
                form.add_error("new_password1", exc.detail)
            else:
                update_session_auth_hash(request, user)
                messages.success(request, _("Your password is changed."))
                return redirect("web:home")
        return render(request, self.template, {"form": form}, status=400)
