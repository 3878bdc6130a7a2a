"""What other apps have to tell whoever opens a case (issue 18: two offline edits of the same
field, both kept until a person decides). The cases app does not know those apps: each
registers a provider here from its `AppConfig.ready` (`provider_register`), which gives, for a
case and a user who may see it, the notices to show at the top of the case's page, each with
the page where it is dealt with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from palermo.cases.models import Case
from palermo.core.models import User


@dataclass(frozen=True)
class Notice:
    text: str
    url: str


Provider = Callable[[User, Case], list[Notice]]
_PROVIDERS: dict[str, Provider] = {}


def provider_register(name: str, provider: Provider) -> None:
    _PROVIDERS[name] = provider


def notices(user: User, case: Case) -> list[Notice]:
    out: list[Notice] = []
    for provider in _PROVIDERS.values():
        out.extend(provider(user, case))
    return out
