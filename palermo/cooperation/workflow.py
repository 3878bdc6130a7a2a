"""The rules of the request workflow, without reading or writing anything.

Owns: which side may move a request from which status to which (`TRANSITIONS`,
`allowed_transitions`), which statuses answer or complete a request, and the legal bases: which
treaty provisions can carry which type of request (`LEGAL_BASES`, looked up in the registry by
the selectors), how a requester names the basis it relies on (`legal_basis_parse`) and how a
request's basis is shown (`legal_basis_label`). Which fields of a case may be shared is the
cases app's rule (`palermo.cases.sharing`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from palermo.cooperation import choices as c
from palermo.cooperation.models import Request
from palermo.core.errors import ApplicationError

RS = c.RequestStatus
REQUESTER, REQUESTED = c.Side.REQUESTER, c.Side.REQUESTED

# Which side may move a request from which status to which. Sent -> received is the other
# node's automatic acknowledgement; draft -> sent is request_send.
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    REQUESTER: {
        RS.SENT: frozenset({RS.WITHDRAWN}),
        RS.RECEIVED: frozenset({RS.WITHDRAWN}),
        RS.ACCEPTED: frozenset({RS.WITHDRAWN}),
        # "received" again: the information asked for was provided.
        RS.MORE_INFO_REQUESTED: frozenset({RS.RECEIVED, RS.WITHDRAWN}),
        RS.EXECUTED: frozenset({RS.CLOSED}),
        RS.PARTIALLY_EXECUTED: frozenset({RS.CLOSED}),
        RS.REFUSED: frozenset({RS.CLOSED}),
        RS.WITHDRAWN: frozenset({RS.CLOSED}),
    },
    REQUESTED: {
        RS.RECEIVED: frozenset({RS.ACCEPTED, RS.MORE_INFO_REQUESTED, RS.REFUSED}),
        RS.MORE_INFO_REQUESTED: frozenset({RS.ACCEPTED, RS.REFUSED}),
        RS.ACCEPTED: frozenset(
            {RS.EXECUTED, RS.PARTIALLY_EXECUTED, RS.REFUSED, RS.MORE_INFO_REQUESTED}
        ),
        RS.PARTIALLY_EXECUTED: frozenset({RS.EXECUTED, RS.CLOSED}),
        RS.EXECUTED: frozenset({RS.CLOSED}),
        RS.REFUSED: frozenset({RS.CLOSED}),
        RS.WITHDRAWN: frozenset({RS.CLOSED}),
    },
}
RESPONSES = frozenset({RS.ACCEPTED, RS.MORE_INFO_REQUESTED, RS.REFUSED})
COMPLETIONS = frozenset({RS.EXECUTED, RS.PARTIALLY_EXECUTED, RS.REFUSED, RS.WITHDRAWN})


def allowed_transitions(request: Request) -> set[str]:
    """What this node's side may do next with the request (for pages and the API)."""
    return set(TRANSITIONS[request.side].get(request.status, frozenset()))


def remote_transitions(request: Request, current: str) -> frozenset[str]:
    """What the other node's side may do from `current` (checked on what it sends)."""
    other = REQUESTED if request.direction == c.Direction.OUTGOING else REQUESTER
    return TRANSITIONS[other].get(current, frozenset())


# --- legal bases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Basis:
    instrument: str  # registry slug
    article: str
    note: str


# Which provisions can carry which request. The instruments are looked up in the registry;
# one both states are bound by (and in force for both) on the request date is suggested.
LEGAL_BASES: dict[str, tuple[Basis, ...]] = {
    c.RequestType.MLA: (
        Basis("untoc", "art. 18", "Mutual legal assistance"),
        Basis("uncac", "art. 46", "Mutual legal assistance (corruption-related offences)"),
        Basis("saarc-trafficking-convention", "art. VI", "Mutual legal assistance"),
        Basis("coe-trafficking-convention", "art. 32", "International co-operation"),
    ),
    c.RequestType.EXTRADITION: (
        Basis("untoc", "art. 16", "Extradition"),
        Basis("uncac", "art. 44", "Extradition (corruption-related offences)"),
        Basis("saarc-trafficking-convention", "art. VII", "Extradition or prosecution"),
        Basis("coe-trafficking-convention", "art. 32", "International co-operation"),
    ),
    c.RequestType.JIT: (
        Basis("untoc", "art. 19", "Joint investigations"),
        Basis("uncac", "art. 49", "Joint investigations"),
        Basis("coe-trafficking-convention", "art. 32", "International co-operation"),
    ),
    c.RequestType.INFORMATION: (
        Basis("trafficking-protocol", "art. 10", "Information exchange"),
        Basis("untoc", "art. 27", "Law enforcement cooperation"),
        Basis("coe-trafficking-convention", "art. 34", "Information"),
    ),
    c.RequestType.RETURN_VERIFICATION: (
        Basis(
            "trafficking-protocol",
            "art. 8",
            "Repatriation of victims (verification of nationality or residence, art. 8(3))",
        ),
        Basis("coe-trafficking-convention", "art. 16", "Repatriation and return of victims"),
        Basis("saarc-trafficking-convention", "art. IX", "Care, rehabilitation and repatriation"),
    ),
    c.RequestType.TRACING: (
        Basis(
            "untoc",
            "art. 27(1)(b)",
            "Inquiries on the identity, whereabouts and activities of persons",
        ),
        Basis("coe-trafficking-convention", "art. 33", "Endangered or missing persons"),
    ),
    c.RequestType.ASSETS: (
        Basis("untoc", "arts. 12-14", "Confiscation and seizure; international cooperation"),
        Basis("uncac", "arts. 51-57", "Asset recovery"),
        Basis("coe-trafficking-convention", "art. 23(3)", "Confiscation of proceeds"),
    ),
}
# Offered when no treaty binds both states.
FALLBACKS = (
    {
        "kind": c.LegalBasisKind.BILATERAL,
        "label": "Bilateral agreement or arrangement (state it in free text)",
    },
    {"kind": c.LegalBasisKind.RECIPROCITY, "label": "Reciprocity (no treaty applies)"},
)


def default_article(type_: str, instrument: str) -> str:
    """The article of `instrument` that carries this type of request ("" if none is listed)."""
    return next((b.article for b in LEGAL_BASES.get(type_, ()) if b.instrument == instrument), "")


@dataclass(frozen=True)
class LegalBasisChoice:
    """What the requester relies on: an instrument (slug, article), a bilateral agreement
    (text), reciprocity, or `suggested` (the first instrument the registry suggests)."""

    kind: str
    instrument: str | None = None
    article: str = ""
    text: str = ""


SUGGESTED = "suggested"


def legal_basis_parse(value: str) -> LegalBasisChoice:
    """`untoc`, `untoc:art. 18`, `bilateral:TEXT`, `reciprocity` or `suggested`."""
    text = (value or "").strip()
    head, _sep, rest = text.partition(":")
    head = head.strip().lower()
    if head == SUGGESTED:
        return LegalBasisChoice(SUGGESTED)
    if head == c.LegalBasisKind.RECIPROCITY:
        return LegalBasisChoice(c.LegalBasisKind.RECIPROCITY, text=rest.strip())
    if head == c.LegalBasisKind.BILATERAL:
        return LegalBasisChoice(c.LegalBasisKind.BILATERAL, text=rest.strip())
    if not head:
        raise ApplicationError(
            _(
                "Give a legal basis: an instrument slug (untoc, untoc:art. 18), "
                "bilateral:TEXT, reciprocity or suggested."
            ),
            code="legal_basis_required",
        )
    return LegalBasisChoice(c.LegalBasisKind.INSTRUMENT, instrument=head, article=rest.strip())


def legal_basis_label(request: Request) -> str:
    """The basis a request relies on, as people read it ("UNTOC art. 18", "Reciprocity" ...)."""
    if request.legal_basis_kind == c.LegalBasisKind.INSTRUMENT and request.legal_basis_instrument:
        return "{} {}".format(
            request.legal_basis_instrument.short_name, request.legal_basis_article
        ).strip()
    if request.legal_basis_kind == c.LegalBasisKind.BILATERAL:
        return _("Bilateral: {}").format(request.legal_basis_text)
    if request.legal_basis_kind == c.LegalBasisKind.RECIPROCITY:
        return _("Reciprocity")
    if request.legal_basis_kind == c.LegalBasisKind.INSTRUMENT:
        return request.legal_basis_text
    return ""
