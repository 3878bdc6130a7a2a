"""Factories for cooperation test data: organisations, peer nodes, and what a peer node sends.

A peer node (`NodeFactory`, "bravo" unless named) signs with PEER_KEY. The payload factories
build the JSON of the events a peer sends about a request (envelopes.py): a request it makes
(`RequestPayloadFactory`, by default the South African Police Service asking the Nigeria Police
Force for an extradition), and a message with a file (`MessagePayloadFactory`,
`AttachmentPayloadFactory`) or a case extract (`ExtractPayloadFactory`). Dates are relative to
the clock of the test (never a calendar day).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone
from factory import declarations
from factory.base import DictFactory
from factory.django import DjangoModelFactory

from palermo.cooperation import signing
from palermo.cooperation.models import Node
from palermo.core.choices import OrganisationKind
from palermo.core.models import Organisation

# factory_boy's declarations (LazyFunction, SubFactory ...) carry no annotations: they are used
# through this Any-typed handle, as mypy treats an untyped library. Factories are typed (a model
# factory's `create()` returns its model; a payload factory's `build()` a dict).
d: Any = declarations

PEER_KEY = Ed25519PrivateKey.generate()
SAPS = "South African Police Service"
NPF = "Nigeria Police Force"


def _uuid() -> str:
    return str(uuid.uuid4())


def _now() -> str:
    return timezone.now().isoformat()


def _in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


class OrganisationFactory(DjangoModelFactory[Organisation]):
    """A government agency (of Nigeria unless told)."""

    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = d.Sequence("Agency {}".format)
    kind = OrganisationKind.GOVERNMENT
    country_id = "NGA"


class NodeFactory(DjangoModelFactory[Node]):
    """A peer node that signs with PEER_KEY."""

    class Meta:
        model = Node

    name = "bravo"
    url = d.LazyAttribute(lambda node: "http://{}.example".format(node.name))
    public_key = d.LazyFunction(lambda: signing.public_key_b64(PEER_KEY))
    country_id = None


class AuthorityRefFactory(DictFactory):
    name = SAPS


class RequestPayloadFactory(DictFactory):
    """The `request` of a request.create payload."""

    id = d.LazyFunction(_uuid)
    type = "extradition"
    subject = "Surrender of a suspect"
    description = "Wanted for trafficking in persons."
    urgency = "urgent"
    due_date = d.LazyFunction(lambda: _in_days(30))
    requester_reference = "EXTRADITION-2026-AAAA0001"
    requesting_authority = d.SubFactory(AuthorityRefFactory)
    requested_authority = d.SubFactory(AuthorityRefFactory, name=NPF)
    requesting_country = "ZAF"
    requested_country = "NGA"
    legal_basis = d.Dict({"kind": "instrument", "instrument": "untoc", "article": "art. 16"})
    sent_at = d.LazyFunction(_now)


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


class AttachmentPayloadFactory(DictFactory):
    """A file as it travels: its bytes (`content`) base64-encoded, with their size and SHA-256."""

    class Params:
        content = b"%PDF-1.4 bank records"

    id = d.LazyFunction(_uuid)
    filename = "records.pdf"
    content_type = "application/pdf"
    size = d.LazyAttribute(lambda a: len(a.content))
    sha256 = d.LazyAttribute(lambda a: hashlib.sha256(a.content).hexdigest())
    content_b64 = d.LazyAttribute(lambda a: _b64(a.content))


class MessagePayloadFactory(DictFactory):
    """The `message` of a request.message payload: a reply with one file (B2, no codes)."""

    id = d.LazyFunction(_uuid)
    author = "Detective Dlamini, South African Police Service"
    body = "Records attached."
    source_reliability = "B"
    information_assessment = "2"
    handling_codes = d.List([])
    created_at = d.LazyFunction(_now)
    attachments = d.List([d.SubFactory(AttachmentPayloadFactory)])


class ExtractPayloadFactory(DictFactory):
    """A case extract as it travels: one person's first name, shared with their consent."""

    id = d.LazyFunction(_uuid)
    case_reference = "C-ZAF-1"
    fields = d.Dict({"case": [], "persons": {"P-1": ["first_name"]}})
    identifying = True
    basis = "consent"
    consents = d.List([d.Dict({"pseudonym": "P-1", "given_on": "2026-01-01"})])
    data = d.Dict({"case": {}, "persons": {"P-1": {"first_name": "Thandi"}}})
