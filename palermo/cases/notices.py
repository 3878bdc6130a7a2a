"""What other apps have to tell whoever opens a case (issue 18: two offline edits of the same
field, both kept until a person decides). The cases app does not know those apps: each
registers a provider here from its `AppConfig.ready` (`provider_register`), which gives, for a
user's access to a case (the case and what they may do with it, as the page worked it out),
the notices to show at the top of the case's page, each with the page where it is dealt
with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from palermo.cases.access import CaseAccess


@dataclass(frozen=True)
class Notice:
    text: str
    url: str


Provider = Callable[[CaseAccess], list[Notice]]
_PROVIDERS: dict[str, Provider] = {}


def provider_register(name: str, provider: Provider) -> None:
    _PROVIDERS[name] = provider


def notices(access: CaseAccess) -> list[Notice]:
    out: list[Notice] = []
    for provider in _PROVIDERS.values():
        out.extend(provider(access))
    return out
