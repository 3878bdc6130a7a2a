"""The data demo cases are drawn from: invented names and the trafficking routes.

Owns reading `palermo/cases/data/demo_routes.yaml` (once) into `Names`, `Route` and `Profile`,
and checking it on load: every code must be a value of its HTCDS (or Palermo) code list, every
country an ISO 3166-1 alpha-3 code, every route's names a locale of the file; a mistake stops
the load with the file, the place in it and what is wrong.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext as _

from palermo.cases import htcds as h

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "demo_routes.yaml"
CODE3_RE = re.compile(r"^[A-Z]{3}$")  # ISO 3166-1 alpha-3, ISO 4217
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class Names:
    """Given and family names in one script; `family_first` for the order used in that locale."""

    script: str
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    family_first: bool = False


@dataclass(frozen=True)
class Profile:
    """A form of exploitation on a route."""

    weight: int
    exploitation: tuple[str, ...]
    female: float
    child: float
    sex: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    control: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    """Countries with places, from recruitment through transit to exploitation."""

    key: str
    weight: int
    legs: tuple[tuple[str, tuple[str, ...]], ...]
    names: str
    languages: tuple[str, ...]
    recruitment: tuple[str, ...]
    profiles: tuple[Profile, ...]
    websites: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoData:
    """Everything in the data file."""

    names: dict[str, Names]
    nicknames: tuple[str, ...]
    routes: tuple[Route, ...]
    currency: dict[str, str]

    def countries(self) -> set[str]:
        """Every country a route passes through."""
        return {country for route in self.routes for country, _places in route.legs}


class _Reader:
    """Reads one part of the file, naming where it is when something is wrong."""

    def __init__(self, data: Any, where: str, file_name: str) -> None:
        self.data = data
        self.where = where
        self.file_name = file_name

    def part(self, data: Any, where: str) -> _Reader:
        return _Reader(data, where, self.file_name)

    def fail(self, problem: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(
            _("{}: {}: {}").format(self.file_name, self.where or _("top level"), problem)
        )

    def mapping(self) -> dict[str, Any]:
        if not isinstance(self.data, dict):
            raise self.fail(_("expected a mapping"))
        return self.data

    def at(self, key: str, *, default: Any = None, required: bool = True) -> _Reader:
        data = self.mapping()
        if key not in data and required:
            raise self.fail(_("'{}' is missing").format(key))
        where = "{}.{}".format(self.where, key) if self.where else key
        return self.part(data.get(key, default), where)

    def text(self) -> str:
        if not isinstance(self.data, str) or not self.data.strip():
            raise self.fail(_("expected text"))
        return self.data

    def texts(self) -> tuple[str, ...]:
        if not isinstance(self.data, list):
            raise self.fail(_("expected a list"))
        return tuple(
            self.part(v, "{}[{}]".format(self.where, i)).text() for i, v in enumerate(self.data)
        )

    def items(self) -> list[_Reader]:
        if not isinstance(self.data, list) or not self.data:
            raise self.fail(_("expected a list that is not empty"))
        return [self.part(v, "{}[{}]".format(self.where, i)) for i, v in enumerate(self.data)]

    def weight(self) -> int:
        if isinstance(self.data, bool) or not isinstance(self.data, int) or self.data < 1:
            raise self.fail(_("expected a whole number of at least 1"))
        return self.data

    def share(self) -> float:
        if isinstance(self.data, bool) or not isinstance(self.data, int | float):
            raise self.fail(_("expected a number from 0 to 1"))
        if not 0 <= self.data <= 1:
            raise self.fail(_("expected a number from 0 to 1"))
        return float(self.data)

    def codes(self, choices: type[models.TextChoices]) -> tuple[str, ...]:
        values = self.texts()
        unknown = [v for v in values if v not in choices.values]
        if unknown:
            raise self.fail(
                _("unknown code(s) {} (not values of {})").format(
                    ", ".join(unknown), choices.__name__
                )
            )
        return values

    def country(self) -> str:
        value = self.text()
        if not CODE3_RE.match(value):
            raise self.fail(_("'{}' is not an ISO 3166-1 alpha-3 code").format(value))
        return value

    def currency(self) -> str:
        value = self.text()
        if not CODE3_RE.match(value):
            raise self.fail(_("'{}' is not an ISO 4217 code").format(value))
        return value


def _names(r: _Reader) -> Names:
    names = Names(
        script=r.at("script").text(),
        female=r.at("female").texts(),
        male=r.at("male").texts(),
        family=r.at("family", default=[], required=False).texts(),
        family_first=bool(r.at("family_first", default=False, required=False).data),
    )
    if not names.female or not names.male:
        raise r.fail(_("female and male names are needed"))
    return names


def _profile(r: _Reader) -> Profile:
    return Profile(
        weight=r.at("weight").weight(),
        exploitation=r.at("exploitation").codes(h.TypeOfExploitation),
        female=r.at("female").share(),
        child=r.at("child").share(),
        sex=r.at("sex", default=[], required=False).codes(h.TypeOfSexExploitation),
        industries=r.at("industries", default=[], required=False).codes(h.ForcedLabourIndustry),
        control=r.at("control", default=[], required=False).codes(h.MethodOfControl),
    )


def _route(r: _Reader, names: dict[str, Names]) -> Route:
    locale = r.at("names").text()
    if locale not in names:
        raise r.fail(_("names '{}' is not a locale under names").format(locale))
    languages = r.at("languages").texts()
    bad = [code for code in languages if not LANGUAGE_RE.match(code)]
    if not languages or bad:
        raise r.fail(_("languages must be ISO 639 codes, not {}").format(", ".join(bad) or "[]"))
    legs = tuple(
        (leg.at("country").country(), leg.at("places").texts()) for leg in r.at("legs").items()
    )
    if len(legs) < 2 or any(not places for _country, places in legs):
        raise r.fail(_("a route needs two legs or more, each with places"))
    return Route(
        key=r.at("key").text(),
        weight=r.at("weight").weight(),
        legs=legs,
        names=locale,
        languages=languages,
        recruitment=r.at("recruitment").codes(h.MethodOfRecruitment),
        profiles=tuple(_profile(p) for p in r.at("profiles").items()),
        websites=r.at("websites", default=[], required=False).codes(h.WebsiteOrApp),
    )


def demo_data_read(path: Path = DATA_FILE) -> DemoData:
    """Read and check the data file (ImproperlyConfigured says where it is wrong)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ImproperlyConfigured(_("{}: not valid YAML ({})").format(path.name, exc)) from exc
    top = _Reader(raw, "", path.name)
    names = {
        str(key): _names(top.part(value, "names.{}".format(key)))
        for key, value in top.at("names").mapping().items()
    }
    routes = tuple(_route(r, names) for r in top.at("routes").items())
    keys = [route.key for route in routes]
    if len(set(keys)) != len(keys):
        raise top.fail(_("two routes have the same key"))
    currency = {}
    for country, code in top.at("currency").mapping().items():
        where = "currency.{}".format(country)
        currency[top.part(country, where).country()] = top.part(code, where).currency()
    return DemoData(
        names=names,
        nicknames=top.at("nicknames").texts(),
        routes=routes,
        currency=currency,
    )


@functools.cache
def demo_data() -> DemoData:
    """The data file, read and checked once per process."""
    return demo_data_read()
