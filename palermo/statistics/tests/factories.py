"""Test data for the statistics app.

- `enter`: a country's draft figures, entered through the service (as a coordinator would);
- `colleague`: a second national coordinator of a coordinator's organisation (the one who
  validates what the first submitted: separation of duties);
- `victim`: a victim in a case record, through the cases services (as a case worker would);
- `PublicValueFactory`: a public figure as an import of a published source (GLOTIP) writes it;
- `PublicationFactory`: a frozen table with suppressed cells;
- `OrganisationFactory`: an organisation of a country (for users and cooperation peers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import factory

from palermo.cases import services as case_services
from palermo.cases.models import Person
from palermo.core.choices import OrganisationKind
from palermo.core.models import Organisation, User
from palermo.core.tests.factories import UserFactory
from palermo.statistics.choices import PublicationMethod, ValueOrigin, ValueStatus
from palermo.statistics.models import DataSet, Indicator, Publication, Value
from palermo.statistics.periods import parse_period
from palermo.statistics.services import CellInput, values_enter


def enter(
    user: User,
    cells: Mapping[str, int | str | None],
    *,
    country: str = "BWA",
    period: str = "2023",
    dataset: str = "tip-annual",
    **kw: Any,
) -> list[Value]:
    """Enter `{cell id: value}` as draft figures."""
    return values_enter(
        actor=user,
        dataset=dataset,
        country=country,
        period=period,
        cells=[CellInput(cell=c, value=v, **kw) for c, v in cells.items()],
    )


def colleague(user: User) -> User:
    """Another national coordinator of `user`'s organisation (made the first time)."""
    username = "{}-colleague".format(user.username)
    found = User.objects.filter(username=username).first()
    if found is not None:
        return found
    return UserFactory.create(username=username, organisation=user.organisation, role=user.role)


def victim(
    worker: User,
    opened: dt.date,
    *,
    gender: str = "Feminine",
    age: int = 25,
    cit: Sequence[str] = ("ZWE",),
    forms: Sequence[str] = ("SexualExploitation",),
    route: Sequence[tuple[str, str]] = (),
) -> Person:
    """A victim in a case the worker opens on `opened`, moved along `route` (event, country)."""
    case = case_services.case_open(actor=worker, opened_on=opened, title="t")
    person = case_services.person_add(
        actor=worker,
        case=case,
        role="victim",
        gender=gender,
        age_at_registration=age,
        citizenship=list(cit),
        types_of_exploitation=list(forms),
    )
    for event, country in route:
        case_services.movement_add(
            actor=worker, person=person, event_type=event, country=country, date=opened
        )
    return person


# A consistent set: victims by sex and age add up to the total; prosecutions above convictions.
GOOD: dict[str, int | str | None] = {
    "victims_detected": 20,
    "victims_detected:sex=F:age_group=Y0T17": 6,
    "victims_detected:sex=F:age_group=Y_GE18": 8,
    "victims_detected:sex=M:age_group=Y0T17": 2,
    "victims_detected:sex=M:age_group=Y_GE18": 4,
    "persons_prosecuted": 9,
    "persons_convicted": 5,
}


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    """A government organisation of Botswana (give `name`, `country_id`, `kind`)."""

    class Meta:
        model = Organisation

    name = "Test organisation"
    kind = OrganisationKind.GOVERNMENT
    country_id = "BWA"


class PublicValueFactory(factory.django.DjangoModelFactory[Value]):
    """A public, published figure of a GLOTIP-like import of Italy, 2019.

    `figure` is a count or a masked text such as "<5"; `indicator_code` names the indicator
    (victims detected); the dimensions are totals unless given (`citizenship="NGA"`)."""

    class Meta:
        model = Value

    country_id = "ITA"
    period = "2019"
    origin = ValueOrigin.GLOTIP
    public = True
    status = ValueStatus.PUBLISHED

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        # Computed here rather than with factory_boy's lazy declarations, which are untyped.
        figure = kwargs.pop("figure", 10)
        code = kwargs.pop("indicator_code", "victims_detected")
        period = parse_period(kwargs["period"])
        masked = isinstance(figure, str)
        kwargs.setdefault("dataset", DataSet.objects.get(code="glotip"))
        kwargs.setdefault("indicator", Indicator.objects.get(code=code))
        kwargs.update(
            period=period.text,
            period_start=period.start,
            period_end=period.end,
            year=period.year,
            value=None if masked else figure,
            value_text=str(figure),
            masked=masked,
        )
        return kwargs


class PublicationFactory(factory.django.DjangoModelFactory[Publication]):
    """A frozen suppressed table of victims in Botswana by sex, 2023: F is a small cell, M
    protects it, the total (17) is published. Give `created_by`."""

    class Meta:
        model = Publication

    key = "bwa-victims-2023"
    version = 1
    title = "Victims detected in Botswana by sex, 2023"
    country_id = "BWA"
    period = "2023"
    method = PublicationMethod.SUPPRESSION
    information_loss = 0.35
    digest = "0" * 64
    basis = "validated"

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        # Fresh lists and rows per publication (factory_boy's lazy declarations are untyped).
        kwargs.setdefault("dataset", DataSet.objects.get(code="tip-annual"))
        kwargs.setdefault("indicator", Indicator.objects.get(code="victims_detected"))
        kwargs.setdefault("dimensions", ["sex"])
        kwargs.setdefault("parameters", {"threshold": 5, "secondary": "milp"})
        kwargs.setdefault(
            "cells",
            [
                {"key": ["F"], "value": None, "flag": "primary"},
                {"key": ["M"], "value": None, "flag": "secondary"},
                {"key": ["_T"], "value": 17, "flag": ""},
            ],
        )
        return kwargs
