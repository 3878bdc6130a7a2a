"""The OpenRosa API (issue 18), so that ODK Collect and KoboCollect use this node as their
server (server URL `https://<node>/openrosa`): `formList` (the forms the user may fill in),
`forms/<form id>.xml` (an XForm), `submission` (HEAD to learn the size accepted, POST a filled
form as multipart with its `xml_submission_file`). Every answer carries
`X-OpenRosa-Version: 1.0`; messages are OpenRosa responses, in the user's language.

Authentication: HTTP Basic with the user's name and one of their API tokens as the password
(Collect sends Basic only over HTTPS, which production requires), or `Authorization: Bearer`.
An API token, not the login password: it expires, can be revoked alone, and a lost phone does
not give away the password. Who submits: those who open cases (case workers, investigators).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from xml.sax.saxutils import escape

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from palermo.core.auth import bearer_token
from palermo.core.choices import Role
from palermo.core.errors import ApplicationError
from palermo.core.models import User
from palermo.intake import htcdsforms, openrosa, xforms

VERSION = "1.0"
ACCEPT_BYTES = 10 * 1024 * 1024
REALM = "Palermo"
SUBMITTERS = (Role.CASE_WORKER, Role.INVESTIGATOR)


def _response(
    body: str, status: int, content_type: str = "text/xml; charset=utf-8"
) -> HttpResponse:
    response = HttpResponse(body, status=status, content_type=content_type)
    response["X-OpenRosa-Version"] = VERSION
    return response


def _message(text: str, status: int, nature: str = "") -> HttpResponse:
    body = (
        '<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
        '<message nature="{}">{}</message></OpenRosaResponse>'
    ).format(nature, escape(text))
    return _response(body, status)


def _unauthorised() -> HttpResponse:
    response = _message(_("Log in with your user name and an API token."), 401)
    response["WWW-Authenticate"] = 'Basic realm="{}"'.format(REALM)
    return response


def _user(request: HttpRequest) -> User | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer":
        token = bearer_token(request, value.strip())
        return token.user if token is not None else None
    if scheme.lower() != "basic":
        return None
    try:
        name, _colon, secret = (
            base64.b64decode(value.strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    token = bearer_token(request, secret)
    if token is None or token.user.username != name or not token.user.is_active:
        return None
    return token.user


@method_decorator(csrf_exempt, name="dispatch")
class OpenRosaView(View):
    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            user = _user(request)
        except ApplicationError as exc:  # too many wrong tokens from this address
            return _message(exc.detail, exc.status)
        if user is None:
            return _unauthorised()
        if user.role not in SUBMITTERS:
            return _message(_("Your role does not record screenings."), 403)
        request.user = user
        return super().dispatch(request, *args, **kwargs)  # type: ignore[return-value]


class FormListView(OpenRosaView):
    def get(self, request: HttpRequest) -> HttpResponse:
        wanted = request.GET.get("formID", "")
        items = []
        for form in xforms.forms():
            if wanted and form.form_id != wanted:
                continue
            url = request.build_absolute_uri(reverse("openrosa:form", args=[form.form_id]))
            items.append(
                "<xform><formID>{}</formID><name>{}</name><version>{}</version>"
                "<hash>md5:{}</hash><downloadUrl>{}</downloadUrl></xform>".format(
                    escape(form.form_id), escape(form.title), escape(form.version), form.md5,
                    escape(url),
                )
            )  # fmt: skip
        for added in htcdsforms.served():
            if wanted and added.form_id != wanted:
                continue
            url = request.build_absolute_uri(reverse("openrosa:form", args=[added.form_id]))
            digest = hashlib.md5(added.xform.encode(), usedforsecurity=False).hexdigest()
            items.append(
                "<xform><formID>{}</formID><name>{}</name><version>{}</version>"
                "<hash>md5:{}</hash><downloadUrl>{}</downloadUrl></xform>".format(
                    escape(added.form_id), escape(added.title), escape(added.version), digest,
                    escape(url),
                )
            )  # fmt: skip
        body = '<xforms xmlns="http://openrosa.org/xforms/xformsList">{}</xforms>'.format(
            "".join(items)
        )
        return _response(body, 200)


class FormView(OpenRosaView):
    def get(self, request: HttpRequest, form_id: str) -> HttpResponse:
        indicator_list = xforms.list_for(form_id)
        if indicator_list is None:
            added = next((f for f in htcdsforms.served() if f.form_id == form_id), None)
            if added is None:
                return _message(_("No form {}.").format(form_id[:80]), 404)
            return _response(added.xform, 200)
        return _response(xforms.xform(indicator_list).xml.decode("utf-8"), 200)


class SubmissionView(OpenRosaView):
    def head(self, request: HttpRequest) -> HttpResponse:
        response = _response("", 204)
        response["X-OpenRosa-Accept-Content-Length"] = str(ACCEPT_BYTES)
        return response

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.head(request)

    def post(self, request: HttpRequest) -> HttpResponse:
        upload = request.FILES.get("xml_submission_file")
        if upload is None:
            return _message(_("The submission has no xml_submission_file."), 400)
        user = request.user
        assert isinstance(user, User)  # noqa: S101 - dispatch set it
        try:
            received = openrosa.submission_receive(
                actor=user, xml=upload.read(openrosa.MAX_BYTES + 1)
            )
        except ApplicationError as exc:
            return _message(exc.detail, exc.status if exc.status in (403, 404, 409) else 400)
        if not received.new:
            return _message(_("This submission was received before."), 202, "submit_success")
        return _message(_("Received: a case with its screening."), 201, "submit_success")
