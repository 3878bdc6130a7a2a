"""Handling codes: what the receiving node may do with content that came from another node.

A message carries the originator's evaluation (source reliability A-E/X, information
assessment 1-5) and handling restrictions, modelled on the 3x5x2 / 4x4 intelligence handling
codes. On the node that received it, these operations are checked before they happen:

- `forward` (to another request or node): refused when marked `no_further_dissemination`;
- `share` (with another organisation here): refused when marked `no_further_dissemination`,
  or `law_enforcement_only` and that organisation is not a government agency;
- `export` (a copy out of Palermo): refused when marked `no_further_dissemination`;
- `court` (an export for use as evidence): refused when marked `no_further_dissemination` or
  `not_for_court`.

Content written on this node is never restricted for this node: the originator decides.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from palermo.cooperation.choices import Direction, HandlingCode
from palermo.cooperation.models import Message
from palermo.core.choices import OrganisationKind
from palermo.core.errors import ApplicationError
from palermo.core.models import Organisation

FORWARD = "forward"
SHARE = "share"
EXPORT = "export"
COURT = "court"
OPERATIONS = (FORWARD, SHARE, EXPORT, COURT)

BLOCKS: dict[str, frozenset[str]] = {
    FORWARD: frozenset({HandlingCode.NO_FURTHER_DISSEMINATION}),
    SHARE: frozenset({HandlingCode.NO_FURTHER_DISSEMINATION}),
    EXPORT: frozenset({HandlingCode.NO_FURTHER_DISSEMINATION}),
    COURT: frozenset({HandlingCode.NO_FURTHER_DISSEMINATION, HandlingCode.NOT_FOR_COURT}),
}
LAW_ENFORCEMENT_KINDS = frozenset({OrganisationKind.GOVERNMENT})
# Whole sentences per operation (a translation cannot fit a participle into one sentence).
REFUSALS = {
    FORWARD: gettext_lazy(
        "Message %(message)s from %(author)s (%(handling)s) may not be forwarded: it is marked "
        "%(codes)s. Ask the originator for permission."
    ),
    SHARE: gettext_lazy(
        "Message %(message)s from %(author)s (%(handling)s) may not be shared: it is marked "
        "%(codes)s. Ask the originator for permission."
    ),
    EXPORT: gettext_lazy(
        "Message %(message)s from %(author)s (%(handling)s) may not be exported: it is marked "
        "%(codes)s. Ask the originator for permission."
    ),
    COURT: gettext_lazy(
        "Message %(message)s from %(author)s (%(handling)s) may not be exported for use in "
        "court: it is marked %(codes)s. Ask the originator for permission."
    ),
}


class HandlingRestricted(ApplicationError):
    """The originator's handling code forbids this operation on this content."""

    status = 403

    def __init__(self, detail: str) -> None:
        super().__init__(detail, "handling_restricted")


def is_law_enforcement(organisation: Organisation | None) -> bool:
    return organisation is not None and organisation.kind in LAW_ENFORCEMENT_KINDS


def restrictions(message: Message, operation: str, target: Organisation | None = None) -> list[str]:
    """The handling codes of `message` that forbid `operation` here (empty: allowed)."""
    if operation not in BLOCKS:
        raise ValueError(operation)
    if message.direction != Direction.INCOMING:
        return []
    codes = set(message.handling_codes)
    hit = sorted(codes & BLOCKS[operation])
    if (
        operation == SHARE
        and HandlingCode.LAW_ENFORCEMENT_ONLY in codes
        and not is_law_enforcement(target)
    ):
        hit.append(HandlingCode.LAW_ENFORCEMENT_ONLY)
    return hit


def allowed(message: Message, operation: str, target: Organisation | None = None) -> bool:
    """For pages: whether to offer the operation at all."""
    return not restrictions(message, operation, target)


def check(messages: Iterable[Message], operation: str, target: Organisation | None = None) -> None:
    """Raise HandlingRestricted naming the first message and code that forbid `operation`."""
    for message in messages:
        hit = restrictions(message, operation, target)
        if hit:
            labels = "; ".join("{} ({})".format(code, HandlingCode(code).label) for code in hit)
            raise HandlingRestricted(
                REFUSALS[operation]
                % {
                    "message": str(message.pk)[:8],
                    "author": message.author_name or _("the other node"),
                    "handling": message.handling_label,
                    "codes": labels,
                }
            )
