"""What happened to a round, for whoever listens: the round sent, a reply submitted, a reply
reviewed by the secretariat (a clarification asked, accepted, sent back). The services emit
these inside their transaction; `remote` listens and carries them to the other node."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Listener = Callable[..., None]
_listeners: dict[str, list[Listener]] = {}

# The kinds of the envelopes that carry them between nodes (see `remote`).
KIND_ROUND = "monitoring.round"
KIND_REPLY = "monitoring.reply"
KIND_REVIEW = "monitoring.review"
KINDS = (KIND_ROUND, KIND_REPLY, KIND_REVIEW)

ROUND_SENT = "round_sent"  # round_, submissions
REPLY_SUBMITTED = "reply_submitted"  # submission
REPLY_REVIEWED = "reply_reviewed"  # submission, action, text, question


def listen(event: str, listener: Listener) -> None:
    """Call `listener(**details)` whenever `event` happens (once per listener)."""
    found = _listeners.setdefault(event, [])
    if listener not in found:
        found.append(listener)


def emit(event: str, **details: Any) -> None:
    for listener in _listeners.get(event, []):
        listener(**details)
