"""The node inbox: POST /api/v1/node/inbox. The Ed25519 signature is the authentication."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import Router

from palermo.cooperation import services, signing

router = Router(tags=["node"], auth=None)


@router.post("/inbox", include_in_schema=True, summary="Receive a signed message from a peer node")
def inbox(request: HttpRequest) -> HttpResponse:
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > settings.PALERMO_NODE_MAX_MESSAGE_BYTES:
        raise services.NodeRefusal("The message is too large.", "too_large", 413)
    try:
        body = request.body
    except RequestDataTooBig:
        raise services.NodeRefusal("The message is too large.", "too_large", 413) from None
    headers = {
        signing.NODE_HEADER: request.headers.get(signing.NODE_HEADER, ""),
        signing.SIGNATURE_HEADER: request.headers.get(signing.SIGNATURE_HEADER, ""),
    }
    reply = services.inbox_receive(body=body, headers=headers)
    response = HttpResponse(reply.body, status=reply.status, content_type="application/json")
    for name, value in reply.headers.items():
        response[name] = value
    return response
