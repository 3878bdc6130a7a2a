"""How long the free text of the request workflow may be: one set of limits for the models,
the API, the forms and the envelopes between nodes (so a node never accepts from a user what the
other node would refuse, nor refuses what its peer may send).

- `LETTER_MAX`: a request's description and a message's text. These carry statements of facts
  and summaries of evidence, longer than the platform's usual `TEXT_MAX`; the limit is the one
  the envelopes have carried since the first version of the protocol.
- `TEXT_MAX` (palermo.core.textlimits): a transition's note (a refusal's grounds in full) and
  a legal basis as stated on a request.
- `BASIS_MAX`: the legal basis stated for sharing a victim's identifying data in a case extract.
- `NOTE_MAX` (palermo.core.textlimits): a note when forwarding a message; the last delivery
  error of an outbound message.
"""

from __future__ import annotations

from palermo.core.textlimits import NOTE_MAX, TEXT_MAX

LETTER_MAX = 100_000
BASIS_MAX = 2_000

__all__ = ["BASIS_MAX", "LETTER_MAX", "NOTE_MAX", "TEXT_MAX"]
