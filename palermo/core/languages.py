"""The user's language: stored with the user (`User.language`), used for their pages, PDFs,
exports and API error details.

- A choice with the switcher (`language_set`, the view behind `set_language`) is stored with a
  logged-in user; one made on the login page (its cookie) is stored at the login
  (`language_on_login`), and a first login without a choice stores the browser's language.
- `UserLanguageMiddleware` (after authentication) activates a logged-in user's language for
  the request, whatever the browser asks for.
- An API request with a bearer token follows its `Accept-Language` header when it sends one, the
  token user's language otherwise (`language_for_token_user`, called by the bearer
  authentication); error `code`s never change, only `detail`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from palermo.core.models import User

CODES = frozenset(code for code, _name in settings.LANGUAGES)


def language_valid(code: str) -> bool:
    return code in CODES


def language_activate(request: HttpRequest, code: str) -> None:
    """Make `code` the language of the rest of this request (and of its response's
    Content-Language)."""
    translation.activate(code)
    request.LANGUAGE_CODE = code


def _language_store(user: User, code: str) -> None:
    if user.language != code:
        user.language = code
        user.save(update_fields=["language"])


def language_on_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """`user_logged_in`: a language chosen with the switcher in this browser (its cookie) becomes
    the user's; a user without a language and without such a choice keeps the one the browser
    asked for. The pages after the login are in the stored one (UserLanguageMiddleware)."""
    cookies = getattr(request, "COOKIES", {}) or {}
    chosen = cookies.get(settings.LANGUAGE_COOKIE_NAME, "")
    if language_valid(chosen):
        code = chosen
    elif user.language and language_valid(user.language):
        return
    else:
        # The request's language as LocaleMiddleware found it (Accept-Language).
        code = getattr(request, "LANGUAGE_CODE", "") or settings.LANGUAGE_CODE
        if not language_valid(code):
            code = settings.LANGUAGE_CODE
    _language_store(user, code)


def language_for_token_user(request: HttpRequest, user: User) -> None:
    """A bearer-token request without `Accept-Language` is answered in the token user's
    language."""
    if request.headers.get("Accept-Language"):
        return
    if user.language and language_valid(user.language):
        language_activate(request, user.language)


class UserLanguageMiddleware:
    """A logged-in (session) user's pages are in their language; an API call with an explicit
    `Accept-Language` keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        code = user.language if user is not None and user.is_authenticated else ""
        explicit = request.path.startswith("/api/") and request.headers.get("Accept-Language")
        previous = translation.get_language()
        if language_valid(code) and not explicit:
            language_activate(request, code)
        try:
            response = self.get_response(request)
            # The language the answer is in (the user's, or a token user's set by the API's
            # authentication), before the thread goes back to the one the request asked for.
            response.headers.setdefault("Content-Language", translation.get_language())
            return response
        finally:
            if previous:
                translation.activate(previous)
            else:
                translation.deactivate()


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """The language switcher: Django's `set_language` (the cookie, the redirect back), and the
    logged-in user's stored language."""
    response: HttpResponse = set_language(request)
    code = request.POST.get("language", "")
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated and language_valid(code):
        _language_store(user, code)
    return response
