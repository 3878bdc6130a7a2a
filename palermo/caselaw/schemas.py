"""The case law's documented JSON (issue 17): one decision as the API takes and gives it, and the
file `palermo caselaw import|export` reads and writes (`{"format": "palermo-caselaw/1",
"decisions": [...]}`). The README maps each part to SHERLOC's sections."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints, field_validator

from palermo.caselaw import choices as c
from palermo.cases.htcds import TypeOfExploitation
from palermo.core.textlimits import Note, Text

FORMAT = "palermo-caselaw/1"
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


def _among(values: list[str], allowed: list[str], what: str) -> list[str]:
    wrong = sorted(set(values) - set(allowed))
    if wrong:
        raise ValueError("not {}: {}".format(what, ", ".join(wrong)))
    return sorted(set(values), key=values.index)


class CourtIn(Schema):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    country: str | None = Field(None, description="ISO 3166-1 alpha-3; null for a regional court")
    mechanism: str | None = Field(None, description="The registry's mechanism acronym (COE)")
    level: c.Instance


class SummaryIn(Schema):
    language: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=8)]
    title: Short = ""
    facts: Text
    reasoning: Text = ""


class CountryIn(Schema):
    country: str = Field(description="ISO 3166-1 alpha-3")
    role: c.CountryRole


class PartyIn(Schema):
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    role: c.PartyRole


class FindingIn(Schema):
    party: str = Field(description="The label of one of the decision's parties")
    provision: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
    ]
    legislation: int | None = Field(
        None, ge=1, le=2**31 - 1, description="The registry's legislation id"
    )
    outcome: c.Outcome
    custody_months: int | None = Field(None, ge=0, le=12 * 150)
    suspended_months: int | None = Field(None, ge=0, le=12 * 150)
    fine: Money | None = None
    confiscation: Money | None = None
    compensation_ordered: Money | None = None
    compensation_paid: Money | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^([A-Z]{3})?$")] = ""
    notes: Note = ""


class CaselawSourceIn(Schema):
    document: str = Field(
        description="A document's key (the registry's documents), or a new one's key"
    )
    locator: Short = ""
    title: Short = Field("", description="A new document: its title")
    url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    publisher: Short = ""
    date: dt.date | None = None


class ElementsIn(Schema):
    """The elements of the Protocol's definition (art. 3(a)) the court found present."""

    acts: list[c.Act] = []
    means: list[c.Means] = []
    purposes: list[c.Purpose] = []


class CourtDecisionIn(Schema):
    key: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9-]{0,119}$")
    ] = Field(description="A stable key, e.g. echr-rantsev-2010 (lower case, digits, hyphens)")
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    court: CourtIn
    decided_on: dt.date
    case_number: Code
    neutral_citation: Short = ""
    instance: c.Instance
    appeal_of: str | None = Field(None, description="The key of the decision appealed")
    language: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=8)]
    status: c.Status = c.Status.DRAFT
    forms: list[str] = Field([], description="HTCDS types of exploitation")
    elements: ElementsIn = ElementsIn()
    keywords: list[str] = Field([], description="Codes of the vocabulary's keywords")
    countries: list[CountryIn] = []
    parties: list[PartyIn] = []
    findings: list[FindingIn] = []
    summaries: list[SummaryIn] = Field(min_length=1)
    sources: list[CaselawSourceIn] = []

    @field_validator("forms")
    @classmethod
    def _forms(cls, value: list[str]) -> list[str]:
        return _among(value, list(TypeOfExploitation.values), "an HTCDS type of exploitation")


class FileIn(Schema):
    format: str
    decisions: list[CourtDecisionIn]


class DecisionRow(Schema):
    """A decision in a list or a search's results."""

    id: uuid.UUID
    key: str
    title: str
    court: str
    country: str | None
    decided_on: dt.date
    case_number: str
    instance: str
    status: str
    outcomes: list[str]


class FacetValue(Schema):
    value: str
    label: str
    count: int


class SearchOut(Schema):
    count: int
    items: list[DecisionRow]
    facets: dict[str, list[FacetValue]]
